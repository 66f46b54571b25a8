"""Reading the cohort's input files as French offices write them, and validating them.

A CSV is read as text (``;`` or ``,`` separator, UTF-8 with or without BOM, else
Windows-1252), its French headers mapped to the schema's column names, typed columns parsed
from French writing (``12 500,00 €``, ``05/09/2016``, ``oui``/``non``), then validated by the
table's pandera schema, lazily. Every problem of every file is collected before anything is
raised, so that a user fixes a file once.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from pathlib import Path

import numpy as np
import pandas as pd
import pandera.pandas as pa

from socinnov.errors import InputError, Problem
from socinnov.schemas import TABLES, Table, french_headers

_SPACES = re.compile(r"[\s\u00a0\u202f]+")
_DATE_FR = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_DATE_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_TRUE = {"oui", "o", "vrai", "yes", "true", "1"}
_FALSE = {"non", "n", "faux", "no", "false", "0"}


def fold(text: str) -> str:
    """Lower case without accents nor surrounding spaces, to compare what users type."""
    decomposed = unicodedata.normalize("NFKD", str(text).strip().lower())
    return _SPACES.sub(" ", "".join(ch for ch in decomposed if not unicodedata.combining(ch)))


def read_text_table(path: Path) -> pd.DataFrame:
    """Read a CSV as strings, guessing separator and encoding; blank cells become NA."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="strict")
    first = text.split("\n", 1)[0]
    sep = ";" if first.count(";") >= first.count(",") else ","
    from io import StringIO

    df = pd.read_csv(
        StringIO(text), sep=sep, dtype=str, keep_default_na=False, quoting=csv.QUOTE_MINIMAL
    )
    df = df.apply(lambda s: s.str.strip()).replace("", pd.NA)
    df.columns = [str(c).strip() for c in df.columns]
    return df


def _parse_amount(value: str) -> float:
    s = _SPACES.sub("", value).replace("€", "").replace("EUR", "").replace("eur", "")
    if "," in s:
        s = s.replace(".", "").replace(",", ".")
    return float(s)


def _parse_int(value: str) -> int:
    number = _parse_amount(value)
    if not float(number).is_integer():
        raise ValueError(value)
    return int(number)


def _parse_date(value: str) -> pd.Timestamp:
    m = _DATE_FR.match(value)
    if m:
        day, month, year = (int(g) for g in m.groups())
    else:
        m = _DATE_ISO.match(value)
        if not m:
            raise ValueError(value)
        year, month, day = (int(g) for g in m.groups())
    return pd.Timestamp(year=year, month=month, day=day)


def _parse_bool(value: str) -> bool:
    f = fold(value)
    if f in _TRUE:
        return True
    if f in _FALSE:
        return False
    raise ValueError(value)


_PARSERS = {
    "float64": (_parse_amount, "un montant, par exemple 12 500,00"),
    "int64": (_parse_int, "un nombre entier, par exemple 12"),
    "datetime64[ns]": (_parse_date, "une date JJ/MM/AAAA, par exemple 05/09/2016"),
    "bool": (_parse_bool, "« oui » ou « non »"),
}


def _kind(dtype) -> str:
    s = str(dtype)
    if s.startswith("datetime64"):
        return "datetime64[ns]"
    return s


def load_table(table: Table, folder: Path) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Read and validate one table of a cohort folder; return the frame and its problems."""
    path = folder / table.filename
    if not path.exists():
        if table.required:
            return None, [Problem(table.filename, None, None, "fichier obligatoire absent du dossier de la cohorte")]
        return _empty(table), []
    try:
        df = read_text_table(path)
    except (pd.errors.ParserError, UnicodeDecodeError, csv.Error) as exc:
        return None, [Problem(table.filename, None, None, f"fichier illisible comme CSV ({exc})")]
    return validate_frame(df, table)


def _empty(table: Table) -> pd.DataFrame:
    """An optional table the cohort does not provide: no rows, the schema's columns and dtypes."""
    schema = table.model.to_schema()
    return pd.DataFrame({name: pd.Series(dtype=col.dtype.type) for name, col in schema.columns.items()})


