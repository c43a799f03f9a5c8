"""The embedded stack leaves nothing behind: not after a normal run, not after Ctrl-C, and a
run killed outright mid-fault is cleaned up by the next run's reset.

Each test runs ``pytest chaos/`` with one short scenario as a child process, so it starts a
whole embedded stack (about a minute on two cores).
"""

import signal
import subprocess
import sys
from pathlib import Path

import pytest

from chaos.stack.lock import StackLock
from tests.lifecycle.runner import (
    REPOSITORY,
    journal,
    listening,
    processes_under,
    registered_alive,
    stack_namespaces,
    stack_ports,
    start_chaos_run,
    wait_for_step,
)

pytestmark = pytest.mark.slow

SHORT_SCENARIO = "disconnect_mid_unary and fastapi"
LOCK_WAIT_S = 1800.0
RUN_TIMEOUT_S = 1800


def _assert_nothing_left(data: dict[str, object]) -> None:
    target = data["target"]
    assert isinstance(target, dict)

    # Another run waiting for the stack lock may start its own stack as soon as this one is
    # gone; holding the lock while looking keeps its namespaces out of the check.
    lock = StackLock()
    lock.acquire(wait_s=LOCK_WAIT_S)
    try:
        namespaces = stack_namespaces()
        alive = registered_alive()
    finally:
        lock.release()

    assert namespaces == []
    assert alive == []
    assert listening(stack_ports(data)) == []
    assert processes_under(str(target["workdir"])) == []


def test_normal_run_leaves_nothing(tmp_path: Path) -> None:
    process = start_chaos_run(tmp_path, SHORT_SCENARIO)
    status = process.wait(timeout=RUN_TIMEOUT_S)
    data = journal(tmp_path)

    assert status == 0, (tmp_path / "pytest.log").read_text()[-3000:]
    assert data is not None
    _assert_nothing_left(data)


def test_interrupted_run_tears_down(tmp_path: Path) -> None:
    process = start_chaos_run(tmp_path, SHORT_SCENARIO)
    data = wait_for_step(tmp_path, "load", timeout_s=RUN_TIMEOUT_S)
    status = process.wait(timeout=1) if process.poll() is not None else None
    if status is None:
        process.send_signal(signal.SIGINT)
        status = process.wait(timeout=120)

    assert status != 0
    _assert_nothing_left(data)


def test_killed_run_mid_fault_is_cleaned_by_reset(tmp_path: Path) -> None:
    process = start_chaos_run(tmp_path, SHORT_SCENARIO)
    data = wait_for_step(tmp_path, "load", timeout_s=RUN_TIMEOUT_S)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    left_behind = registered_alive()

    reset = subprocess.run(
        [sys.executable, "-m", "chaos.stack", "reset"],
        cwd=REPOSITORY,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    assert left_behind, "the killed run should have left its processes for the reset to find"
    assert reset.returncode == 0, reset.stderr
    _assert_nothing_left(data)
