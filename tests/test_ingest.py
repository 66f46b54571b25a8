"""Ingest: all or nothing, raw data untouched, cross-table problems in the user's terms."""

import hashlib
import json

import pandas as pd
import pytest

from socinnov import config
from socinnov.call.schemas import TABLES_BY_NAME
from socinnov.errors import InputError
from socinnov.inputs.ingest import MANIFEST, ingest, is_up_to_date
from socinnov.privacy.audiences import AudienceError
from socinnov.privacy.store import load_cohort
from tests.conftest import tiny_tables, write_cohort


def tree_hashes(folder):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_ingest_writes_parquet_and_manifest(tiny_cohort):
    before = tree_hashes(tiny_cohort)
    out = ingest("tiny")
    assert out == config.processed_dir("tiny")
    manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    assert manifest["inputs"].keys() == {"dossiers.csv", "partenaires.csv", "budget_previsionnel.csv",
                                         "jures.csv", "notations.csv", "decisions.csv", "conflits_interets.csv",
                                         "appel.yaml"}
    assert manifest["call"]["grid_versions"] == {"acceptabilite": "2016", "faisabilite": "2016"}
    ratings = pd.read_parquet(out / "ratings.parquet")
    assert len(ratings) == 2 * 3 * 12 and ratings["level_code"].between(0, 3).all()
    assert len(pd.read_parquet(out / "eligibility.parquet")) == 2 * 10
    assert tree_hashes(tiny_cohort) == before  # raw data is never modified
    assert is_up_to_date("tiny")


def test_a_change_to_an_input_makes_the_processed_data_stale(tiny_cohort):
    ingest("tiny")
    with open(tiny_cohort / "jures.csv", "a", encoding="utf-8") as fh:
        fh.write("J04;Juré fictif J04;élu·e;\n")
    assert not is_up_to_date("tiny")


def bad_cohort(project):
    t = tiny_tables()
    t["ratings"].loc[0, "dossier_id"] = "D-999"
    t["ratings"].loc[1, "level"] = "intermediaire"  # forgiven: accents and case
    t["ratings"].loc[2, "level"] = "Excellent"
    t["ratings"].loc[3, "criterion"] = "Caractère collectif du projet"  # a label is accepted too
    t["ratings"].loc[4, "criterion"] = "beaute"
    t["conflicts"] = pd.DataFrame([dict(juror_id="J01", dossier_id="D-002", reason="Administrateur du porteur")])
    t["partners"].loc[0, "dossier_id"] = "D-404"
    return write_cohort(project / "data" / "raw" / "bad", t)


def test_every_problem_reported_and_nothing_written(project):
    folder = bad_cohort(project)
    before = tree_hashes(folder)
    with pytest.raises(InputError) as err:
        ingest("bad")
    lines = err.value.report().splitlines()
    assert lines[0] == "5 problèmes dans les fichiers d'entrée ; rien n'a été écrit."
    assert set(lines[1:]) == {
        "  - notations.csv, ligne 2, colonne « Identifiant du dossier » : « D-999 » absent de dossiers.csv",
        "  - notations.csv, ligne 4, colonne « Niveau » : niveau « Excellent » inconnu de la grille acceptabilite-2016 ;"
        " niveaux permis : « Inexistant », « Faible », « Intermédiaire », « Fort »",
        "  - notations.csv, ligne 6, colonne « Critère » : critère « beaute » inconnu de la grille acceptabilite-2016 ;"
        " critères : caractere_collectif, richesse_collectif, integration_beneficiaires, formalisation_gouvernance, "
        "consistance_contenu, rupture_existant, potentiel_transformation, ancrage_territorial, "
        "accessibilite_dispositif, viabilite_economique, enjeux_environnementaux, ouverture_recherche",
        "  - notations.csv, ligne 38 : le juré J01 note le dossier D-002 alors qu'un conflit d'intérêts est déclaré "
        "(conflits_interets.csv)",
        "  - partenaires.csv, ligne 2, colonne « Identifiant du dossier » : « D-404 » absent de dossiers.csv",
    }
    assert not config.processed_dir("bad").exists()
    assert [p.name for p in config.processed_dir().iterdir()] == []  # no temporary folder left either
    assert tree_hashes(folder) == before


def test_failed_ingest_keeps_the_previous_processed_data(tiny_cohort):
    ingest("tiny")
    before = tree_hashes(config.processed_dir("tiny"))
    (tiny_cohort / "jures.csv").write_text("Identifiant du juré;Nom;Qualité;Structure\nJ01;;élu·e;\n",
                                           encoding="utf-8")
    with pytest.raises(InputError, match="valeur obligatoire manquante"):
        ingest("tiny")
    assert tree_hashes(config.processed_dir("tiny")) == before


def test_duplicate_rating_refused(project):
    t = tiny_tables()
    t["ratings"] = pd.concat([t["ratings"], t["ratings"].iloc[[5]]], ignore_index=True)
    write_cohort(project / "data" / "raw" / "dup", t)
    with pytest.raises(InputError, match="ligne 74 : notation en double"):
        ingest("dup")


