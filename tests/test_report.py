"""The report pipeline for real: papermill on a real kernel, nbconvert HTML, index, failures."""

import re

import nbformat
import pytest

from socinnov import config
from socinnov.cli.main import main
from socinnov.reporting.build import build_reports
from tests.conftest import tiny_tables, write_cohort

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def built(tiny_reports_root):
    """Reports of the tiny cohort, built once per test run (``tests/conftest.py::tiny_reports``)
    for the read-only tests of this module and of tests/test_browser.py."""
    return tiny_reports_root


def test_reports_are_built_from_the_real_notebooks(built):
    index, outcomes = built
    assert index == config.reports_dir("tiny") / "index.html"
    assert [(o.spec.name, o.parameters["audience"], o.error) for o in outcomes] == [
        ("cohorte", "jury", None), ("cohorte", "comite", None)]
    page = index.read_text(encoding="utf-8")
    assert 'href="jury/cohorte.html"' in page and 'href="comite/cohorte.html"' in page


def test_papermill_recorded_the_parameters(built):
    _, outcomes = built
    for o in outcomes:
        nb = nbformat.read(o.notebook, as_version=4)
        assert nb.metadata.papermill.parameters == {"cohort": "tiny", "audience": o.parameters["audience"],
                                                     "inputs": ["dossiers", "partners", "budget", "eligibility",
                                                                "decisions", "ratings"]}
        assert nb.metadata.papermill.exception is None
        injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
        assert len(injected) == 1 and 'cohort = "tiny"' in injected[0].source


def test_html_has_no_code_figures_with_alt_text_and_provenance(built):
    index, outcomes = built
    html = outcomes[0].html.read_text(encoding="utf-8")
    assert "load_cohort(" not in html  # code cells excluded
    assert html.count("<figure") == 6 and 'alt="Figure sans description"' not in html
    assert 'alt="Entonnoir de l\'appel : Dossiers déposés 2, Éligibles 2' in html
    raw = index.parent.parent.parent / "data" / "raw" / "tiny" / "dossiers.csv"
    sha = __import__("hashlib").sha256(raw.read_bytes()).hexdigest()
    assert "Provenance" in html and sha[:16] in html and "grilles : acceptabilite 2016" in html
    assert "cohort = &#x27;tiny&#x27;" in html or "cohort = 'tiny'" in html
    assert '<html lang="fr">' in html
    assert "cdnjs" not in html and "<script src=" not in html  # opens offline


def test_comite_report_carries_no_identifying_value(built):
    _, outcomes = built
    html = outcomes[1].html.read_text(encoding="utf-8") + outcomes[1].notebook.read_text(encoding="utf-8")
    for secret in ("Association fictive D-001", "contact@d-001.exemple.fr", "Bordeaux", "00000000000014"):
        assert secret not in html


def test_unchanged_inputs_are_not_rebuilt_and_only_a_change_to_a_declared_input_is(tiny_cohort):
    build_reports("tiny", audiences=("jury",), only=("cohorte",), log=lambda m: None)
    _, again = build_reports("tiny", audiences=("jury",), only=("cohorte",), log=lambda m: None)
    assert [o.skipped for o in again] == [True]
    # The cohort report does not read the jurors' table: a new juror changes nothing in it.
    with open(tiny_cohort / "jures.csv", "a", encoding="utf-8") as fh:
        fh.write("J09;Juré fictif J09;élu·e;\n")
    _, untouched = build_reports("tiny", audiences=("jury",), only=("cohorte",), log=lambda m: None)
    assert [o.skipped for o in untouched] == [True]
    # It reads the dossiers: a corrected title rebuilds it.
    dossiers = tiny_cohort / "dossiers.csv"
    dossiers.write_text(dossiers.read_text(encoding="utf-8").replace("Action fictive", "Action corrigée"),
                        encoding="utf-8")
    _, rebuilt = build_reports("tiny", audiences=("jury",), only=("cohorte",), log=lambda m: None)
    assert [o.skipped for o in rebuilt] == [False]


def test_a_failing_notebook_is_kept_reported_and_does_not_stop_the_others(tiny_cohort, monkeypatch, capsys):
    nb = nbformat.read(config.notebooks_dir() / "cohorte.ipynb", as_version=4)
    nb.cells.insert(3, nbformat.v4.new_code_cell('raise ValueError("colonne manquante pour le test")'))
    nb.metadata.socinnov = {"title": "Rapport cassé", "audiences": ["jury"], "order": 99}
    nbformat.write(nb, config.notebooks_dir() / "casse.ipynb")
    status = main(["report", "tiny", "--only", "cohorte", "--only", "casse"])
    err = capsys.readouterr().err
    assert status == 1
    assert "Échec du rapport « Rapport cassé » : ValueError: colonne manquante pour le test" in err
    executed = config.reports_dir("tiny") / "jury" / "notebooks" / "casse.ipynb"
    kept = nbformat.read(executed, as_version=4)
    assert kept.metadata.papermill.exception is True
    assert any(o.get("output_type") == "error" for c in kept.cells for o in c.get("outputs", []))
    assert not (config.reports_dir("tiny") / "jury" / "casse.html").exists()
    assert (config.reports_dir("tiny") / "jury" / "cohorte.html").exists()
    assert "échec" in (config.reports_dir("tiny") / "index.html").read_text(encoding="utf-8")


