"""The cohort's tables: each CSV read, its French headers mapped, its values parsed, then validated.

A file is read as text by :func:`socinnov.inputs.csv_reader.read_text_table`; its French headers
(or the schema's English names) are mapped to the schema's columns, typed columns parsed from
French writing (``socinnov.inputs.french_values``: ``12 500,00 €``, ``05/09/2016``,
``oui``/``non``), then validated by the table's pandera schema, lazily. Every problem of every file
is collected before anything is raised, so that a user fixes a file once: unknown, doubled or
missing headers, headers lower down than row 1, an unreadable value, a value the schema refuses.
:func:`write_table` writes a typed table back as a user supplies it.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd
import pandera.pandas as pa

from socinnov import config, files
from socinnov.call.schemas import TABLES, Table, french_headers
from socinnov.errors import InputError, Problem
from socinnov.inputs.csv_reader import TableFormatError, read_text_table, unnamed_column_message
from socinnov.inputs.french_values import (
    ANY_DATE,
    PARSERS,
    CellError,
    DateWindow,
    dtype_kind,
    fold,
    format_cell,
    parse_date,
)
from socinnov.inputs.sources import Discovery, find_sources, localise
from socinnov.inputs.spreadsheet_reader import read_sheet_table

__all__ = ["check_output_path", "load_or_raise", "load_table", "load_tables", "validate_frame", "write_output_table", "write_table",
           "write_template"]


def load_table(table: Table, folder: Path, *, digests: dict[str, str] | None = None,
               discovery: Discovery | None = None,
               dates: DateWindow = ANY_DATE) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Read and validate one table of a cohort folder (its ``.csv``, ``.xlsx``, ``.ods`` or workbook
    sheet: see :mod:`socinnov.inputs.sources`); return the frame and its problems, each placed in
    the file read (``digests``: see :func:`read_text_table`; ``dates``: see :func:`validate_frame`)."""
    discovery = discovery or find_sources(folder)
    if table.name in discovery.blocked:
        return None, list(discovery.blocked[table.name])
    source = discovery.sources.get(table.name)
    if source is None:
        return (None, [discovery.absent(table)]) if table.required else (_empty(table), [])
    try:
        if source.sheet is None:
            df = read_text_table(source.path, digests=digests, name=table.filename)
        else:
            df = read_sheet_table(source.book, source.sheet, table.filename, digests=digests, letters=source.letters)
    except TableFormatError as exc:
        return None, localise([Problem(table.filename, p.row, p.column, p.message) for p in exc.problems],
                              discovery.sources)
    notes: list[Problem] = []
    df, problems = validate_frame(df, table, dates=dates, notes=notes)
    discovery.notes.extend(localise(notes, discovery.sources))
    return df, localise(problems, discovery.sources)


def _empty(table: Table) -> pd.DataFrame:
    """An optional table the cohort does not provide: no rows, the schema's columns and dtypes."""
    schema = table.model.to_schema()
    return pd.DataFrame({name: pd.Series(dtype=col.dtype.type) for name, col in schema.columns.items()})


