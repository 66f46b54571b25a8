"""``socinnov import-ds EXPORT --correspondance FICHIER.yaml --out DIR``: a démarches-simplifiées
export -> the kit's ``dossiers.csv``, ``partenaires.csv`` and ``budget_previsionnel.csv``.

The layout read here is the platform's own, taken from its public source code
(github.com/demarches-simplifiees/demarches-simplifiees.fr) rather than guessed:

- ``app/services/procedure_export_service.rb`` (commit 0155b7655bce, and the later version with
  ``sanitize_sheet_name`` and ``champs_repetables_options(format:)``): the workbook's sheets are
  « Dossiers », « Etablissements », « Avis », then one sheet per repeatable block; sheet names are
  transliterated to ASCII, stripped of ``/\\*?[]:`` and cut to 30 characters. The CSV export is
  the « Dossiers » sheet only.
- ``app/models/concerns/dossier_export_concern.rb`` (commit 7603b7c1f1ff): the « Dossiers » columns
  ``ID``, ``Email``, ``FranceConnect ?``, the identity or « Entreprise raison sociale » columns
  (in CSV, the dossier's établissement inline: « Établissement SIRET » … « Association date de
  publication »), ``Archivé``, ``État du dossier``, ``Dernière mise à jour le``, ``Déposé le``,
  ``Passé en instruction le``, ``Traité le``, ``Motivation de la décision``, ``Instructeurs``,
  then one column per form field headed by its label.
- ``spec/services/procedure_export_service_spec.rb`` (commit 6d3c6293b275) and
  ``spec/services/procedure_export_service_tabular_spec.rb`` (commit 0755e5d384c5): the
  « Etablissements » sheet's headers (``Dossier ID``, ``Champ`` — the SIRET field's label, or
  « Dossier » for the dossier's own établissement —, ``Établissement SIRET``, …,
  ``Établissement code postal``, ``Établissement localité``, …, ``Entreprise forme juridique``, …)
  and the repeatable block's sheet ``(7) Champ repetable`` with ``Dossier ID``, ``Ligne``, then
  its fields' labels.
- ``app/models/types_de_champ/repetition_type_de_champ.rb`` (``libelle_for_export``:
  ``"(#{stable_id}) #{libelle}"``), ``app/models/repetition_row.rb`` (``Ligne`` counts from 1),
  ``app/models/champs/multiple_drop_down_list_champ.rb`` (a multiple choice is exported as its
  options joined by « , »), ``app/models/types_de_champ/yes_no_type_de_champ.rb`` (« Oui » /
  « Non »), ``checkbox_type_de_champ.rb`` (a checkbox: « on » / « off »),
  ``app/models/types_de_champ/commune_type_de_champ.rb`` (« Bordeaux (33000) »,
  « … (Code INSEE) », « … (Département) » as « 33 – Gironde »).

The correspondence file (``socinnov.inputs.demarches_mapping``; example for the 2016 call in
``socinnov/data/demarches/correspondance-ami-2016.yaml``) says
which platform field fills which kit column, and how closed vocabularies translate. Everything
is checked before anything is written: every problem of the correspondence and of the export is
reported at once, in the export's own terms (« export.xlsx, feuille « Dossiers », ligne 12,
colonne « Montant demandé » : … »), then the rows go through the kit's own parsers and schemas
(``socinnov.inputs.tabular.validate_frame``), whose problems are readdressed to the export's cell.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import difflib
import importlib.util
import numbers
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from socinnov import config, files
from socinnov.call.schemas import TABLES_BY_NAME, Table, french_headers
from socinnov.errors import InputError, Problem
from socinnov.inputs.csv_reader import TableFormatError, read_text_table
from socinnov.inputs.demarches_mapping import (
    ETABLISSEMENTS_SHEET,
    OWN_ETABLISSEMENT,
    Block,
    Correspondence,
    Rule,
    allowed_values,
    block_key,
    load_correspondence,
    multiple_choice_options,
)
from socinnov.inputs.french_values import fold
from socinnov.inputs.tabular import validate_frame, write_table

DOSSIERS_SHEET, ID, STATE = "Dossiers", "ID", "État du dossier"
DOSSIER_ID, LINE, SIRET_FIELD = "Dossier ID", "Ligne", "Champ"
SUFFIXES = (".xlsx", ".ods", ".csv")
TABLES = ("dossiers", "partners", "budget")


# ---------------------------------------------------------------------------------------------
# The export, as sheets of cells


@dataclass
class Sheet:
    name: str
    headers: list[str]
    rows: list[tuple[int, list]]  # (spreadsheet row number, cell values), blank rows left out

    def where(self, export: str) -> str:
        return f"{export}, feuille « {self.name} »"


@dataclass
class Export:
    path: Path
    kind: str
    sheets: dict[str, Sheet]


def read_export(path: Path) -> Export:
    """Read an export (xlsx, ods or csv) as sheets of raw cells; unreadable files refused in French."""
    path = Path(path)
    name, suffix = path.name, path.suffix.lower()
    if not path.is_file():
        raise InputError([Problem(name, None, None, "fichier introuvable")])
    if suffix not in SUFFIXES:
        raise InputError([Problem(name, None, None, "format non reconnu : attendu l'export de démarches-simplifiées "
                                  "au format .xlsx, .ods ou .csv")])
    if suffix == ".csv":
        try:
            df = read_text_table(path)
        except TableFormatError as exc:
            raise InputError([Problem(name, p.row, p.column, p.message) for p in exc.problems]) from None
        rows = [(int(i) + 2, [None if pd.isna(v) else v for v in values])
                for i, values in zip(df.index, df.itertuples(index=False))]
        return Export(path, "csv", {DOSSIERS_SHEET: Sheet(DOSSIERS_SHEET, [str(c) for c in df.columns], rows)})
    if suffix == ".ods":
        return Export(path, "ods", _read_ods(path))
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError):
        raise InputError([Problem(name, None, None, "classeur illisible : attendu un fichier .xlsx tel que "
                                  "démarches-simplifiées l'exporte")]) from None
    try:
        sheets = {}
        for ws in wb.worksheets:
            # Read-only mode trusts the sheet's <dimension>, which streaming writers (the platform
            # uses xlsxtream) may leave wrong: without a reset, rows could come back cut short.
            ws.reset_dimensions()
            sheets[ws.title] = _sheet(ws.title, ws.iter_rows(values_only=True))
        return Export(path, "xlsx", sheets)
    finally:
        wb.close()


def _read_ods(path: Path) -> dict[str, Sheet]:
    # pandas reads OpenDocument through odfpy, which is not among the kit's pinned dependencies.
    if importlib.util.find_spec("odf") is None:
        raise InputError([Problem(path.name, None, None, "lecture des classeurs .ods impossible : le module odfpy "
                                  "n'est pas installé ; exporter les dossiers au format .xlsx (ou .csv) depuis "
                                  "démarches-simplifiées")])
    try:
        frames = pd.read_excel(path, sheet_name=None, header=None, engine="odf", dtype=object)
    except Exception:  # noqa: BLE001 - whatever odfpy raises on a file that is not an OpenDocument workbook
        raise InputError([Problem(path.name, None, None, "classeur illisible : attendu un fichier .ods tel que "
                                  "démarches-simplifiées l'exporte")]) from None
    return {name: _sheet(name, df.astype(object).where(df.notna(), None).itertuples(index=False, name=None))
            for name, df in frames.items()}


def _sheet(name: str, rows) -> Sheet:
    rows = iter(rows)
    header = next(rows, ())
    headers = ["" if h is None else str(h).strip() for h in header]
    kept = [(n, list(values)) for n, values in enumerate(rows, start=2)
            if any(v is not None and str(v).strip() for v in values)]
    return Sheet(name, headers, kept)


def cell_text(value) -> str | None:
    """A cell as the kit's text: dates ``JJ/MM/AAAA``, numbers with a decimal comma, ``oui``/``non``."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, (dt.datetime, dt.date, pd.Timestamp)):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):  # amounts: cents, with the French decimal comma
        value = float(value)
        return str(int(value)) if value.is_integer() else f"{value:.2f}".replace(".", ",")
    text = str(value).replace("\r\n", "\n").replace("\r", "\n").strip()
    return text or None


