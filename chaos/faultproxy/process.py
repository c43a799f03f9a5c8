"""Start the fault proxy server as a subprocess and stop it by PID."""

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import structlog

log = structlog.get_logger(__name__)

STARTUP_TIMEOUT_S = 15.0
STOP_GRACE_S = 5.0
_POLL_INTERVAL_S = 0.05
# Directory that contains the ``chaos`` package, so the child imports this same code even
# when the project is not installed and the caller runs from another directory.
_SOURCE_ROOT = Path(__file__).resolve().parents[2]


class FaultProxyStartError(RuntimeError):
    """Raised when the server exits or does not respond to ``GET /version`` before the deadline."""


@dataclass
class FaultProxyProcess:
    """A running server subprocess and the address of its API."""

    popen: subprocess.Popen[bytes]
    host: str
    port: int
    log_path: Path

    @property
    def pid(self) -> int:
        """Process id of the server."""
        return self.popen.pid

    @property
    def api_url(self) -> str:
        """Base URL of the HTTP API."""
        return f"http://{self.host}:{self.port}"

    def stop(self, grace_s: float = STOP_GRACE_S) -> int:
        """Send SIGTERM, then SIGKILL after ``grace_s``, and return the exit status."""
        if self.popen.poll() is not None:
            return self.popen.returncode

        os.kill(self.pid, signal.SIGTERM)
        try:
            return self.popen.wait(timeout=grace_s)
        except subprocess.TimeoutExpired:
            log.warning("fault_proxy_kill", pid=self.pid, grace_s=grace_s)
            os.kill(self.pid, signal.SIGKILL)
            return self.popen.wait(timeout=grace_s)


def start_fault_proxy(
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    config: Path | None = None,
    log_path: Path | None = None,
    startup_timeout_s: float = STARTUP_TIMEOUT_S,
) -> FaultProxyProcess:
    """Start ``python -m chaos.faultproxy`` and return once ``GET /version`` responds.

    With ``port`` 0 the server picks a free port, which is read from its ``api_listening``
    log line. Logs (JSON lines) go to ``log_path``, or to a new temporary file.
    """
    if log_path is None:
        handle, name = tempfile.mkstemp(prefix="faultproxy-", suffix=".log")
        os.close(handle)
        log_path = Path(name)

    command = [sys.executable, "-m", "chaos.faultproxy", "--host", host, "--port", str(port)]
    if config is not None:
        command += ["--config", str(config)]

    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        part for part in (str(_SOURCE_ROOT), env.get("PYTHONPATH")) if part
    )
    with log_path.open("wb") as log_file:
        popen = subprocess.Popen(
            command, stdout=log_file, stderr=subprocess.STDOUT, env=env, start_new_session=True
        )

    process = FaultProxyProcess(popen, host, port, log_path)
    try:
        _wait_until_ready(process, time.monotonic() + startup_timeout_s)
    except BaseException:
        process.stop()
        raise

    log.info("fault_proxy_started", pid=process.pid, api_url=process.api_url)
    return process


def _wait_until_ready(process: FaultProxyProcess, deadline: float) -> None:
    while time.monotonic() < deadline:
        if process.popen.poll() is not None:
            message = (
                f"fault proxy exited with status {process.popen.returncode} during startup, "
                f"see its log {process.log_path}"
            )
            raise FaultProxyStartError(message)

        if process.port == 0:
            process.port = _port_from_log(process.log_path)
        elif _version_answers(process.api_url):
            return

        time.sleep(_POLL_INTERVAL_S)

    message = (
        "fault proxy did not respond to GET /version before the deadline, "
        f"see its log {process.log_path}"
    )
    raise FaultProxyStartError(message)


def _port_from_log(log_path: Path) -> int:
    for line in log_path.read_text(errors="replace").splitlines():
        try:
            event = json.loads(line)
        except ValueError:
            continue

        if isinstance(event, dict) and event.get("event") == "api_listening":
            return int(event["port"])

    return 0


def _version_answers(api_url: str) -> bool:
    try:
        response = httpx.get(f"{api_url}/version", timeout=1.0)
    except httpx.HTTPError:
        return False

    return response.status_code == 200
