"""Runs ``pytest chaos/`` as a child process and inspects what it left on the machine."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import psutil

from chaos.stack import leftovers, netns
from chaos.stack.leftovers import STACK_INDEX_LIMIT

REPOSITORY = Path(__file__).resolve().parents[2]


def start_chaos_run(out_dir: Path, selection: str) -> subprocess.Popen[bytes]:
    """Start ``pytest chaos/ -k selection`` writing its journal under ``out_dir``."""
    environment = {
        **os.environ,
        "CHAOS_STACK_LOCK_WAIT_S": os.environ.get("CHAOS_STACK_LOCK_WAIT_S", "1800"),
    }
    command = [
        sys.executable,
        "-m",
        "pytest",
        "chaos/",
        "-k",
        selection,
        "-p",
        "no:cacheprovider",
        "--chaos-out",
        str(out_dir),
        "-q",
    ]
    log = (out_dir / "pytest.log").open("wb")
    return subprocess.Popen(
        command, cwd=REPOSITORY, env=environment, stdout=log, stderr=subprocess.STDOUT
    )


def journal(out_dir: Path) -> dict[str, object] | None:
    """Return the run's journal once written, else ``None``."""
    paths = sorted(out_dir.glob("*/journal.json"))
    if not paths:
        return None
    try:
        data: dict[str, object] = json.loads(paths[-1].read_text(encoding="utf-8"))
    except json.JSONDecodeError:
        return None
    return data


def wait_for_step(out_dir: Path, step: str, timeout_s: float) -> dict[str, object]:
    """Wait until a scenario in the journal has started ``step``; return the journal."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        data = journal(out_dir)
        if data is not None:
            for scenario in data.get("scenarios", []):  # type: ignore[union-attr]
                if any(item["name"] == step for item in scenario["steps"]):
                    return data
        time.sleep(0.5)
    message = f"no scenario reached step {step!r} within {timeout_s} s; see {out_dir}/pytest.log"
    raise TimeoutError(message)


def interrupt(process: subprocess.Popen[bytes], signum: signal.Signals, timeout_s: float) -> int:
    """Send ``signum`` to the run and wait for it to exit; returns its exit status."""
    process.send_signal(signum)
    return process.wait(timeout=timeout_s)


def stack_ports(data: dict[str, object]) -> list[tuple[str, int]]:
    """Return the loopback ports the stack of this journal listened on."""
    target = data["target"]
    assert isinstance(target, dict)
    urls = [target.get("prometheus"), target.get("alertmanager"), target.get("fault_proxy")]
    urls += list(target.get("proxied", {}).values()) + list(target.get("services", {}).values())
    ports = []
    for url in urls:
        if not url:
            continue
        parts = urlsplit(str(url))
        if parts.hostname == "127.0.0.1" and parts.port is not None:
            ports.append((parts.hostname, parts.port))
    return ports


def listening(ports: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """Return the ports from ``ports`` that something still listens on."""
    open_ports = {
        (connection.laddr.ip, connection.laddr.port)
        for connection in psutil.net_connections(kind="tcp")
        if connection.status == psutil.CONN_LISTEN
    }
    return [port for port in ports if port in open_ports or ("0.0.0.0", port[1]) in open_ports]


def processes_under(workdir: str) -> list[int]:
    """Return live processes whose command line mentions the stack's work directory."""
    found = []
    for process in psutil.process_iter(["pid", "cmdline"]):
        try:
            if any(workdir in part for part in process.info["cmdline"] or []):
                found.append(process.pid)
        except psutil.NoSuchProcess:
            continue
    return found


def stack_namespaces() -> list[str]:
    """Return the embedded stack's namespaces that still exist."""
    names = []
    for name in netns.list_namespaces():
        index = name.removeprefix(netns.DEFAULT_PREFIX)
        if index.isdigit() and int(index) < STACK_INDEX_LIMIT:
            names.append(name)
    return names


def registered_alive() -> list[int]:
    """Return process groups in the leftover registry that are still alive."""
    alive = []
    for pid_text in leftovers._read():
        if psutil.pid_exists(int(pid_text)):
            alive.append(int(pid_text))
    return alive
