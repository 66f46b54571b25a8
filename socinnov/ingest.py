"""``socinnov ingest COHORT``: validate ``data/raw/COHORT`` and write ``data/processed/COHORT``.

All or nothing: every problem of every file is reported at once (file, row, column, what is
allowed) and nothing is written; on success the processed folder is replaced in one rename,
so a reader never sees half of it. Raw files are only ever read.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
import tempfile
from pathlib import Path

import pandas as pd

from socinnov import __version__, config
from socinnov.call import CALL_FILE, Call, call_to_dict, load_call
from socinnov.eligibility import check_eligibility
from socinnov.errors import InputError, Problem
from socinnov.grids import ACCEPTABILITY, Grid, GridError, load_grid
from socinnov.provenance import code_fingerprint
from socinnov.schemas import TABLES_BY_NAME, french_headers
from socinnov.tables import fold, load_tables

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
    names = [t.filename for t in TABLES_BY_NAME.values()] + [CALL_FILE]
    return [folder / n for n in names if (folder / n).exists()]


def file_hashes(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in input_files(folder)}


def _where(table: str, column: str) -> tuple[str, str]:
    t = TABLES_BY_NAME[table]
    return t.filename, french_headers(t.model)[column]


def _missing_keys(frames, table: str, column: str, ref_table: str, ref_column: str) -> list[Problem]:
    df, ref = frames.get(table), frames.get(ref_table)
    if df is None or ref is None:
        return []
    known = set(ref[ref_column])
    file, header = _where(table, column)
    ref_file = TABLES_BY_NAME[ref_table].filename
    return [Problem(file, i + 2, header, f"« {v} » absent de {ref_file}")
            for i, v in df[column].items() if v not in known]


def _normalise_ratings(ratings: pd.DataFrame, call: Call) -> tuple[pd.DataFrame, list[Problem]]:
    """Map criterion labels to ids and levels to the grid's labels and codes (case and accents forgiven).

    Works on the distinct (grid, version, value) triples, not row by row: a national file has
    millions of ratings but a few dozen distinct values.
    """
    file = TABLES_BY_NAME["ratings"].filename
    headers = french_headers(TABLES_BY_NAME["ratings"].model)
    problems: list[Problem] = []
    version = ratings["grid_version"].astype(str)
    keys = pd.Series(list(zip(ratings["grid"], version)), index=ratings.index)
    grids: dict[tuple[str, str], Grid | None] = {}
    for key in keys.unique():
        try:
            grids[key] = load_grid(*key)
        except GridError as exc:
            grids[key] = None
            first = keys.index[keys == key][0]
            problems.append(Problem(file, first + 2, headers["grid_version"], str(exc)))

    def lookup(column: str, table: dict[tuple[str, str], dict[str, object]], message) -> pd.Series:
        found = pd.Series([None] * len(ratings), index=ratings.index, dtype=object)
        for (key, raw), rows in ratings.groupby([keys, ratings[column]], sort=False).groups.items():
            value = table.get(key, {}).get(fold(raw)) if grids.get(key) else None
            if value is None and grids.get(key):
                problems.extend(Problem(file, i + 2, headers[column], message(raw, grids[key])) for i in rows)
            found[rows] = value
        return found

    criteria = {k: ({fold(c.id): c.id for c in g.criteria} | {fold(c.label): c.id for c in g.criteria})
                for k, g in grids.items() if g}
    levels = {k: {fold(lv.label): lv for lv in g.levels} for k, g in grids.items() if g}
    crit = lookup("criterion", criteria, lambda raw, g: f"critère « {raw} » inconnu de la grille {g.key} ; critères : "
                  + ", ".join(c.id for c in g.criteria))
    lv = lookup("level", levels, lambda raw, g: f"niveau « {raw} » inconnu de la grille {g.key} ; niveaux permis : "
                + ", ".join(f"« {x} »" for x in g.level_labels))
    out = ratings.assign(
        criterion=crit.where(crit.notna(), ratings["criterion"]),
        level=lv.map(lambda x: x.label if x is not None else None),
        level_code=pd.array(lv.map(lambda x: x.code if x is not None else None), dtype="Int64"),
    )
    for grid_id, declared in call.grid_versions.items():
        used = set(version[ratings["grid"] == grid_id])
        if used - {declared}:
            problems.append(Problem(file, None, headers["grid_version"],
                                    f"grille {grid_id} en version(s) {', '.join(sorted(used - {declared}))} alors que "
                                    f"l'appel ({CALL_FILE}) déclare la version {declared}"))
    dup = out.duplicated(["dossier_id", "juror_id", "grid", "criterion", "round"], keep="first")
    problems += [Problem(file, i + 2, None, "notation en double pour ce dossier, ce juré, ce critère et ce tour")
                 for i in out.index[dup]]
    return out, problems


def _conflicts_honoured(frames) -> list[Problem]:
    ratings, conflicts = frames.get("ratings"), frames.get("conflicts")
    if ratings is None or conflicts is None or conflicts.empty:
        return []
    pairs = set(zip(conflicts["juror_id"], conflicts["dossier_id"]))
    file = TABLES_BY_NAME["ratings"].filename
    bad = ratings[[p in pairs for p in zip(ratings["juror_id"], ratings["dossier_id"])]]
    first = bad.drop_duplicates(["juror_id", "dossier_id"])
    return [Problem(file, i + 2, None,
                    f"le juré {r['juror_id']} note le dossier {r['dossier_id']} alors qu'un conflit d'intérêts "
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
    funded = set(decisions.loc[decisions["decision"] == "retenu - financé", "dossier_id"])
    known = set(frames["dossiers"]["dossier_id"]) if "dossiers" in frames else set()
    problems = []
    for table in FOLLOWUP_TABLES:
        df = frames.get(table)
        if df is None or df.empty:
            continue
        file, header = _where(table, "dossier_id")
        stray = df[~df["dossier_id"].isin(funded) & df["dossier_id"].isin(known)].drop_duplicates("dossier_id")
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
    waves = set(zip(followup["dossier_id"], followup["wave_month"]))
    problems = []
    for table in ("reassessments", "indicators"):
        df = frames.get(table)
        if df is None or df.empty:
            continue
        file, header = _where(table, "wave_month")
        problems += [Problem(file, i + 2, header, f"vague {m} du dossier {d} absente de "
                             f"{TABLES_BY_NAME['followup'].filename}")
                     for i, d, m in zip(df.index, df["dossier_id"], df["wave_month"]) if (d, m) not in waves]
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


def validate_cohort(folder: Path) -> tuple[dict[str, pd.DataFrame], Call]:
    """Load, validate and cross-check a cohort folder; raise ``InputError`` with every problem."""
    frames, problems = load_tables(folder)
    call = None
    try:
        call = load_call(folder)
    except InputError as err:
        problems += err.problems
    for table, col in [("partners", "dossier_id"), ("budget", "dossier_id"), ("ratings", "dossier_id"),
                       ("conflicts", "dossier_id"), ("decisions", "dossier_id"), ("followup", "dossier_id"),
                       ("payments", "dossier_id"), ("reassessments", "dossier_id"), ("indicators", "dossier_id"),
                       ("spending", "dossier_id"), ("activity_reports", "dossier_id")]:
        problems += _missing_keys(frames, table, col, "dossiers", "dossier_id")
    for table in ("ratings", "conflicts"):
        problems += _missing_keys(frames, table, "juror_id", "jurors", "juror_id")
    if "ratings" in frames and call is not None:
        frames["ratings"], probs = _normalise_ratings(frames["ratings"], call)
        problems += probs
    problems += _conflicts_honoured(frames)
    problems += _funded_only(frames) + _duplicate_keys(frames) + _known_waves(frames)
    if "reassessments" in frames and call is not None:
        frames["reassessments"], probs = _normalise_reassessments(frames["reassessments"], call)
        problems += probs
    if problems:
        raise InputError(problems)
    return frames, call


def ingest(cohort: str | Path) -> Path:
    """Validate a cohort and (re)write its processed folder atomically; return that folder."""
    name, folder = resolve_cohort(cohort)
    hashes_before = file_hashes(folder)
    frames, call = validate_cohort(folder)
    frames["eligibility"] = check_eligibility(frames, call)
    target = config.processed_dir(name)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{name}.", dir=target.parent))
    try:
        for key, df in frames.items():
            df.to_parquet(tmp / f"{key}.parquet", index=False)
        manifest = {
            "cohort": name,
            "source": str(folder),
            "inputs": hashes_before,
            "call": call_to_dict(call),
            "package_version": __version__,
            "code": code_fingerprint(),
            "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "rows": {k: len(v) for k, v in frames.items()},
        }
        (tmp / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
        if file_hashes(folder) != hashes_before:
            raise InputError([Problem(str(folder), None, None, "les fichiers ont changé pendant la lecture ; relancer")])
        _swap(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return target


def _swap(new: Path, target: Path) -> None:
    """Replace ``target`` by ``new``: the old folder is moved aside first, removed last."""
    old = None
    if target.exists():
        old = target.with_name(f".{target.name}.old")
        shutil.rmtree(old, ignore_errors=True)
        target.rename(old)
    new.rename(target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def is_up_to_date(cohort: str | Path) -> bool:
    """True when the processed folder exists and was built from the current raw files by this code."""
    name, folder = resolve_cohort(cohort)
    manifest = config.processed_dir(name) / MANIFEST
    if not manifest.exists():
        return False
    recorded = json.loads(manifest.read_text(encoding="utf-8"))
    return recorded.get("inputs") == file_hashes(folder) and recorded.get("code") == code_fingerprint()