# The CSV export writes timestamps as Ruby does (« 2016-09-01 10:15:00 +0200 »): the date is kept.
_TIMESTAMP = re.compile(r"^(\d{4}-\d{2}-\d{2})[ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?\s*(Z|UTC|[+-]\d{2}:?\d{2})?$")


# ---------------------------------------------------------------------------------------------
# From the export's cells to the kit's tables


@dataclass
class ImportDS:
    """The tables built from an export, the platform columns no rule reads, the dossiers left out."""

    tables: dict[str, pd.DataFrame]
    unused: list[str]
    excluded: dict[str, str]  # platform dossier number -> its state


def convert(export: Export, corr: Correspondence, correspondence_name: str = "correspondance") -> ImportDS:
    """The kit's three tables from the export, validated by the kit's schemas; ``InputError`` otherwise."""
    name = export.path.name
    dossiers = export.sheets.get(DOSSIERS_SHEET)
    if dossiers is None:
        raise InputError([Problem(name, None, None, f"feuille « {DOSSIERS_SHEET} » absente ; feuilles présentes : "
                                  + _quoted(export.sheets) + " : attendu un export de démarches-simplifiées")])
    problems: list[Problem] = []
    ids, excluded = _dossier_ids(dossiers, name, corr, problems)
    context = _Context(export, corr, correspondence_name, problems, excluded)
    frames = {"dossiers": context.table(dossiers, TABLES_BY_NAME["dossiers"], corr.dossiers, ids)}
    for table in ("partners", "budget"):
        block = next((b for b in corr.blocks if b.table.name == table), None)
        frames[table] = context.block(block, ids) if block else _empty(TABLES_BY_NAME[table])
    if problems:
        raise InputError(problems)
    used = {r.label for r in corr.dossiers if r.sheet is None}
    unused = [h for h in dossiers.headers if h and h not in used and h != ID]
    return ImportDS(frames, unused, excluded)


