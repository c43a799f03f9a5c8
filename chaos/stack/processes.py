"""Starting and stopping the stack's child processes by process id, never by name."""

import contextlib
import os
import signal
import subprocess
import time

import psutil
import structlog

logger = structlog.get_logger("chaos.stack")


def stop_process_group(process: subprocess.Popen[bytes], grace_s: float = 10.0) -> None:
    """Send SIGTERM to the process's group, then SIGKILL whatever is left after ``grace_s``.

    The process must have been started with ``start_new_session=True`` so that its group holds
    only its own descendants.
    """
    if process.poll() is None:
        _signal_group(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=grace_s)
        except subprocess.TimeoutExpired:
            logger.warning("process_group_kill", pid=process.pid, grace_s=grace_s)

    _signal_group(process.pid, signal.SIGKILL)
    if process.poll() is None:
        process.wait(timeout=5)
    for pid in group_members(process.pid):
        logger.warning("process_group_leftover", group=process.pid, pid=pid)


def group_members(group_id: int) -> list[int]:
    """Return the ids of live processes in the process group ``group_id``."""
    members = []
    for candidate in psutil.process_iter(["pid"]):
        try:
            if os.getpgid(candidate.pid) == group_id and candidate.status() != psutil.STATUS_ZOMBIE:
                members.append(candidate.pid)
        except (ProcessLookupError, psutil.NoSuchProcess):
            continue
    return members


def wait_for_exit(pid: int, timeout_s: float) -> bool:
    """Return whether process ``pid`` is gone (or a zombie) within ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
                return True
        except psutil.NoSuchProcess:
            return True
        time.sleep(0.05)
    return False


def _signal_group(group_id: int, signum: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(group_id, signum)
