"""The Gunicorn start hook empties only prometheus_client's own files."""

from pathlib import Path

import pytest

from services.fastapi_service import gunicorn_conf


def test_metric_files_are_removed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "counter_123.db").write_bytes(b"x")
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))

    gunicorn_conf.on_starting(None)

    assert list(tmp_path.iterdir()) == []


def test_directory_with_other_files_is_rejected(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "notes.txt").write_text("keep me")
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))

    with pytest.raises(RuntimeError, match=r"notes\.txt"):
        gunicorn_conf.on_starting(None)

    assert (tmp_path / "notes.txt").read_text() == "keep me"
