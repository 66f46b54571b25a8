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
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd

from socinnov import __version__, config
from socinnov.call.eligibility import check_eligibility
from socinnov.call.grids import ACCEPTABILITY, Grid, GridError, load_grid
from socinnov.call.schemas import TABLES_BY_NAME, french_headers
from socinnov.call.settings import CALL_FILE, Call, call_to_dict, load_call
from socinnov.errors import InputError, Problem
from socinnov.inputs.french_values import fold
from socinnov.inputs.tabular import load_tables
from socinnov.provenance import code_fingerprint

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
    """``values.isin(reference)`` as a boolean array. For Arrow strings, pandas turns each reference
    value into an Arrow scalar in Python (a second per 100 000 identifiers); here Arrow does it all."""
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


def _codes(values) -> tuple[np.ndarray, object]:
    """``values`` numbered in order of first appearance (-1: missing) and the distinct values."""
    codes, uniques = pd.factorize(values, sort=False)
    return np.asarray(codes, dtype=np.int64), uniques


def _first_rows(codes: np.ndarray) -> np.ndarray:
    """Row of the first appearance of each code, for codes numbered in order of first appearance."""
    if not len(codes):
        return np.zeros(0, dtype=np.int64)
    before = np.maximum.accumulate(np.concatenate(([-1], codes[:-1])))
    return np.flatnonzero(codes > before)


def _combine(*columns: np.ndarray, missing_is_value: bool = False,
             renumber: bool = True) -> tuple[np.ndarray, np.ndarray | None]:
    """One code per row for the combination of the columns' codes (``groupby(sort=False)``'s groups,
    numbered in order of first appearance), and the first row of each combination. A row with a
    missing value (code -1) gets -1, unless ``missing_is_value`` (as ``duplicated`` counts them).
    Without ``renumber``, equal combinations get equal codes but not consecutive ones."""
    combined = np.zeros(len(columns[0]), dtype=np.int64)
    missing = np.zeros(len(combined), dtype=bool)
    span = 1
    for codes in columns:
        width = int(codes.max(initial=-1)) + 2
        if span * width >= 2**62:  # renumber before the product could overflow
            combined = np.asarray(pd.factorize(combined, sort=False)[0], dtype=np.int64)
            span = int(combined.max(initial=0)) + 1
        if not missing_is_value:
            missing |= codes < 0
        combined = combined * width + codes + 1
        span *= width
    if not renumber:
        return np.where(missing, -1, combined), None
    out = np.full(len(combined), -1, dtype=np.int64)
    present = np.flatnonzero(~missing)
    out[present] = pd.factorize(combined[present], sort=False)[0]
    return out, present[_first_rows(out[present])]


def _rows_of(codes: np.ndarray, wanted: list[int]) -> np.ndarray:
    """Positions of the rows whose code is in ``wanted``: grouped in the order of ``wanted``, rows in order."""
    rank = np.full(max(int(codes.max(initial=-1)), 0) + 2, len(wanted), dtype=np.int64)
    rank[np.asarray(wanted, dtype=np.int64) + 1] = np.arange(len(wanted))
    positions = np.flatnonzero(rank[codes + 1] < len(wanted))
    return positions[np.argsort(rank[codes[positions] + 1], kind="stable")]


def _text_column(values: list, codes: np.ndarray, index: pd.Index) -> pd.Series:
    """``pd.Series(np.array(values)[codes])`` (-1: missing) as pandas infers it, built by Arrow from
    the few distinct values rather than from millions of Python strings."""
    import pyarrow as pa

    texts = [v for v in dict.fromkeys(values) if v is not None]
    if not texts or any(not isinstance(v, str) for v in texts):
        return pd.Series(np.array(list(values) + [None], dtype=object)[codes], index=index)
    position = np.array([texts.index(v) if v is not None else -1 for v in values] + [-1], dtype=np.int64)[codes]
    indices = pa.array(position, mask=position < 0, type=pa.int64())
    arrow = pa.DictionaryArray.from_arrays(indices, pa.array(texts, type=pa.large_string())).cast(pa.large_string())
    return pd.Series(pd.StringDtype("pyarrow", na_value=np.nan).__from_arrow__(arrow), index=index)


