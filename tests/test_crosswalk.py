"""Grid versions and crosswalks: the refined 2018 grid, level mappings, comparisons of two calls."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import yaml

from socinnov import config
from socinnov.analysis import grid_versions as gv
from socinnov.analysis.criteria import criterion_profile
from socinnov.call import crosswalk as cx
from socinnov.call.grids import load_grid
from socinnov.privacy.store import compared_cohort
from tests.test_criteria import synthetic_ratings

G16 = load_grid("acceptabilite", "2016")
G18 = load_grid("acceptabilite", "2018")
CW = cx.load_crosswalk("acceptabilite", "2016", "2018")
CALL_LINES = {line.strip() for line in config.call_text().read_text(encoding="utf-8").splitlines()}


# ---------------------------------------------------------------------------
# The refined grid and its crosswalk
# ---------------------------------------------------------------------------


def test_refined_grid_says_it_is_not_the_calls_text():
    assert "PAS le texte de l'appel" in G18.source
    assert [(d.label, len(d.criteria)) for d in G18.dimensions] == [("Portage", 3), ("Contenu", 3), ("Contexte", 5)]
    assert G18.level_labels == G16.level_labels
    assert {c.generic for c in G18.criteria} == {c.generic for c in G16.criteria}


def test_unchanged_criteria_keep_the_calls_words():
    for lk in CW.links:
        new = G18.criterion(lk.target)
        if lk.change == "aucun":
            old = G16.criterion(lk.sources[0])
            assert (new.label, new.descriptors) == (old.label, old.descriptors)
            assert all(text in CALL_LINES for text in new.descriptors.values())
        else:  # the committee's own wording: not a line of the call
            assert not any(text in CALL_LINES for text in new.descriptors.values()), lk.target


def test_shipped_crosswalk_covers_both_versions():
    assert ("acceptabilite", "2016", "2018") in cx.available_crosswalks("acceptabilite")
    assert [lk.target for lk in CW.links] == [c.id for c in G18.criteria]
    used = {s for lk in CW.links for s in lk.sources}
    assert used == {c.id for c in G16.criteria}
    merged = CW.link("collectif")
    assert merged.sources == ("caractere_collectif", "richesse_collectif") and merged.levels == "mean_half_up"
    assert CW.link("viabilite_economique").change == "descripteurs reformulés"
    assert CW.targets_of("richesse_collectif") == ["collectif"]
    table = cx.crosswalk_table_fr(CW)
    assert len(table) == 11 and table.iloc[0]["Critère(s) 2016"] == "Caractère collectif du projet + Richesse du collectif"


def test_missing_crosswalk_names_the_available_ones():
    with pytest.raises(cx.CrosswalkError, match="2016 → 2018"):
        cx.load_crosswalk("acceptabilite", "2016", "2030")


def _write(tmp_path, criteria, **extra):
    raw = {"id": "t", "grid": "acceptabilite", "from": "2016", "to": "2018", "criteria": criteria} | extra
    path = tmp_path / "t.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


def _good():
    return [{"to": lk.target, "from": list(lk.sources), "levels": lk.levels} for lk in CW.links]


def test_valid_copy_of_the_shipped_crosswalk_loads(tmp_path):
    assert cx.crosswalk_from_file(_write(tmp_path, _good())).links == tuple(
        cx.Link(lk.target, lk.sources, lk.levels, "aucun") for lk in CW.links)


@pytest.mark.parametrize("edit, message", [
    (lambda c: c[1:], "manquent : collectif"),
    (lambda c: c + [c[1]], "décrit\\(s\\) deux fois"),
    (lambda c: [dict(c[0], **{"from": ["caractere_collectif", "inconnu"]})] + c[1:], "inconnu"),
    (lambda c: [dict(c[0], **{"from": ["caractere_collectif"]})] + c[1:], "ni repris ni déclarés abandonnés"),
    (lambda c: [dict(c[0], levels="identity")] + c[1:], "critère d'origine unique"),
    (lambda c: [dict(c[0], levels="median")] + c[1:], "règle de niveaux inconnue"),
    (lambda c: c[:1] + [dict(c[1], levels={"Inexistant": "Faible"})] + c[2:], "table de niveaux"),
])
def test_crosswalk_that_does_not_fit_its_grids_is_refused(tmp_path, edit, message):
    with pytest.raises(cx.CrosswalkError, match=message):
        cx.crosswalk_from_file(_write(tmp_path, edit(_good())))


def test_dropped_criterion_may_be_declared(tmp_path):
    crits = [dict(_good()[0], **{"from": ["caractere_collectif"], "levels": "identity"})] + _good()[1:]
    cw = cx.crosswalk_from_file(_write(tmp_path, crits, dropped=["richesse_collectif"]))
    assert cw.dropped == ("richesse_collectif",)
    assert "(abandonné)" in cx.crosswalk_table_fr(cw)["Critère 2018"].tolist()


# ---------------------------------------------------------------------------
# Level mappings and translation
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("rule, expected", [
    ("mean_half_up", [2, 1, 2, 2, np.nan, 3]),   # (1+2)/2 = 1,5 -> 2 ; (0+3)/2 = 1,5 -> 2
    ("mean_half_down", [1, 1, 1, 2, np.nan, 3]),  # 1,5 -> 1
    ("max", [2, 1, 3, 2, np.nan, 3]),
    ("min", [1, 1, 0, 2, np.nan, 3]),
])
def test_level_rules(rule, expected):
    codes = np.array([[1, 2], [1, 1], [0, 3], [np.nan, 2], [np.nan, np.nan], [3, 3]])
    out = cx.map_levels(codes, cx.Link("x", ("a", "b"), rule), G16, G18)
    np.testing.assert_array_equal(out, np.array(expected, dtype=float))


def test_mean_of_three_rounds_to_the_nearest_level():
    out = cx.map_levels(np.array([[1, 1, 2], [1, 2, 2]]), cx.Link("x", ("a", "b", "c"), "mean_half_up"), G16, G18)
    assert out.tolist() == [1.0, 2.0]  # 1,33 -> 1 ; 1,67 -> 2


def test_explicit_level_table():
    table = (("Inexistant", "Inexistant"), ("Faible", "Inexistant"), ("Intermédiaire", "Faible"), ("Fort", "Fort"))
    out = cx.map_levels(np.array([[0], [1], [2], [3], [np.nan]]), cx.Link("x", ("a",), table), G16, G18)
    np.testing.assert_array_equal(out, [0, 0, 1, 3, np.nan])


def test_translate_ratings_by_hand():
    rows = [("D1", "J1", "caractere_collectif", 1), ("D1", "J1", "richesse_collectif", 2),
            ("D1", "J2", "caractere_collectif", 0), ("D1", "J2", "richesse_collectif", None),
            ("D1", "J1", "viabilite_economique", 3)]
    r = pd.DataFrame(rows, columns=["dossier_id", "juror_id", "criterion", "level_code"]).assign(
        grid="acceptabilite", grid_version="2016", round="individuel")
    r["level_code"] = r["level_code"].astype("Int64")
    out, vgrid = cx.translate_ratings(r, G16, G18, CW)
    assert vgrid.version == "2016→2018" and vgrid.criteria == G18.criteria
    assert set(out["grid_version"]) == {"2016→2018"}
    got = out.set_index(["juror_id", "criterion"])["level_code"]
    assert got[("J1", "collectif")] == 2  # mean(1, 2) = 1,5 rounded half up
    assert got[("J2", "collectif")] == 0  # J2's missing "richesse" left out of the mean
    assert got[("J1", "viabilite_economique")] == 3
    assert pd.isna(got[("J2", "viabilite_economique")])  # J2 gave no rating: missing
    assert out.set_index(["juror_id", "criterion"]).loc[("J1", "collectif"), "level"] == "Intermédiaire"
    assert len(out) == 2 * 11  # one row per (dossier, juror, round) actually rated and 2018 criterion


# ---------------------------------------------------------------------------
# Comparing two calls rated with two versions
# ---------------------------------------------------------------------------


def two_calls():
    """Call A (2016 grid) where jurors rate "viabilite_economique" almost at random; call B (2018 grid,
    reworded descriptors) where they agree on it."""
    noisy = {"viabilite_economique": lambda rng, codes, q, j: int(rng.integers(0, 4))}
    a, dec_a = synthetic_ratings(G16, n_dossiers=100, seed=1, overrides=noisy, prefix="A")
    b, dec_b = synthetic_ratings(G18, n_dossiers=100, seed=2, prefix="B")
    return a, dec_a, b, dec_b


def test_compare_versions_matches_criteria_through_the_crosswalk():
    a, dec_a, b, dec_b = two_calls()
    comp = gv.compare_versions(a, G16, b, G18, CW, decisions_a=dec_a, decisions_b=dec_b, n_boot=100, seed=0)
    assert len(comp) == 2 * 11 and comp.attrs["versions"] == ("2016", "2018")
    assert comp["criterion"].drop_duplicates().tolist() == [c.id for c in G18.criteria]
    viab = comp[comp["criterion"] == "viabilite_economique"].set_index("version")
    assert viab.loc["2018", "alpha"] > 0.6 and viab.loc["2016", "alpha"] < 0.2  # the rewording helped
    assert viab.loc["2018", "auc"] > viab.loc["2016", "auc"]
    merged = comp[comp["criterion"] == "collectif"].set_index("version")
    assert merged.loc["2016", "sources"] == "caractere_collectif, richesse_collectif"
    assert merged.loc["2016", "change"] == "fusion"
    # side A is the translated ratings' profile, as criteria.criterion_profile computes it
    translated, vgrid = cx.translate_ratings(a, G16, G18, CW)
    direct = criterion_profile(translated, vgrid, dec_a, n_boot=100, seed=0).set_index("criterion")
    assert merged.loc["2016", "mean_level"] == pytest.approx(direct.loc["collectif", "mean_level"])
    assert merged.loc["2016", "alpha"] == pytest.approx(direct.loc["collectif", "alpha"])
    shares = [c for c in comp.columns if c.startswith("share_")]
    assert np.allclose(comp[shares].sum(axis=1), 1.0)
    table = gv.comparison_table_fr(comp)
    assert len(table) == 22 and "Répartition (Inexistant / Faible / Intermédiaire / Fort)" in table


def test_compare_versions_refuses_a_crosswalk_the_wrong_way():
    a, _, b, _ = two_calls()
    with pytest.raises(cx.CrosswalkError, match="ne relie pas"):
        gv.compare_versions(b, G18, a, G16, CW)


def test_versions_rated_oldest_first():
    a, _, b, _ = two_calls()
    both = pd.concat([b, a], ignore_index=True)
    assert gv.versions_rated(both, "acceptabilite") == ["2016", "2018"]
    assert gv.versions_rated(a, "faisabilite") == []


def test_one_version_rated_says_so_and_shows_the_crosswalk():
    a, dec_a, _, _ = two_calls()
    out = gv.compare_rated_versions(SimpleNamespace(ratings=a, decisions=dec_a, audience="jury", call=NO_OTHER), n_boot=0)
    assert not out.available and out.table is None
    assert "version 2016" in out.note and "pas de comparaison" in out.note
    assert len(out.crosswalk_table) == 11


NO_OTHER = SimpleNamespace(compare_with=None)  # a call whose appel.yaml names no other cohort


def test_the_call_names_the_cohort_to_compare_with(monkeypatch):
    a, dec_a, b, dec_b = two_calls()
    monkeypatch.setattr("socinnov.privacy.store.load_cohort",
                        lambda name, *, audience, tables: SimpleNamespace(ratings=b, decisions=dec_b, audience=audience))
    cohort = SimpleNamespace(ratings=a, decisions=dec_a, audience="jury", call=SimpleNamespace(compare_with="x"))
    assert gv.compare_rated_versions(cohort, other=compared_cohort(cohort), n_boot=0).available


def test_two_versions_in_one_cohort_are_compared():
    a, dec_a, b, dec_b = two_calls()
    cohort = SimpleNamespace(ratings=pd.concat([a, b], ignore_index=True),
                             decisions=pd.concat([dec_a, dec_b], ignore_index=True), audience="jury",
                             call=NO_OTHER)
    out = gv.compare_rated_versions(cohort, n_boot=50)
    assert out.available and len(out.table) == 22
    assert "2016 (100 dossiers) et 2018 (100 dossiers)" in out.note
    assert "critère fusionné" in out.note


def test_another_cohort_rated_with_the_other_version_is_pooled(monkeypatch):
    a, dec_a, b, dec_b = two_calls()
    loaded = []

    def fake_load(name, *, audience, tables):
        assert set(tables) == {"ratings", "decisions"}  # only what it reads: the report's key follows them
        loaded.append((name, audience))
        return SimpleNamespace(ratings=b, decisions=dec_b, audience=audience)

    monkeypatch.setattr("socinnov.privacy.store.load_cohort", fake_load)
    cohort = SimpleNamespace(ratings=a, decisions=dec_a, audience="comite", call=NO_OTHER)
    out = gv.compare_rated_versions(cohort, other=compared_cohort(cohort, "appel-2018"), n_boot=0)
    assert loaded == [("appel-2018", "comite")]  # same audience: same filtering of the data
    assert out.available and out.table["version"].drop_duplicates().tolist() == ["2016", "2018"]
