"""Tests of the synthetic demo cohort (socinnov.demo)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from socinnov import config, demo
from socinnov.call import grids, settings
from socinnov.call import vocabulary as voc
from socinnov.call.schemas import TABLES, french_headers
from socinnov.demo import content, generator
from socinnov.demo.followup import FOLLOWUP_WAVES
from socinnov.demo.jury import N_JURORS, is_connected
from socinnov.inputs import tabular

SMALL = {"seed": 7, "n_dossiers": 40}
COMMITTED = config.PACKAGE_DIR.parent / "data" / "raw" / "demo"


@pytest.fixture(scope="module")
def default_folder(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("cohorts") / "demo"
    generator.write_demo(folder)
    return folder


@pytest.fixture(scope="module")
def small_folder(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("cohorts") / "small"
    generator.write_demo(folder, **SMALL)
    return folder


@pytest.fixture(scope="module")
def cohort(default_folder) -> dict[str, pd.DataFrame]:
    return tabular.load_or_raise(default_folder)


@pytest.fixture(scope="module")
def small_cohort(small_folder) -> dict[str, pd.DataFrame]:
    return tabular.load_or_raise(small_folder)


@pytest.fixture(params=["default", "small"])
def any_cohort(request, cohort, small_cohort) -> dict[str, pd.DataFrame]:
    return cohort if request.param == "default" else small_cohort


# ------------------------------------------------------------------------------------------
# A local reading of the call's eligibility rules, to check the generator's intent
# ------------------------------------------------------------------------------------------

def broken_rules(frames: dict[str, pd.DataFrame]) -> dict[str, list[str]]:
    """Eligibility rules of the call each dossier breaks (empty list: eligible)."""
    d = frames["dossiers"].set_index("dossier_id")
    partners = frames["partners"].groupby("dossier_id")
    budget = frames["budget"]
    out: dict[str, list[str]] = {}
    for dossier_id, row in d.iterrows():
        rules = []
        if dossier_id not in partners.groups:
            rules.append("partenaires")
        else:
            p = partners.get_group(dossier_id)
            if len(p) < 2 or p["role"].isna().any():
                rules.append("partenaires")
        if row["departement"] not in voc.REGION_DEPARTEMENTS:
            rules.append("département")
        if row["legal_category"] not in voc.ELIGIBLE_LEGAL_CATEGORIES:
            rules.append("statut")
        if row["earlier_aid"] and row["earlier_aid_region"] in voc.FORMER_REGIONS:
            rules.append("aide antérieure")
        if row["market_launched"]:
            rules.append("mise sur le marché")
        lines = budget[budget["dossier_id"] == dossier_id]
        if (~lines["category"].isin(voc.ELIGIBLE_EXPENSE_CATEGORIES)).any():
            rules.append("dépenses")
        if (lines["month_from"] < 1).any() or (lines["month_to"] > 24).any():
            rules.append("mois")
        if row["requested_amount"] > 40_000:
            rules.append("plafond")
        if row["end_date"] >= row["start_date"] + pd.DateOffset(months=24):
            rules.append("durée")
        if row["filed_on"] > pd.Timestamp("2016-09-05"):
            rules.append("date de dépôt")
        out[dossier_id] = rules
    return out


def design_of(frames) -> dict[str, set[str]]:
    acc = frames["ratings"][frames["ratings"]["grid"] == grids.ACCEPTABILITY]
    return acc.groupby("dossier_id")["juror_id"].agg(set).to_dict()


# ------------------------------------------------------------------------------------------
# Files and formats
# ------------------------------------------------------------------------------------------

def test_cohorts_load_without_problems(default_folder, small_folder):
    for folder in (default_folder, small_folder):
        frames, problems = tabular.load_tables(folder)
        assert problems == []
        assert set(frames) == {t.name for t in TABLES}


def test_files_are_written_as_users_write_them(default_folder):
    expected = {t.filename for t in TABLES} | {"appel.yaml", "LISEZMOI.md"}
    assert {p.name for p in default_folder.iterdir()} == expected
    for table in TABLES:
        raw = (default_folder / table.filename).read_bytes()
        assert raw.startswith("\ufeff".encode("utf-8"))
        header = raw.decode("utf-8-sig").split("\n", 1)[0]
        assert header == ";".join(french_headers(table.model).values())
    dossiers = (default_folder / "dossiers.csv").read_text(encoding="utf-8-sig")
    assert ";05/09/2016;" in dossiers or ";12/09/2016;" in dossiers
    assert ";non;" in dossiers and ";oui" in dossiers
    payments = (default_folder / "versements.csv").read_text(encoding="utf-8-sig")
    assert all(line.split(";")[-1].count(",") == 1 for line in payments.splitlines()[1:])


def test_call_file(default_folder):
    text = (default_folder / "appel.yaml").read_text(encoding="utf-8")
    assert text.startswith("#")
    c = settings.load_call(default_folder)
    assert c.id == "alpc-2016" and c.envelope == 700_000


def test_readme_describes_every_file_and_column(default_folder):
    text = (default_folder / "LISEZMOI.md").read_text(encoding="utf-8")
    assert "fictives" in text
    for table in TABLES:
        assert table.filename in text
        for header in french_headers(table.model).values():
            assert f"| {header} |" in text
    for value in voc.DECISIONS + voc.STAGES:
        assert f"« {value} »" in text
    for grid_id in (grids.ACCEPTABILITY, grids.FEASIBILITY):
        for criterion in grids.load_grid(grid_id, "2016").criteria:
            assert f"| {criterion.id} |" in text


def test_generate_matches_what_is_read_back(cohort):
    generated = generator.generate()
    assert set(generated) == set(cohort)
    for name, frame in generated.items():
        pd.testing.assert_frame_equal(
            frame.reset_index(drop=True), cohort[name].reset_index(drop=True), check_dtype=False
        )


def test_same_seed_same_bytes(default_folder, tmp_path):
    again = tmp_path / "again"
    generator.write_demo(again)
    for path in default_folder.iterdir():
        assert (again / path.name).read_bytes() == path.read_bytes(), path.name


def test_other_seed_other_cohort(default_folder, tmp_path):
    other = tmp_path / "other"
    generator.write_demo(other, seed=2017)
    assert (other / "notations.csv").read_bytes() != (default_folder / "notations.csv").read_bytes()


@pytest.mark.parametrize("edition", sorted(demo.EDITIONS))
def test_committed_demo_cohorts_are_what_the_generator_writes(edition, tmp_path):
    committed = COMMITTED.parent / edition
    assert committed.is_dir(), "regenerate with `make demo`"
    fresh = tmp_path / edition
    demo.write_demo(fresh, **demo.EDITIONS[edition])  # what `make demo` runs
    assert sorted(p.name for p in committed.iterdir()) == sorted(p.name for p in fresh.iterdir())
    for path in fresh.iterdir():
        assert (committed / path.name).read_bytes() == path.read_bytes(), path.name


def test_second_call_year_is_rated_with_the_refined_grid():
    frames = generator.generate(**{k: v for k, v in generator.EDITIONS["demo-2018"].items() if k != "compare_with"})
    acc = frames["ratings"][frames["ratings"]["grid"] == "acceptabilite"]
    assert set(acc["grid_version"]) == {"2018"} and "collectif" in set(acc["criterion"])
    assert "caractere_collectif" not in set(acc["criterion"])
    assert frames["dossiers"]["dossier_id"].str.startswith("AMI18-").all()
    assert frames["dossiers"]["filed_on"].dt.year.isin([2018]).all()


def test_refuses_to_overwrite_unless_asked(tmp_path):
    folder = tmp_path / "cohort"
    folder.mkdir()
    (folder / "mine.csv").write_text("x", encoding="utf-8")
    with pytest.raises(FileExistsError):
        generator.write_demo(folder, **SMALL)
    assert [p.name for p in folder.iterdir()] == ["mine.csv"]
    written = generator.write_demo(folder, overwrite=True, **SMALL)
    assert all(p.exists() for p in written)
    assert not (folder / "mine.csv").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["cohort"]  # no temporary folder left


def test_writes_into_an_empty_folder(tmp_path):
    folder = tmp_path / "empty"
    folder.mkdir()
    written = generator.write_demo(folder, **SMALL)
    assert len(written) == len(TABLES) + 2
    assert [p.name for p in tmp_path.iterdir()] == ["empty"]


# ------------------------------------------------------------------------------------------
# The jury's design and ratings
# ------------------------------------------------------------------------------------------

def test_design_is_connected(any_cohort):
    design = design_of(any_cohort)
    parent = {}

    def find(x):
        parent.setdefault(x, x)
        while parent[x] != x:
            x = parent[x]
        return x

    for dossier, jurors in design.items():
        for juror in jurors:
            parent[find(("d", dossier))] = find(("j", juror))
    assert len({find(("d", d)) for d in design}) == 1
    assert is_connected({d: sorted(j) for d, j in design.items()})


def test_three_or_four_jurors_per_rated_dossier(any_cohort):
    design = design_of(any_cohort)
    assert {len(j) for j in design.values()} <= {3, 4}
    ratings = any_cohort["ratings"]
    per_round = ratings.groupby(["grid", "round", "dossier_id"])["juror_id"].nunique()
    assert per_round.isin([3, 4]).all()


def test_conflicts_honoured(any_cohort):
    conflicts = any_cohort["conflicts"]
    assert 3 <= len(conflicts) <= 10
    rated = set(zip(any_cohort["ratings"]["juror_id"], any_cohort["ratings"]["dossier_id"]))
    assert not rated & set(zip(conflicts["juror_id"], conflicts["dossier_id"]))


def test_default_jury(cohort):
    jurors = cohort["jurors"]
    assert 8 <= len(jurors) <= 10
    assert set(jurors["role"]) <= set(voc.JUROR_ROLES)
    assert 5 <= len(cohort["conflicts"]) <= 10


def test_acceptability_levels_are_skewed_and_rarely_missing(cohort):
    acc = cohort["ratings"][cohort["ratings"]["grid"] == grids.ACCEPTABILITY]
    assert set(acc["grid_version"]) == {"2016"}
    grid = grids.load_grid(grids.ACCEPTABILITY, "2016")
    assert set(acc["criterion"]) == {c.id for c in grid.criteria}
    assert set(acc["level"].dropna()) == set(grid.level_labels)
    shares = acc["level"].value_counts(normalize=True)
    assert shares["Inexistant"] < 0.12
    assert shares["Faible"] + shares["Intermédiaire"] > 0.6
    assert 0.005 <= acc["level"].isna().mean() <= 0.03
    comments = acc["comment"].dropna()
    assert 10 <= len(comments) <= 0.05 * len(acc)


def test_agreement_higher_after_debate(any_cohort):
    acc = any_cohort["ratings"][any_cohort["ratings"]["grid"] == grids.ACCEPTABILITY]
    codes = acc["level"].map({lab: i for i, lab in enumerate(grids.load_grid().level_labels)})
    sd = codes.groupby([acc["round"], acc["dossier_id"], acc["criterion"]]).std().groupby(level=0).mean()
    assert sd["après débat"] < sd["individuel"]


def test_feasibility_only_for_retained_and_market_mostly_empty_for_non_market(any_cohort):
    ratings, decisions = any_cohort["ratings"], any_cohort["decisions"]
    fe = ratings[ratings["grid"] == grids.FEASIBILITY]
    retained = set(decisions.loc[decisions["decision"] != "non retenu", "dossier_id"])
    assert set(fe["dossier_id"]) == retained
    assert set(fe["level"].dropna()) <= {"A", "B", "C"}
    assert fe.groupby("dossier_id")["criterion"].nunique().eq(15).all()
    assert "individuel" in set(fe["round"])
    market = fe[fe["criterion"].isin(["segmentation_marche", "acces_marche"])]
    cat = market["dossier_id"].map(any_cohort["dossiers"].set_index("dossier_id")["legal_category"])
    non_market = cat.isin(["association", "collectivité territoriale", "EPCI"])
    assert market.loc[non_market, "level"].isna().mean() > 0.5
    assert market.loc[cat == "entreprise", "level"].notna().mean() > 0.9


# ------------------------------------------------------------------------------------------
# Eligibility and decisions
# ------------------------------------------------------------------------------------------

def test_ineligible_dossiers_break_one_or_two_rules_and_are_not_rated(any_cohort):
    rules = broken_rules(any_cohort)
    ineligible = {d for d, r in rules.items() if r}
    assert all(1 <= len(r) <= 2 for r in rules.values() if r)
    rated = set(any_cohort["ratings"]["dossier_id"])
    decided = set(any_cohort["decisions"]["dossier_id"])
    assert rated == decided == set(rules) - ineligible


def test_default_ineligibility_cases(cohort):
    rules = broken_rules(cohort)
    ineligible = {d: r for d, r in rules.items() if r}
    assert 8 <= len(ineligible) <= 12
    found = {rule for r in ineligible.values() for rule in r}
    assert found >= {"partenaires", "département", "statut", "aide antérieure", "mise sur le marché",
                     "dépenses", "plafond", "durée", "date de dépôt"}
    d = cohort["dossiers"].set_index("dossier_id")
    assert (d["requested_amount"] == 55_000).sum() == 1
    assert (d["filed_on"] == pd.Timestamp("2016-09-12")).sum() == 1
    assert set(d.loc[d["earlier_aid"], "earlier_aid_region"]) == {"Limousin"}
    assert (d["legal_category"] == "personne physique").sum() == 1


def test_funded_decisions(cohort):
    dec = cohort["decisions"].merge(cohort["dossiers"][["dossier_id", "requested_amount", "total_cost"]])
    funded = dec[dec["decision"] == "retenu - financé"]
    assert 15 <= len(funded) <= 20
    assert funded["granted_amount"].sum() <= 700_000
    assert (funded["granted_amount"] <= 40_000).all()
    assert (funded["granted_amount"] <= funded["requested_amount"]).all()
    assert (funded["eligible_base"] <= funded["total_cost"]).all()
    assert (funded["eligible_base"] < funded["total_cost"]).any()


def test_decisions_consistent_with_the_call(any_cohort):
    dec = any_cohort["decisions"]
    assert set(dec["decision"]) == set(voc.DECISIONS)
    others = dec[dec["decision"] != "retenu - financé"]
    assert others["granted_amount"].isna().all()
    reoriented = dec[dec["decision"] == "retenu - réorienté"]
    assert set(reoriented["reoriented_to"]) <= set(content.DECISIONS["reorientation_targets"].values())
    assert dec.loc[dec["decision"] != "retenu - réorienté", "reoriented_to"].isna().all()
    assert dec["jury_date"].between("2016-09-20", "2016-09-30").all()
    assert dec["validated"].all()
    assert dec["validated_on"].between("2016-10-01", "2016-11-30").all()
    assert dec["rationale"].notna().all()
    # Not retained = lowest acceptability after debate.
    acc = any_cohort["ratings"]
    acc = acc[(acc["grid"] == grids.ACCEPTABILITY) & (acc["round"] == "après débat")]
    codes = acc["level"].map({lab: i for i, lab in enumerate(grids.load_grid().level_labels)})
    score = codes.groupby(acc["dossier_id"]).mean()
    status = dec.set_index("dossier_id")["decision"]
    assert score[status == "non retenu"].max() <= score[status != "non retenu"].min()


# ------------------------------------------------------------------------------------------
# Dossiers, partners, budget
# ------------------------------------------------------------------------------------------

def test_dossiers_are_realistic_and_fictitious(cohort):
    d = cohort["dossiers"]
    assert len(d) == 120
    assert d["email"].dropna().str.fullmatch(r"contact@[a-z0-9-]+\.exemple\.fr").all()
    assert d["phone"].dropna().str.fullmatch(r"01 99 00 \d\d \d\d").all()
    assert d["siret"].dropna().str.fullmatch(r"000\d{11}").all()
    top = d["departement"].value_counts()
    assert set(top.index[:3]) == {"33", "86", "87"}
    assert set(d["departement"]) >= set(voc.REGION_DEPARTEMENTS)
    assert d["legal_category"].value_counts().index[0] == "association"
    assert d[list(voc.INNOVATION_TYPES)].any(axis=1).all()
    eligible = d[d["requested_amount"] <= 40_000]
    assert eligible["requested_amount"].between(15_000, 40_000).mean() > 0.75
    ratio = d["total_cost"] / d["requested_amount"]
    assert ratio.between(1.2, 3.0).all()
    assert d["filed_on"].between("2016-07-01", "2016-09-12").all()
    assert d["start_date"].between("2016-10-01", "2017-01-31").all()
    assert d["publication_consent"].mean() > 0.7
    lines = np.ceil(d["summary"].str.len() / 100)
    assert 1 <= (lines > 20).sum() <= 3
    assert d["stage"].isin(voc.STAGES).all()


def test_partners_and_budget(cohort):
    rules = broken_rules(cohort)
    eligible = [d for d, r in rules.items() if not r]
    partners = cohort["partners"]
    counts = partners.groupby("dossier_id").size()
    assert counts[eligible].between(2, 6).all()
    with_research = partners.loc[partners["partner_type"] == "équipe de recherche", "dossier_id"].nunique()
    assert 0.2 <= with_research / len(cohort["dossiers"]) <= 0.45
    budget = cohort["budget"]
    assert budget.groupby("dossier_id").size().between(3, 6).all()
    totals = budget.groupby("dossier_id")["amount"].sum()
    cost = cohort["dossiers"].set_index("dossier_id")["total_cost"]
    assert np.allclose(totals[cost.index], cost)


# ------------------------------------------------------------------------------------------
# Follow-up and payments
# ------------------------------------------------------------------------------------------

def test_followup_and_payments(any_cohort):
    dec = any_cohort["decisions"]
    funded = dec[dec["decision"] == "retenu - financé"].set_index("dossier_id")
    follow, pay = any_cohort["followup"], any_cohort["payments"]
    assert set(follow["dossier_id"]) == set(funded.index) == set(pay["dossier_id"])
    assert set(follow["wave_month"]) == set(FOLLOWUP_WAVES)
    abandoned = follow.loc[follow["status"] == "abandonné", "dossier_id"]
    assert 1 <= abandoned.nunique() <= 2
    for dossier, waves in follow.groupby("dossier_id"):
        waves = waves.sort_values("wave_month")
        if (waves["status"] == "abandonné").any():
            assert waves["status"].iloc[-1] == "abandonné" and waves["wave_month"].max() < 24
            assert set(pay.loc[pay["dossier_id"] == dossier, "instalment"]) == {1}
        else:
            assert list(waves["wave_month"]) == list(FOLLOWUP_WAVES)
            assert set(pay.loc[pay["dossier_id"] == dossier, "instalment"]) == {1, 2}
    assert (follow["stage"] == "essaimage").any()
    paid = pay.groupby("dossier_id")["amount"].sum()
    assert (paid <= funded.loc[paid.index, "granted_amount"] + 1e-6).all()
    first = pay[pay["instalment"] == 1].set_index("dossier_id")["amount"]
    share = first / funded.loc[first.index, "granted_amount"]
    assert share.between(0.45, 0.75).all()
    start = any_cohort["dossiers"].set_index("dossier_id")["start_date"]
    second = pay[pay["instalment"] == 2].set_index("dossier_id")["paid_on"]
    months = (second - start[second.index]).dt.days / 30.44
    assert months.between(23.5, 33).all() and (months > 28).sum() == 1


# ------------------------------------------------------------------------------------------
# The hand-written content (content/*.yaml) fits the call's vocabularies and grids
# ------------------------------------------------------------------------------------------

def test_content_uses_the_call_vocabularies():
    drawn_categories = set(content.DOSSIERS["legal_category_weights"])
    assert drawn_categories <= set(voc.LEGAL_CATEGORIES)
    assert set(content.DOSSIERS["stage_weights"]) == set(voc.STAGES)
    assert set(content.PLACES["departement_weights"]) == set(voc.REGION_DEPARTEMENTS)
    assert set(content.TERRITORIES) == set(voc.REGION_DEPARTEMENTS)
    assert not set(content.OUT_OF_REGION) & set(voc.REGION_DEPARTEMENTS)
    assert set(content.PARTNERS["type_weights"]) <= set(voc.PARTNER_TYPES)
    assert set(content.PARTNERS["names"]) == set(content.PARTNERS["roles"]) == set(voc.PARTNER_TYPES)
    assert set(content.BUDGET["labels"]) <= set(voc.EXPENSE_CATEGORIES)
    place_bound = set(content.DOSSIERS["place_bound_names"]) - {"EPCI urbain"}
    independent = set(content.DOSSIERS["porteur_names"])
    assert place_bound | independent == drawn_categories | {"personne physique"}
    assert all(len(t.innovation) == len(voc.INNOVATION_TYPES) for t in content.THEMES)
    assert len({t.key for t in content.THEMES}) == len(content.THEMES)


def test_content_comments_every_criterion_a_juror_departs_on():
    keys = set(content.JURY["departure_comments"])
    for version in ("2016", "2018"):
        assert {c.id for c in grids.load_grid(grids.ACCEPTABILITY, version).criteria} <= keys
    assert {c.dimension for c in grids.load_grid(grids.FEASIBILITY, "2016").criteria} <= keys
    dimensions = {c.dimension for c in grids.load_grid(grids.ACCEPTABILITY, "2016").criteria}
    assert set(content.FOLLOWUP["reassessment_comments"]) == dimensions
    assert set(content.DECISIONS["not_retained_reasons"]) == dimensions
    assert min(len(content.JURY["juror_panel"]), len(content.JURY["juror_names"])) >= N_JURORS


def test_content_describes_every_table():
    assert set(content.README["table_descriptions"]) == {t.name for t in TABLES}


def test_rejects_tiny_cohorts():
    with pytest.raises(ValueError):
        generator.generate(n_dossiers=5)