def _normalise_ratings(ratings: pd.DataFrame, call: Call) -> tuple[pd.DataFrame, list[Problem]]:
    """Map criterion labels to ids and levels to the grid's labels and codes (case and accents forgiven).

    Works on the distinct (grid, version, value) triples, not row by row: a national file has
    millions of ratings but a few dozen distinct values. Problems come in the order of the rows
    where each unknown value first appears, then row by row.
    """
    file = TABLES_BY_NAME["ratings"].filename
    headers = french_headers(TABLES_BY_NAME["ratings"].model)
    problems: list[Problem] = []
    version = ratings["grid_version"].astype(str)
    grid_codes, grid_values = _codes(ratings["grid"])
    version_codes, version_values = _codes(version)
    key_codes, key_rows = _combine(grid_codes, version_codes)
    keys = [(grid_values[grid_codes[r]], version_values[version_codes[r]]) for r in key_rows]
    grids: dict[tuple[str, str], Grid | None] = {}
    for key, first in zip(keys, key_rows):
        try:
            grids[key] = load_grid(*key)
        except GridError as exc:
            grids[key] = None
            problems.append(Problem(file, ratings.index[first] + 2, headers["grid_version"], str(exc)))

    def lookup(column: str, table: dict[tuple[str, str], dict[str, object]], message):
        """Each row's code (-1: empty cell) into the values found and the texts as written."""
        raw_codes, raw_values = _codes(ratings[column])
        codes, first_rows = _combine(key_codes, raw_codes)
        found, written, unknown = [], [], []
        for u, r in enumerate(first_rows):
            key, raw = keys[key_codes[r]], raw_values[raw_codes[r]]
            value = table.get(key, {}).get(fold(raw)) if grids.get(key) else None
            if value is None and grids.get(key):
                unknown.append(u)
            found.append(value)
            written.append(raw)
        for pos in _rows_of(codes, unknown):
            key = keys[key_codes[first_rows[codes[pos]]]]
            problems.append(Problem(file, ratings.index[pos] + 2, headers[column],
                                    message(written[codes[pos]], grids[key])))
        return codes, found, written

    criteria = {k: ({fold(c.id): c.id for c in g.criteria} | {fold(c.label): c.id for c in g.criteria})
                for k, g in grids.items() if g}
    levels = {k: {fold(lv.label): lv for lv in g.levels} for k, g in grids.items() if g}
    crit_codes, crit_ids, crit_written = lookup(
        "criterion", criteria, lambda raw, g: f"critère « {raw} » inconnu de la grille {g.key} ; critères : "
        + ", ".join(c.id for c in g.criteria))
    lv_codes, lv_found, _ = lookup("level", levels, lambda raw, g: f"niveau « {raw} » inconnu de la grille "
                                   f"{g.key} ; niveaux permis : " + ", ".join(f"« {x} »" for x in g.level_labels))
    # The criterion id where one was found, else the text as written; a row without a code (a
    # missing grid or criterion) keeps its text too.
    final = [c if c is not None else raw for c, raw in zip(crit_ids, crit_written)]
    criterion = np.array(final + [None], dtype=object)[crit_codes]
    unmatched = np.flatnonzero(crit_codes < 0)
    if len(unmatched):
        criterion[unmatched] = ratings["criterion"].to_numpy(dtype=object)[unmatched]
    level_codes = np.array([x.code if x is not None else -1 for x in lv_found] + [-1], dtype=np.int64)[lv_codes]
    out = ratings.assign(
        criterion=pd.Series(criterion, index=ratings.index, dtype=object),
        level=_text_column([x.label if x is not None else None for x in lv_found], lv_codes, ratings.index),
        level_code=pd.arrays.IntegerArray(level_codes, level_codes < 0),
    )
    for grid_id, declared in call.grid_versions.items():
        used = set(version[(ratings["grid"] == grid_id).to_numpy()].unique())
        if used - {declared}:
            problems.append(Problem(file, None, headers["grid_version"],
                                    f"grille {grid_id} en version(s) {', '.join(sorted(used - {declared}))} alors que "
                                    f"l'appel ({CALL_FILE}) déclare la version {declared}"))
    # Repeated (dossier, juror, grid, criterion, round), as `out.duplicated(...)` finds them.
    # A missing value (code -1) is one more value here, as `duplicated` compares them.
    final_codes, _ = _codes(pd.Series(final, dtype=object))
    criterion_codes = np.append(final_codes, -1)[crit_codes]
    if len(unmatched):
        extra, _ = _codes(pd.Series(criterion[unmatched], dtype=object))
        criterion_codes[unmatched] = np.where(extra < 0, -1, int(final_codes.max(initial=-1)) + 1 + extra)
    combined, _ = _combine(_codes(ratings["dossier_id"])[0], _codes(ratings["juror_id"])[0], grid_codes,
                           criterion_codes, _codes(ratings["round"])[0], missing_is_value=True, renumber=False)
    dup = pd.Series(combined).duplicated(keep="first").to_numpy()
    problems += [Problem(file, i + 2, None, "notation en double pour ce dossier, ce juré, ce critère et ce tour")
                 for i in ratings.index[dup]]
    return out, problems


def _conflicts_honoured(frames) -> list[Problem]:
    ratings, conflicts = frames.get("ratings"), frames.get("conflicts")
    if ratings is None or conflicts is None or conflicts.empty:
        return []
    pairs = pd.MultiIndex.from_arrays([conflicts["juror_id"], conflicts["dossier_id"]])
    file = TABLES_BY_NAME["ratings"].filename
    bad = ratings[pd.MultiIndex.from_arrays([ratings["juror_id"], ratings["dossier_id"]]).isin(pairs)]
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


def validate_cohort(folder: Path, *, digests: dict[str, str] | None = None) -> tuple[dict[str, pd.DataFrame], Call]:
    """Load, validate and cross-check a cohort folder; raise ``InputError`` with every problem.

    ``digests`` receives the SHA-256 of each table file as it was read (see ``read_text_table``).
    """
    frames, problems = load_tables(folder, digests=digests)
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
    # The hashes of the bytes actually parsed (hashed while they are parsed, on another core);
    # files read otherwise (appel.yaml) are hashed here. A file changed while the cohort was
    # read changes its size or modification time: it shows below, before the processed folder
    # is replaced (hashing every file again would cost a second per 200 MB).
    stats_before = file_stats(folder)
    digests: dict[str, str] = {}
    frames, call = validate_cohort(folder, digests=digests)
    hashes_before = {p.name: digests.get(p.name) or hashlib.sha256(p.read_bytes()).hexdigest()
                     for p in input_files(folder)}
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
