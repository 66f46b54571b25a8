"""Reading the cohort's input files as French offices write them, and validating them.

A CSV is decoded (UTF-8 with or without BOM, else Windows-1252), split on its separator (``;``
or ``,``, guessed from the header line), its French headers mapped to the schema's column names,
typed columns parsed from French writing (``12 500,00 €``, ``05/09/2016``, ``oui``/``non``), then
validated by the table's pandera schema, lazily. Every problem of every file is collected before
anything is raised, so that a user fixes a file once.

What cannot be read is refused with what was found and what is expected: a spreadsheet renamed
``.csv``, UTF-16 text (Excel's « Texte Unicode »), text converted twice to UTF-8, tab-separated
columns, a quote never closed, a row with more values than headers, an empty file, a missing
header row, an ambiguous amount (``12.500``), a date not written day/month/year (``2016/09/05``,
``09/05/16``). Rows are numbered as in a spreadsheet (the header is row 1) even when a value
spans several lines or blank rows are skipped.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import threading
import unicodedata
from pathlib import Path

import numpy as np
import pandas as pd
import pandera.pandas as pa

from socinnov import config, files
from socinnov.call.schemas import TABLES, Table, french_headers
from socinnov.errors import InputError, Problem, UserError

_SPACES = re.compile(r"[\s\u00a0\u202f]+")
_TRUE = {"oui", "o", "vrai", "yes", "true", "1"}
_FALSE = {"non", "n", "faux", "no", "false", "0"}
_SEPARATORS = (";", ",", "\t")  # tried in this order: « ; » wins a tie
_SAVE_AS_CSV = "l'ouvrir dans le tableur et « Enregistrer sous » > « CSV (séparateur : point-virgule) »"
_MOJIBAKE = re.compile("[ÃÂ][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc"
                       "\u2013-\u203a\u20ac\u2122]")


class TableFormatError(UserError, ValueError):
    """A file that cannot be read as a CSV table; ``problems`` say what was found and what is expected."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems))


class CellError(ValueError):
    """A cell that cannot be parsed; ``detail`` says why, in French, after « valeur « … » »."""

    def __init__(self, detail: str = "illisible"):
        self.detail = detail
        super().__init__(detail)


def fold(text: str) -> str:
    """Lower case without accents nor surrounding spaces, to compare what users type."""
    decomposed = unicodedata.normalize("NFKD", str(text).strip().lower())
    return _SPACES.sub(" ", "".join(ch for ch in decomposed if not unicodedata.combining(ch)))


def read_text_table(path: Path, *, digests: dict[str, str] | None = None) -> pd.DataFrame:
    """Read a CSV as strings, guessing separator and encoding; blank cells become NA.

    Parameters
    ----------
    path : Path
        The CSV file.
    digests : dict, optional
        Receives the SHA-256 of the bytes read (``digests[path.name]``), hashed while they are
        parsed: the provenance of what was read, without reading the file a second time.

    Returns
    -------
    pandas.DataFrame
        One string column per header (headers stripped), one row per non-blank record; the
        index is the record's position (spreadsheet row minus 2), kept when blank rows are
        skipped so that problems name the right row.

    Raises
    ------
    TableFormatError
        When the file is not a CSV table as expected (see the module docstring).
    """
    name = path.name
    raw = path.read_bytes()
    if digests is None:
        return _read_bytes(raw, name)
    hasher = hashlib.sha256()
    thread = threading.Thread(target=hasher.update, args=(raw,))  # hashlib releases the GIL
    thread.start()
    try:
        return _read_bytes(raw, name)
    finally:
        thread.join()
        digests[name] = hasher.hexdigest()


def _read_bytes(raw: bytes, name: str) -> pd.DataFrame:
    text, utf8 = _decode_text(raw, name)
    sep = _separator(text, name)
    bom = 3 if utf8 and raw.startswith(b"\xef\xbb\xbf") else 0
    fast = _fast_frame(text, sep, memoryview(raw)[bom:] if utf8 else text.encode("utf-8"))
    if fast is not None:
        return fast
    return _frame(_records(text, sep, name), name)


