"""The public release's own root: what a public notebook may read, and nothing else.

A public report runs on a kernel whose project root (``SOCINNOV_ROOT``) is a private temporary
folder written by the build just before: for the cohort, one file holding the answers of its
:class:`~socinnov.privacy.aggregates.PublicCohort` computed in the building process (every
table, map count and list the public notebooks draw, under disclosure control), the call, the
sections available, and the map outlines. No jury-level table is in that root: in a public
notebook, ``load_cohort(…, audience="jury")`` is refused, a cell reading the processed data finds
none, and the object the notebook receives (:class:`PublishedCohort`) holds answers only —
unlike ``PublicCohort``, which must keep the jury-level tables to compute them.

The answers are pickled: the file is written by the build into a folder only its user can read
and read back by the kernel it starts, never exchanged.
"""

from __future__ import annotations

import copy
import os
import pickle
import shutil
from pathlib import Path

from socinnov import config, files
from socinnov.call.grids import ACCEPTABILITY, Grid, load_grid
from socinnov.call.settings import Call, call_from_dict
from socinnov.call.vocabulary import INDIVIDUAL
from socinnov.errors import UserError
from socinnov.privacy import audiences

PUBLIC_ROOT_ENV = "SOCINNOV_PUBLIC_ROOT"
"""Set (to ``1``) in the environment of a public kernel, whose ``SOCINNOV_ROOT`` is the release's root."""
FILE = "publication.pickle"
PROFILES = ("legal_group", "stage", "departement")
_ANSWERS = ("funnel", "innovation_types", "departement_counts", "amounts", "granted_by_departement",
            "level_distribution", "laureates", "laureate_details", "consent_counts")


class PublicRootError(UserError, PermissionError):
    """A public notebook asking for what its root does not hold."""

    hint = "un rapport public ne lit que les agrégats publiés : load_cohort(cohorte, audience=\"public\")"


def in_public_root() -> bool:
    return os.environ.get(PUBLIC_ROOT_ENV) == "1"


class PublishedCohort:
    """A ``PublicCohort``'s answers, without its tables: the same methods, each giving back what
    was computed for the release (a copy); an answer that failed fails again, the same way."""

    audience = audiences.PUBLIC

    def __init__(self, name: str, call: dict, min_count: int, available: frozenset[str], answers: dict):
        self.name = name
        self.min_count = min_count
        self._call = call
        self._available = available
        self._answers = answers

    def __repr__(self) -> str:
        return f"PublishedCohort({self.name!r}, seuil={self.min_count})"

    def _get(self, key):
        if key not in self._answers:
            raise PublicRootError(f"« {key[0] if isinstance(key, tuple) else key} » n'a pas été préparé pour "
                                  f"la publication de la cohorte « {self.name} »")
        value = self._answers[key]
        if isinstance(value, BaseException):
            raise value
        return copy.deepcopy(value)

    def available(self) -> frozenset[str]:
        return self._available

    @property
    def call(self) -> Call:
        return call_from_dict(self._call)

    def grid(self, grid_id: str = ACCEPTABILITY) -> Grid:
        return load_grid(grid_id, self.call.grid_versions[grid_id])

    def profile(self, by: str):
        return self._get(("profile", by))

    def agreement(self, grid_id: str = ACCEPTABILITY, *, n_boot: int = 1000, seed: int = 0):
        return self._get(("agreement", grid_id, n_boot, seed))

    def level_distribution(self, grid_id: str = ACCEPTABILITY, *, round: str = INDIVIDUAL):
        return self._get(("level_distribution", grid_id, round))


def _method(name: str):
    def answer(self):
        return self._get(name)
    answer.__name__ = name
    answer.__doc__ = f"The release's answer to ``PublicCohort.{name}()``."
    return answer


for _name in _ANSWERS:
    if _name != "level_distribution":
        setattr(PublishedCohort, _name, _method(_name))


def _ask(call):
    try:
        return call()
    except Exception as exc:  # noqa: BLE001 -- replayed in the notebook, where it is reported as before
        return exc


def published(public, *, agreements: list[dict] = ()) -> PublishedCohort:
    """Every answer of ``public`` (a ``PublicCohort``) the public notebooks may ask for;
    ``agreements``: the bootstrap parameters (``n_boot``, ``seed``) they run with."""
    answers = {name: _ask(getattr(public, name)) for name in _ANSWERS if name != "level_distribution"}
    answers |= {("profile", by): _ask(lambda by=by: public.profile(by)) for by in PROFILES}
    answers[("level_distribution", ACCEPTABILITY, INDIVIDUAL)] = _ask(public.level_distribution)
    for p in agreements:
        answers[("agreement", ACCEPTABILITY, p["n_boot"], p["seed"])] = _ask(
            lambda p=p: public.agreement(n_boot=p["n_boot"], seed=p["seed"]))
    return PublishedCohort(public.name, public.manifest["call"], public.min_count, public.available(), answers)


def write_root(public, *, agreements: list[dict] = ()) -> Path:
    """A new private root holding the release of ``public`` and the map outlines; the caller
    removes it (:func:`remove_root`) once the public notebooks have run."""
    import tempfile

    root = Path(tempfile.mkdtemp(prefix="socinnov-publication-"))  # mode 0700
    target = root / "data" / "processed" / public.name / FILE
    target.parent.mkdir(parents=True)
    files.write_bytes(target, pickle.dumps(published(public, agreements=agreements)))
    external = root / "data" / "external"
    external.mkdir(parents=True)
    outlines = config.departements_geojson()
    if outlines.exists():
        shutil.copy(outlines, external / outlines.name)
    return root


def remove_root(root: Path) -> None:
    shutil.rmtree(root, ignore_errors=True)


def read(cohort: str, audience: str) -> PublishedCohort:
    """In a public kernel: the release of ``cohort``; any other audience is refused."""
    if audience != audiences.PUBLIC:
        raise PublicRootError(f"rapport public : les données du public « {audience} » ne sont pas accessibles ici")
    path = config.processed_dir(Path(cohort).name) / FILE
    if not path.exists():
        raise PublicRootError(f"aucune publication préparée pour la cohorte « {cohort} »")
    return pickle.loads(path.read_bytes())
