"""Reading a CSV file as French offices write them: one reader for ingest and ``socinnov agreement``.

A CSV is decoded (UTF-8 with or without BOM, else Windows-1252), put in Unicode's composed form
(NFC: an « é » typed as « e » + accent is the « é » of other files), split on its separator (``;``
or ``,``, guessed from the header line) and every cell stripped of surrounding spaces. Cells stay
text: an identifier ``101`` and ``"101"`` are one id, ``007`` keeps its zeros. Parsing French
values (amounts, dates) and validating against a table's schema come after
(``socinnov.inputs.tabular``).

What cannot be read is refused with what was found and what is expected: a spreadsheet renamed
``.csv``, UTF-16 text (Excel's « Texte Unicode »), text converted twice to UTF-8, tab-separated
columns, a quote never closed, a row with more values than headers, a last row with fewer and no
line end (a file cut in the middle of a row), an empty file. Rows are
numbered as in a spreadsheet (the header is row 1) even when a value spans several lines or
blank rows are skipped.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import unicodedata
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from socinnov.errors import Problem, UserError
from socinnov.inputs.french_values import fold

__all__ = ["TableFormatError", "read_columns", "read_text_table", "unnamed_column_message", "unnamed_column_problem"]

_MAX_FIELD = 2**31 - 1  # the csv module's limit is a C long: 32 bits on Windows
_MAX_COLUMNS = 500
"""More values than this on the first line is a file whose line ends are not line ends to the CSV
reader (U+2028, NEL, a Windows-1252 « … » where a line end was): no table of the kit comes near."""
_TEXT = pd.StringDtype("pyarrow", na_value=np.nan)  # pandas' « str »: what read_csv gives
_SEPARATORS = (";", ",", "\t")  # tried in this order: « ; » wins a tie
_SAVE_AS_CSV = "l'ouvrir dans le tableur et « Enregistrer sous » > « CSV (séparateur : point-virgule) »"
_FIRST_LINE = re.compile(r"[^\r\n]*\S[^\r\n]*")  # the first line that is not blank
_MOJIBAKE = re.compile("[ÃÂ][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc"
                       "\u2013-\u203a\u20ac\u2122]")


class TableFormatError(UserError, ValueError):
    """A file that cannot be read as a CSV table; ``problems`` say what was found and what is expected."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems))


