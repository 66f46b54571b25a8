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