def _refuse(name: str, message: str, row: int | None = None) -> TableFormatError:
    return TableFormatError([Problem(name, row, None, message)])


def _decode(raw: bytes, name: str) -> str:
    """The file's text: UTF-8 (BOM or not), else Windows-1252; other formats refused."""
    return _decode_text(raw, name)[0]


def _decode_text(raw: bytes, name: str) -> tuple[str, bool]:
    """``_decode``, and whether the bytes were UTF-8."""
    if not raw[:4096].lstrip(b"\xef\xbb\xbf \t\r\n") and not raw.lstrip(b"\xef\xbb\xbf \t\r\n"):
        raise _refuse(name, "fichier vide : attendu une ligne d'en-têtes puis une ligne par enregistrement")
    if raw.startswith(b"PK\x03\x04"):
        kind = ("classeur LibreOffice (.ods)" if b"opendocument" in raw[:200]
                else "classeur Excel (.xlsx)")
        raise _refuse(name, f"{kind} renommé en .csv, pas un fichier CSV : {_SAVE_AS_CSV}")
    if raw.startswith(b"\xd0\xcf\x11\xe0"):
        raise _refuse(name, f"classeur Excel 97-2003 (.xls) renommé en .csv, pas un fichier CSV : {_SAVE_AS_CSV}")
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")) or raw[:200].count(b"\x00") > len(raw[:200]) // 4:
        raise _refuse(name, "fichier encodé en UTF-16 (« Texte Unicode » d'Excel) ; attendu UTF-8 ou "
                            f"Windows-1252 : {_SAVE_AS_CSV} ou « CSV UTF-8 »")
    if b"\x00" in raw:
        raise _refuse(name, "fichier binaire (octets nuls), pas un fichier texte CSV")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            return raw.decode("cp1252"), False
        except UnicodeDecodeError as exc:
            raise _refuse(name, f"encodage non reconnu (octet 0x{raw[exc.start]:02X} à la position {exc.start}) ; "
                                "attendu UTF-8 ou Windows-1252") from None
    _check_double_encoding(text, name)
    return text, True


def _check_double_encoding(text: str, name: str) -> None:
    """Refuse UTF-8 text converted a second time (« Ã© » for « é »)."""
    if "Ã" not in text and "Â" not in text:  # the pattern starts with one of them: skip the regex
        return
    found = _MOJIBAKE.search(text)
    if not found:
        return
    try:
        example = found.group().encode("cp1252").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return
    raise _refuse(name, f"caractères mal convertis (« {found.group()} » au lieu de « {example} ») : le fichier a été "
                        "converti deux fois en UTF-8 ; repartir du fichier d'origine")


def _separator(text: str, name: str) -> str:
    """``;`` or ``,``, whichever splits the header line into more columns (``;`` on a tie)."""
    first = _first_nonblank_line(text)
    widths = {sep: len(next(csv.reader([first], delimiter=sep))) for sep in _SEPARATORS}
    sep = max(widths, key=widths.get)
    if sep == "\t" and widths[sep] > 1:
        raise _refuse(name, "colonnes séparées par des tabulations ; attendu le point-virgule (;) ou la "
                            f"virgule (,) : {_SAVE_AS_CSV}", row=1)
    return sep


def _first_nonblank_line(text: str) -> str:
    """``next((line for line in text.splitlines() if line.strip()), "")`` without splitting the
    whole file (a ratings file has millions of lines): growing prefixes, complete lines only."""
    size = 1 << 14
    while True:
        whole = size >= len(text)
        lines = text[:size].splitlines()
        for line in lines if whole else lines[:-1]:
            if line.strip():
                return line
        if whole:
            return ""
        size *= 8


