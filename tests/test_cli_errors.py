"""User mistakes end in one French message and exit status 2, never a traceback; Ctrl-C in one
line and exit status 130."""

from __future__ import annotations

import inspect

import pytest

import socinnov.analysis.agreement
import socinnov.call.crosswalk
import socinnov.call.grids
import socinnov.inputs.tabular
import socinnov.privacy.store
from socinnov import config
from socinnov.cli import main as cli
from socinnov.demo.generator import TooFewDossiers
from socinnov.errors import InputError, UserError
from socinnov.privacy import audiences, pseudonyms
from socinnov.privacy.store import load_cohort


def _run(capsys, *argv) -> tuple[int, str]:
    status = cli.main(list(argv))
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return status, err


def test_unknown_report_names_the_reports_and_builds_nothing(tiny_cohort, capsys):
    status, err = _run(capsys, "report", "tiny", "--only", "nope")
    assert status == 2
    assert err.strip().splitlines() == [
        "Erreur : rapport(s) inconnu(s) : nope ; rapports : cohorte, accord, evolution, criteres, diffusion, "
        "valorisation"]
    assert not config.processed_dir("tiny").exists()  # checked before anything is prepared
    assert not config.reports_dir("tiny").exists()


def test_unknown_cohort_lists_the_cohorts(tiny_cohort, capsys):
    status, err = _run(capsys, "report", "nope")
    assert status == 2
    assert "nope : cohorte introuvable" in err and "cohortes présentes : tiny" in err


def test_unknown_audience_in_french(tiny_cohort, capsys):
    with pytest.raises(SystemExit) as exit_:
        cli.main(["report", "tiny", "--audience", "presse"])
    err = capsys.readouterr().err
    assert exit_.value.code == 2
    assert "socinnov report : erreur : --audience : « presse » inconnu ; choisir parmi : jury, comite, public, all" in err
    with pytest.raises(audiences.AudienceError, match="public inconnu « presse » ; publics permis : jury, comite, public"):
        load_cohort("tiny", audience="presse")


def test_usage_errors_in_french(capsys):
    for argv, expected in ((["report"], "argument(s) obligatoire(s) manquant(s) : COHORTE"),
                           (["report", "tiny", "--jobs", "deux"], "--jobs : « deux » n'est pas un nombre entier"),
                           (["publier"], "COMMANDE : « publier » inconnu"),
                           (["report", "tiny", "--vite"], "argument(s) non reconnu(s) : --vite")):
        with pytest.raises(SystemExit) as exit_:
            cli.main(argv)
        assert exit_.value.code == 2 and expected in capsys.readouterr().err


@pytest.fixture
def decided(project):
    """The hand-made cohort at the decisions stage (8 dossiers: enough for an open dataset, whose
    pseudonyms need the key; the 2-dossier tiny cohort publishes nothing)."""
    from tests import cohorts

    return cohorts.build_cohort(project / "data" / "raw" / "decisions", "decisions")


def test_a_damaged_key_file_says_what_to_do(decided, tmp_path, monkeypatch, capsys):
    key = tmp_path / "cle-abimee"
    key.write_bytes(b"trop court")
    key.chmod(0o600)
    monkeypatch.setenv("SOCINNOV_KEY_FILE", str(key))
    pseudonyms._key.cache_clear()
    try:
        status, err = _run(capsys, "opendata", "decisions")
    finally:
        pseudonyms._key.cache_clear()
    assert status == 2
    assert f"Erreur : clé de pseudonymisation trop courte dans {key} : 10 octets, 32 attendus ; remettre la clé" in err


def test_a_key_file_that_cannot_be_created(decided, tmp_path, monkeypatch, capsys):
    blocker = tmp_path / "pas-un-dossier"
    blocker.write_text("x", encoding="utf-8")
    monkeypatch.setenv("SOCINNOV_KEY_FILE", str(blocker / "cle"))
    pseudonyms._key.cache_clear()
    try:
        status, err = _run(capsys, "opendata", "decisions")
    finally:
        pseudonyms._key.cache_clear()
    assert status == 2
    assert err.strip().splitlines()[-1] == (
        f"Erreur : clé de pseudonymisation impossible à créer dans {blocker / 'cle'} : existe déjà (un fichier est "
        "à la place d'un dossier ?) ; indiquer un emplacement où écrire dans la variable SOCINNOV_KEY_FILE")


def test_existing_demo_folder_says_force(tmp_path, capsys):
    (tmp_path / "demo").mkdir()
    (tmp_path / "demo" / "a.csv").write_text("x", encoding="utf-8")
    status, err = _run(capsys, "demo", "--out", str(tmp_path / "demo"))
    assert status == 2 and err.strip().endswith("--force pour le remplacer")
    assert (tmp_path / "demo" / "a.csv").read_text(encoding="utf-8") == "x"


def test_too_small_a_demo_says_how_many(tmp_path, capsys):
    status, err = _run(capsys, "demo", "--out", str(tmp_path / "petite"), "--dossiers", "5")
    assert status == 2
    assert err.strip() == ("Erreur : 5 dossiers : trop peu pour former un jury connexe ; demander 20 dossiers "
                           "au moins (--dossiers)")
    assert not (tmp_path / "petite").exists()


def test_ctrl_c_is_one_french_line_and_exit_130(tiny_cohort, monkeypatch, capsys):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("socinnov.inputs.ingest.ingest", interrupted)
    status, err = _run(capsys, "ingest", "tiny")
    assert status == 130
    assert err.strip().splitlines() == ["Interrompu (Ctrl-C) : les fichiers déjà en place sont complets ; relancer "
                                        "la commande pour terminer."]


def test_every_user_error_of_the_package_is_a_user_error():
    kinds = [socinnov.call.grids.GridError, socinnov.call.crosswalk.CrosswalkError, InputError,
             socinnov.inputs.tabular.TableFormatError, socinnov.analysis.agreement.AgreementInputError,
             audiences.AudienceError, socinnov.privacy.store.UndeclaredTable, socinnov.privacy.store.NotIngested,
             socinnov.privacy.store.UnknownTable, pseudonyms.KeyFileError, TooFewDossiers]
    assert all(issubclass(k, UserError) for k in kinds)
    # They keep the built-in kinds callers caught before.
    assert issubclass(audiences.AudienceError, ValueError) and issubclass(socinnov.privacy.store.UndeclaredTable,
                                                                          LookupError)
    assert "UserError" in inspect.getsource(cli.main)  # caught in one place