def test_bad_input_exits_2_with_every_problem(tiny_cohort, capsys):
    (tiny_cohort / "jures.csv").write_text("Identifiant du juré;Nom;Qualité;Structure\nJ01;;élu·e;\n",
                                           encoding="utf-8")
    assert main(["report", "tiny"]) == 2
    err = capsys.readouterr().err
    assert "jures.csv, ligne 2, colonne « Nom » : valeur obligatoire manquante" in err
    assert not config.reports_dir("tiny").exists()


def test_a_run_cut_short_is_rebuilt_by_the_next_build(tiny_cohort, monkeypatch):
    """Ctrl-C or a kill while a notebook runs (issue 17, 5): the stamp is gone before papermill
    starts and papermill writes to a temporary path, so no half-run notebook is ever kept or taken
    as unchanged; the previous HTML and notebook stay whole until replaced."""
    import papermill

    build_reports("tiny", audiences=("jury",), only=("cohorte",), log=lambda m: None)
    html = config.reports_dir("tiny") / "jury" / "cohorte.html"
    before = html.read_bytes()

    executed = config.reports_dir("tiny") / "jury" / "notebooks" / "cohorte.ipynb"
    kept = executed.read_bytes()

    def cut(source, output, **kwargs):  # papermill had written half of the notebook
        with open(output, "w", encoding="utf-8") as fh:
            fh.write('{"cells": [')
        raise KeyboardInterrupt

    run = papermill.execute_notebook
    monkeypatch.setattr(papermill, "execute_notebook", cut)
    with pytest.raises(KeyboardInterrupt):
        build_reports("tiny", audiences=("jury",), only=("cohorte",), force=True, log=lambda m: None)
    assert html.read_bytes() == before
    assert executed.read_bytes() == kept  # written to a temporary path, removed with the run
    assert not [p.name for p in executed.parent.iterdir() if ".tmp-" in p.name]
    assert not (config.reports_dir("tiny") / "jury" / "notebooks" / ".cohorte.key").exists()
    monkeypatch.setattr(papermill, "execute_notebook", run)
    _, again = build_reports("tiny", audiences=("jury",), only=("cohorte",), log=lambda m: None)
    assert [o.skipped for o in again] == [False]


def test_a_cohort_given_by_its_folder_is_built_as_ingest_reads_it_and_a_long_report_says_so(project, monkeypatch, capsys):
    """`socinnov report ./chemin/vers/cohorte`, as `socinnov ingest ./chemin/vers/cohorte`: the
    cohort takes the folder's name, and the executed notebook names no absolute path."""
    write_cohort(project.parent / "ailleurs" / "tiny", tiny_tables())
    monkeypatch.chdir(project.parent)
    assert main(["report", "./ailleurs/tiny", "--only", "cohorte"]) == 0
    html = config.reports_dir("tiny") / "jury" / "cohorte.html"
    out, err = capsys.readouterr()
    assert html.exists() and str(config.reports_dir("tiny") / "index.html") in out
    assert re.search(r"^\[1/1\] La cohorte de l'appel \(jury\) : \d+,\d s$", err, re.MULTILINE)  # a French duration
    assert "en cours depuis" not in err  # progress lines on a terminal only
    executed = (config.reports_dir("tiny") / "jury" / "notebooks" / "cohorte.ipynb").read_text(encoding="utf-8")
    assert str(project.parent) not in executed and 'cohort = \\"../../ailleurs/tiny\\"' in executed
    # The same folder by another path: the same report, unchanged.
    _, again = build_reports(str(project.parent / "ailleurs" / "tiny"), only=("cohorte",), log=lambda m: None)
    assert [o.skipped for o in again] == [True]
    # On a terminal, a report still running says so (every ten seconds; here every half second).
    monkeypatch.setattr("socinnov.reporting.progress.TICK_SECONDS", 0.5)
    lines: list[str] = []
    build_reports("./ailleurs/tiny", only=("cohorte",), force=True, log=lines.append, progress=True)
    assert any(re.fullmatch(r" +… La cohorte de l'appel \(jury\) en cours depuis \d s", line) for line in lines)


def test_debate_sheets_follow_the_ratings_and_a_stale_one_does_not_survive(tiny_cohort):
    """A real build of « accord »: one debate sheet per divergent dossier; once a dossier's
    jurors agree (corrected ratings), the rebuild leaves no sheet of it (it names jurors)."""
    sheets = config.reports_dir("tiny") / "jury" / "fiches-debat"
    _, outcomes = build_reports("tiny", only=("accord",), log=lambda m: None)
    assert [o.error for o in outcomes] == [None]
    assert sorted(p.name for p in sheets.iterdir()) == ["D-001.html", "D-002.html"]
    tables = tiny_tables()
    agreed = tables["ratings"]["dossier_id"] == "D-002"
    tables["ratings"].loc[agreed, "level"] = "Fort"
    write_cohort(tiny_cohort, tables)
    _, outcomes = build_reports("tiny", only=("accord",), log=lambda m: None)
    assert [(o.skipped, o.error) for o in outcomes] == [(False, None)]
    assert sorted(p.name for p in sheets.iterdir()) == ["D-001.html"]
    assert "fiches-debat/D-002.html" not in outcomes[0].html.read_text(encoding="utf-8")
