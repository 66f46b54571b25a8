"""The call's settings (appel.yaml): every mistake a staff member can make gets a French message."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from socinnov.call.settings import CALL_FILE, load_call, missing_call_note
from socinnov.errors import InputError


def call_from(tmp_path, text: str | bytes):
    path = tmp_path / CALL_FILE
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return load_call(tmp_path)


def problems(tmp_path, text) -> list[str]:
    with pytest.raises(InputError) as exc:
        call_from(tmp_path, text)
    return [str(p) for p in exc.value.problems]


def test_without_appel_yaml_the_2016_call_is_assumed_and_said(tmp_path):
    call = load_call(tmp_path)
    assert (call.id, call.deadline, call.max_aid, call.envelope) == ("alpc-2016", dt.date(2016, 9, 5), 40000.0, None)
    note = str(missing_call_note(tmp_path))
    assert note.startswith(f"appel.yaml : fichier absent de {tmp_path.name} : l'appel supposé est « alpc-2016 »")
    (tmp_path / CALL_FILE).write_text("enveloppe: 1\n", encoding="utf-8")
    assert missing_call_note(tmp_path) is None


def test_amounts_as_french_offices_type_them(tmp_path):
    assert call_from(tmp_path, "enveloppe: 700 000 €\n").envelope == 700000.0
    assert call_from(tmp_path, "enveloppe: '12 500,50'\nplafond_aide: 30000\n").envelope == 12500.5
    assert call_from(tmp_path, "enveloppe:\n").envelope is None


def test_a_windows_1252_file_is_read(tmp_path):
    call = call_from(tmp_path, "titre: Appel à projets régional\n".encode("cp1252"))
    assert call.title == "Appel à projets régional"


def test_a_list_instead_of_keys(tmp_path):
    (msg,) = problems(tmp_path, "- enveloppe: 700000\n- annee: 2017\n")
    assert msg.startswith("appel.yaml : le fichier doit être une suite de lignes « clé: valeur »")


def test_grids_must_name_a_version_per_grid(tmp_path):
    (msg,) = problems(tmp_path, "grilles: 2016\n")
    assert msg.startswith("appel.yaml, colonne « grilles » : une version par grille est attendue")
    call = call_from(tmp_path, "grilles:\n  acceptabilite: 2018\n")
    assert call.grid_versions == {"acceptabilite": "2018", "faisabilite": "2016"}


def test_every_wrong_value_is_reported_at_once(tmp_path):
    msgs = problems(tmp_path, "enveloppe: -5\nannee: deux mille dix-sept\nduree_max_mois: 0\n"
                              "date_limite_depot: 31/02/2017\nplafond: 40000\n")
    assert msgs == [
        "appel.yaml, colonne « annee » : un nombre entier est attendu, entre 1990 et 2100 "
        "(valeur lue : « deux mille dix-sept »)",
        "appel.yaml, colonne « date_limite_depot » : une date est attendue, au format JJ/MM/AAAA "
        "(par exemple 05/09/2016) (valeur lue : « 31/02/2017 »)",
        "appel.yaml, colonne « duree_max_mois » : un nombre entier est attendu, entre 1 et 120 (valeur lue : « 0 »)",
        "appel.yaml, colonne « enveloppe » : un montant positif ou nul est attendu (valeur lue : « -5 »)",
        "appel.yaml, colonne « plafond » : clé inconnue ; clés permises : appel, id, titre, annee, "
        "date_limite_depot, plafond_aide, duree_max_mois, nombre_versements, enveloppe, grilles, comparer_avec",
    ]


def test_a_french_date_and_an_unknown_call(tmp_path):
    assert call_from(tmp_path, "date_limite_depot: 15/10/2017\n").deadline == dt.date(2017, 10, 15)
    (msg,) = problems(tmp_path, "appel: alpc-2099\n")
    assert "appel inconnu « alpc-2099 » ; appels connus : alpc-2016" in msg


def test_unreadable_yaml(tmp_path):
    (msg,) = problems(tmp_path, "enveloppe: [700000\n")
    # The line PyYAML points at and its one-line reason, as for the démarches mapping file.
    assert msg.startswith("appel.yaml, ligne 2 : YAML illisible (")
    assert "\n" not in msg


def test_the_commented_template_is_the_2016_call_and_every_line_can_be_uncommented(tmp_path):
    from socinnov.call.settings import call_template

    assert load_call(tmp_path) == call_from(tmp_path, call_template())
    uncommented = re.sub(r"^# (?=\s*[a-z_]+:)", "", call_template(), flags=re.MULTILINE)  # the « # clé: » lines
    call = call_from(tmp_path, uncommented)
    assert (call.envelope, call.max_aid, call.compare_with) == (700000.0, 40000.0, "demo-2018")
    assert call.deadline == dt.date(2016, 9, 5) and call.grid_versions == {"acceptabilite": "2016",
                                                                           "faisabilite": "2016"}