def test_unknown_cohort_names_the_known_ones(tiny_cohort):
    with pytest.raises(InputError, match="cohortes présentes : tiny"):
        ingest("nope")


def test_audiences_strip_free_text_and_identifying_columns(tiny_cohort):
    jury = load_cohort("tiny", audience="jury")
    comite = load_cohort("tiny", audience="comite")
    assert {"porteur", "summary", "email", "siret", "commune"} <= set(jury.dossiers.columns)
    hidden = {"title", "porteur", "summary", "email", "siret", "commune", "phone", "objectives"}
    assert not hidden & set(comite.dossiers.columns)
    assert "comment" not in comite.ratings.columns and "partner" not in comite.partners.columns
    assert "rationale" not in comite.decisions.columns
    with pytest.raises(AudienceError, match="publics permis : jury, comite, public"):
        load_cohort("tiny", audience="presse")


def test_call_file_overrides_the_envelope_and_unknown_keys_are_refused(tiny_cohort):
    (tiny_cohort / "appel.yaml").write_text("appel: alpc-2016\nenveloppe: 700000\n", encoding="utf-8")
    assert load_cohort("tiny").call.envelope == 700000
    (tiny_cohort / "appel.yaml").write_text("appel: alpc-2016\nenvelope: 1\n", encoding="utf-8")
    with pytest.raises(InputError, match="appel.yaml, colonne « envelope » : clé inconnue"):
        ingest("tiny")
    assert TABLES_BY_NAME["ratings"].filename == "notations.csv"


def test_ids_typed_with_spaces_or_quotes_match_their_table(project):
    """« "J01 " » and « J02 » (trailing space) in notations.csv are the jurors J01 and J02 of jures.csv."""
    folder = write_cohort(config.raw_dir("tiny"), tiny_tables())
    ratings = folder / "notations.csv"
    text = ratings.read_text(encoding="utf-8-sig")
    ratings.write_text(text.replace(";J01;", ';"J01 ";').replace(";J02;", ";J02 ;"), encoding="utf-8-sig")
    ingest("tiny")
    stored = pd.read_parquet(config.processed_dir("tiny") / "ratings.parquet")
    assert sorted(stored["juror_id"].unique()) == ["J01", "J02", "J03"]


def test_closed_list_values_in_any_case_and_an_extra_column_are_read(project, capsys):
    """« Association », « AMORCAGE » are the call's « association », « amorçage »; a porteur's own
    « Commentaire » column is left aside with a note, not refused (issue 14)."""
    tables = tiny_tables()
    dossiers = tables["dossiers"].copy()
    dossiers.loc[0, "legal_category"] = "Association"
    dossiers.loc[1, "stage"] = "AMORCAGE"
    tables["dossiers"] = dossiers
    folder = write_cohort(config.raw_dir("tiny"), tables)
    jurors = folder / "jures.csv"
    lines = jurors.read_text(encoding="utf-8-sig").splitlines()
    jurors.write_text("\n".join([lines[0] + ";Commentaire"] + [line + ";à relancer" for line in lines[1:]]) + "\n",
                      encoding="utf-8-sig")
    ingest("tiny")
    stored = pd.read_parquet(config.processed_dir("tiny") / "dossiers.parquet")
    assert stored.loc[0, "legal_category"] == "association"
    assert stored.loc[1, "stage"] == "amorçage"
    assert "Commentaire" not in pd.read_parquet(config.processed_dir("tiny") / "jurors.parquet").columns
    err = capsys.readouterr().err
    assert "Remarque : jures.csv, colonne « Commentaire » : colonne inconnue, laissée de côté" in err


def test_an_unknown_column_beside_a_missing_one_is_reported_with_it(project):
    folder = write_cohort(config.raw_dir("tiny"), tiny_tables())
    jurors = folder / "jures.csv"
    jurors.write_text(jurors.read_text(encoding="utf-8-sig").replace("Qualité", "Qualitée", 1), encoding="utf-8-sig")
    with pytest.raises(InputError) as info:
        ingest("tiny")
    report = info.value.report()
    assert "« Qualité » : colonne obligatoire absente" in report
    assert "« Qualitée » : colonne inconnue ; colonnes attendues" in report


def test_processed_text_columns_are_read_back_in_one_chunk(tmp_path):
    # Parquet returns a column in one chunk per row group; row selections on a chunked
    # Arrow column are slower, so the store combines them, without changing values or dtypes.
    from socinnov.privacy.store import read_table

    df = pd.DataFrame({"dossier_id": [f"D{i}" for i in range(1000)], "comment": [None, "texte"] * 500,
                       "level_code": pd.array([1, 2, None, 3] * 250, dtype="Int64")})
    path = tmp_path / "t.parquet"
    df.to_parquet(path, row_group_size=100)
    plain = pd.read_parquet(path)
    assert plain["dossier_id"].array.__arrow_array__().num_chunks == 10  # what Parquet gives
    got = read_table(path)
    pd.testing.assert_frame_equal(got, plain, check_exact=True)
    assert got["dossier_id"].array.__arrow_array__().num_chunks == 1
    assert got["comment"].array.__arrow_array__().num_chunks == 1
