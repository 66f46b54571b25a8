"""Keyed pseudonyms: stable with the key, different without it, key created with a message."""

import pandas as pd
import pytest

from socinnov.privacy import pseudonyms


@pytest.fixture
def key_file(tmp_path, monkeypatch):
    path = tmp_path / "cle"
    monkeypatch.setenv("SOCINNOV_KEY_FILE", str(path))
    pseudonyms._key.cache_clear()
    yield path
    pseudonyms._key.cache_clear()


def test_key_created_on_first_use_with_a_message(key_file, capsys):
    p = pseudonyms.pseudonym("AMI16-001", cohort="demo")
    assert key_file.exists() and len(key_file.read_bytes()) == 32 and (key_file.stat().st_mode & 0o777) == 0o600
    assert "clé de pseudonymisation créée" in capsys.readouterr().err
    assert p.startswith("P-") and len(p) == 12 and "001" not in p


def test_stable_with_the_key_and_different_with_another(key_file, tmp_path, monkeypatch):
    a = pseudonyms.pseudonym("AMI16-001", cohort="demo")
    assert pseudonyms.pseudonym("AMI16-001", cohort="demo") == a
    assert pseudonyms.pseudonym("AMI16-001", cohort="autre") != a
    assert pseudonyms.pseudonym("AMI16-002", cohort="demo") != a
    monkeypatch.setenv("SOCINNOV_KEY_FILE", str(tmp_path / "autre-cle"))
    assert pseudonyms.pseudonym("AMI16-001", cohort="demo") != a


def test_vectorised_form_matches(key_file):
    s = pd.Series(["A", "B", "A", None])
    out = pseudonyms.pseudonymise(s, cohort="c")
    assert out[0] == out[2] == pseudonyms.pseudonym("A", cohort="c") and pd.isna(out[3])


@pytest.mark.parametrize("where", ["data/processed", "reports/demo/public"])
def test_a_key_inside_the_project_data_or_reports_is_refused(project, monkeypatch, where):
    # a key under reports/…/public would be published with the release (issue 16, item 9)
    path = project / where / "cle-pseudonymes"
    path.parent.mkdir(parents=True, exist_ok=True)
    monkeypatch.setenv("SOCINNOV_KEY_FILE", str(path))
    pseudonyms._key.cache_clear()
    with pytest.raises(pseudonyms.KeyFileError, match="dans le dossier du projet"):
        pseudonyms.pseudonym("AMI16-001", cohort="demo")
    assert not path.exists()  # refused before any key is written there
    pseudonyms._key.cache_clear()


def test_a_key_readable_by_others_is_refused_with_the_fix(key_file):
    pseudonyms.pseudonym("AMI16-001", cohort="demo")
    pseudonyms._key.cache_clear()
    key_file.chmod(0o644)
    with pytest.raises(pseudonyms.KeyFileError, match="lisible par d'autres") as info:
        pseudonyms.pseudonym("AMI16-001", cohort="demo")
    assert f"chmod 600 {key_file}" in info.value.hint


@pytest.mark.parametrize("key", [bytes(32), b"motdepasse" * 4, bytes(range(8)) * 4])
def test_a_weak_key_is_refused(key_file, key):
    key_file.write_bytes(key)
    key_file.chmod(0o600)
    with pytest.raises(pseudonyms.KeyFileError, match="trop faible"):
        pseudonyms.pseudonym("AMI16-001", cohort="demo")
