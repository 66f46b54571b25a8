"""What a report reads, what it is rebuilt for, and cohorts read while they are replaced.

A report declares the tables it reads (``metadata.socinnov.inputs``); ``socinnov report`` passes
them to ``load_cohort``, which refuses any other table, so a report's rebuild key (built from
the raw files of the declared tables only) cannot miss a dependency.
"""

from __future__ import annotations

import json
import threading
import time

import nbformat
import pytest

from socinnov import config
from socinnov.inputs import ingest
from socinnov.privacy.store import TABLE_NAMES, UndeclaredTable, load_cohort, raw_files
from socinnov.reporting import build
from socinnov.reporting.build import ReportSpec, _key, discover_reports
from tests.conftest import tiny_tables, write_cohort


def test_a_report_reads_only_the_tables_it_declared(tiny_cohort):
    data = load_cohort("tiny", tables=["ratings", "eligibility"])
    assert len(data.ratings) == len(tiny_tables()["ratings"])
    assert set(data.tables) == {"ratings", "eligibility"}
    with pytest.raises(UndeclaredTable, match="table « dossiers » non déclarée"):
        data.dossiers  # noqa: B018 - the access is the test
    with pytest.raises(UndeclaredTable):
        getattr(data, "decisions", None)
    with pytest.raises(UndeclaredTable, match="« decisions »"):
        data.tables["decisions"]
    # Optional tables are the trap: ``get`` or ``in`` must not answer "absent" for an undeclared one.
    with pytest.raises(UndeclaredTable):
        data.tables.get("followup")
    with pytest.raises(UndeclaredTable):
        "followup" in data.tables  # noqa: B015


def test_the_public_cohort_is_held_to_the_same_declaration(tiny_cohort):
    with pytest.raises(UndeclaredTable, match="non déclarée"):
        load_cohort("tiny", audience="public", tables=["ratings"])  # its summary needs the dossiers


def test_a_misspelt_table_is_named(tiny_cohort):
    with pytest.raises(ValueError, match="table\\(s\\) inconnue\\(s\\) : notations"):
        load_cohort("tiny", tables=["notations"])


def test_derived_tables_depend_on_their_raw_files():
    assert raw_files(["eligibility"]) == ("budget_previsionnel.csv", "dossiers.csv", "partenaires.csv",
                                          "appel.yaml")
    assert raw_files(["ratings"]) == ("notations.csv", "appel.yaml")


def test_every_report_declares_its_inputs_and_passes_them_to_load_cohort(project):
    specs = discover_reports()
    assert {s.name for s in specs} >= {"cohorte", "accord", "evolution", "criteres", "diffusion", "valorisation"}
    for spec in specs:
        assert spec.inputs and set(spec.inputs) <= set(TABLE_NAMES), spec.name
        nb = nbformat.read(config.notebooks_dir() / f"{spec.name}.ipynb", as_version=4)
        code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
        assert "load_cohort(cohort, audience=audience, tables=inputs)" in code, spec.name
        params = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
        assert params and "inputs: list = None" in params[0].source, spec.name


def _manifest(**inputs):
    return {"inputs": {"appel.yaml": "a", "dossiers.csv": "d", "jures.csv": "j", "notations.csv": "n", **inputs},
            "call": {"compare_with": None}}


def test_the_key_follows_declared_inputs_only(project):
    spec = ReportSpec("cohorte", "t", ("jury",), inputs=("dossiers", "ratings"))
    key = _key(spec, {}, _manifest())
    assert _key(spec, {}, _manifest(**{"jures.csv": "autre"})) == key
    assert _key(spec, {}, _manifest(**{"notations.csv": "autre"})) != key
    assert _key(spec, {}, _manifest(**{"appel.yaml": "autre"})) != key  # the call: always
    assert _key(spec, {"audience": "comite"}, _manifest()) != key
    with pytest.MonkeyPatch.context() as mp:  # an upgraded library may draw or compute otherwise
        mp.setattr(build, "library_versions", lambda: {"matplotlib": "99.0"})
        assert _key(spec, {}, _manifest()) != key
    undeclared = ReportSpec("cohorte", "t", ("jury",))  # no declaration: every input counts
    assert _key(undeclared, {}, _manifest(**{"jures.csv": "autre"})) != _key(undeclared, {}, _manifest())


