"""``socinnov ingest COHORT``: validate ``data/raw/COHORT`` and write ``data/processed/COHORT``.

All or nothing: every problem of every file is reported at once (file, row, column, what is
allowed) and nothing is written; on success the processed folder is replaced in one rename,
so a reader never sees half of it. Raw files are only ever read.

Several processes may want the same cohort at once (the report kernels of a parallel build,
a user's JupyterLab): an ingest holds an exclusive lock on ``data/processed/.COHORT.lock``
and readers (``socinnov.privacy.store.load_cohort``) a shared one, so one ingest runs at a time, the
others find the work done, and no reader sees the folder while it is being replaced.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd

from socinnov import __version__, config, files
from socinnov.call.eligibility import check_eligibility
from socinnov.call.grids import ACCEPTABILITY, GridError, load_grid
from socinnov.call.schemas import TABLES_BY_NAME, french_headers
from socinnov.call.settings import CALL_FILE, Call, call_to_dict, load_call, missing_call_note
from socinnov.call.vocabulary import FUNDED
from socinnov.errors import InputError, Problem
from socinnov.inputs.french_values import ANY_DATE, DateWindow, fold
from socinnov.inputs.sources import considered_files, find_sources, localise
from socinnov.inputs.tabular import load_tables
from socinnov.provenance import code_fingerprint

__all__ = ["MANIFEST", "cohort_lock", "ensure_ingested", "file_hashes", "ingest", "is_up_to_date", "raw_hashes",
           "resolve_cohort", "validate_cohort"]

MANIFEST = "manifest.json"


def resolve_cohort(cohort: str | Path) -> tuple[str, Path]:
    """A cohort name (folder under ``data/raw``) or a path to a cohort folder -> (name, folder)."""
    path = Path(cohort)
    if path.is_dir() and (len(path.parts) > 1 or not config.raw_dir(str(cohort)).is_dir()):
        return path.resolve().name, path.resolve()
    folder = config.raw_dir(str(cohort))
    if not folder.is_dir():
        known = sorted(p.name for p in config.raw_dir().iterdir() if p.is_dir()) if config.raw_dir().is_dir() else []
        raise InputError([Problem(str(cohort), None, None,
                                  f"cohorte introuvable dans {config.raw_dir()} ; cohortes présentes : "
                                  + (", ".join(known) or "aucune"))])
    return str(cohort), folder


def input_files(folder: Path) -> list[Path]:
    """The files ingest reads or reports (tables as .csv, .xlsx, .ods, workbooks, ``appel.yaml``, files
    it does not read but names): a file added, changed or removed makes the cohort ingested again."""
    return considered_files(folder)


def file_hashes(folder: Path, names: set[str] | None = None) -> dict[str, str]:
    """SHA-256 of each input file of ``folder`` (of those named in ``names``, if given)."""
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in input_files(folder)
            if names is None or p.name in names}


def file_stats(folder: Path) -> dict[str, list[int]]:
    """Size and modification time (ns) of each input file: a change to a file changes them."""
    return {p.name: [(st := p.stat()).st_size, st.st_mtime_ns] for p in input_files(folder)}


@contextmanager
def cohort_lock(name: str, *, exclusive: bool) -> Iterator[None]:
    """Exclusive (ingest) or shared (read) lock taken before a cohort's processed folder is
    replaced or read, across processes and threads (``flock`` locks belong to each ``open``).

    The lock is held on the ``data/processed`` folder itself, not on a lock file: a failed
    ingest must leave nothing behind. It is one lock for all cohorts (``name`` is kept for the
    day a finer one is needed): an ingest is rare and short, and readers share it. Where
    ``fcntl`` is missing (Windows), no lock: builds there should run with ``--jobs 1``.
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not on the platforms CI runs
        yield
        return
    root = config.processed_dir()
    root.mkdir(parents=True, exist_ok=True)
    fd = os.open(root, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        yield
    finally:
        os.close(fd)  # releases the lock


def _where(table: str, column: str) -> tuple[str, str]:
    t = TABLES_BY_NAME[table]
    return t.filename, french_headers(t.model)[column]


def _isin(values: pd.Series, reference) -> np.ndarray:
    """``values.isin(reference)`` as a boolean array. For Arrow strings, pandas 3 turns each reference
    value into an Arrow scalar in Python (0,06 s per 10 000 identifiers, and ingest checks a dozen
    columns against the dossiers): here Arrow does it all. Kept for speed, with the figures in
    ``docs/decisions.md``; anything but two Arrow string columns goes to pandas."""
    reference = pd.Series(list(reference) if isinstance(reference, (set, frozenset)) else reference)
    if isinstance(values.dtype, pd.StringDtype) and values.dtype.storage == "pyarrow" \
            and isinstance(reference.dtype, pd.StringDtype) and reference.dtype.storage == "pyarrow":
        import pyarrow as pa
        import pyarrow.compute as pc

        array = pa.chunked_array(pa.array(values.array))
        value_set = pa.chunked_array(pa.array(reference.array)).combine_chunks().cast(array.type)
        if not len(value_set):
            return np.zeros(len(values), dtype=bool)
        return np.array(pc.is_in(array, value_set=value_set), dtype=np.bool_)
    return values.isin(reference).to_numpy(dtype=bool)


def _missing_keys(frames, table: str, column: str, ref_table: str, ref_column: str) -> list[Problem]:
    df, ref = frames.get(table), frames.get(ref_table)
    if df is None or ref is None:
        return []
    values = df[column]
    missing = ~_isin(values, ref[ref_column])
    if not missing.any():
        return []
    file, header = _where(table, column)
    ref_file = TABLES_BY_NAME[ref_table].filename
    return [Problem(file, i + 2, header, f"« {v} » absent de {ref_file}") for i, v in values[missing].items()]


def _normalise_ratings(ratings: pd.DataFrame, call: Call) -> tuple[pd.DataFrame, list[Problem]]:
    """Map criterion labels to ids and levels to the grid's labels and codes (case and accents forgiven).

    Rows are taken grid version by grid version (a file uses one or two); a criterion that is not
    found keeps its text as written, a level not found is left empty.

    Works on codes: a national file has millions of ratings but a few dozen distinct criteria,
    levels and grid versions. Each distinct text is looked up once per grid version, into small
    tables (one row per grid version, one column per text) from which every row takes its values.
    """
    file = TABLES_BY_NAME["ratings"].filename
    headers = french_headers(TABLES_BY_NAME["ratings"].model)
    problems: list[Problem] = []
    version = ratings["grid_version"].astype(str)
    grid_codes, grid_ids = pd.factorize(ratings["grid"])
    version_codes, version_names = pd.factorize(version)
    # each (grid, version) used, numbered in the order of its first row
    used, pairs = pd.factorize(grid_codes * len(version_names) + version_codes)
    first_rows = ratings.index[np.unique(used, return_index=True)[1]]
    criteria, criterion_texts = pd.factorize(ratings["criterion"])  # a required column: no code -1
    levels, level_texts = pd.factorize(ratings["level"])
    levels = np.where(levels < 0, len(level_texts), levels)  # an empty cell: the tables' last column
    criterion = np.tile(np.asarray(criterion_texts, dtype=object), (len(pairs), 1))  # not found: as written
    level = np.full((len(pairs), len(level_texts) + 1), None, dtype=object)
    level_code = level.copy()
    for k, (pair, first) in enumerate(zip(pairs, first_rows)):
        grid_id, grid_version = grid_ids[pair // len(version_names)], version_names[pair % len(version_names)]
        try:
            grid = load_grid(grid_id, grid_version)
        except GridError as exc:
            problems.append(Problem(file, first + 2, headers["grid_version"], str(exc)))
            continue
        ids = {fold(c.id): c.id for c in grid.criteria} | {fold(c.label): c.id for c in grid.criteria}
        by_label = {fold(lv.label): lv for lv in grid.levels}
        found_ids = [ids.get(fold(text)) for text in criterion_texts]
        found_levels = [by_label.get(fold(text)) for text in level_texts]
        criterion[k] = [c if c is not None else text for c, text in zip(found_ids, criterion_texts)]
        level[k, :-1] = [None if lv is None else lv.label for lv in found_levels]
        level_code[k, :-1] = [None if lv is None else lv.code for lv in found_levels]
        rows = used == k
        for column, codes, texts, found, message in (
                ("criterion", criteria, criterion_texts, found_ids,
                 f"critère « {{}} » inconnu de la grille {grid.key} ; critères : "
                 + ", ".join(c.id for c in grid.criteria)),
                ("level", levels, level_texts, found_levels,
                 f"niveau « {{}} » inconnu de la grille {grid.key} ; niveaux permis : "
                 + ", ".join(f"« {x} »" for x in grid.level_labels))):
            unknown = rows & np.isin(codes, [code for code, f in enumerate(found) if f is None])
            problems += [Problem(file, i + 2, headers[column], message.format(texts[code]))
                         for i, code in zip(ratings.index[unknown], codes[unknown])]
    row_criterion = used * len(criterion_texts) + criteria  # each row's cell in the tables
    row_level = used * (len(level_texts) + 1) + levels
    del used, criteria, levels  # 2,7 million codes each: freed before the frame is copied
    out = ratings.assign(
        criterion=pd.Series(criterion.ravel()[row_criterion], index=ratings.index, dtype=object),
        level=pd.Series(pd.array(level.ravel(), dtype="str").take(row_level), index=ratings.index),
        level_code=pd.Series(pd.array(level_code.ravel(), dtype="Int64").take(row_level), index=ratings.index))
    del row_level
    for grid_id, declared in call.grid_versions.items():
        versions = {version_names[p % len(version_names)] for p in pairs if grid_ids[p // len(version_names)] == grid_id}
        if versions - {declared}:
            problems.append(Problem(file, None, headers["grid_version"],
                                    f"grille {grid_id} en version(s) {', '.join(sorted(versions - {declared}))} "
                                    f"alors que l'appel ({CALL_FILE}) déclare la version {declared}"))
    # the same dossier, juror, grid, criterion (once mapped) and round, compared by codes
    keys = pd.DataFrame({"dossier": pd.factorize(ratings["dossier_id"])[0].astype(np.int32),
                         "juror": pd.factorize(ratings["juror_id"])[0].astype(np.int32),
                         "grid": grid_codes.astype(np.int32),
                         "criterion": pd.factorize(criterion.ravel())[0].astype(np.int32)[row_criterion],
                         "round": pd.factorize(ratings["round"])[0].astype(np.int32)}, index=ratings.index)
    del grid_codes, row_criterion
    duplicated = keys.duplicated(keep="first")
    problems += [Problem(file, i + 2, None, "notation en double pour ce dossier, ce juré, ce critère et ce tour")
                 for i in out.index[duplicated]]
    return out, problems


def _conflicts_honoured(frames, table: str = "ratings", verb: str = "note le") -> list[Problem]:
    ratings, conflicts = frames.get(table), frames.get("conflicts")
    if ratings is None or conflicts is None or conflicts.empty:
        return []
    pairs = pd.MultiIndex.from_arrays([conflicts["juror_id"], conflicts["dossier_id"]])
    file = TABLES_BY_NAME[table].filename
    bad = ratings[pd.MultiIndex.from_arrays([ratings["juror_id"], ratings["dossier_id"]]).isin(pairs)]
    first = bad.drop_duplicates(["juror_id", "dossier_id"])
    return [Problem(file, i + 2, None,
                    f"le juré {r['juror_id']} {verb} dossier {r['dossier_id']} alors qu'un conflit d'intérêts "
                    f"est déclaré ({TABLES_BY_NAME['conflicts'].filename})") for i, r in first.iterrows()]


FOLLOWUP_TABLES = ("followup", "payments", "reassessments", "indicators", "spending", "activity_reports")
"""Tables about funded experiments only: their dossiers must be « retenu - financé »."""
FOLLOWUP_KEYS = {
    "followup": ("dossier_id", "wave_month"),
    "payments": ("dossier_id", "instalment"),
    "reassessments": ("dossier_id", "wave_month", "source", "criterion"),
    "indicators": ("dossier_id", "wave_month"),
    "activity_reports": ("dossier_id", "report"),
}
"""What identifies a row of each follow-up table: a second row with the same key is refused."""


def _funded_only(frames) -> list[Problem]:
    """Follow-up rows of a dossier the decisions do not fund: one problem per file and dossier."""
    decisions = frames.get("decisions")
    if decisions is None:
        return []
    funded = set(decisions.loc[decisions["decision"] == FUNDED, "dossier_id"])
    known = set(frames["dossiers"]["dossier_id"]) if "dossiers" in frames else set()
    problems = []
    for table in FOLLOWUP_TABLES:
        df = frames.get(table)
        if df is None or df.empty:
            continue
        file, header = _where(table, "dossier_id")
        stray = df[~_isin(df["dossier_id"], funded) & _isin(df["dossier_id"], known)].drop_duplicates("dossier_id")
        problems += [Problem(file, i + 2, header, f"« {v} » n'est pas « retenu - financé » dans "
                             f"{TABLES_BY_NAME['decisions'].filename} : pas de suivi pour ce dossier")
                     for i, v in stray["dossier_id"].items()]
    return problems


def _duplicate_keys(frames) -> list[Problem]:
    """Rows of a follow-up table repeating the key of an earlier row (see ``FOLLOWUP_KEYS``)."""
    problems = []
    for table, keys in FOLLOWUP_KEYS.items():
        df = frames.get(table)
        if df is None or df.empty:
            continue
        headers = french_headers(TABLES_BY_NAME[table].model)
        named = ", ".join(f"« {headers[k]} »" for k in keys)
        dup = df.duplicated(list(keys), keep="first")
        problems += [Problem(TABLES_BY_NAME[table].filename, i + 2, None,
                             f"ligne en double : même {named} qu'une ligne précédente") for i in df.index[dup]]
    return problems


def _known_waves(frames) -> list[Problem]:
    """Re-assessments and indicators must refer to a wave declared in the follow-up table."""
    followup = frames.get("followup")
    if followup is None:
        return []
    waves = pd.MultiIndex.from_arrays([followup["dossier_id"], followup["wave_month"]])
    problems = []
    for table in ("reassessments", "indicators"):
        df = frames.get(table)
        if df is None or df.empty:
            continue
        file, header = _where(table, "wave_month")
        unknown = ~pd.MultiIndex.from_arrays([df["dossier_id"], df["wave_month"]]).isin(waves)
        problems += [Problem(file, i + 2, header, f"vague {m} du dossier {d} absente de "
                             f"{TABLES_BY_NAME['followup'].filename}")
                     for i, d, m in zip(df.index[unknown], df["dossier_id"][unknown], df["wave_month"][unknown])]
    return problems


def _normalise_reassessments(reassessments: pd.DataFrame, call: Call) -> tuple[pd.DataFrame, list[Problem]]:
    """Criteria (id or label) and levels of re-assessments mapped to the acceptability grid the call
    declares, as for the jury's ratings; adds ``level_code``. Works on distinct values."""
    grid = load_grid(ACCEPTABILITY, call.grid_versions[ACCEPTABILITY])
    file = TABLES_BY_NAME["reassessments"].filename
    headers = french_headers(TABLES_BY_NAME["reassessments"].model)
    criteria = {fold(c.id): c.id for c in grid.criteria} | {fold(c.label): c.id for c in grid.criteria}
    levels = {fold(lv.label): lv for lv in grid.levels}
    problems: list[Problem] = []
    crit = reassessments["criterion"].map({v: criteria.get(fold(v)) for v in reassessments["criterion"].unique()})
    present = reassessments["level"].dropna()
    lv = present.map({v: levels.get(fold(v)) for v in present.unique()}).reindex(reassessments.index)
    for i in reassessments.index[crit.isna()]:
        problems.append(Problem(file, i + 2, headers["criterion"],
                                f"critère « {reassessments.at[i, 'criterion']} » inconnu de la grille {grid.key} ; "
                                "critères : " + ", ".join(c.id for c in grid.criteria)))
    for i in present.index[lv[present.index].isna()]:
        problems.append(Problem(file, i + 2, headers["level"],
                                f"niveau « {reassessments.at[i, 'level']} » inconnu de la grille {grid.key} ; "
                                "niveaux permis : " + ", ".join(f"« {x} »" for x in grid.level_labels)))
    out = reassessments.assign(
        criterion=crit.where(crit.notna(), reassessments["criterion"]),
        level=lv.map(lambda x: x.label, na_action="ignore"),
        level_code=pd.array(lv.map(lambda x: x.code, na_action="ignore"), dtype="Int64"),
    )
    return out, problems


YEARS_BEFORE, YEARS_AFTER = 5, 10
"""The plausible dates of a cohort: from 1 January five years before the call's year (a filing,
an action started early) to 31 December ten years after its deadline (24 months of action, 36 of
follow-up, late activity reports and payments, with room to spare)."""


def call_calendar(call: Call) -> DateWindow:
    """The dates a cohort of ``call`` may hold (see ``YEARS_BEFORE``): a date outside is a typing
    slip (``2099`` for ``2019``), and years such as 2999 or 0001 are beyond what pandas holds.

    >>> from socinnov.call.settings import load_call
    >>> call_calendar(load_call()).expected()
    'une date entre le 01/01/2011 et le 31/12/2026'
    """
    first = max(dt.date(max(min(call.year, call.deadline.year) - YEARS_BEFORE, 1), 1, 1), ANY_DATE.first)
    last = min(dt.date(min(max(call.year, call.deadline.year) + YEARS_AFTER, 9999), 12, 31), ANY_DATE.last)
    return DateWindow(first, last, f"hors du calendrier de l'appel {call.year} (date limite de dépôt "
                                   f"{call.deadline:%d/%m/%Y})")


def validate_cohort(folder: Path, *, digests: dict[str, str] | None = None,
                    notes: dict | None = None) -> tuple[dict[str, pd.DataFrame], Call]:
    """Load, validate and cross-check a cohort folder; raise ``InputError`` with every problem.

    ``digests`` receives the SHA-256 of each table file as it was read (see ``read_text_table``);
    ``notes`` receives the files not read (``"notes"``: problems) and each table's file
    (``"sources"``: table name -> file name).
    """
    discovery = find_sources(folder)
    if notes is not None:
        notes["notes"] = discovery.notes  # the same list: reading the tables adds to it
        notes["sources"] = {name: s.path.name for name, s in discovery.sources.items()}
    if (no_call := missing_call_note(folder)) is not None:
        discovery.notes.append(no_call)
    call = None
    try:
        call = load_call(folder)
    except InputError as err:
        call_problems = err.problems
    else:
        call_problems = []
    frames, problems = load_tables(folder, digests=digests, discovery=discovery,
                                   dates=ANY_DATE if call is None else call_calendar(call))
    checked = len(problems)  # those of each table are placed in its file; the cross-checks below too
    problems += call_problems
    for table, col in [("partners", "dossier_id"), ("budget", "dossier_id"), ("ratings", "dossier_id"),
                       ("conflicts", "dossier_id"), ("assignments", "dossier_id"), ("decisions", "dossier_id"), ("followup", "dossier_id"),
                       ("payments", "dossier_id"), ("reassessments", "dossier_id"), ("indicators", "dossier_id"),
                       ("spending", "dossier_id"), ("activity_reports", "dossier_id")]:
        problems += _missing_keys(frames, table, col, "dossiers", "dossier_id")
    for table in ("ratings", "conflicts", "assignments"):
        problems += _missing_keys(frames, table, "juror_id", "jurors", "juror_id")
    if "ratings" in frames and call is not None:
        frames["ratings"], probs = _normalise_ratings(frames["ratings"], call)
        problems += probs
    problems += _conflicts_honoured(frames) + _conflicts_honoured(frames, "assignments", "est affecté au")
    problems += _funded_only(frames) + _duplicate_keys(frames) + _known_waves(frames)
    if "reassessments" in frames and call is not None:
        frames["reassessments"], probs = _normalise_reassessments(frames["reassessments"], call)
        problems += probs
    if problems:
        raise InputError(problems[:checked] + localise(problems[checked:], discovery.sources))
    return frames, call


def ingest(cohort: str | Path) -> Path:
    """Validate a cohort and (re)write its processed folder atomically; return that folder."""
    name, folder = resolve_cohort(cohort)
    with cohort_lock(name, exclusive=True):
        return _ingest(name, folder)


def ensure_ingested(cohort: str | Path, *, log=None) -> Path:
    """The processed folder of ``cohort``, ingested first if the raw files or the code changed
    (checked again under the lock: of several processes asking at once, one ingests).
    ``log()`` is called before an ingest."""
    name, folder = resolve_cohort(cohort)
    if not is_up_to_date(cohort):
        with cohort_lock(name, exclusive=True):
            if not is_up_to_date(cohort):
                if log is not None:
                    log()
                return _ingest(name, folder)
    return config.processed_dir(name)


def _ingest(name: str, folder: Path) -> Path:
    clean_legacy_leftovers(config.processed_dir(name))  # before the input is judged: a refused run cleans too
    # The hashes of the bytes actually parsed (hashed while they are parsed, on another core);
    # files read otherwise (appel.yaml) are hashed here. A file changed while the cohort was
    # read changes its size or modification time: it shows below, before the processed folder
    # is replaced (hashing every file again would cost a second per 200 MB).
    stats_before = file_stats(folder)
    digests: dict[str, str] = {}
    found: dict = {}
    frames, call = validate_cohort(folder, digests=digests, notes=found)
    for note in found["notes"]:  # files not read: said, never passed over in silence
        print(f"Remarque : {note}", file=sys.stderr)
    if not len(frames["dossiers"]):
        # A valid but empty cohort (the templates as written) has nothing to prepare: every
        # report would be empty. ``socinnov status`` still reads it (« aucun dossier déposé »).
        raise InputError([Problem(TABLES_BY_NAME["dossiers"].filename, None, None,
                                  "aucun dossier : le fichier n'a que sa ligne d'en-têtes ; saisir une ligne par "
                                  "dossier déposé avant de préparer la cohorte")])
    hashes_before = {p.name: digests.get(p.name) or hashlib.sha256(p.read_bytes()).hexdigest()
                     for p in input_files(folder)}
    frames["eligibility"] = check_eligibility(frames, call)
    target = config.processed_dir(name)
    with files.replacing_folder(target) as tmp:
        for key, df in frames.items():
            df.to_parquet(tmp / f"{key}.parquet", index=False)
        manifest = {
            "cohort": name,
            "source": str(folder),
            "inputs": hashes_before,
            "sources": found["sources"],
            "notes": [str(n) for n in found["notes"]],
            "input_stats": stats_before,
            "call": call_to_dict(call),
            "package_version": __version__,
            "code": code_fingerprint(),
            "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "rows": {k: len(v) for k, v in frames.items()},
        }
        (tmp / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
        if file_stats(folder) != stats_before:
            raise InputError([Problem(str(folder), None, None, "les fichiers ont changé pendant la lecture ; relancer")])
    return target


_LEGACY_TMP = re.compile(r"[a-z0-9_]{8}")  # tempfile.mkdtemp's random part


def clean_legacy_leftovers(target: Path, *, log=None) -> list[Path]:
    """Remove what an ingest killed before ``socinnov.files`` existed left beside ``target``:
    its new folder ``.COHORT.XXXXXXXX`` (``tempfile.mkdtemp``'s random part) and the old version
    it set aside, ``.COHORT.old``, put back first if a kill between its two renames left no
    processed folder. Called under the cohort's exclusive lock: no other ingest is writing them.
    ``socinnov.files`` names its own leftovers otherwise (with the writer's process id) and
    cleans them itself. Returns what was removed; says so in one line (``log``: stderr).
    """
    log = log or (lambda message: print(message, file=sys.stderr, flush=True))
    prefix = f".{target.name}."
    if not target.parent.is_dir():
        return []
    found = sorted(p for p in target.parent.iterdir() if p.name.startswith(prefix) and p.is_dir()
                   and not p.is_symlink() and (p.name[len(prefix):] == "old"
                                               or _LEGACY_TMP.fullmatch(p.name[len(prefix):])))
    old = target.with_name(prefix + "old")
    if old in found and not target.exists():
        os.rename(old, target)
        found.remove(old)
        log(f"{target} : version précédente remise en place (une exécution interrompue l'avait mise de côté).")
    for path in found:
        shutil.rmtree(path, ignore_errors=True)
    if found:
        log(f"Restes d'une exécution interrompue supprimés dans {target.parent} : " + ", ".join(p.name for p in found))
    return found


def _recorded(name: str) -> dict | None:
    """The manifest of the cohort's processed folder, if it was ingested."""
    manifest = config.processed_dir(name) / MANIFEST
    return json.loads(manifest.read_text(encoding="utf-8")) if manifest.exists() else None


def current_hashes(folder: Path, recorded: dict | None) -> dict[str, str]:
    """SHA-256 of each input file of ``folder`` as it is now.

    A file whose size and modification time are those ``recorded`` at ingest keeps its recorded
    hash (as ``git status`` and ``make`` trust them): each report kernel asks, and hashing a
    large cohort's raw files costs a second or more. Any other file is read and hashed.
    """
    stats = (recorded or {}).get("input_stats") or {}
    known = (recorded or {}).get("inputs") or {}
    out = {name: known[name] for name, st in file_stats(folder).items() if name in known and stats.get(name) == st}
    rest = {p.name for p in input_files(folder)} - set(out)
    if rest:
        out.update(file_hashes(folder, rest))
    return out


def raw_hashes(cohort: str | Path) -> dict[str, str]:
    """SHA-256 of the cohort's raw files (see :func:`current_hashes`)."""
    name, folder = resolve_cohort(cohort)
    return current_hashes(folder, _recorded(name))


def is_up_to_date(cohort: str | Path) -> bool:
    """True when the processed folder exists and was built from the current raw files by this code."""
    name, folder = resolve_cohort(cohort)
    recorded = _recorded(name)
    if recorded is None or recorded.get("code") != code_fingerprint():
        return False
    return recorded.get("inputs") == current_hashes(folder, recorded)