def _records(text: str, sep: str, name: str) -> list[list[str]]:
    """Every record of the file (a quoted value may span lines); bad quoting refused with its row."""
    stream = io.StringIO(text, newline="")
    reader = csv.reader(stream, delimiter=sep, strict=True)
    records: list[list[str]] = []
    try:
        records.extend(reader)  # keeps the records read before an error, to name its row
    except csv.Error as exc:
        row = len(records) + 1
        start = text.splitlines()[reader.line_num - 1] if reader.line_num else ""
        raise _refuse(name, _quoting_message(str(exc), sep, start), row=row) from None
    return records


def _quoting_message(error: str, sep: str, line: str) -> str:
    if "expected after" in error:
        return (f"guillemet (\") au milieu d'une valeur : une valeur entre guillemets doit être suivie du "
                f"séparateur « {sep} » ; écrire \"\" pour un guillemet dans une valeur")
    if "end of data" in error or "field limit" in error:
        return ("guillemet (\") ouvert et jamais refermé : la suite du fichier serait lue comme une seule valeur ; "
                "refermer ou retirer le guillemet")
    return f"fichier illisible comme CSV ({error})"


def _frame(records: list[list[str]], name: str) -> pd.DataFrame:
    """Records as a string frame: blank rows skipped, short rows padded, long rows refused."""
    header = [h.strip().lstrip("\ufeff") for h in records[0]]
    if len(header) == 1:  # a title line above the headers: let the header check explain
        header += [""] * (max(map(len, records)) - 1)
    width, problems = len(header), []
    rows, index = [], []
    for k, record in enumerate(records[1:]):
        if len(record) != width:
            extra = [c.strip() for c in record[width:] if c.strip()]
            if extra:
                problems.append(Problem(name, k + 2, None, f"{len(record)} valeurs pour {width} colonnes (valeur en "
                                        f"trop « {extra[0]} ») : une valeur contenant le séparateur doit être "
                                        "entre guillemets"))
            record = (record + [""] * width)[:width]
        if "".join(record).strip():
            rows.append(record)
            index.append(k)
    if problems:
        raise TableFormatError(problems)
    df = pd.DataFrame(rows, columns=range(width), index=pd.Index(index, dtype="int64"), dtype=str)
    df = df.apply(lambda col: col.str.strip().str.replace("\r\n", "\n", regex=False))
    return _named(df, header)


def _named(df: pd.DataFrame, header: list[str]) -> pd.DataFrame:
    """Stripped string cells -> the table: columns without header nor value dropped, blanks as NA."""
    keep = [i for i in range(len(header)) if header[i] or (df[i] != "").any()]
    df = df[keep].set_axis([header[i] for i in keep], axis=1)
    return df.mask(df == "")