def test_the_key_follows_the_compared_cohort(project):
    other = write_cohort(project / "data" / "raw" / "autre", tiny_tables())
    spec = ReportSpec("criteres", "t", ("jury",), inputs=("ratings",), compared_cohort=True)
    manifest = _manifest()
    manifest["call"]["compare_with"] = "autre"
    key = _key(spec, {}, manifest)
    with open(other / "notations.csv", "a", encoding="utf-8") as fh:
        fh.write("\n")
    assert _key(spec, {}, manifest) != key
    alone = ReportSpec("criteres", "t", ("jury",), inputs=("ratings",))
    assert _key(alone, {}, manifest) == _key(alone, {}, _manifest())


def test_unchanged_files_are_not_hashed_again(tiny_cohort, monkeypatch):
    ingest.ingest("tiny")
    monkeypatch.setattr(ingest, "file_hashes", lambda folder: pytest.fail("hashed although unchanged"))
    assert ingest.is_up_to_date("tiny")


def test_a_touched_file_is_hashed_and_a_changed_one_detected(tiny_cohort):
    ingest.ingest("tiny")
    path = tiny_cohort / "jures.csv"
    text = path.read_bytes()
    path.write_bytes(text)  # same bytes, new modification time
    assert ingest.is_up_to_date("tiny")
    path.write_bytes(text.replace(b"J01", b"J07"))  # same size, other bytes
    assert not ingest.is_up_to_date("tiny")


def test_concurrent_readers_ingest_once(tiny_cohort, monkeypatch):
    ingest.ingest("tiny")
    with open(tiny_cohort / "jures.csv", "a", encoding="utf-8") as fh:
        fh.write("J09;Juré fictif J09;élu·e;\n")
    calls = []
    real = ingest._ingest

    def counting(*args):
        calls.append(1)
        time.sleep(0.3)  # widen the window in which the others would also decide to ingest
        return real(*args)

    monkeypatch.setattr(ingest, "_ingest", counting)
    errors = []

    def read():
        try:
            assert len(load_cohort("tiny").jurors) == 4
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=read) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and len(calls) == 1


def test_an_ingest_waits_for_readers(tiny_cohort):
    ingest.ingest("tiny")
    done = threading.Event()
    with ingest.cohort_lock("tiny", exclusive=False):
        worker = threading.Thread(target=lambda: (ingest.ingest("tiny"), done.set()))
        worker.start()
        assert not done.wait(0.5)  # the folder is not replaced under a reader
    worker.join(30)
    assert done.is_set()
    manifest = json.loads((config.processed_dir("tiny") / ingest.MANIFEST).read_text(encoding="utf-8"))
    assert manifest["rows"]["jurors"] == len(tiny_tables()["jurors"])


def test_a_file_changed_while_the_cohort_is_read_stops_the_ingest(tiny_cohort, monkeypatch):
    ingest.ingest("tiny")
    before = (config.processed_dir("tiny") / ingest.MANIFEST).read_bytes()
    real = ingest.validate_cohort

    def validate_then_edit(folder, **kw):
        out = real(folder, **kw)
        with open(folder / "jures.csv", "a", encoding="utf-8") as fh:  # another program saves the file
            fh.write("J09;Juré fictif J09;élu·e;\n")
        return out

    monkeypatch.setattr(ingest, "validate_cohort", validate_then_edit)
    with pytest.raises(ingest.InputError, match="les fichiers ont changé pendant la lecture"):
        ingest.ingest("tiny")
    assert (config.processed_dir("tiny") / ingest.MANIFEST).read_bytes() == before  # the old folder stays
    assert not list(config.processed_dir().glob(".tiny.*"))  # no temporary folder left


def test_the_key_follows_the_external_files_a_report_reads(project):
    """Issue 17 (9): a changed département outline rebuilds the map's reports, not a README."""
    outlines = config.external_dir() / "departements-alpc.geojson"
    undeclared = ReportSpec("cohorte", "t", ("jury",), inputs=("dossiers",))  # every external file
    declared = ReportSpec("cohorte", "t", ("jury",), inputs=("dossiers",), external=("departements-alpc.geojson",))
    none = ReportSpec("cohorte", "t", ("jury",), inputs=("dossiers",), external=())
    before = {s: _key(s, {}, _manifest()) for s in (undeclared, declared, none)}
    (config.external_dir() / "README.md").write_text("autre texte", encoding="utf-8")
    assert {s: _key(s, {}, _manifest()) for s in before} == before
    outlines.write_bytes(outlines.read_bytes().replace(b'"nom"', b'"nom" ', 1))
    after = {s: _key(s, {}, _manifest()) for s in before}
    assert after[undeclared] != before[undeclared] and after[declared] != before[declared]
    assert after[none] == before[none]
