"""Starts the FastAPI reference service under Gunicorn as a child process of the suite."""

import os
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import psutil
import structlog

from chaos.stack.ports import ensure_port_free
from chaos.stack.processes import stop_process_group
from chaos.stack.service_handle import ServiceEndpoint

logger = structlog.get_logger("chaos.stack")


class ServiceStartError(RuntimeError):
    """A reference service did not become ready; the message carries the tail of its log."""


@dataclass(frozen=True)
class FastAPIServiceConfig:
    """Settings the suite runs the FastAPI service with. Its timers bound the chaos results."""

    host: str = "127.0.0.1"
    port: int = 8001
    workers: int = 2
    #: Gunicorn kills a worker whose event loop sent no heartbeat for this many seconds.
    hung_worker_timeout_s: int = 5
    graceful_timeout_s: int = 5
    request_timeout_s: float = 10.0
    ready_timeout_s: float = 180.0


@dataclass
class RunningFastAPIService:
    """A started Gunicorn arbiter with its workers."""

    endpoint: ServiceEndpoint
    process: subprocess.Popen[bytes]
    log_path: Path

    def worker_pids(self) -> list[int]:
        """Return the ids of the arbiter's live worker processes."""
        try:
            return [child.pid for child in psutil.Process(self.process.pid).children()]
        except psutil.NoSuchProcess:
            return []

    def stop(self) -> None:
        """Stop the arbiter and every worker, by process group."""
        stop_process_group(self.process, grace_s=15.0)
        logger.info("fastapi_service_stopped", pid=self.process.pid)


def start_fastapi_service(workdir: Path, config: FastAPIServiceConfig) -> RunningFastAPIService:
    """Start Gunicorn with ``config``, wait until every worker is ready, and return it.

    Raises ``PortBusyError`` before starting anything if the port is taken, and
    ``ServiceStartError`` (after stopping what it started) if readiness is not reached.
    """
    ensure_port_free(config.host, config.port, "the FastAPI service")
    workdir.mkdir(parents=True, exist_ok=True)
    token = secrets.token_urlsafe(24)
    log_path = workdir / "fastapi-service.log"
    environment = {
        **os.environ,
        "PROMETHEUS_MULTIPROC_DIR": str(workdir / "prometheus-multiproc"),
        "SERVING_ADMIN_TOKEN": token,
        "SERVING_STATE_DIR": str(workdir / "state"),
        "SERVING_REQUEST_TIMEOUT_S": str(config.request_timeout_s),
        "GUNICORN_BIND": f"{config.host}:{config.port}",
        "GUNICORN_WORKERS": str(config.workers),
        "GUNICORN_TIMEOUT": str(config.hung_worker_timeout_s),
        "GUNICORN_GRACEFUL_TIMEOUT": str(config.graceful_timeout_s),
        "PYTHONUNBUFFERED": "1",
    }
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--config",
        "python:services.fastapi_service.gunicorn_conf",
        "services.fastapi_service.main:create_app()",
    ]
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            command,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=environment,
            cwd=Path(__file__).resolve().parents[2],
            start_new_session=True,
        )

    base_url = f"http://{config.host}:{config.port}"
    endpoint = ServiceEndpoint(
        name="fastapi",
        base_url=base_url,
        admin_token=token,
        metrics_urls=(f"{base_url}/metrics",),
        request_timeout_s=config.request_timeout_s,
        details={"hung_worker_timeout_s": str(config.hung_worker_timeout_s)},
    )
    service = RunningFastAPIService(endpoint=endpoint, process=process, log_path=log_path)
    try:
        wait_until_workers_ready(service, config.workers, config.ready_timeout_s)
    except BaseException:
        service.stop()
        raise
    logger.info("fastapi_service_ready", pid=process.pid, url=base_url, workers=config.workers)
    return service


def wait_until_workers_ready(
    service: RunningFastAPIService, workers: int, timeout_s: float
) -> None:
    """Poll ``/readyz`` on fresh connections until ``workers`` distinct workers report ready."""
    deadline = time.monotonic() + timeout_s
    ready: set[str] = set()
    while time.monotonic() < deadline:
        if service.process.poll() is not None:
            message = (
                f"gunicorn exited with code {service.process.returncode} before it was ready; "
                f"last log lines:\n{_tail(service.log_path)}"
            )
            raise ServiceStartError(message)

        live = {str(pid) for pid in service.worker_pids()}
        try:
            with httpx.Client(timeout=2.0) as client:
                response = client.get(f"{service.endpoint.base_url}/readyz")
            if response.status_code == 200:
                ready.add(response.json()["replica_id"])
        except httpx.HTTPError:
            pass

        ready = {replica for replica in ready if replica.rsplit(":", 1)[-1] in live}
        if len(ready) >= workers:
            return
        time.sleep(0.2)

    message = (
        f"the FastAPI service had {len(ready)} of {workers} workers ready after {timeout_s} s; "
        f"last log lines:\n{_tail(service.log_path)}"
    )
    raise ServiceStartError(message)


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return "(no log written)"


@contextmanager
def running_fastapi_service(
    workdir: Path, config: FastAPIServiceConfig
) -> Iterator[RunningFastAPIService]:
    """Run the service for the duration of the ``with`` block, and always stop it."""
    service = start_fastapi_service(workdir, config)
    try:
        yield service
    finally:
        service.stop()
