"""The cookie signing key: generated whole once per work dir, and never a guessable short one."""

from __future__ import annotations

import pytest
from greenpark.portal.sessions import MIN_SECRET_CHARS, secret_key
from greenpark.settings import REPO_ROOT, Settings


def test_the_generated_key_is_kept_and_long(tmp_path, monkeypatch):
    monkeypatch.delenv("GREENPARK_PORTAL_SECRET", raising=False)
    settings = Settings(repo_root=REPO_ROOT, workdir=tmp_path)
    key = secret_key(settings)
    assert len(key) >= MIN_SECRET_CHARS and secret_key(settings) == key
    assert (tmp_path / "data" / "portal_secret").stat().st_mode & 0o077 == 0
    assert [p.name for p in (tmp_path / "data").iterdir()] == ["portal_secret"]  # no temp file left


@pytest.mark.parametrize("source", ["env", "file"])
def test_a_short_key_is_refused(tmp_path, monkeypatch, source):
    monkeypatch.delenv("GREENPARK_PORTAL_SECRET", raising=False)
    if source == "env":
        monkeypatch.setenv("GREENPARK_PORTAL_SECRET", "short")
    else:  # e.g. a file left empty by a crash of an older version
        (tmp_path / "data").mkdir()
        (tmp_path / "data" / "portal_secret").write_text("")
    with pytest.raises(RuntimeError, match="不足"):
        secret_key(Settings(repo_root=REPO_ROOT, workdir=tmp_path))
