"""Public notebooks run on the release's own root (``socinnov.privacy.snapshot``, issue 16 item 7):
a public notebook trying to reach jury data fails, and nothing of it is published."""

from __future__ import annotations

import json

import pytest

from socinnov import config
from socinnov.cli.main import main
from socinnov.privacy import snapshot
from socinnov.privacy.aggregates import PublicCohort
from socinnov.privacy.store import load_cohort
from tests import cohorts

ATTEMPTS = {
    "load_cohort": 'from socinnov.privacy.store import load_cohort\nload_cohort(cohort, audience="jury")',
    "parquet": ("import glob, os, pandas\nfound = glob.glob(os.path.join(os.environ['SOCINNOV_ROOT'], '**', "
                "'*.parquet'), recursive=True) + glob.glob('**/*.parquet', recursive=True)\n"
                "assert found, 'aucune table du jury'\npandas.read_parquet(found[0])"),
    "tables": "data._tables",
}


def _plant(project, code: str) -> None:
    path = project / "notebooks" / "diffusion.ipynb"
    nb = json.loads(path.read_text(encoding="utf-8"))
    nb["cells"].insert(3, {"cell_type": "code", "execution_count": None, "id": "attaque", "metadata": {},
                           "outputs": [], "source": code})
    path.write_text(json.dumps(nb, ensure_ascii=False, indent=1), encoding="utf-8")


@pytest.mark.slow
@pytest.mark.parametrize("attempt", sorted(ATTEMPTS))
def test_a_public_notebook_reaching_for_jury_data_fails_and_publishes_nothing(project, capsys, attempt):
    cohorts.build_cohort(project / "data" / "raw" / "suivi", "suivi")
    _plant(project, ATTEMPTS[attempt])
    code = main(["report", "suivi", "--audience", "public", "--only", "diffusion"])
    err = capsys.readouterr().err
    assert code == 1
    assert "Échec du rapport « L'appel en chiffres (réseaux de recherche) »" in err
    public = config.reports_dir("suivi") / "public"
    assert not (public / "diffusion.html").exists()
    assert not (public / "notebooks" / "diffusion.ipynb").exists()  # a failed public notebook leaves public/
    kept = config.reports_dir("suivi") / "public-en-echec" / "diffusion.ipynb"
    assert f"carnet exécuté conservé : {kept}" in err
    assert '"output_type": "error"' in kept.read_text(encoding="utf-8")


def test_the_release_answers_as_the_public_cohort_and_holds_no_table(project, monkeypatch):
    cohorts.build_cohort(project / "data" / "raw" / "suivi", "suivi")
    public = load_cohort("suivi", audience="public")
    assert isinstance(public, PublicCohort)
    root = snapshot.write_root(public, agreements=[{"n_boot": 50, "seed": 3}])
    try:
        assert not list(root.rglob("*.parquet"))
        monkeypatch.setenv("SOCINNOV_ROOT", str(root))
        monkeypatch.setenv(snapshot.PUBLIC_ROOT_ENV, "1")
        released = load_cohort("suivi", audience="public")
        assert not hasattr(released, "_tables") and not hasattr(released, "_all_tables")
        assert released.funnel().equals(public.funnel())
        assert released.profile("stage").equals(public.profile("stage"))
        assert released.laureates().equals(public.laureates())
        assert released.departement_counts().equals(public.departement_counts())
        assert released.available() == public.available()
        assert released.agreement(n_boot=50, seed=3).equals(public.agreement(n_boot=50, seed=3))
        with pytest.raises(snapshot.PublicRootError, match="n'a pas été préparé"):
            released.agreement(n_boot=51, seed=3)
        with pytest.raises(snapshot.PublicRootError, match="« jury » ne sont pas accessibles"):
            load_cohort("suivi", audience="jury")
    finally:
        snapshot.remove_root(root)
    assert not root.exists()


@pytest.mark.slow
def test_a_cell_searching_the_whole_disk_is_caught_by_the_leak_scan(project, capsys):
    """A process reads what its user may read: a cell that searches the disk for the processed
    data outside its root finds them (no sandbox). The leak scan, last line of defence, then
    withdraws the report: the porteurs' names it printed are not published."""
    cohorts.build_cohort(project / "data" / "raw" / "suivi", "suivi")
    pattern = str(project / "data" / "processed" / "**" / "dossiers.parquet")
    _plant(project, f"import glob, pandas\nfound = glob.glob({pattern!r}, recursive=True)\npandas.read_parquet(found[0])")
    code = main(["report", "suivi", "--audience", "public", "--only", "diffusion"])
    err = capsys.readouterr().err
    assert code == 1
    assert "Fuite retirée (fichier supprimé) : diffusion.html" in err
    assert not (config.reports_dir("suivi") / "public" / "diffusion.html").exists()


def test_a_cohort_under_the_threshold_publishes_nothing_and_says_why(project, capsys):
    """2 dossiers: every public count would be « secret », the number filed included; the public
    reports are not built, no open dataset is written, and the build says why (exit 0)."""
    from tests.conftest import tiny_tables, write_cohort

    write_cohort(project / "data" / "raw" / "tiny", tiny_tables())
    (config.reports_dir("tiny") / "public").mkdir(parents=True)
    (config.reports_dir("tiny") / "public" / "ancien.html").write_text("publié avant", encoding="utf-8")
    code = main(["report", "tiny", "--audience", "public"])
    err = capsys.readouterr().err
    assert code == 0, err
    assert "pas encore construit : 2 dossier(s) déposé(s), moins que le seuil de 5" in err
    assert "Jeu de données ouvert : aucun (trop peu de dossiers pour une diffusion publique)" in err
    assert not (config.reports_dir("tiny") / "public").exists()  # what an earlier build published is withdrawn


def test_an_unchanged_release_is_not_released_again(project):
    """The release's stamp is not part of the state it records: a second release with nothing
    changed writes nothing (it was rewriting the open dataset and auditing every time)."""
    from socinnov.privacy.release import release_public

    cohorts.build_cohort(project / "data" / "raw" / "suivi", "suivi")
    dataset, leaks = release_public("suivi")
    assert leaks == []
    before = {p: p.stat().st_mtime_ns for p in dataset.rglob("*")}
    assert release_public("suivi") == (dataset, [])
    assert {p: p.stat().st_mtime_ns for p in dataset.rglob("*")} == before
