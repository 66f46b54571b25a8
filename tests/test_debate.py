"""Debate sheets: divergent criteria found, each level shown with its descriptor and comment."""

import pandas as pd

from socinnov.call.grids import load_grid
from socinnov.reporting.debate_sheets import divergence_counts, divergences, write_debate_sheets

GRID = load_grid("acceptabilite", "2016")


def ratings(rows):
    df = pd.DataFrame(rows, columns=["dossier_id", "juror_id", "criterion", "level", "comment"])
    return df.assign(grid="acceptabilite", grid_version="2016", round="individuel",
                     level_code=df["level"].map(GRID.code_of).astype("Int64"))


DATA = ratings([
    ("D1", "J1", "caractere_collectif", "Inexistant", "Porté par une seule personne"),
    ("D1", "J2", "caractere_collectif", "Intermédiaire", None),
    ("D1", "J3", "caractere_collectif", "Faible", None),
    ("D1", "J1", "ancrage_territorial", "Faible", None),   # spread 1: not divergent
    ("D1", "J2", "ancrage_territorial", "Intermédiaire", None),
    ("D2", "J1", "caractere_collectif", "Fort", None),
    ("D2", "J2", "caractere_collectif", "Fort", None),
])


def test_divergent_criteria_and_descriptors():
    div = divergences(DATA, GRID, min_spread=2)
    assert div["criterion"].unique().tolist() == ["caractere_collectif"]
    assert div["dossier_id"].unique().tolist() == ["D1"]
    assert div["level"].tolist() == ["Inexistant", "Faible", "Intermédiaire"]  # ordered by level
    assert div["descriptor"].iloc[0] == "Le projet est porté par une seule personne"
    assert div["spread"].unique().tolist() == [2]
    assert len(divergences(DATA, GRID, min_spread=1)) == 5  # ancrage joins at spread 1


def test_counts_include_dossiers_without_divergence():
    counts = divergence_counts(divergences(DATA, GRID), ["D1", "D2"])
    assert counts.to_dict("records") == [{"dossier_id": "D1", "divergent_criteria": 1},
                                         {"dossier_id": "D2", "divergent_criteria": 0}]


def test_sheets_show_names_levels_descriptors_comments_escaped(tmp_path):
    div = divergences(DATA, GRID)
    dossiers = pd.DataFrame({"dossier_id": ["D1", "D2"], "title": ["Épicerie <solidaire>", "X"], "porteur": ["A", "B"]})
    jurors = pd.DataFrame({"juror_id": ["J1", "J2", "J3"], "name": ["Juré Un", "Juré Deux", "Juré Trois"]})
    paths = write_debate_sheets(div, dossiers, jurors, GRID, tmp_path / "fiches-debat", cohort="t", min_spread=2)
    assert paths == [tmp_path / "fiches-debat" / "D1.html"]
    page = paths[0].read_text(encoding="utf-8")
    assert "Épicerie &lt;solidaire&gt;" in page and "J1 – Juré Un" in page
    assert "Le projet est porté par une seule personne" in page and "Porté par une seule personne" in page
    assert "Confidentiel — réservé au jury" in page and 'lang="fr"' in page


def test_a_sheet_whose_divergence_is_gone_does_not_survive_a_rebuild(tmp_path):
    """A debate sheet names jurors and quotes them: once the dossier no longer divergent (a
    corrected level), the next build must not leave its old sheet behind."""
    dossiers = pd.DataFrame({"dossier_id": ["D1", "D2"], "title": ["A", "B"], "porteur": ["P", "Q"]})
    jurors = pd.DataFrame({"juror_id": ["J1", "J2", "J3"], "name": ["Un", "Deux", "Trois"]})
    folder = tmp_path / "fiches-debat"
    write_debate_sheets(divergences(DATA, GRID), dossiers, jurors, GRID, folder, cohort="t", min_spread=2)
    assert sorted(p.name for p in folder.iterdir()) == ["D1.html"]
    corrected = DATA.copy()
    corrected.loc[corrected["level"] == "Inexistant", ["level", "level_code"]] = ["Faible", GRID.code_of("Faible")]
    paths = write_debate_sheets(divergences(corrected, GRID), dossiers, jurors, GRID, folder, cohort="t",
                                min_spread=2)
    assert paths == [] and list(folder.iterdir()) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fiches-debat"]  # nothing left aside