def read_text_table(path: Path, *, digests: dict[str, str] | None = None, name: str | None = None) -> pd.DataFrame:
    """Read a CSV as strings, guessing separator and encoding; blank cells become NA.

    Parameters
    ----------
    path : Path
        The CSV file.
    digests : dict, optional
        Receives the SHA-256 of the bytes read (``digests[path.name]``): the provenance of what
        was read, without reading the file a second time.
    name : str, optional
        How problems name the file (default: its name).

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
    name = name or path.name
    raw = path.read_bytes()
    if digests is not None:
        digests[path.name] = hashlib.sha256(raw).hexdigest()
    text, utf8 = _decode(raw, name)
    composed = unicodedata.normalize("NFC", text)
    sep = _separator(composed, name)
    records = None
    if '"' not in composed:
        records = _read_unquoted(raw if utf8 and composed is text else composed.encode("utf-8"), sep)
    if records is None:
        records = _read_quoted(composed, sep, name)
    return _table(records)


def read_columns(path: Path, columns: list[str], *, name: str | None = None) -> pd.DataFrame:
    """Read a CSV (as :func:`read_text_table`) and keep the named columns, for a command whose user
    names them: a column is found whatever its case, accents and surrounding spaces.

    Returns the columns under the names asked for; the index is the spreadsheet row (header: 1).
    Raises ``TableFormatError`` when the file cannot be read, a column is missing or doubled, a
    column without header holds values (the shifted remainder of a value that held the
    separator, as an unquoted decimal comma ``2,5`` in a comma-separated file), or no row is left.
    """
    name = name or str(path)
    try:
        df = read_text_table(path, name=name)
    except OSError as exc:
        raise TableFormatError([Problem(name, None, None, _unreadable(exc))]) from None
    headers = [str(h) for h in df.columns]
    problems = [p for p in [unnamed_column_problem(df, name)] if p is not None]
    rename: dict[str, str] = {}
    for wanted in dict.fromkeys(columns):
        found = [h for h in headers if h == wanted] or [h for h in headers if h and fold(h) == fold(wanted)]
        if len(found) > 1:
            problems.append(Problem(name, 1, wanted, "colonne en double dans l'en-tête"))
        elif not found:
            problems.append(Problem(name, 1, wanted, "colonne absente ; colonnes du fichier : "
                                    + ", ".join(h for h in headers if h)))
        else:
            rename[found[0]] = wanted
    if not problems and df.empty:
        problems.append(Problem(name, None, None, "aucune ligne de données après l'en-tête"))
    if problems:
        raise TableFormatError(problems)
    out = df[list(rename)].set_axis(list(rename.values()), axis=1)
    out.index = pd.Index(out.index + 2, name="ligne")
    return out


def unnamed_column_message(position: int) -> str:
    """What is wrong with the ``position``-th column (from 1): no header, yet values."""
    return f"colonne n° {position} sans en-tête alors qu'elle contient des valeurs"


def unnamed_column_problem(df: pd.DataFrame, name: str) -> Problem | None:
    """A column without header that holds values (its header cell is empty), or ``None``.

    In a comma-separated file, an unquoted value holding a comma (a decimal comma ``2,5``) is
    split in two and its end moves to the next column: when the header ends with an empty field,
    that column has no header, and the file is refused rather than read as ``2``.
    """
    unnamed = [k for k, col in enumerate(df.columns, start=1) if not str(col).strip()]
    if not unnamed:
        return None
    position = unnamed[0]
    column = df.iloc[:, position - 1]
    first = column.first_valid_index()
    return Problem(name, int(first) + 2, None, f"{unnamed_column_message(position)} (« {column[first]} ») : "
                   "une valeur contenant le séparateur (une virgule décimale, par exemple) doit être entre "
                   "guillemets, ou le fichier séparé par des points-virgules")


def _unreadable(exc: OSError) -> str:
    if isinstance(exc, FileNotFoundError):
        return "fichier introuvable"
    if isinstance(exc, IsADirectoryError):
        return "c'est un dossier, pas un fichier CSV"
    return f"lecture impossible ({exc.strerror})"


def _refuse(name: str, message: str, row: int | None = None) -> TableFormatError:
    return TableFormatError([Problem(name, row, None, message)])


def _decode(raw: bytes, name: str) -> tuple[str, bool]:
    """The file's text: UTF-8 (BOM or not), else Windows-1252, and whether it was UTF-8; other
    formats refused."""
    blank = b"\xef\xbb\xbf \t\r\n"
    if not raw[:4096].lstrip(blank) and not raw.lstrip(blank):  # the whole file is copied only if it starts blank
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
    if "Ã" not in text and "Â" not in text:  # the pattern starts with one of them: a quick no
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


def _long_fields() -> None:
    """Let the ``csv`` module read a value as long as a file (its default limit, 131 072
    characters, would take a long text pasted in a cell, or a first line without line end, for
    a broken file). Raised once, never lowered: readers in other threads."""
    if csv.field_size_limit() < _MAX_FIELD:
        csv.field_size_limit(_MAX_FIELD)


def _separator(text: str, name: str) -> str:
    """``;`` or ``,``, whichever splits the header line into more columns (``;`` on a tie)."""
    _long_fields()
    first = _FIRST_LINE.search(text)
    first = first.group() if first else ""
    widths = {sep: len(next(csv.reader([first], delimiter=sep))) for sep in _SEPARATORS}
    sep = max(widths, key=widths.get)
    if widths[sep] > _MAX_COLUMNS:  # before any table is built: 16 000 columns take minutes
        raise _refuse(name, f"{widths[sep]} valeurs sur la première ligne : les lignes du fichier ne sont pas "
                            "séparées par des fins de ligne reconnues (retour à la ligne) ; "
                            f"{_SAVE_AS_CSV}", row=1)
    if sep == "\t" and widths[sep] > 1:
        raise _refuse(name, "colonnes séparées par des tabulations ; attendu le point-virgule (;) ou la "
                            f"virgule (,) : {_SAVE_AS_CSV}", row=1)
    return sep


def _read_unquoted(data: bytes, sep: str) -> pd.DataFrame | None:
    """Every record of a file without any quote character (header included, blank lines as rows of
    empty cells), or ``None`` when its rows have different lengths (:func:`_read_quoted` words it).

    Without quotes a CSV is only separators and line ends, which pandas' reader splits as the
    ``csv`` module does. Its Arrow engine reads a national ratings file (2,7 million rows) in half
    a second, where the ``csv`` module and a Python loop per record take twenty.
    """
    try:
        return pd.read_csv(io.BytesIO(data), sep=sep, header=None, dtype=str, keep_default_na=False,
                           skip_blank_lines=False, engine="pyarrow")
    except (pd.errors.ParserError, pd.errors.EmptyDataError):  # Arrow finds no line end in a block
        return None


def _read_quoted(text: str, sep: str, name: str) -> pd.DataFrame:
    """Every record of the file by the ``csv`` module (a quoted value may span lines), header
    included: short rows padded, long rows and bad quoting refused with their row, and a short last
    row without a line end (a file cut in the middle of a row, whose next rows are lost).

    A quoted value may be as long as the file (the ``csv`` module's default limit, 131 072
    characters, would refuse a long text pasted in a cell as a quote never closed).
    """
    stream = io.StringIO(text, newline="")
    reader = csv.reader(stream, delimiter=sep, strict=True)
    records: list[list[str]] = []
    _long_fields()
    try:
        records.extend(reader)  # keeps the records read before an error, to name its row
    except csv.Error as exc:
        raise _refuse(name, _quoting_message(str(exc), sep), row=len(records) + 1) from None
    width = len(records[0]) if len(records[0]) > 1 else max(map(len, records))  # a title line above the headers
    problems = []
    for k, record in enumerate(records[1:], start=2):
        extra = [c.strip() for c in record[width:] if c.strip()]
        if extra:
            problems.append(Problem(name, k, None, f"{len(record)} valeurs pour {width} colonnes (valeur en trop "
                                    f"« {extra[0]} ») : une valeur contenant le séparateur doit être entre guillemets"))
    if len(records) > 1 and len(records[-1]) < width and not text.endswith(("\n", "\r")):
        problems.append(Problem(name, len(records), None, f"dernière ligne incomplète ({len(records[-1])} valeur(s) "
                                f"pour {width} colonnes, sans fin de ligne) : le fichier semble coupé au milieu "
                                "d'une ligne (copie ou enregistrement interrompu) ; repartir du fichier complet, ou "
                                f"compléter la ligne (une cellule vide s'écrit avec son séparateur « {sep} »)"))
    if problems:
        raise TableFormatError(problems)
    rows = [(record + [""] * width)[:width] for record in records]
    return pd.DataFrame(rows, dtype=str).apply(lambda col: col.str.replace("\r\n", "\n", regex=False))


def _quoting_message(error: str, sep: str) -> str:
    if "expected after" in error:
        return (f"guillemet (\") au milieu d'une valeur : une valeur entre guillemets doit être suivie du "
                f"séparateur « {sep} » ; écrire \"\" pour un guillemet dans une valeur")
    if "end of data" in error:
        return ("guillemet (\") ouvert et jamais refermé : la suite du fichier serait lue comme une seule valeur ; "
                "refermer ou retirer le guillemet")
    return f"fichier illisible comme CSV ({error})"


def _table(records: pd.DataFrame) -> pd.DataFrame:
    """Records (header first) as the table: cells stripped, blank rows skipped (their positions
    kept as the index), columns without header nor value dropped, blank cells as NA.

    Done column by column on the Arrow arrays: each cell is stripped and compared with ``""``
    once, and rows are taken out only when some are blank. On a national ratings file (2,7
    million rows) each copy of the table costs more than the work on it, and the frame-wide
    ``cells[filled]`` and ``mask`` of a plain pandas version made two of them.
    """
    header = [h.strip().lstrip("\ufeff") for h in records.iloc[0]]
    body = records.iloc[1:]
    stripped, blank = [], []
    for k in range(body.shape[1]):
        cells = pc.utf8_trim_whitespace(pa.chunked_array(pa.array(body.iloc[:, k].array)))
        stripped.append(cells)
        blank.append(pc.fill_null(pc.equal(cells, ""), False).to_numpy())
    filled = ~np.logical_and.reduce(blank) if blank else np.zeros(len(body), dtype=bool)
    rows = np.flatnonzero(filled)
    everything = len(rows) == len(body)
    columns, names = [], []
    for k, empty in enumerate(blank):
        cells, stripped[k] = stripped[k], None  # one column's two versions at a time, not the table's
        if not (header[k] or not empty[filled].all()):
            continue  # no header, no value: a trailing separator
        if empty.any():
            cells = pc.if_else(empty, pa.scalar(None, cells.type), cells)
        if not everything:
            cells = cells.take(pa.array(rows))
        columns.append(pd.arrays.ArrowStringArray(cells, dtype=_TEXT))
        names.append(header[k])
    index = pd.RangeIndex(len(body))[filled].astype("int64")  # a RangeIndex when no row is blank
    return pd.DataFrame(dict(enumerate(columns)), index=index, copy=False).set_axis(names, axis=1)