def validate_frame(df: pd.DataFrame, table: Table) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Map headers, parse typed columns and run the schema; problems name file, row, column."""
    schema = table.model.to_schema()
    headers = french_headers(table.model)
    by_header = {fold(fr): en for en, fr in headers.items()} | {fold(en): en for en in headers}
    problems: list[Problem] = []
    rename: dict[str, str] = {}
    for col in df.columns:
        en = by_header.get(fold(col))
        if en is None:
            problems.append(Problem(table.filename, None, col, "colonne inconnue ; colonnes attendues : "
                                    + ", ".join(f"« {h} »" for h in headers.values())))
        elif en in rename.values():
            problems.append(Problem(table.filename, None, col, "colonne en double"))
        else:
            rename[col] = en
    missing = [headers[en] for en in headers if en not in rename.values()]
    problems += [Problem(table.filename, None, h, "colonne obligatoire absente") for h in missing]
    if problems:
        return None, problems

    df = df.rename(columns=rename)[list(headers)]
    df.index = pd.RangeIndex(len(df))
    bad_cells: set[tuple[int, str]] = set()
    out = {}
    for name, col in schema.columns.items():
        kind = _kind(col.dtype)
        series = df[name]
        if kind not in _PARSERS:
            out[name] = series
            continue
        parse, expected = _PARSERS[kind]
        values = []
        for i, v in series.items():
            if pd.isna(v):
                values.append(None)
                continue
            try:
                values.append(parse(v))
            except (ValueError, TypeError, OverflowError):
                values.append(None)
                bad_cells.add((i, name))
                problems.append(Problem(table.filename, i + 2, headers[name], f"valeur « {v} » illisible : attendu {expected}"))
        out[name] = values
    typed = pd.DataFrame(out, index=df.index)
    typed = _apply_dtypes(typed, schema)
    try:
        validated = table.model.validate(typed, lazy=True)
    except pa.errors.SchemaErrors as err:
        problems += _translate(err, table, headers, bad_cells)
        return None, problems
    if problems:
        return None, problems
    return validated, problems


def _apply_dtypes(df: pd.DataFrame, schema: pa.DataFrameSchema) -> pd.DataFrame:
    """Give each column its schema dtype where possible; leave invalid ones for the schema to report."""
    for name, col in schema.columns.items():
        kind = _kind(col.dtype)
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


def _translate(err: pa.errors.SchemaErrors, table: Table, headers: dict[str, str],
               bad_cells: set[tuple[int, str]]) -> list[Problem]:
    schema = table.model.to_schema()
    problems = []
    fc = err.failure_cases
    for rec in fc.to_dict("records"):
        column = rec.get("column")
        idx = rec.get("index")
        row = None if idx is None or (isinstance(idx, float) and np.isnan(idx)) else int(idx)
        if row is not None and column in headers and (row, column) in bad_cells:
            continue  # already reported as unreadable
        check = str(rec.get("check"))
        value = rec.get("failure_case")
        header = headers.get(column) if column in headers else None
        where_row = row + 2 if row is not None else None
        if check == "not_nullable":
            msg = "valeur obligatoire manquante"
        elif check == "field_uniqueness" or check.startswith("unique"):
            msg = f"valeur « {value} » en double : chaque valeur doit être unique"
        elif check.startswith("dtype(") or check.startswith("coerce_dtype"):
            if (row, column) in bad_cells or any(c == column for _, c in bad_cells):
                continue
            msg = f"type de valeur inattendu « {value} »"
        elif column in schema.columns and rec.get("check_number") is not None:
            chk = schema.columns[column].checks[int(rec["check_number"])]
            maker = _CHECK_MESSAGES.get(chk.name)
            msg = maker(chk.statistics) if maker else (chk.error or check)
            msg = f"valeur « {value} » : {msg}"
        else:
            # dataframe-level check: its error text is already French; one message per row
            msg = next((c.error for c in schema.checks if c.error and (c.name == check or c.error == check)), check)
            header = None
        problems.append(Problem(table.filename, where_row, header, msg))
    return problems


def load_tables(folder: Path) -> tuple[dict[str, pd.DataFrame], list[Problem]]:
    """Load every table of a cohort folder; returns the frames that validated and all problems."""
    frames: dict[str, pd.DataFrame] = {}
    problems: list[Problem] = []
    for table in TABLES:
        df, probs = load_table(table, folder)
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
    path.write_text(";".join(f'"{h}"' if ";" in h else h for h in headers) + "\n", encoding="utf-8-sig")


def format_cell(value, kind: str) -> str:
    """A typed value written as French offices write it (the inverse of the parsers above)."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if kind == "bool":
        return "oui" if value else "non"
    if kind == "datetime64[ns]":
        return pd.Timestamp(value).strftime("%d/%m/%Y")
    if kind == "float64":
        return f"{float(value):.2f}".replace(".", ",")
    if kind == "int64":
        return str(int(value))
    return str(value)


def write_table(df: pd.DataFrame, table: Table, path: Path) -> None:
    """Write a typed frame as the CSV a user supplies: French headers, ``;``, UTF-8 with BOM."""
    schema = table.model.to_schema()
    headers = french_headers(table.model)
    out = pd.DataFrame({headers[name]: [format_cell(v, _kind(col.dtype)) for v in df[name]]
                        for name, col in schema.columns.items()})
    out.to_csv(path, sep=";", index=False, encoding="utf-8-sig", lineterminator="\n")
