"""Faults on the input side leave a correct state: odd files, kills, concurrent ingests (issue 17).

- Each defect the fault-injection run found in ``ingest`` has its regression test here (and, for
  what a user reads, a case of the bad-input corpus, ``tests/bad_inputs``).
- A seeded fuzz test: 200 mutations of the demo's files (``tests/fuzz_inputs.py``), each run
  through the real ``socinnov ingest``: exit 0 or 2, never an exception, nothing written on
  exit 2, raw bytes unchanged.
- ``kill -9`` at random moments of an ingest, and two ingests at once: the processed folder is
  always one complete version, and the next run leaves no leftover.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import io
import json
import multiprocessing
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pandas as pd
import pytest

from socinnov import config
from socinnov.call.schemas import TABLES, TABLES_BY_NAME
from socinnov.call.settings import load_call
from socinnov.cli.main import main
from socinnov.demo import write_demo
from socinnov.errors import InputError
from socinnov.inputs.csv_reader import TableFormatError, read_text_table
from socinnov.inputs.french_values import ANY_DATE, CellError, parse_date
from socinnov.inputs.ingest import MANIFEST, call_calendar, validate_cohort
from tests.conftest import tiny_tables, write_cohort
from tests.fuzz_inputs import mutations
from tests.test_bad_inputs import tree_hashes

REPO = Path(__file__).resolve().parent.parent


def ingest(name: str) -> tuple[int, str]:
    """``socinnov ingest NAME`` in this process: exit status and what it printed on stderr."""
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        status = main(["ingest", name])
    return status, err.getvalue()


# --- 1. dates: the call's calendar, checked before any conversion -------------------------------

@pytest.mark.parametrize("text", ["01/01/2999", "31/12/9999", "05/09/0001", "2999-01-01"])
def test_a_date_beyond_what_pandas_holds_is_refused_not_converted(text):
    with pytest.raises(CellError) as err:
        parse_date(text)  # was: OutOfBoundsDatetime, a traceback
    assert (err.value.detail, err.value.expected) == (
        "hors des dates plausibles", "une date entre le 01/01/1900 et le 31/12/2100")


def test_the_calendar_is_derived_from_the_call_and_stated():
    window = call_calendar(load_call())  # the 2016 call: deadline 05/09/2016
    assert (window.first, window.last) == (dt.date(2011, 1, 1), dt.date(2026, 12, 31))
    assert window.outside == "hors du calendrier de l'appel 2016 (date limite de dépôt 05/09/2016)"
    assert parse_date("31/12/2026", window) == pd.Timestamp("2026-12-31")  # both ends included
    assert parse_date("01/01/2011", window) == pd.Timestamp("2011-01-01")
    for implausible in ("01/01/2027", "31/12/2010", "05/09/2040", "05/09/2099"):
        with pytest.raises(CellError):
            parse_date(implausible, window)


def test_a_cohort_of_another_year_has_its_own_calendar(project):
    folder = write_cohort(project / "data" / "raw" / "c2018", tiny_tables())
    (folder / "appel.yaml").write_text("annee: 2018\ndate_limite_depot: 15/03/2018\n", encoding="utf-8")
    validate_cohort(folder)  # the 2016 dates of the tiny cohort are within 2013-2028
    decisions = folder / "decisions.csv"
    decisions.write_text(decisions.read_text(encoding="utf-8-sig").replace("20/10/2016", "20/10/2029", 1),
                         encoding="utf-8")
    with pytest.raises(InputError) as err:
        validate_cohort(folder)
    assert [str(p) for p in err.value.problems] == [
        "decisions.csv, ligne 2, colonne « Date de validation » : valeur « 20/10/2029 » hors du calendrier de "
        "l'appel 2018 (date limite de dépôt 15/03/2018) : attendu une date entre le 01/01/2013 et le 31/12/2028"]


def test_a_call_whose_own_dates_are_absurd_keeps_a_bounded_calendar():
    call = load_call()
    window = call_calendar(type(call)(**{**call.__dict__, "year": 2016, "deadline": dt.date(9999, 9, 5)}))
    assert window.last == ANY_DATE.last  # was: ValueError « year 10009 is out of range »


# --- 2. appel.yaml written wrong, or deleted: through the command, as a user meets it ---------

@pytest.mark.parametrize(("text", "message"), [
    (b"- appel: alpc-2016\n- enveloppe: 700000\n",  # was: AttributeError
     "appel.yaml : le fichier doit être une suite de lignes « clé: valeur »"),
    (b"appel: alpc-2016\ngrilles: 2016\n",  # was: TypeError
     "appel.yaml, colonne « grilles » : une version par grille est attendue"),
    (b"appel: alpc-2016\nenveloppe: -700000\n",  # was: accepted
     "appel.yaml, colonne « enveloppe » : un montant positif ou nul est attendu (valeur lue : « -700000 »)"),
])
def test_a_malformed_call_file_is_refused_in_french_and_nothing_is_written(tiny_cohort, text, message):
    assert ingest("tiny")[0] == 0
    before = tree_hashes(config.processed_dir("tiny"))
    (tiny_cohort / "appel.yaml").write_bytes(text)
    status, err = ingest("tiny")
    assert status == 2 and "Traceback" not in err
    assert err.splitlines()[0] == "1 problème dans les fichiers d'entrée ; rien n'a été écrit."
    assert err.splitlines()[1].startswith(f"  - {message}")
    assert tree_hashes(config.processed_dir("tiny")) == before


@pytest.mark.parametrize(("data", "title", "envelope"), [
    ("appel: alpc-2016\ntitre: Appel à projets régional\n".encode("cp1252"),  # was: UnicodeDecodeError
     "Appel à projets régional", None),
    ("appel: alpc-2016\nenveloppe: 700 000 €\n".encode(), None, 700_000.0),  # was: ValueError
])
def test_a_call_file_as_offices_write_it_is_read(tiny_cohort, data, title, envelope):
    (tiny_cohort / "appel.yaml").write_bytes(data)
    assert ingest("tiny") == (0, "")
    call = json.loads((config.processed_dir("tiny") / MANIFEST).read_text(encoding="utf-8"))["call"]
    assert (call["title"] if title else None, call["envelope"]) == (title, envelope)


def test_a_deleted_call_file_is_said_not_passed_over(tiny_cohort):
    (tiny_cohort / "appel.yaml").unlink()
    status, err = ingest("tiny")  # was: accepted without a word
    assert status == 0
    assert err == ("Remarque : appel.yaml : fichier absent de tiny : l'appel supposé est « alpc-2016 » (date "
                   "limite, plafond, durée et versions des grilles de l'appel 2016, sans enveloppe) ; "
                   "`socinnov templates` écrit un appel.yaml commenté à compléter\n")
    manifest = json.loads((config.processed_dir("tiny") / MANIFEST).read_text(encoding="utf-8"))
    assert manifest["notes"] == [err.removeprefix("Remarque : ").rstrip("\n")]


# --- 3. long quoted values ---------------------------------------------------------------------

def test_a_quoted_text_longer_than_the_csv_module_limit_is_read(project):
    folder = write_cohort(project / "data" / "raw" / "long", tiny_tables())
    text = ("Une présentation très longue ; avec des points-virgules,\n des retours à la ligne "
            "et des \"\"guillemets\"\". ") * 2000
    assert len(text) > 131_072 * 1.5
    partners = folder / "partenaires.csv"
    lines = partners.read_text(encoding="utf-8-sig").splitlines()
    lines[1] = lines[1].rsplit(";", 1)[0] + f';"{text}"'
    partners.write_text("\n".join(lines) + "\n", encoding="utf-8")
    status, err = ingest("long")
    assert (status, err) == (0, "")  # was: « guillemet ouvert et jamais refermé »
    roles = pd.read_parquet(config.processed_dir("long") / "partners.parquet")["role"]
    assert roles.iloc[0] == text.replace('""', '"').strip()


@pytest.mark.parametrize("line_end", ["\u2028", "\u0085"])
def test_a_file_whose_line_ends_are_not_line_ends_is_refused_at_once(tmp_path, line_end):
    """Line ends the CSV reader does not take (U+2028, NEL; NEL's byte is « … » in Windows-1252):
    the whole file is one line of thousands of values. Read in a fresh process (the csv module's
    field-size limit is process-wide): it was a raw ``_csv.Error`` there, and elsewhere a table of
    14 000 columns built column by column (15 s for a 2 000-row ratings file)."""
    path = tmp_path / "notations.csv"
    rows = [f"D-{k:03d};J0{k % 3};acceptabilite;2016;portage;individuel;Faible;" for k in range(4000)]
    header = "Identifiant du dossier;Identifiant du juré;Grille;Version de la grille;Critère;Tour;Niveau;Commentaire"
    path.write_bytes(line_end.join([header, *rows]).encode("utf-8" if line_end == "\u2028" else "cp1252",
                                                                 errors="replace"))
    assert path.stat().st_size > 131_072
    code = ("import sys; from pathlib import Path; from socinnov.inputs.csv_reader import TableFormatError, "
            "read_text_table\ntry:\n    read_text_table(Path(sys.argv[1]))\nexcept TableFormatError as e:\n"
            "    print(e.problems[0].row, e.problems[0].message)")
    out = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=120, check=False,
                         env=os.environ | {"PYTHONPATH": str(REPO)})
    assert out.returncode == 0 and out.stderr == ""
    # 8 headers, then 7 values a row (its last, empty, runs into the next row's first)
    assert out.stdout.startswith("1 28008 valeurs sur la première ligne : les lignes du fichier ne sont pas séparées")


def test_a_quote_never_closed_in_a_long_file_is_still_named(tmp_path):
    path = tmp_path / "partenaires.csv"
    rows = [f"D-{k:03d};Partenaire {k};association;Accueil" for k in range(8000)]
    rows[3] = 'D-003;"Partenaire jamais refermé;association;Accueil'
    path.write_text("Identifiant du dossier;Partenaire;Type d'acteur;Rôle dans l'action\n" + "\n".join(rows) + "\n",
                    encoding="utf-8")
    assert path.stat().st_size > 131_072 * 2
    with pytest.raises(TableFormatError) as err:
        read_text_table(path)
    assert [(p.row, p.message.split(" :")[0]) for p in err.value.problems] == [
        (5, "guillemet (\") ouvert et jamais refermé")]


# --- 10. a blank whole number once; a file cut in the middle of a row ---------------------------

def test_a_blank_required_whole_number_is_reported_once_as_missing(project):
    tables = tiny_tables()
    tables["budget"] = tables["budget"].astype({"month_from": "object"})
    tables["budget"].loc[0, "month_from"] = None
    write_cohort(project / "data" / "raw" / "vide", tables)
    status, err = ingest("vide")
    assert status == 2
    assert err.splitlines()[1:] == [
        "  - budget_previsionnel.csv, ligne 2, colonne « Mois de début » : valeur obligatoire manquante"]


def test_a_conflicts_file_cut_in_a_row_is_refused_not_read_short(tmp_path):
    """The case found: 8 conflicts of interest, the copy cut in the second row; 7 were lost."""
    path = tmp_path / "conflits_interets.csv"
    rows = [f"J{k:02d};AMI16-{k:03d};Lien familial" for k in range(1, 9)]
    full = "Identifiant du juré;Identifiant du dossier;Motif\n" + "\n".join(rows) + "\n"
    path.write_text(full[:full.index("AMI16-002") + len("AMI16-002")], encoding="utf-8")
    with pytest.raises(TableFormatError) as err:
        read_text_table(path)
    assert [str(p) for p in err.value.problems] == [
        "conflits_interets.csv, ligne 3 : dernière ligne incomplète (2 valeur(s) pour 3 colonnes, sans fin de "
        "ligne) : le fichier semble coupé au milieu d'une ligne (copie ou enregistrement interrompu) ; repartir "
        "du fichier complet, ou compléter la ligne (une cellule vide s'écrit avec son séparateur « ; »)"]


# --- 4. leftovers of an ingest killed before socinnov.files ------------------------------------

def test_leftovers_of_an_older_killed_ingest_are_cleaned_with_a_line(tiny_cohort):
    assert ingest("tiny")[0] == 0
    processed = config.processed_dir()
    for leftover in (".tiny.k3j2x1ab", ".tiny.old"):
        (processed / leftover).mkdir()
        (processed / leftover / "dossiers.parquet").write_bytes(b"partial")
    (processed / ".tinyx.k3j2x1ab").mkdir()  # not this cohort's: kept
    status, err = ingest("tiny")
    assert status == 0
    assert err == f"Restes d'une exécution interrompue supprimés dans {processed} : .tiny.k3j2x1ab, .tiny.old\n"
    assert sorted(p.name for p in processed.iterdir()) == [".tinyx.k3j2x1ab", "tiny"]


def test_an_older_ingest_killed_between_its_renames_gets_its_old_version_back(tiny_cohort):
    """The old swap renamed the processed folder to ``.COHORT.old`` then the new one in: a kill in
    between left no processed folder. The next run puts it back, even when it refuses the input."""
    assert ingest("tiny")[0] == 0
    processed = config.processed_dir()
    before = tree_hashes(processed / "tiny")
    os.rename(processed / "tiny", processed / ".tiny.old")
    (processed / ".tiny.x7_q2mzp").mkdir()
    (tiny_cohort / "jures.csv").write_text("Identifiant du juré;Nom\n", encoding="utf-8")  # now refused
    status, err = ingest("tiny")
    assert status == 2
    assert err.splitlines()[:2] == [
        f"{processed / 'tiny'} : version précédente remise en place (une exécution interrompue l'avait mise de côté).",
        f"Restes d'une exécution interrompue supprimés dans {processed} : .tiny.x7_q2mzp"]
    assert tree_hashes(processed / "tiny") == before
    assert [p.name for p in processed.iterdir()] == ["tiny"]


# --- 5. the fuzz test --------------------------------------------------------------------------

FUZZ_SEED, FUZZ_COUNT = 20261203, 200
NEEDS = {  # the tables a table's cross-checks read, beyond the required ones
    "decisions.csv": (), "suivi.csv": ("decisions.csv",), "versements.csv": ("decisions.csv",),
    "depenses_realisees.csv": ("decisions.csv",), "bilans.csv": ("decisions.csv",),
    "reevaluations.csv": ("decisions.csv", "suivi.csv"), "indicateurs.csv": ("decisions.csv", "suivi.csv"),
}


def _fuzz(root: str, cases: list[tuple[str, str, bytes]], files: dict[str, bytes]) -> tuple[list[str], dict]:
    """Ingest each mutation in the project ``root`` (one worker's own copy), in this process:
    the failures found and the count of each exit status. Runs in a worker process: the project
    is named by ``SOCINNOV_ROOT``, read at each call."""
    os.environ["SOCINNOV_ROOT"] = root
    required = [t.filename for t in TABLES if t.required] + ["appel.yaml"]
    raw, processed = config.raw_dir("fuzz"), config.processed_dir("fuzz")
    failures, statuses = [], {0: 0, 2: 0}
    for case, name, data in cases:
        shutil.rmtree(raw)
        raw.mkdir()
        for other in {*required, name, *NEEDS.get(name, ())}:
            (raw / other).write_bytes(files[other])
        (raw / name).write_bytes(data)
        raw_before, processed_before = tree_hashes(raw), tree_hashes(processed)
        try:
            status, err = ingest("fuzz")
        except Exception as exc:  # noqa: BLE001 - the test reports every case that escapes
            failures.append(f"{case} : exception {type(exc).__name__} : {exc}")
            continue
        statuses[status] = statuses.get(status, 0) + 1
        if status not in (0, 2) or "Traceback" in err:
            failures.append(f"{case} : sortie {status} : {err[:300]}")
        if status == 2 and (tree_hashes(processed) != processed_before or not err.strip()):
            failures.append(f"{case} : refusé mais data/processed modifié, ou sans message")
        if tree_hashes(raw) != raw_before:
            failures.append(f"{case} : fichiers bruts modifiés")
        if sorted(p.name for p in config.processed_dir().iterdir() if p.name != ".cache") != ["fuzz"]:
            failures.append(f"{case} : restes dans data/processed")
    return failures, statuses


@pytest.mark.slow  # a long battery: in `make test`, not in `make test-fast`
def test_two_hundred_mutations_of_the_demo_files_end_in_exit_0_or_2(project):
    """Each mutation is ingested with the required files and those its cross-checks read (a
    small cohort), never an exception, exit 0 or 2, nothing written on exit 2 (the previous
    processed folder byte for byte), raw files untouched.

    200 ingests take about 70 s of processor time: the cases are shared between one worker per
    core (at most 2), each on its own copy of the project (the same start: the required files
    ingested once), each running ``socinnov ingest`` in its own process as the command does."""
    base = project / "demo-base"
    write_demo(base, n_dossiers=20)
    files = {p.name: p.read_bytes() for p in base.iterdir() if p.suffix in (".csv", ".yaml")}
    raw = config.raw_dir("fuzz")
    raw.mkdir()
    for name in [t.filename for t in TABLES if t.required] + ["appel.yaml"]:
        (raw / name).write_bytes(files[name])
    assert ingest("fuzz")[0] == 0
    cases = mutations(FUZZ_SEED, FUZZ_COUNT, files)
    workers = max(1, min(2, os.cpu_count() or 1))
    roots = [project.parent / f"fuzz-{k}" for k in range(workers)]
    for root in roots:
        shutil.copytree(project, root, ignore=shutil.ignore_patterns("demo-base", "notebooks"))
        shutil.copytree(project / "notebooks", root / "notebooks")  # the reports the status names
    start = time.monotonic()
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        results = list(pool.map(_fuzz, map(str, roots), [cases[k::workers] for k in range(workers)],
                                [files] * workers))
    failures = [f for found, _ in results for f in found]
    statuses = {s: sum(counts.get(s, 0) for _, counts in results) for s in {s for _, c in results for s in c}}
    assert sum(statuses.values()) + sum(" : exception " in f for f in failures) == FUZZ_COUNT
    assert failures == []
    assert statuses[0] >= 20 and statuses[2] >= 100  # both outcomes exercised
    print(f"{FUZZ_COUNT} mutations en {time.monotonic() - start:.0f} s ({workers} processus) : {statuses}")


# --- 6. kills and concurrent ingests (separate processes, killed by process group) -------------

def _env(root: Path) -> dict[str, str]:
    return os.environ | {"SOCINNOV_ROOT": str(root), "PYTHONPATH": str(REPO)}


def _start_ingest(root: Path, name: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "socinnov.cli.main", "ingest", name], env=_env(root),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)


def _finish(proc: subprocess.Popen, timeout: float = 300) -> tuple[int, str, str]:
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise
    return proc.returncode, out, err


def _version(folder: Path) -> str:
    """The raw-input hash set a complete processed folder was built from; fails if incomplete."""
    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    tables = sorted(p.stem for p in folder.glob("*.parquet"))
    assert tables == sorted(manifest["rows"]), "tables missing from the processed folder"
    for table, rows in manifest["rows"].items():
        assert len(pd.read_parquet(folder / f"{table}.parquet")) == rows, table
    return hashlib.sha256(json.dumps(manifest["inputs"], sort_keys=True).encode()).hexdigest()


def _leftovers(root: Path) -> list[str]:
    return sorted(p.name for p in (root / "data" / "processed").iterdir() if p.name not in ("medium", ".cache"))


def _wait_for_new_folder(target: Path, proc: subprocess.Popen, *, files: int, timeout: float = 120) -> None:
    """Return once the ingest ``proc`` has written ``files`` files in its new folder (or has ended)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end and proc.poll() is None:
        new = list(target.parent.glob(f".{target.name}.new-{proc.pid}-*"))
        if new and sum(1 for _ in new[0].iterdir()) >= files:
            return
        time.sleep(0.002)


@pytest.fixture
def medium(project) -> Path:
    """A medium demo cohort (40 dossiers) under the project's data/raw/medium."""
    write_demo(project / "data" / "raw" / "medium", n_dossiers=40)
    return project


@pytest.mark.slow  # a long battery: in `make test`, not in `make test-fast`
def test_kill_9_at_random_moments_leaves_the_old_or_the_new_complete_version(medium):
    root = medium
    raw = root / "data" / "raw" / "medium"
    target = root / "data" / "processed" / "medium"
    started = time.monotonic()
    status, _, err = _finish(_start_ingest(root, "medium"))
    duration = time.monotonic() - started
    assert status == 0, err
    old = _version(target)
    with open(raw / "jures.csv", "a", encoding="utf-8") as jurors:  # a new valid version of the raw files
        jurors.write("J99;Juré fictif ajouté;personne qualifiée;Structure fictive\n")
    rng = random.Random(17)
    seen = []
    for k in range(6):
        proc = _start_ingest(root, "medium")
        if k % 2:  # a random moment from start-up to the folder swap, and past the end
            time.sleep(rng.uniform(0.3, 1.6) * duration)
        else:  # a random moment of the writing of the new folder: after its k-th file
            _wait_for_new_folder(target, proc, files=rng.randrange(len(TABLES) + 2))
        with contextlib.suppress(ProcessLookupError):  # an ingest that has ended already
            os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate(timeout=60)
        if target.exists():
            seen.append(_version(target))
        else:  # killed between the two renames of the swap: the old version waits aside
            aside = [p for p in target.parent.glob(".medium.old-*") if (p / MANIFEST).exists()]
            assert len(aside) == 1
            seen.append(_version(aside[0]))
    status, _, err = _finish(_start_ingest(root, "medium"))
    assert status == 0, err
    new = _version(target)
    assert new != old and set(seen) <= {old, new}
    print("versions après chaque kill :", ["ancienne" if v == old else "nouvelle" for v in seen])
    assert _leftovers(root) == []  # the next run removed what the killed ones left


@pytest.mark.slow  # a long battery: in `make test`, not in `make test-fast`
def test_two_ingests_at_once_both_end_with_one_complete_version(medium):
    root = medium
    procs = [_start_ingest(root, "medium") for _ in range(2)]
    results = [_finish(p) for p in procs]
    target = root / "data" / "processed" / "medium"
    assert [status for status, _, _ in results] == [0, 0], [err for _, _, err in results]
    assert all(out.startswith(f"Données validées et préparées : {target}\n") for _, out, _ in results), results
    assert all("Étape : " in out for _, out, _ in results)  # the stage read, as `socinnov status` says it
    _version(target)
    assert _leftovers(root) == []
    raw = root / "data" / "raw" / "medium"
    manifest = json.loads((target / MANIFEST).read_text(encoding="utf-8"))
    assert manifest["inputs"] == {name: hashlib.sha256((raw / name).read_bytes()).hexdigest()
                                  for name in manifest["inputs"]}


def test_every_table_of_the_demo_is_mutated(project):
    """The fuzz draws every file of the demo (and ``appel.yaml``) and every kind of mutation."""
    base = project / "demo-base"
    write_demo(base, n_dossiers=20)
    files = {p.name: p.read_bytes() for p in base.iterdir() if p.suffix in (".csv", ".yaml")}
    cases = mutations(FUZZ_SEED, FUZZ_COUNT, files)
    assert {name for _, name, _ in cases} == {t.filename for t in TABLES_BY_NAME.values()} | {"appel.yaml"}
    kinds = {case.split(" : ")[1].split(" de ")[0] for case, _, _ in cases}
    assert len(kinds) == 17