def _dossier_ids(sheet: Sheet, name: str, corr: Correspondence,
                 problems: list[Problem]) -> tuple[dict[int, str], dict[str, str]]:
    """Spreadsheet row -> kit identifier (prefix + the platform's dossier number), and the dossiers
    left out for their state (number -> « État du dossier »)."""
    where = sheet.where(name)
    missing = [c for c in ((ID, STATE) if corr.excluded_states else (ID,)) if c not in sheet.headers]
    if missing:  # not an export of the platform: every field would be reported missing
        found = [h for h in sheet.headers if h]
        raise InputError([Problem(where, 1, c, "colonne absente : attendu un export de démarches-simplifiées ("
                                  + (f"en-têtes trouvés : {_quoted(found, 6)})" if found else "feuille vide)"))
                          for c in missing])
    pos, ids, seen, excluded = sheet.headers.index(ID), {}, {}, {}
    left_out = {fold(s) for s in corr.excluded_states}
    state = sheet.headers.index(STATE) if left_out else None
    for row, values in sheet.rows:
        number = _number(_cell(values, pos))
        if number is None:
            problems.append(Problem(where, row, ID, f"numéro de dossier « {cell_text(_cell(values, pos)) or ''} » "
                                    "illisible"))
        elif number in seen:
            problems.append(Problem(where, row, ID, f"dossier n° {number} en double (déjà ligne {seen[number]})"))
        elif state is not None and fold(cell_text(_cell(values, state)) or "") in left_out:
            excluded[number] = cell_text(_cell(values, state))
        else:
            seen[number], ids[row] = row, f"{corr.prefix}{number}"
    return ids, excluded


def _cell(values: list, position: int):
    """A row's cell; rows of a streamed workbook stop at their last filled cell."""
    return values[position] if position < len(values) else None


def _number(value) -> str | None:
    text = cell_text(value)
    return text if text is not None and text.isdigit() else None


def _empty(table: Table) -> pd.DataFrame:
    schema = table.model.to_schema()
    return pd.DataFrame({n: pd.Series(dtype=c.dtype.type) for n, c in schema.columns.items()})


def _quoted(values, limit: int = 12) -> str:
    values = list(values)
    more = "…" if len(values) > limit else ""
    return ", ".join(f"« {v} »" for v in values[:limit]) + more