def _fast_frame(text: str, sep: str, data: bytes | memoryview) -> pd.DataFrame | None:
    """What ``_frame(_records(text))`` returns, read by Arrow's CSV reader, or ``None`` to read it so.

    A national ratings file has millions of rows: the ``csv`` module and a Python loop per record
    take tens of seconds. Without any quote character a CSV is only separators and line ends, which
    both readers split alike (``\n``, ``\r\n`` or ``\r``; an empty line is a blank record that
    keeps its number). Anything else (quotes and their strict rules, a row shorter or longer than
    the header, a one-column header, no data row) goes to the exact reader, which also words the
    problems. ``data`` is ``text`` as UTF-8 bytes.
    """
    if '"' in text:
        return None
    head = text[:1 << 16]
    cut = min((i for i in (head.find("\r"), head.find("\n")) if i >= 0), default=len(head))
    width = head[:cut].count(sep) + 1  # the header record (a blank first line: 1, read exactly)
    if width < 2:
        return None
    try:
        import pyarrow as pa
        import pyarrow.csv as pacsv

        # Arrow parses blocks on every core and keeps the rows in order: 0,5 to 1 s less on a
        # national ratings file (2,7 million rows) on two cores.

        table = pacsv.read_csv(
            pa.BufferReader(pa.py_buffer(data)),
            read_options=pacsv.ReadOptions(column_names=[f"c{i}" for i in range(width)], use_threads=True),
            parse_options=pacsv.ParseOptions(delimiter=sep, quote_char=False, double_quote=False,
                                             escape_char=False, newlines_in_values=False,
                                             ignore_empty_lines=False),
            convert_options=pacsv.ConvertOptions(column_types={f"c{i}": pa.string() for i in range(width)},
                                                 strings_can_be_null=False, quoted_strings_can_be_null=False),
        )
    except Exception:  # noqa: BLE001 - any refusal by the fast reader: the exact reader decides
        return None
    if table.num_rows < 2:
        return None
    dtype = pd.StringDtype("pyarrow", na_value=np.nan)
    raw = pd.DataFrame({i: pd.Series(dtype.__from_arrow__(table.column(i))) for i in range(width)})
    header = [h.strip().lstrip("\ufeff") for h in raw.iloc[0]]
    cells = raw.iloc[1:].apply(lambda col: col.str.strip())
    filled = (cells != "").any(axis=1).to_numpy()
    if not filled.any():
        return None
    df = cells[filled]
    df.index = pd.Index(np.flatnonzero(filled), dtype="int64")
    return _named(df, header)


def _parse_amount(value: str) -> float:
    """An amount as written in France (``12 500,00 €``, ``1.234,50``); ``12.500`` is ambiguous."""
    s = _SPACES.sub("", value)
    s = re.sub(r"(?i)(€|eur|euros)$", "", s).removeprefix("€")
    if not re.fullmatch(r"[+-]?\d[\d.,]*\d|[+-]?\d", s):
        raise CellError()
    sign = -1.0 if s.startswith("-") else 1.0
    s = s.lstrip("+-")
    decimal = _decimal_mark(s)
    whole, frac = s.rsplit(decimal, 1) if decimal else (s, "0")
    marks = set(re.sub(r"\d", "", whole))
    if len(marks) > 1 or marks == {decimal}:
        raise CellError()
    if marks and not re.fullmatch(r"\d{1,3}(" + re.escape(marks.pop()) + r"\d{3})+", whole):
        raise CellError()
    return sign * float(re.sub(r"\D", "", whole) + "." + frac)


def _decimal_mark(s: str) -> str | None:
    """Which of ``,`` and ``.`` is the decimal mark of an amount, ``None`` for a whole number.

    The last mark is decimal when both appear; a lone mark followed by three digits may be either
    (``12.500``: 12 500 or 12,5), so the amount is refused rather than guessed.
    """
    marks = [m for m in ".," if m in s]
    if len(marks) == 2:
        return max(marks, key=s.rfind)
    if not marks:
        return None
    groups = s.split(marks[0])
    if len(groups) > 2:
        return None  # 1.234.567: thousands separators only
    if len(groups[1]) == 3 and groups[0].lstrip("0"):
        whole = f"{int(groups[0] + groups[1]):,}".replace(",", " ")
        fraction = f"{groups[0]},{groups[1]}".rstrip("0").rstrip(",")
        raise CellError(f"ambiguë ({whole} ou {fraction} ?)")
    return marks[0]


def _parse_int(value: str) -> int:
    number = _parse_amount(value)
    if not float(number).is_integer():
        raise ValueError(value)
    return int(number)


_DATE = re.compile(r"^(\d{1,4})([/.-])(\d{1,2})\2(\d{1,4})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")


