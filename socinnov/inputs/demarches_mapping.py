"""The correspondence file of ``socinnov import-ds``: which démarches-simplifiées field fills which
column of the kit's tables, and how the platform's choices translate into the kit's vocabularies.

A YAML file with French keys (commented example for the 2016 call:
``socinnov/data/demarches/correspondance-ami-2016.yaml``)::

    prefixe_identifiant: "DS-"        # dossier_id = prefix + the platform's dossier number
    etats_exclus: ["Classé sans suite"]  # dossiers left out, by their « État du dossier »
    dossiers:                         # kit column (name or French header): platform label, or
      title: "Intitulé de l'action"   #   champ / valeurs / option / autres_options / feuille /
      stage:                          #   champ_siret / format / defaut / valeur
        champ: "4. Stade d'avancement"
        valeurs: {"Amorçage": amorçage}
    partenaires: {bloc: "8. Partenaires de l'action", colonnes: {partner: "Nom du partenaire"}}
    budget: {bloc: "…", colonnes: {…}}

Every problem (unknown key or kit column, a mandatory kit column left without a source, a value
mapped to something the kit does not allow) is reported at once, naming the key.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from socinnov.call.schemas import TABLES_BY_NAME, Table, french_headers
from socinnov.errors import InputError, Problem, yaml_problem
from socinnov.inputs.french_values import fold

ETABLISSEMENTS_SHEET = "Etablissements"
OWN_ETABLISSEMENT = "Dossier"  # « Champ » of the dossier's own établissement
EMAIL, FILED_ON = "Email", "Déposé le"
BLOCK_KEYS = {"partenaires": "partners", "budget": "budget"}
RULE_KEYS = {"champ", "feuille", "champ_siret", "valeurs", "option", "autres_options", "defaut", "valeur", "format"}
FORMATS = ("departement", "commune")
# Columns the platform fills itself: the kit column -> the « Dossiers » header it comes from.
AUTOMATIC = {"email": EMAIL, "filed_on": FILED_ON}


@dataclass(frozen=True)
class Rule:
    """How one kit column is filled: from a platform field, an établissement column or a constant."""

    column: str
    key: str  # where the rule is written in the correspondence, to name it in messages
    label: str | None = None
    sheet: str | None = None  # ETABLISSEMENTS_SHEET for an établissement column
    siret_field: str = OWN_ETABLISSEMENT
    values: dict[str, str] = field(default_factory=dict)  # platform value -> kit value
    option: str | None = None
    other_options: tuple[str, ...] = ()
    default: str | None = None
    constant: str | None = None
    transform: str | None = None


@dataclass(frozen=True)
class Block:
    table: Table
    label: str
    sheet: str | None
    rules: tuple[Rule, ...]


@dataclass(frozen=True)
class Correspondence:
    prefix: str
    dossiers: tuple[Rule, ...]
    blocks: tuple[Block, ...]
    excluded_states: tuple[str, ...] = ()


def load_correspondence(path: Path) -> Correspondence:
    """Read and check the correspondence; every problem reported at once (``InputError``)."""
    path = Path(path)
    name = path.name
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise InputError([Problem(name, None, None, "fichier de correspondance introuvable")]) from None
    except UnicodeDecodeError:
        raise InputError([Problem(name, None, None, "encodage non reconnu : enregistrer le fichier en UTF-8")]) from None
    except yaml.YAMLError as exc:
        raise InputError([yaml_problem(name, exc)]) from None
    problems: list[Problem] = []
    if not isinstance(data, dict):
        raise InputError([Problem(name, None, None, "attendu des clés « dossiers », « partenaires », « budget »")])
    for key in sorted(set(data) - {"prefixe_identifiant", "etats_exclus", "dossiers", *BLOCK_KEYS}):
        problems.append(_cfg(name, key, "clé inconnue ; clés permises : « prefixe_identifiant », « etats_exclus », "
                                        "« dossiers », « partenaires », « budget »"))
    states = data.get("etats_exclus") or []
    if not isinstance(states, list) or not all(isinstance(v, str) for v in states):
        problems.append(_cfg(name, "etats_exclus", "attendu une liste d'états du dossier, par exemple "
                                                   "[\"Classé sans suite\"]"))
        states = []
    prefix = data.get("prefixe_identifiant") or ""
    if not isinstance(prefix, str) or (prefix and not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", prefix)):
        problems.append(_cfg(name, "prefixe_identifiant", "lettres, chiffres, tirets, sans espace"))
        prefix = ""
    dossiers = _rules(name, "dossiers", data.get("dossiers"), TABLES_BY_NAME["dossiers"], problems)
    blocks = []
    for key, table in BLOCK_KEYS.items():
        if data.get(key) is None:
            continue
        block = data[key]
        if not isinstance(block, dict) or not isinstance(block.get("bloc"), str):
            problems.append(_cfg(name, key, "attendu « bloc » (le libellé du bloc répétable) et « colonnes »"))
            continue
        extra = sorted(set(block) - {"bloc", "feuille", "colonnes"})
        problems += [_cfg(name, f"{key} > {k}", "clé inconnue ; clés permises : « bloc », « feuille », « colonnes »")
                     for k in extra]
        rules = _rules(name, f"{key} > colonnes", block.get("colonnes"), TABLES_BY_NAME[table], problems)
        blocks.append(Block(TABLES_BY_NAME[table], block["bloc"], block.get("feuille"), tuple(rules)))
    if problems:
        raise InputError(problems)
    return Correspondence(prefix, tuple(dossiers), tuple(blocks), tuple(states))


def _cfg(name: str, key: str, message: str) -> Problem:
    return Problem(f"{name}, clé « {key} »", None, None, message)


def allowed_values(table: Table, column: str) -> tuple[str, ...] | None:
    for check in table.model.to_schema().columns[column].checks:
        if check.name == "isin":
            return tuple(check.statistics["allowed_values"])
    return None


def _rules(name: str, where: str, spec, table: Table, problems: list[Problem]) -> list[Rule]:
    if not isinstance(spec, dict):
        problems.append(_cfg(name, where, "attendu une colonne du kit par ligne, « colonne: libellé du champ »"))
        return []
    schema = table.model.to_schema()
    headers = french_headers(table.model)
    by_key = {fold(fr): en for en, fr in headers.items()} | {fold(en): en for en in headers}
    rules: dict[str, Rule] = {}
    for key, value in spec.items():
        column, at = by_key.get(fold(str(key))), f"{where} > {key}"
        if column is None or column == "dossier_id":
            why = ("l'identifiant vient du numéro de dossier de la plateforme (« ID », « Dossier ID ») ; le préfixer "
                   "avec « prefixe_identifiant »") if column else (
                  "colonne du kit inconnue ; colonnes permises : " + ", ".join(k for k in headers if k != "dossier_id"))
            problems.append(_cfg(name, at, why))
            continue
        if column in rules:
            problems.append(_cfg(name, at, f"colonne « {column} » déjà décrite"))
            continue
        rule = _rule(name, at, column, value, allowed_values(table, column), problems)
        if rule is not None:
            rules[column] = rule
    for column, col in schema.columns.items():
        if column != "dossier_id" and not col.nullable and column not in rules and column not in AUTOMATIC:
            problems.append(_cfg(name, where, f"colonne obligatoire du kit « {column} » ({headers[column]}) sans "
                                              "correspondance : dire de quel champ elle vient"))
    if table.name == "dossiers":
        for column, label in AUTOMATIC.items():
            rules.setdefault(column, Rule(column, f"{where} > {column}", label=label))
    return list(rules.values())


def _rule(name: str, at: str, column: str, value, allowed, problems: list[Problem]) -> Rule | None:
    if isinstance(value, str):
        return Rule(column, at, label=value)
    if not isinstance(value, dict):
        problems.append(_cfg(name, at, "attendu le libellé du champ, ou « champ: … » avec ses options"))
        return None
    bad = sorted(set(value) - RULE_KEYS)
    if bad:
        problems.append(_cfg(name, at, f"clé « {bad[0]} » inconnue ; clés permises : "
                                       + ", ".join(f"« {k} »" for k in sorted(RULE_KEYS))))
        return None
    sources = [k for k in ("champ", "valeur") if k in value]
    if len(sources) != 1:
        problems.append(_cfg(name, at, "dire soit « champ » (le libellé du champ sur la plateforme), soit "
                                       "« valeur » (une valeur fixe)"))
        return None
    values = value.get("valeurs") or {}
    if not isinstance(values, dict):
        problems.append(_cfg(name, at + " > valeurs", "attendu « valeur sur la plateforme: valeur du kit »"))
        values = {}
    for kit_value in values.values():
        if allowed is not None and str(kit_value) not in allowed:
            problems.append(_cfg(name, at + " > valeurs", f"« {kit_value} » n'est pas une valeur du kit ; valeurs "
                                                          "permises : " + ", ".join(f"« {v} »" for v in allowed)))
    transform = value.get("format")
    if transform is not None and transform not in FORMATS:
        problems.append(_cfg(name, at + " > format", "format inconnu ; formats permis : "
                                                     + ", ".join(f"« {f} »" for f in FORMATS)))
    sheet = value.get("feuille")
    if sheet is not None and sheet != ETABLISSEMENTS_SHEET:
        problems.append(_cfg(name, at + " > feuille", f"seule la feuille « {ETABLISSEMENTS_SHEET} » peut être "
                                                      "nommée ici (les autres champs sont lus dans leur feuille)"))
    others = value.get("autres_options") or []
    return Rule(column, at, label=value.get("champ"), sheet=sheet,
                siret_field=str(value.get("champ_siret", OWN_ETABLISSEMENT)),
                values={str(k): str(v) for k, v in values.items()},
                option=None if value.get("option") is None else str(value["option"]),
                other_options=tuple(str(o) for o in others) if isinstance(others, list) else (),
                default=None if value.get("defaut") is None else str(value["defaut"]),
                constant=None if value.get("valeur") is None else str(value["valeur"]),
                transform=transform)


def block_key(block: Block) -> str:
    return next(k for k, t in BLOCK_KEYS.items() if t == block.table.name)


def multiple_choice_options(rules) -> dict[str, tuple[str, ...]]:
    """Platform label -> every option the correspondence names for that multiple choice."""
    options: dict[str, tuple[str, ...]] = {}
    for r in rules:
        if r.option is not None:
            options[r.label] = tuple(dict.fromkeys(options.get(r.label, ()) + (r.option,) + r.other_options))
    return options