@dataclass
class _Context:
    export: Export
    corr: Correspondence
    corr_name: str
    problems: list[Problem]
    excluded: dict[str, str]
    _etab: dict | None = None
    _by_row: dict | None = None
    _bad: set = field(default_factory=set)
    _prepared: dict = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.export.path.name

    def column(self, sheet: Sheet, label: str, rule: Rule) -> int | None:
        """The position of a platform label in a sheet (exact, else forgiving case and accents)."""
        exact = [i for i, h in enumerate(sheet.headers) if h == label]
        found = exact or [i for i, h in enumerate(sheet.headers) if fold(h) == fold(label)]
        if len(found) == 1:
            return found[0]
        where = sheet.where(self.name)
        if found:
            self.problems.append(Problem(where, 1, label, f"libellé présent {len(found)} fois dans la feuille : "
                                         "renommer l'un des champs sur la plateforme et exporter à nouveau"))
            return None
        close = difflib.get_close_matches(label, [h for h in sheet.headers if h], n=1, cutoff=0.6)
        hint = f" ; voulait-on dire « {close[0]} » ?" if close else ""
        self.problems.append(Problem(where, None, label, f"colonne absente (demandée par {self.corr_name}, clé "
                                     f"« {rule.key} »){hint}"))
        return None

    def table(self, sheet: Sheet, table: Table, rules, ids: dict[int, str]) -> pd.DataFrame | None:
        """Build one kit table from a sheet's rows (``ids``: row -> dossier), then validate it."""
        where = sheet.where(self.name)
        headers = french_headers(table.model)
        positions = {r.column: self.column(sheet, r.label, r) for r in rules if r.label and r.sheet is None}
        if any(p is None for p in positions.values()):
            return None
        options = multiple_choice_options(rules)
        records, origin = {}, {}
        for row, values in sheet.rows:
            if row not in ids:
                continue
            index = row - 2
            record = dict.fromkeys(headers, None) | {"dossier_id": ids[row]}
            for rule in rules:
                if rule.constant is not None:
                    record[rule.column] = rule.constant
                    continue
                if rule.sheet == ETABLISSEMENTS_SHEET:
                    raw, origin[(index, rule.column)] = self.etablissement(rule, ids[row], row)
                else:
                    raw = _cell(values, positions[rule.column])
                    origin[(index, rule.column)] = (where, row, rule.label)
                record[rule.column] = self.value(rule, raw, table, options, origin[(index, rule.column)])
            records[index] = record
        df = pd.DataFrame.from_dict(records, orient="index", columns=list(headers), dtype=object)
        df.index = pd.Index(list(records), dtype="int64")
        return self.validate(df, table, where, origin)

    def value(self, rule: Rule, raw, table: Table, options: dict, at: tuple) -> str | None:
        """One platform cell as the kit's text, through the rule's options, vocabulary and format."""
        if rule.option is not None:
            chosen = self.choices(cell_text(raw), options[rule.label], at)
            return "oui" if fold(rule.option) in chosen else "non"
        text = cell_text(raw)
        if text is None:
            return rule.default
        is_date, mapping, allowed = self.prepared(rule, table)
        if is_date and (m := _TIMESTAMP.match(text)):
            text = m.group(1)
        if rule.transform == "departement":
            text = _departement(text)
        elif rule.transform == "commune":
            text = re.sub(r"\s*\(\d{5}\)$", "", text)
        if rule.values:
            mapped = mapping.get(fold(text))
            if mapped is None and text not in allowed:
                self._bad.add(at)  # reported here: the schema's « valeur obligatoire manquante » would repeat it
                self.problems.append(Problem(*at, f"valeur « {text} » absente de la correspondance ({self.corr_name}, "
                                             f"clé « {rule.key} > valeurs ») ; valeurs prévues : "
                                             + _quoted(rule.values)))
                return None
            text = mapped if mapped is not None else text
        return text

    def prepared(self, rule: Rule, table: Table) -> tuple[bool, dict[str, str], tuple[str, ...]]:
        """What ``value`` needs of a rule, computed once: a date column?, the folded value mapping,
        the kit's allowed values."""
        key = (table.name, rule.column)
        if key not in self._prepared:
            kind = str(table.model.to_schema().columns[rule.column].dtype)
            self._prepared[key] = (kind.startswith("datetime"), {fold(k): v for k, v in rule.values.items()},
                                   allowed_values(table, rule.column) or ())
        return self._prepared[key]

    def choices(self, text: str | None, known: tuple[str, ...], at: tuple) -> set[str]:
        """The options of a multiple choice (« Services, Territoriale »), matched against the known
        ones so that an option holding a comma is not cut; an unknown option is reported."""
        chosen: set[str] = set()
        rest = text or ""
        by_length = sorted(known, key=len, reverse=True)
        while rest.strip(" ,\n"):
            rest = rest.lstrip(" ,\n")
            match = next((o for o in by_length if fold(rest[:len(o)]) == fold(o)
                          and (len(rest) == len(o) or rest[len(o)] in ",\n")), None)
            if match is None:
                token = re.split(r",|\n", rest, maxsplit=1)[0].strip()
                self.problems.append(Problem(*at, f"option « {token} » inconnue ; options prévues par "
                                             f"{self.corr_name} : {_quoted(known)} (les autres options se déclarent "
                                             "dans « autres_options »)"))
                match = token
            chosen.add(fold(match))
            rest = rest[len(match):]
        return chosen

    def etablissement(self, rule: Rule, dossier: str, row: int):
        """The cell of an « Etablissements » column for a dossier (and a SIRET field), with its address."""
        if self.export.kind == "csv":
            sheet = self.export.sheets[DOSSIERS_SHEET]
            if rule.siret_field != OWN_ETABLISSEMENT:
                self.problems.append(Problem(self.name, None, None, f"un export CSV n'a pas la feuille « "
                                             f"{ETABLISSEMENTS_SHEET} » (clé « {rule.key} ») : exporter au format .xlsx"))
                return None, (sheet.where(self.name), row, rule.label)
            pos = self.column(sheet, rule.label, rule)
            values = self._rows_of(sheet).get(row, [])
            return (None if pos is None else _cell(values, pos)), (sheet.where(self.name), row, rule.label)
        if self._etab is None:
            self._etab = self._etablissements()
        sheet = self.export.sheets.get(ETABLISSEMENTS_SHEET)
        if sheet is None:
            return None, (f"{self.name}, feuille « {ETABLISSEMENTS_SHEET} »", None, rule.label)
        number = dossier.removeprefix(self.corr.prefix)
        found = self._etab.get((number, fold(rule.siret_field)))
        pos = self.column(sheet, rule.label, rule)
        if found is None or pos is None:
            field_name = "du dossier" if rule.siret_field == OWN_ETABLISSEMENT else f"du champ « {rule.siret_field} »"
            return None, (f"{sheet.where(self.name)}, dossier n° {number} (aucun établissement {field_name})",
                          None, rule.label)
        erow, values = found
        return _cell(values, pos), (sheet.where(self.name), erow, rule.label)

    def _rows_of(self, sheet: Sheet) -> dict[int, list]:
        if self._by_row is None:
            self._by_row = dict(sheet.rows)
        return self._by_row

    def _etablissements(self) -> dict:
        sheet = self.export.sheets.get(ETABLISSEMENTS_SHEET)
        if sheet is None or DOSSIER_ID not in sheet.headers or SIRET_FIELD not in sheet.headers:
            self.problems.append(Problem(self.name, None, None, f"feuille « {ETABLISSEMENTS_SHEET} » absente ou sans "
                                         f"colonnes « {DOSSIER_ID} » et « {SIRET_FIELD} », alors que "
                                         f"{self.corr_name} y lit des colonnes"))
            return {}
        d, c = sheet.headers.index(DOSSIER_ID), sheet.headers.index(SIRET_FIELD)
        return {(_number(_cell(v, d)), fold(cell_text(_cell(v, c)) or "")): (row, v) for row, v in sheet.rows}

    def block(self, block: Block, ids: dict[int, str]) -> pd.DataFrame | None:
        """A repeatable block's sheet (« (N) Libellé ») as a kit table; its rows name their dossier."""
        sheet = self.block_sheet(block)
        if sheet is None:
            return None
        where = sheet.where(self.name)
        missing = [h for h in (DOSSIER_ID, LINE) if h not in sheet.headers]
        if missing:
            self.problems += [Problem(where, 1, h, "colonne absente : attendu l'export d'un bloc répétable") for h in missing]
            return None
        known = {v.removeprefix(self.corr.prefix): v for v in ids.values()}
        pos, rows = sheet.headers.index(DOSSIER_ID), {}
        labels = {sheet.headers.index(r.label) for r in block.rules if r.label in sheet.headers and r.sheet is None}
        for row, values in sheet.rows:
            if not any(cell_text(_cell(values, i)) for i in labels):
                continue  # a line left empty on the form
            number = _number(_cell(values, pos))
            if number in known:
                rows[row] = known[number]
            elif number not in self.excluded:
                self.problems.append(Problem(where, row, DOSSIER_ID, f"dossier n° {cell_text(_cell(values, pos)) or '?'} "
                                             f"absent de la feuille « {DOSSIERS_SHEET} »"))
        return self.table(sheet, block.table, block.rules, rows)

    def block_sheet(self, block: Block) -> Sheet | None:
        sheets = self.export.sheets
        if self.export.kind == "csv":
            self.problems.append(Problem(self.name, None, None, f"un export CSV ne contient que la feuille « "
                                         f"{DOSSIERS_SHEET} » : le bloc « {block.label} » n'y est pas ; exporter au "
                                         f"format .xlsx, ou retirer « {block_key(block)} » de {self.corr_name}"))
            return None
        if block.sheet is not None:
            if block.sheet in sheets:
                return sheets[block.sheet]
            self.problems.append(Problem(self.name, None, None, f"feuille « {block.sheet} » absente ; feuilles "
                                         f"présentes : {_quoted(sheets)}"))
            return None
        found = [s for n, s in sheets.items() if _is_block_sheet(n, block.label)]
        if len(found) == 1:
            return found[0]
        message = (f"plusieurs feuilles pour le bloc « {block.label} » ({_quoted(s.name for s in found)}) : nommer la "
                   f"bonne avec « feuille » dans {self.corr_name}") if found else (
                   f"aucune feuille « (N) {block.label} » pour le bloc répétable ; feuilles présentes : "
                   f"{_quoted(sheets)}")
        self.problems.append(Problem(self.name, None, None, message))
        return None

    def validate(self, df: pd.DataFrame, table: Table, where: str, origin: dict) -> pd.DataFrame | None:
        """The kit's parsers and schema over the built rows; their problems readdressed to the export."""
        validated, problems = validate_frame(df, table)
        by_header = {fr: en for en, fr in french_headers(table.model).items()}
        for p in problems:
            index = None if p.row is None else p.row - 2
            column = by_header.get(p.column)
            at = origin.get((index, column))
            if at in self._bad:
                continue
            if at is None:  # a constant, a default, an empty column or a check over the whole row
                source = f" (valeur tirée de {self.corr_name})" if column else ""
                at = (where, None if index is None else index + 2, None)
                message = f"{p.message} ; colonne « {p.column} » de {table.filename}{source}" if column else p.message
            else:
                message = f"{p.message} (colonne « {p.column} » de {table.filename})"
            self.problems.append(Problem(*at, message))
        return validated


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def _is_block_sheet(sheet_name: str, label: str) -> bool:
    """Whether a sheet is the export of the repeatable block ``label``: « (N) » then the label as the
    platform writes it (ASCII, some characters dropped or replaced, cut to 30 characters)."""
    m = re.fullmatch(r"\((\d+)\) ?(.*)", sheet_name)
    if not m:
        return False
    squeeze = lambda s: re.sub(r"[^a-z0-9]", "", _ascii(s).lower())
    head, full = squeeze(m.group(2)), squeeze(label)
    truncated = len(sheet_name) >= 29
    return bool(head) and (head == full or (truncated and full.startswith(head)))


