"""Finds and removes what an interrupted run of the embedded stack left behind.

Each run records the process groups it started in a registry file. The next run, or
``python -m chaos.stack reset``, ends every recorded group that is still alive and whose
command line still matches the record (so a reused process id is never hit), and removes the
stack's network namespaces with everything in them.
"""

import contextlib
import json
import os
import shutil
import signal
from pathlib import Path

import psutil
import structlog

from chaos.stack import netns

logger = structlog.get_logger("chaos.stack")

REGISTRY = Path(os.environ.get("CHAOS_STACK_REGISTRY", "/tmp/serving-chaos/registry.json"))
#: The embedded stack's namespaces take indices below this; tests use higher ones, which a
#: reset leaves alone.
STACK_INDEX_LIMIT = 10
#: Work directories of the embedded stack are named by six hexadecimal digits.
WORKDIR_NAME_LENGTH = 6


def record_process(pid: int) -> None:
    """Add the process group led by ``pid`` to the registry, with its command line."""
    entries = _read()
    try:
        command = psutil.Process(pid).cmdline()
    except psutil.NoSuchProcess:
        return
    entries[str(pid)] = command
    _write(entries)


def forget_process(pid: int) -> None:
    """Remove ``pid`` from the registry once its group was stopped."""
    entries = _read()
    if entries.pop(str(pid), None) is not None:
        _write(entries)


def remove_leftovers() -> dict[str, list[str]]:
    """End recorded process groups that are still alive and remove the stack's namespaces."""
    ended: list[str] = []
    for pid_text, command in _read().items():
        pid = int(pid_text)
        try:
            process = psutil.Process(pid)
            same = process.cmdline() == command
        except psutil.NoSuchProcess:
            continue
        if not same:
            continue
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGKILL)
        ended.append(f"{pid} {' '.join(command)[:120]}")
        logger.warning("leftover_process_group_killed", pid=pid)

    _write({})
    _remove_old_workdirs()
    namespaces = []
    for name in netns.list_namespaces():
        index = name.removeprefix(netns.DEFAULT_PREFIX)
        if index.isdigit() and int(index) < STACK_INDEX_LIMIT:
            netns.stop_processes(name)
            netns.remove_namespace(netns.plan_namespace(int(index)))
            namespaces.append(name)
    if namespaces:
        logger.warning("leftover_namespaces_removed", namespaces=namespaces)
    return {"process_groups": ended, "namespaces": list(namespaces)}


def _remove_old_workdirs() -> None:
    """Remove the work directories (logs, Prometheus data) of earlier runs."""
    for path in REGISTRY.parent.iterdir():
        if path.is_dir() and len(path.name) == WORKDIR_NAME_LENGTH:
            shutil.rmtree(path, ignore_errors=True)


def _read() -> dict[str, list[str]]:
    try:
        data: dict[str, list[str]] = json.loads(REGISTRY.read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return {}
    return data


def _write(entries: dict[str, list[str]]) -> None:
    REGISTRY.parent.mkdir(parents=True, exist_ok=True)
    temporary = REGISTRY.with_suffix(".tmp")
    temporary.write_text(json.dumps(entries), encoding="utf-8")
    temporary.replace(REGISTRY)