def validate_frame(df: pd.DataFrame, table: Table, *, dates: DateWindow = ANY_DATE,
                   notes: list[Problem] | None = None) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Map headers, parse typed columns and run the schema; problems name file, row, column.

    A column the table does not know is left aside with a note (into ``notes``) when every
    column the table needs is there: a user's own column (« Commentaire ») is no error. When one
    is missing too, the unknown column is reported with it (most often, a misspelt header).
    A value of a closed list is recognised whatever its case and accents (« Association »,
    « amorcage »), and stored as the list writes it.

    Rows are numbered from the frame's index (position 0 is spreadsheet row 2) when it is a
    unique integer index, as ``read_text_table`` returns it; otherwise from their order.
    A date outside ``dates`` (the call's calendar, for a cohort) is refused as it is parsed.
    """
    schema = table.model.to_schema()
    headers = french_headers(table.model)
    rename, problems, unknown = _map_headers(df, table, headers)
    if problems:
        return None, problems + unknown
    if notes is not None:
        notes += [Problem(p.file, p.row, p.column, "colonne inconnue, laissée de côté (non lue)") for p in unknown]
    df = df.rename(columns=rename)[list(headers)]
    if not (pd.api.types.is_integer_dtype(df.index) and df.index.is_unique):
        df.index = pd.RangeIndex(len(df))
    typed, bad_cells, problems = _parse_typed(df, table, headers, dates)
    typed = _canonical_values(_apply_dtypes(typed, schema), schema)
    try:
        validated = table.model.validate(typed, lazy=True)
    except pa.errors.SchemaErrors as err:
        problems += _translate(err, table, headers, bad_cells, _blank_cells(df, schema))
        return None, problems
    if problems:
        return None, problems
    return validated, problems


def _quoted(values, limit: int = 40) -> str:
    return ", ".join(f"« {v if len(v) <= limit else v[:limit - 1] + '…'} »" for v in values)


def _canonical_values(df: pd.DataFrame, schema) -> pd.DataFrame:
    """Values of closed lists (pandera ``isin`` checks) written as the list writes them, when
    they differ only by case, accents or spaces."""
    out = df
    for name, col in schema.columns.items():
        for check in col.checks:
            if check.name != "isin" or name not in df:
                continue
            canonical = {fold(v): v for v in check.statistics["allowed_values"]}
            values = df[name]
            # each distinct text once (2,7 million ratings hold a handful of rounds and grids)
            fixes = {u: canonical[fold(u)] for u in values.dropna().unique()
                     if isinstance(u, str) and fold(u) in canonical and canonical[fold(u)] != u}
            if fixes:
                out = out.copy() if out is df else out
                out[name] = values.replace(fixes).astype(values.dtype)
    return out


def _map_headers(df: pd.DataFrame, table: Table,
                 headers: dict[str, str]) -> tuple[dict[str, str], list[Problem], list[Problem]]:
    """French (or English) header -> column name; doubled, missing or absent headers reported;
    unknown ones apart (third item), see :func:`validate_frame`."""
    by_header = {fold(fr): en for en, fr in headers.items()} | {fold(en): en for en in headers}
    found = [by_header.get(fold(col)) for col in df.columns]
    if not any(found):
        return {}, [_header_row_problem(df, table, headers, by_header)], []
    problems: list[Problem] = []
    unknown: list[Problem] = []
    rename: dict[str, str] = {}
    for position, (col, en) in enumerate(zip(df.columns, found), start=1):
        if en is None and not str(col).strip():
            problems.append(Problem(table.filename, None, None, f"{unnamed_column_message(position)} ; en-têtes "
                                    "attendus : " + _quoted(headers.values(), 80)))
        elif en is None:
            unknown.append(Problem(table.filename, None, col, "colonne inconnue ; colonnes attendues : "
                                    + ", ".join(f"« {h} »" for h in headers.values())))
        elif en in rename.values():
            problems.append(Problem(table.filename, None, col, "colonne en double"))
        else:
            rename[col] = en
    missing = [headers[en] for en in headers if en not in rename.values()]
    problems += [Problem(table.filename, None, h, "colonne obligatoire absente") for h in missing]
    return rename, problems, unknown


def _header_row_problem(df: pd.DataFrame, table: Table, headers: dict[str, str], by_header) -> Problem:
    """Why no header was recognised: one column only (separator), headers lower down, or none at all."""
    expected = _quoted(headers.values(), 80)
    first = [str(c) for c in df.columns]
    if len(first) == 1:
        return Problem(table.filename, 1, None, f"une seule colonne lue (« {first[0][:60]} ») : séparateur non "
                       f"reconnu ; attendu le point-virgule (;) ou la virgule (,) entre les en-têtes {expected}")
    for row, values in zip(df.index[:5], df.head(5).itertuples(index=False)):
        if sum(fold(v) in by_header for v in values if isinstance(v, str)) >= len(headers) // 2 + 1:
            above = "la ligne 1" if row == 0 else f"les lignes 1 à {row + 1}"
            return Problem(table.filename, 1, None, f"les en-têtes sont en ligne {row + 2} : supprimer {above}")
    more = "…" if len(first) > 4 else ""
    return Problem(table.filename, 1, None, f"ligne d'en-têtes absente ({_quoted(first[:4], 30)}{more} n'en sont pas) ; "
                   f"attendu en ligne 1 les en-têtes {expected}")


def _parse_typed(df: pd.DataFrame, table: Table, headers: dict[str, str], dates: DateWindow):
    """Parse amounts, integers, dates and yes/no from French writing; unreadable cells reported."""
    schema = table.model.to_schema()
    problems: list[Problem] = []
    bad_cells: set[tuple[int, str]] = set()
    out = {}
    for name, col in schema.columns.items():
        kind = dtype_kind(col.dtype)
        if kind not in PARSERS:
            out[name] = df[name]
            continue
        parse, expected = PARSERS[kind]
        if parse is parse_date:
            parse = partial(parse_date, window=dates)
        # Each distinct text is parsed once (a column of 100 000 dates holds a few hundred).
        codes, uniques = pd.factorize(df[name], use_na_sentinel=True)
        parsed, details = [], {}
        for u, v in enumerate(uniques):
            try:
                parsed.append(parse(v))
            except (ValueError, TypeError, OverflowError) as exc:
                parsed.append(None)
                details[u] = (exc.detail, exc.expected or expected) if isinstance(exc, CellError) \
                    else ("illisible", expected)
        parsed.append(None)  # code -1: an empty cell
        out[name] = np.array(parsed, dtype=object)[codes].tolist()
        if details:
            for pos in np.flatnonzero(np.isin(codes, list(details))):
                i, v = df.index[pos], uniques[codes[pos]]
                bad_cells.add((i, name))
                detail, wanted = details[codes[pos]]
                problems.append(Problem(table.filename, i + 2, headers[name], f"valeur « {v} » {detail} : attendu {wanted}"))
    return pd.DataFrame(out, index=df.index), bad_cells, problems


def _apply_dtypes(df: pd.DataFrame, schema: pa.DataFrameSchema) -> pd.DataFrame:
    """Give each column its schema dtype where possible; leave invalid ones for the schema to report."""
    for name, col in schema.columns.items():
        kind = dtype_kind(col.dtype)
        s = df[name]
        if kind == "float64":
            df[name] = pd.to_numeric(s, errors="coerce").astype("float64")
        elif kind == "datetime64[ns]":
            df[name] = pd.to_datetime(s, errors="coerce").astype("datetime64[ns]")
        elif kind in ("int64", "bool"):
            if s.notna().all():
                df[name] = s.astype(kind)
        else:
            df[name] = s.astype(col.dtype.type if hasattr(col.dtype, "type") else "str")
    return df


_CHECK_MESSAGES = {
    "isin": lambda st: "valeur non permise ; valeurs permises : " + ", ".join(f"« {v} »" for v in st["allowed_values"]),
    "str_matches": lambda st: f"format non reconnu (attendu : {_pattern_hint(st['pattern'])})",
    "greater_than_or_equal_to": lambda st: f"doit être supérieur ou égal à {st['min_value']}",
    "less_than_or_equal_to": lambda st: f"doit être inférieur ou égal à {st['max_value']}",
}


def _pattern_hint(pattern) -> str:
    p = getattr(pattern, "pattern", pattern)
    hints = {
        r"^\d{14}$": "14 chiffres",
        r"^(\d{2}|2A|2B|97\d)$": "un code de département, par exemple 33",
        r"^[^@\s]+@[^@\s]+\.[^@\s]+$": "une adresse de courriel",
    }
    return hints.get(p, "lettres, chiffres, tirets, sans espace")


def _blank_cells(df: pd.DataFrame, schema: pa.DataFrameSchema) -> set[tuple[int, str]]:
    """Empty cells of columns that require a value: each is reported once, as missing."""
    return {(i, name) for name, col in schema.columns.items() if not col.nullable
            for i in df.index[df[name].isna().to_numpy()]}


def _translate(err: pa.errors.SchemaErrors, table: Table, headers: dict[str, str],
               unreadable: set[tuple[int, str]], blank: set[tuple[int, str]]) -> list[Problem]:
    """pandera's failure cases as problems in the user's words, one per cell (one per row for a
    check on the whole row). Cells already reported as ``unreadable`` are left out; of a
    required cell left ``blank``, only « valeur obligatoire manquante » is said. A check failing
    because of either is left out: the column's type, and a check on the row when the cell is
    unreadable or a blank number, date or yes/no (the row's checks compare those)."""
    schema = table.model.to_schema()
    problems: dict[Problem, None] = {}
    reported = unreadable | blank
    reported_columns = {c for _, c in reported}
    reported_rows = {r for r, _ in unreadable} | {r for r, c in blank if dtype_kind(schema.columns[c].dtype) in PARSERS}
    for rec in err.failure_cases.to_dict("records"):
        column = rec.get("column")
        idx = rec.get("index")
        row = None if idx is None or (isinstance(idx, float) and np.isnan(idx)) else int(idx)
        check = str(rec.get("check"))
        if row is not None and column in headers and (row, column) in reported \
                and not (check == "not_nullable" and (row, column) in blank):
            continue  # already reported as unreadable; an empty cell only as missing
        if check.startswith(("dtype(", "coerce_dtype")) and column in reported_columns:
            continue  # the column's type fails because of a cell unreadable or empty
        frame_level = rec.get("schema_context") == "DataFrameSchema" or column not in schema.columns
        if frame_level and row in reported_rows:
            continue  # a check on the row would judge a cell unreadable or empty
        header = None if frame_level else headers[column]
        message = _frame_message(rec, schema) if frame_level else _column_message(rec, schema)
        problems[Problem(table.filename, row + 2 if row is not None else None, header, message)] = None
    return list(problems)


def _column_message(rec: dict, schema: pa.DataFrameSchema) -> str:
    check, value = str(rec.get("check")), rec.get("failure_case")
    if check == "not_nullable":
        return "valeur obligatoire manquante"
    if check == "field_uniqueness" or check.startswith("unique"):
        return f"valeur « {value} » en double : chaque valeur doit être unique"
    if check.startswith(("dtype(", "coerce_dtype")) or rec.get("check_number") is None:
        return f"type de valeur inattendu « {value} »"
    chk = schema.columns[rec["column"]].checks[int(rec["check_number"])]
    maker = _CHECK_MESSAGES.get(chk.name)
    return f"valeur « {value} » : {maker(chk.statistics) if maker else (chk.error or check)}"


def _frame_message(rec: dict, schema: pa.DataFrameSchema) -> str:
    """A check on whole rows: its error text is already French."""
    check = str(rec.get("check"))
    return next((c.error for c in schema.checks if c.error and check in (c.name, c.error)), check)


def load_tables(folder: Path, *, digests: dict[str, str] | None = None,
                discovery: Discovery | None = None,
                dates: DateWindow = ANY_DATE) -> tuple[dict[str, pd.DataFrame], list[Problem]]:
    """Load every table of a cohort folder; returns the frames that validated and all problems
    (``digests``: see :func:`read_text_table`; ``discovery``: the folder's sources, if known;
    ``dates``: see :func:`validate_frame`)."""
    discovery = discovery or find_sources(folder)
    frames: dict[str, pd.DataFrame] = {}
    problems: list[Problem] = []
    for table in TABLES:
        df, probs = load_table(table, folder, digests=digests, discovery=discovery, dates=dates)
        problems += probs
        if df is not None:
            frames[table.name] = df
    return frames, problems


def load_or_raise(folder: Path) -> dict[str, pd.DataFrame]:
    frames, problems = load_tables(folder)
    if problems:
        raise InputError(problems)
    return frames


def write_template(table: Table, path: Path) -> None:
    """An empty CSV with the French headers, ``;``-separated, UTF-8 with BOM (Excel reads it)."""
    headers = list(french_headers(table.model).values())
    files.write_text(path, ";".join(f'"{h}"' if ";" in h else h for h in headers) + "\n", encoding="utf-8-sig")


def write_table(df: pd.DataFrame, table: Table, path: Path) -> None:
    """Write a typed frame as the CSV a user supplies: French headers, ``;``, UTF-8 with BOM."""
    schema = table.model.to_schema()
    headers = french_headers(table.model)
    out = pd.DataFrame({headers[name]: _format_column(df[name], dtype_kind(col.dtype))
                        for name, col in schema.columns.items()})
    out.to_csv(path, sep=";", index=False, encoding="utf-8-sig", lineterminator="\n")


def _format_column(values: pd.Series, kind: str) -> np.ndarray:
    """``format_cell`` over a column. Text cells (most of a ratings file: millions of them) are
    written as they are without a Python call per cell; other kinds go through ``format_cell``."""
    if kind in PARSERS:
        return np.array([format_cell(v, kind) for v in values], dtype=object)
    cells = values.to_numpy(dtype=object, na_value=None)
    missing = pd.isna(cells)
    out = np.where(missing, "", cells)
    if pd.api.types.infer_dtype(out, skipna=False) not in ("string", "empty"):
        out = np.array([v if isinstance(v, str) else format_cell(v, kind) for v in out], dtype=object)
    return out


def write_output_table(df: pd.DataFrame, table: Table, out: Path, *, force: bool = False) -> Path:
    """Write a table the kit produced (imported ratings, assignments) where the user asked.

    Refuses any path under ``data/raw`` (supplied files are never modified: the user copies the
    file there) and an existing file unless ``force``; the file appears whole or not at all.
    """
    target = check_output_path(table, out, force=force)
    with files.replacing(target) as tmp:
        write_table(df, table, tmp)
    return target


def check_output_path(table: Table, out: Path, *, force: bool = False) -> Path:
    """The resolved ``out`` if :func:`write_output_table` may write there, else ``InputError``
    (called first by a command whose work takes time, so that it refuses before doing it)."""
    out = Path(out)
    target = out.resolve()
    if target.is_relative_to(config.raw_dir().resolve()):
        raise InputError([Problem(str(out), None, None, f"écriture refusée dans {config.raw_dir()} : les fichiers "
                                  "fournis n'y sont jamais modifiés ; écrire ailleurs, vérifier, puis remplacer "
                                  f"{table.filename} à la main")])
    if target.exists() and not force:
        raise InputError([Problem(str(out), None, None, "existe déjà : laissé tel quel (--force pour le remplacer)")])
    return target