def _parse_date(value: str) -> pd.Timestamp:
    """A date written day/month/year (``05/09/2016``, also with ``-`` or ``.``), or ISO ``2016-09-05``."""
    m = _DATE.match(value)
    if not m:
        if re.fullmatch(r"\d{5}([.,]\d+)?", value):
            raise CellError("illisible (un nombre : la cellule n'est pas au format date dans le tableur)")
        raise CellError()
    first, sep, month, last = m.group(1), m.group(2), int(m.group(3)), m.group(4)
    if len(first) == 4 and len(last) <= 2:
        if sep != "-":
            raise CellError("illisible (écrite année/mois/jour)")
        year, day = int(first), int(last)
    elif len(first) <= 2 and len(last) == 4:
        day, year = int(first), int(last)
    elif len(first) <= 2 and len(last) == 2:
        raise CellError("illisible (année sur deux chiffres)")
    else:
        raise CellError()
    if month > 12 and day <= 12:
        raise CellError("illisible (écrite mois/jour/année ?)")
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


def load_table(table: Table, folder: Path, *,
               digests: dict[str, str] | None = None) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Read and validate one table of a cohort folder; return the frame and its problems
    (``digests``: see :func:`read_text_table`)."""
    path = folder / table.filename
    if not path.exists():
        if table.required:
            return None, [Problem(table.filename, None, None, "fichier obligatoire absent du dossier de la cohorte")]
        return _empty(table), []
    try:
        df = read_text_table(path, digests=digests)
    except TableFormatError as exc:
        return None, [Problem(table.filename, p.row, p.column, p.message) for p in exc.problems]
    return validate_frame(df, table)


def _empty(table: Table) -> pd.DataFrame:
    """An optional table the cohort does not provide: no rows, the schema's columns and dtypes."""
    schema = table.model.to_schema()
    return pd.DataFrame({name: pd.Series(dtype=col.dtype.type) for name, col in schema.columns.items()})


