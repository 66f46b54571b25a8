"""The call's parameters (deadline, ceiling, duration, envelope, grid versions).

The 2016 call's values ship with the package (``data/calls/alpc-2016.yaml``); a cohort folder
may hold an ``appel.yaml`` that names the call it answers and overrides what its call year
changed (the envelope, a refined grid version).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import yaml

from socinnov import config
from socinnov.errors import InputError, Problem, yaml_problem

CALLS_DIR = config.PACKAGE_DIR / "data" / "calls"
CALL_FILE = "appel.yaml"


@dataclass(frozen=True)
class Call:
    id: str
    title: str
    year: int
    deadline: dt.date
    max_aid: float
    max_months: int
    n_payments: int
    envelope: float | None
    grid_versions: dict[str, str]
    compare_with: str | None = None  # another cohort (call year) rated with another grid version


_KEYS = {
    "id": "id", "titre": "title", "annee": "year", "date_limite_depot": "deadline",
    "plafond_aide": "max_aid", "duree_max_mois": "max_months", "nombre_versements": "n_payments",
    "enveloppe": "envelope", "grilles": "grid_versions", "comparer_avec": "compare_with",
}


def load_call(cohort_folder: Path | None = None) -> Call:
    """The call of a cohort: the shipped call named by its ``appel.yaml``, with its overrides.

    ``appel.yaml`` is read as UTF-8 (with or without BOM) or, failing that, Windows-1252, like the
    CSV files; every key is checked against its expected kind and range, and every problem is
    reported at once (:class:`~socinnov.errors.InputError`, in French, naming the key).
    """
    overrides: dict = {}
    if cohort_folder is not None and (cohort_folder / CALL_FILE).exists():
        overrides = _read_overrides(cohort_folder / CALL_FILE)
    base_id = overrides.get("appel", DEFAULT_CALL)
    base = CALLS_DIR / f"{base_id}.yaml"
    if not isinstance(base_id, str) or not base.exists():
        known = ", ".join(sorted(p.stem for p in CALLS_DIR.glob("*.yaml")))
        raise InputError([Problem(CALL_FILE, None, "appel", f"appel inconnu « {base_id} » ; appels connus : {known}")])
    values = yaml.safe_load(base.read_text(encoding="utf-8"))
    problems = [Problem(CALL_FILE, None, k, "clé inconnue ; clés permises : appel, " + ", ".join(_KEYS))
                for k in sorted(set(overrides) - set(_KEYS) - {"appel"})]
    grids = dict(values.get("grilles") or {})
    if "grilles" in overrides:
        given = overrides["grilles"]
        if isinstance(given, dict):
            grids |= given
        else:
            problems.append(Problem(CALL_FILE, None, "grilles", "une version par grille est attendue, par exemple :"
                                    " « grilles: {acceptabilite: \"2016\", faisabilite: \"2016\"} »"))
    values |= {k: v for k, v in overrides.items() if k in _KEYS and k != "grilles"}
    kw = {}
    for key, (field_name, parse) in _PARSERS.items():
        try:
            kw[field_name] = parse(values.get(key))
        except ValueError as exc:
            problems.append(Problem(CALL_FILE, None, key, f"{exc} (valeur lue : « {values.get(key)} »)"))
    if problems:
        raise InputError(problems)
    return Call(**kw, grid_versions={str(k): str(v) for k, v in grids.items()})


DEFAULT_CALL = "alpc-2016"


def missing_call_note(cohort_folder: Path) -> Problem | None:
    """The note that says which call is assumed when a cohort has no ``appel.yaml`` (``socinnov
    ingest`` prints it and keeps it in the manifest: a deleted file is never passed over in silence)."""
    if (cohort_folder / CALL_FILE).exists():
        return None
    return Problem(CALL_FILE, None, None,
                   f"fichier absent de {cohort_folder.name} : l'appel supposé est « {DEFAULT_CALL} » (date "
                   "limite, plafond, durée et versions des grilles de l'appel 2016, sans enveloppe) ; "
                   f"`socinnov templates` écrit un {CALL_FILE} commenté à compléter")


def call_template() -> str:
    """A commented ``appel.yaml`` to fill in: every key, its meaning, and the 2016 call's value."""
    return f"""# Paramètres de l'appel de cette cohorte. Une ligne « clé: valeur » par paramètre ; une ligne
# qui commence par # est un commentaire. Une clé absente prend la valeur de l'appel de référence.
#
# L'appel de référence (paramètres livrés avec le kit) : {DEFAULT_CALL}, l'AMI 2016 de la Région.
appel: {DEFAULT_CALL}
#
# Titre et année de l'appel de cette cohorte :
# titre: AMI Expérimentation de démarches socialement innovantes
# annee: 2016
#
# Date limite de dépôt des dossiers (JJ/MM/AAAA) :
# date_limite_depot: 05/09/2016
#
# Plafond de l'aide régionale par dossier, en euros (l'appel 2016 : 40 000) :
# plafond_aide: 40 000
#
# Durée maximale de l'expérimentation, en mois consécutifs, et nombre de versements :
# duree_max_mois: 24
# nombre_versements: 2
#
# Enveloppe de l'appel, en euros (l'appel 2016 n'en fixe pas) :
# enveloppe: 700 000
#
# Versions des grilles (2016 : celles de l'appel ; 2018 : la grille d'acceptabilité affinée) :
# grilles:
#   acceptabilite: "2016"
#   faisabilite: "2016"
#
# Cohorte d'une autre année, notée avec une autre version de la grille, à comparer dans le
# rapport sur les critères (nom de son dossier sous data/raw) :
# comparer_avec: demo-2018
"""


