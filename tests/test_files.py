"""The write helpers: unique temporary names, the old version kept until the new one is in place,
nothing left behind by a failure, leftovers of a killed run cleaned by the next one."""

from __future__ import annotations

import doctest
import os
import subprocess
import sys
import threading

import pytest

from socinnov import files


def _dead_pid() -> int:
    """The id of a process that has ended (a leftover's owner that no longer runs)."""
    proc = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True,
                          check=True)
    return int(proc.stdout)


def test_doctests():
    assert doctest.testmod(files).failed == 0


def test_concurrent_writers_use_unique_temporary_names(tmp_path, monkeypatch):
    target = tmp_path / "rapport.html"
    seen: list[str] = []
    barrier = threading.Barrier(8)
    real_replace = os.replace

    def replace(src, dst):  # every writer holds its temporary file until all have one
        seen.append(os.fspath(src))
        barrier.wait(timeout=10)
        real_replace(src, dst)

    monkeypatch.setattr(files.os, "replace", replace)
    errors = []

    def write(i):
        try:
            files.write_text(target, f"version {i}\n" * 1000)
        except OSError as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(set(seen)) == 8  # eight temporary files at once, none shared
    text = target.read_text(encoding="utf-8")
    assert text in {f"version {i}\n" * 1000 for i in range(8)}  # one whole version, never a mix
    assert [p.name for p in tmp_path.iterdir()] == ["rapport.html"]


def test_a_failed_write_keeps_the_old_file_and_leaves_nothing(tmp_path):
    target = tmp_path / "notations.csv"
    target.write_text("ancien", encoding="utf-8")
    with pytest.raises(RuntimeError), files.replacing(target) as tmp:
        tmp.write_text("moitié d'un fich", encoding="utf-8")
        raise RuntimeError("écriture interrompue")
    assert target.read_text(encoding="utf-8") == "ancien"
    assert [p.name for p in tmp_path.iterdir()] == ["notations.csv"]


def test_written_files_have_the_usual_permissions(tmp_path):
    path = files.write_bytes(tmp_path / "a.pdf", b"%PDF")
    assert path.stat().st_mode & 0o777 == files.FILE_MODE


def test_create_only_refuses_an_existing_file(tmp_path):
    target = tmp_path / "cle"
    with files.replacing(target, overwrite=False) as tmp:
        tmp.write_bytes(b"premiere")
    with pytest.raises(FileExistsError), files.replacing(target, overwrite=False) as tmp:
        tmp.write_bytes(b"seconde")
    assert target.read_bytes() == b"premiere"
    assert [p.name for p in tmp_path.iterdir()] == ["cle"]


def test_the_old_folder_stays_intact_when_building_the_new_one_raises(tmp_path):
    target = tmp_path / "demo"
    target.mkdir()
    (target / "dossiers.parquet").write_bytes(b"ancien")
    with pytest.raises(ValueError), files.replacing_folder(target) as new:
        (new / "dossiers.parquet").write_bytes(b"nouveau")
        raise ValueError("fichier d'entrée refusé")
    assert (target / "dossiers.parquet").read_bytes() == b"ancien"
    assert [p.name for p in tmp_path.iterdir()] == ["demo"]


def test_the_old_folder_stays_in_place_until_the_new_one_is_complete(tmp_path):
    target = tmp_path / "demo"
    target.mkdir()
    (target / "manifest.json").write_text("ancien", encoding="utf-8")
    with files.replacing_folder(target) as new:
        (new / "manifest.json").write_text("nouveau", encoding="utf-8")
        assert (target / "manifest.json").read_text(encoding="utf-8") == "ancien"  # still the old one
    assert (target / "manifest.json").read_text(encoding="utf-8") == "nouveau"
    assert [p.name for p in tmp_path.iterdir()] == ["demo"]


def test_a_failed_second_rename_puts_the_old_folder_back(tmp_path, monkeypatch):
    target = tmp_path / "demo"
    target.mkdir()
    (target / "a").write_text("ancien", encoding="utf-8")
    real_rename = os.rename

    def rename(src, dst):
        if ".new-" in os.fspath(src):
            raise OSError("disque plein")
        real_rename(src, dst)

    monkeypatch.setattr(files.os, "rename", rename)
    with pytest.raises(OSError, match="disque plein"), files.replacing_folder(target) as new:
        (new / "a").write_text("nouveau", encoding="utf-8")
    assert (target / "a").read_text(encoding="utf-8") == "ancien"
    assert [p.name for p in tmp_path.iterdir()] == ["demo"]


def test_leftovers_of_a_killed_run_are_cleaned_with_a_line(tmp_path):
    pid = _dead_pid()
    target = tmp_path / "demo"
    target.mkdir()
    for name in (f".demo.new-{pid}-abc", f".demo.old-{pid}-def"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "x").write_text("reste", encoding="utf-8")
    (tmp_path / f".demo.tmp-{pid}-ghi").write_text("reste", encoding="utf-8")
    running = tmp_path / f".demo.new-{os.getpid()}-jkl"  # a run still going: not touched
    running.mkdir()
    lines = []
    with files.replacing_folder(target, log=lines.append) as new:
        (new / "x").write_text("nouveau", encoding="utf-8")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["demo", running.name])
    assert len(lines) == 1 and "exécution interrompue" in lines[0] and f".demo.old-{pid}-def" in lines[0]


def test_a_kill_between_the_two_renames_is_repaired_by_the_next_run(tmp_path):
    pid = _dead_pid()
    old = tmp_path / f".demo.old-{pid}-abc"  # the complete old version, set aside
    new = tmp_path / f".demo.new-{pid}-def"  # the new one, never renamed in
    for folder, text in ((old, "ancien"), (new, "nouveau")):
        folder.mkdir()
        (folder / "manifest.json").write_text(text, encoding="utf-8")
    lines = []
    files.clean_leftovers(tmp_path / "demo", log=lines.append)
    assert [p.name for p in tmp_path.iterdir()] == ["demo"]
    assert (tmp_path / "demo" / "manifest.json").read_text(encoding="utf-8") == "ancien"
    assert "remise en place" in lines[0] and "supprimés" in lines[1]


def test_a_leftover_file_is_cleaned_before_a_file_is_written(tmp_path):
    (tmp_path / f".index.html.tmp-{_dead_pid()}-x1").write_text("moitié", encoding="utf-8")
    lines = []
    with files.replacing(tmp_path / "index.html", log=lines.append) as tmp:
        tmp.write_text("<html></html>", encoding="utf-8")
    assert [p.name for p in tmp_path.iterdir()] == ["index.html"] and len(lines) == 1


def test_ingest_replaces_its_folder_and_cleans_a_killed_ingest(tiny_cohort, capsys):
    from socinnov import config
    from socinnov.inputs.ingest import ingest

    processed = config.processed_dir()
    processed.mkdir(parents=True, exist_ok=True)
    pid = _dead_pid()
    (processed / f".tiny.new-{pid}-abc").mkdir()  # a killed ingest's half-written folder
    ingest("tiny")
    ingest("tiny")  # replaces the folder through the swap
    assert sorted(p.name for p in processed.iterdir() if p.name.startswith(".tiny")) == []
    assert (processed / "tiny" / "manifest.json").exists()
    assert f"supprimés dans {processed} : .tiny.new-{pid}-abc" in capsys.readouterr().err
