"""The grids as data: structure from the call, every descriptor word for word from its text."""

import pytest

from socinnov import config
from socinnov.call.grids import GridError, available_grids, grid_from_file, load_grid

CALL_LINES = {line.strip() for line in config.call_text().read_text(encoding="utf-8").splitlines()}


def test_shipped_grids():
    assert {"acceptabilite-2016", "faisabilite-2016"} <= set(available_grids())


def test_acceptability_structure_is_the_calls():
    g = load_grid("acceptabilite", "2016")
    # "Portage" 4 criteria, "Contenu" 3, "Contexte" 5, rated on four levels (section 1-1).
    assert [(d.label, len(d.criteria)) for d in g.dimensions] == [("Portage", 4), ("Contenu", 3), ("Contexte", 5)]
    assert g.level_labels == ("Inexistant", "Faible", "Intermédiaire", "Fort")
    assert len(g.criteria) == 12


@pytest.mark.parametrize("criterion", load_grid("acceptabilite", "2016").criteria, ids=lambda c: c.id)
def test_every_acceptability_text_is_a_line_of_the_call(criterion):
    assert criterion.label in CALL_LINES
    assert len(criterion.descriptors) == 4
    for level, text in criterion.descriptors.items():
        assert text in CALL_LINES, f"{criterion.id} / {level}: not word for word from the call"


def test_descriptor_order_follows_the_calls_columns():
    g = load_grid("acceptabilite", "2016")
    # Row "Caractère collectif du projet": Inexistant -> "porté par une seule personne", Fort -> "nombre conséquent".
    c = g.criterion("caractere_collectif")
    assert c.descriptors["Inexistant"] == "Le projet est porté par une seule personne"
    assert c.descriptors["Fort"] == "Le collectif qui porte le projet implique un nombre conséquent d'acteurs"


def test_generic_grouping_covers_the_four_generic_criteria():
    g = load_grid("acceptabilite", "2016")
    groups = [x["label"] for x in g.groupings["generic"]["groups"]]
    for label in groups:  # "· la dynamique collective" … in section 1-1
        assert f"· {label}" in CALL_LINES
    assert {c.generic for c in g.criteria} == {x["id"] for x in g.groupings["generic"]["groups"]}


def test_feasibility_structure_is_the_calls():
    g = load_grid("faisabilite", "2016")
    assert g.level_labels == ("C", "B", "A")
    assert [lv.name for lv in g.levels] == ["non satisfaisant", "peu satisfaisant", "satisfaisant"]
    assert [len(d.criteria) for d in g.dimensions] == [6, 2, 2, 2, 1, 2]
    for d in g.dimensions:
        assert d.label in CALL_LINES or f"{d.label} (si pertinent)" in CALL_LINES
        for c in d.criteria:
            assert c.label in CALL_LINES, c.label
    assert [d.id for d in g.dimensions if d.if_relevant] == ["marche"]
    assert [c.id for c in g.criteria if c.worded_as_risk] == ["fragilite_porteur", "beneficiaires_touches"]


def test_unknown_grid_names_the_available_ones():
    with pytest.raises(GridError, match="acceptabilite-2016"):
        load_grid("acceptabilite", "1999")


def test_malformed_grid_file_is_refused(tmp_path):
    bad = tmp_path / "x-1.yaml"
    bad.write_text("id: x\nversion: 1\ntitle: t\nsource: s\nlevels:\n- {code: 1, label: a}\ndimensions: []\n",
                   encoding="utf-8")
    with pytest.raises(GridError, match="codes des niveaux"):
        grid_from_file(bad)