def _read_overrides(path: Path) -> dict:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")
    try:
        overrides = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise InputError([yaml_problem(CALL_FILE, exc)]) from None
    if overrides is None:
        return {}
    if not isinstance(overrides, dict):
        raise InputError([Problem(CALL_FILE, None, None, "le fichier doit être une suite de lignes « clé: valeur »"
                                  " (par exemple « enveloppe: 700000 »), pas une liste ni un texte seul")])
    return {str(k): v for k, v in overrides.items()}


def _text(value) -> str:
    if value is None or isinstance(value, (dict, list)) or str(value).strip() == "":
        raise ValueError("un texte est attendu")
    return str(value).strip()


def _optional_text(value) -> str | None:
    return None if value is None or str(value).strip() == "" else _text(value)


def _whole(low: int, high: int):
    def parse(value) -> int:
        if isinstance(value, bool) or not isinstance(value, (int, str)) or not str(value).strip().isdigit():
            raise ValueError(f"un nombre entier est attendu, entre {low} et {high}")
        number = int(str(value).strip())
        if not low <= number <= high:
            raise ValueError(f"un nombre entier est attendu, entre {low} et {high}")
        return number
    return parse


def _amount(value) -> float:
    """A non-negative amount in euros: ``40000``, ``40000.5``, or as French offices type it,
    ``700 000``, ``700 000 €``, ``12 500,50``."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number = float(value)
    else:
        text = str(value).replace("\u00a0", "").replace("\u202f", "").replace(" ", "")
        text = text.removesuffix("€").removesuffix("EUR").replace(",", ".")
        try:
            number = float(text)
        except ValueError:
            raise ValueError("un montant en euros est attendu, par exemple 700000 ou « 700 000 »") from None
    if not number >= 0:  # negative, or NaN
        raise ValueError("un montant positif ou nul est attendu")
    return number


def _optional_amount(value) -> float | None:
    return None if value is None or str(value).strip() == "" else _amount(value)


def _date(value) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = "" if value is None else str(value).strip()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            pass
    raise ValueError("une date est attendue, au format JJ/MM/AAAA (par exemple 05/09/2016)")


# appel.yaml key -> (Call field, parser); ``grilles`` is merged separately (a mapping).
_PARSERS = {
    "id": ("id", _text),
    "titre": ("title", _text),
    "annee": ("year", _whole(1990, 2100)),
    "date_limite_depot": ("deadline", _date),
    "plafond_aide": ("max_aid", _amount),
    "duree_max_mois": ("max_months", _whole(1, 120)),
    "nombre_versements": ("n_payments", _whole(1, 12)),
    "enveloppe": ("envelope", _optional_amount),
    "comparer_avec": ("compare_with", _optional_text),
}


def call_to_dict(call: Call) -> dict:
    """A JSON-ready dict of the call (for the processed manifest)."""
    d = dataclasses.asdict(call)
    d["deadline"] = call.deadline.isoformat()
    return d


def call_from_dict(d: dict) -> Call:
    return Call(**(d | {"deadline": dt.date.fromisoformat(d["deadline"])}))
