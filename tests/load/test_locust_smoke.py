"""Locust runs the steady and streaming profiles headless against the stall app."""

import csv
import os
import subprocess
import sys
from pathlib import Path

import pytest

from .stall_app import AppState

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.timeout(60)
def test_locust_headless_records_requests(
    base_url: str, app_state: AppState, tmp_path: Path
) -> None:
    prefix = tmp_path / "run"
    command = [
        sys.executable, "-m", "locust",
        "-f", "loadgen/locustfile.py",
        "--headless", "-u", "2", "-r", "2", "-t", "5s",
        "--host", base_url,
        "--csv", str(prefix),
        "--only-summary",
        "--disconnect-after-tokens", "3",
        "SteadyUser", "StreamingUser",
    ]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}

    result = subprocess.run(
        command, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=45, check=False
    )

    assert result.returncode == 0, result.stderr[-2000:]
    with (tmp_path / "run_stats.csv").open() as stream:
        rows = {row["Name"]: row for row in csv.DictReader(stream)}
    total = rows["Aggregated"]
    assert int(total["Request Count"]) >= 5
    assert int(total["Failure Count"]) == 0
    assert int(rows["/v1/generate"]["Request Count"]) >= 1
    assert app_state.streams_completed == 0