def _departement(text: str) -> str:
    """A département code from « 33 », « 33 – Gironde » or a postal code (« 33000 », « Bordeaux (33000) »)."""
    if m := re.fullmatch(r"(2A|2B|97\d|\d{2})(\s*[–-].*)?", text.strip(), flags=re.IGNORECASE):
        return m.group(1).upper()
    if m := re.search(r"(?<!\d)(\d{4,5})(?!\d)", text):
        code = m.group(1).zfill(5)  # a number cell loses the leading zero of 01000
        if code.startswith("97"):
            return code[:3]
        if code.startswith("20"):
            return "2A" if code < "20200" else "2B"
        return code[:2]
    return text


# ---------------------------------------------------------------------------------------------
# The command


def import_ds(export: Path, correspondence: Path, out: Path, *, force: bool = False) -> tuple[ImportDS, Path]:
    """Read, convert, validate, then write the three tables in ``out`` (whole or not at all).

    ``out`` may not lie under ``data/raw`` (supplied files are never modified: the user checks the
    tables, then copies them into the cohort's folder), and existing tables are kept unless
    ``force``.
    """
    out = Path(out)
    target = out.resolve()
    if target.is_relative_to(config.raw_dir().resolve()):
        raise InputError([Problem(str(out), None, None, f"écriture refusée dans {config.raw_dir()} : les fichiers "
                                  "fournis n'y sont jamais modifiés ; écrire ailleurs, vérifier, puis copier les "
                                  "tables dans le dossier de la cohorte")])
    names = [TABLES_BY_NAME[t].filename for t in TABLES]
    existing = [f for f in names if (target / f).exists()]
    if existing and not force:
        raise InputError([Problem(str(out / f), None, None, "existe déjà : laissé tel quel (--force pour le remplacer)")
                          for f in existing])
    corr = load_correspondence(correspondence)
    result = convert(read_export(export), corr, Path(correspondence).name)
    target.mkdir(parents=True, exist_ok=True)
    with contextlib.ExitStack() as stack:  # every table written before any is moved into place
        for t in TABLES:
            tmp = stack.enter_context(files.replacing(target / TABLES_BY_NAME[t].filename))
            write_table(result.tables[t], TABLES_BY_NAME[t], tmp)
    return result, target