def validate_frame(df: pd.DataFrame, table: Table) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Map headers, parse typed columns and run the schema; problems name file, row, column.

    Rows are numbered from the frame's index (position 0 is spreadsheet row 2) when it is a
    unique integer index, as ``read_text_table`` returns it; otherwise from their order.
    """
    schema = table.model.to_schema()
    headers = french_headers(table.model)
    rename, problems = _map_headers(df, table, headers)
    if problems:
        return None, problems
    df = df.rename(columns=rename)[list(headers)]
    if not (pd.api.types.is_integer_dtype(df.index) and df.index.is_unique):
        df.index = pd.RangeIndex(len(df))
    typed, bad_cells, problems = _parse_typed(df, table, headers)
    typed = _apply_dtypes(typed, schema)
    try:
        validated = table.model.validate(typed, lazy=True)
    except pa.errors.SchemaErrors as err:
        problems += _translate(err, table, headers, bad_cells)
        return None, problems
    if problems:
        return None, problems
    return validated, problems


def _quoted(values, limit: int = 40) -> str:
    return ", ".join(f"« {v if len(v) <= limit else v[:limit - 1] + '…'} »" for v in values)


def _map_headers(df: pd.DataFrame, table: Table, headers: dict[str, str]) -> tuple[dict[str, str], list[Problem]]:
    """French (or English) header -> column name; unknown, doubled, missing or absent headers reported."""
    by_header = {fold(fr): en for en, fr in headers.items()} | {fold(en): en for en in headers}
    found = [by_header.get(fold(col)) for col in df.columns]
    if not any(found):
        return {}, [_header_row_problem(df, table, headers, by_header)]
    problems: list[Problem] = []
    rename: dict[str, str] = {}
    for position, (col, en) in enumerate(zip(df.columns, found), start=1):
        if en is None and not str(col).strip():
            problems.append(Problem(table.filename, None, None, f"colonne n° {position} sans en-tête alors qu'elle "
                                    "contient des valeurs ; en-têtes attendus : " + _quoted(headers.values(), 80)))
        elif en is None:
            problems.append(Problem(table.filename, None, col, "colonne inconnue ; colonnes attendues : "
                                    + ", ".join(f"« {h} »" for h in headers.values())))
        elif en in rename.values():
            problems.append(Problem(table.filename, None, col, "colonne en double"))
        else:
            rename[col] = en
    missing = [headers[en] for en in headers if en not in rename.values()]
    problems += [Problem(table.filename, None, h, "colonne obligatoire absente") for h in missing]
    return rename, problems


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


def _parse_typed(df: pd.DataFrame, table: Table, headers: dict[str, str]):
    """Parse amounts, integers, dates and yes/no from French writing; unreadable cells reported."""
    schema = table.model.to_schema()
    problems: list[Problem] = []
    bad_cells: set[tuple[int, str]] = set()
    out = {}
    for name, col in schema.columns.items():
        kind = _kind(col.dtype)
        if kind not in _PARSERS:
            out[name] = df[name]
            continue
        parse, expected = _PARSERS[kind]
        # Each distinct text is parsed once (a column of 100 000 dates holds a few hundred).
        codes, uniques = pd.factorize(df[name], use_na_sentinel=True)
        parsed, details = [], {}
        for u, v in enumerate(uniques):
            try:
                parsed.append(parse(v))
            except (ValueError, TypeError, OverflowError) as exc:
                parsed.append(None)
                details[u] = exc.detail if isinstance(exc, CellError) else "illisible"
        parsed.append(None)  # code -1: an empty cell
        out[name] = np.array(parsed, dtype=object)[codes].tolist()
        if details:
            for pos in np.flatnonzero(np.isin(codes, list(details))):
                i, v = df.index[pos], uniques[codes[pos]]
                bad_cells.add((i, name))
                problems.append(Problem(table.filename, i + 2, headers[name],
                                        f"valeur « {v} » {details[codes[pos]]} : attendu {expected}"))
    return pd.DataFrame(out, index=df.index), bad_cells, problems


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
    """pandera's failure cases as problems in the user's words, one per cell (one per row for a
    check on the whole row), cells already reported as unreadable left out."""
    schema = table.model.to_schema()
    problems: dict[Problem, None] = {}
    for rec in err.failure_cases.to_dict("records"):
        column = rec.get("column")
        idx = rec.get("index")
        row = None if idx is None or (isinstance(idx, float) and np.isnan(idx)) else int(idx)
        if row is not None and column in headers and (row, column) in bad_cells:
            continue  # already reported as unreadable
        if str(rec.get("check")).startswith(("dtype(", "coerce_dtype")) and any(c == column for _, c in bad_cells):
            continue  # the column's type fails because of a cell reported as unreadable
        frame_level = rec.get("schema_context") == "DataFrameSchema" or column not in schema.columns
        if frame_level and any(r == row for r, _ in bad_cells):
            continue  # a check on the row would judge a cell already reported as unreadable
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


def load_tables(folder: Path, *, digests: dict[str, str] | None = None) -> tuple[dict[str, pd.DataFrame], list[Problem]]:
    """Load every table of a cohort folder; returns the frames that validated and all problems
    (``digests``: see :func:`read_text_table`)."""
    frames: dict[str, pd.DataFrame] = {}
    problems: list[Problem] = []
    for table in TABLES:
        df, probs = load_table(table, folder, digests=digests)
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
    out = pd.DataFrame({headers[name]: _format_column(df[name], _kind(col.dtype))
                        for name, col in schema.columns.items()})
    out.to_csv(path, sep=";", index=False, encoding="utf-8-sig", lineterminator="\n")


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


def _format_column(values: pd.Series, kind: str) -> np.ndarray:
    """``format_cell`` over a column. Text cells (most of a ratings file: millions of them) are
    written as they are without a Python call per cell; other kinds go through ``format_cell``."""
    if kind in _PARSERS:
        return np.array([format_cell(v, kind) for v in values], dtype=object)
    cells = values.to_numpy(dtype=object, na_value=None)
    missing = pd.isna(cells)
    out = np.where(missing, "", cells)
    if pd.api.types.infer_dtype(out, skipna=False) not in ("string", "empty"):
        out = np.array([v if isinstance(v, str) else format_cell(v, kind) for v in out], dtype=object)
    return out
