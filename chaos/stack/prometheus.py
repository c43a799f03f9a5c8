"""Runs Prometheus from the operating system's package, scraping the stack's services.

The FastAPI service is a static target. Ray's metrics agents are found through the file-based
service discovery file Ray writes in its temp directory, so a worker node that joins or
leaves appears or disappears without a restart.
"""

import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import structlog
import yaml

from chaos.stack.ports import ensure_port_free
from chaos.stack.processes import stop_process_group

logger = structlog.get_logger("chaos.stack")

PROMETHEUS_PACKAGE = "prometheus"


class PrometheusError(RuntimeError):
    """Prometheus is missing, failed to start, or did not see its targets in time."""


@dataclass(frozen=True)
class ScrapeJob:
    """One scrape job: static targets, or a file-based service discovery file."""

    name: str
    targets: tuple[str, ...] = ()
    file_sd_path: Path | None = None
    metrics_path: str = "/metrics"


@dataclass
class RunningPrometheus:
    """A started Prometheus server."""

    url: str
    process: subprocess.Popen[bytes]
    config_path: Path
    log_path: Path

    def stop(self) -> None:
        """Stop Prometheus by its process group."""
        stop_process_group(self.process, grace_s=10.0)
        logger.info("prometheus_stopped", pid=self.process.pid)


def find_binary(name: str, package: str) -> str:
    """Return the path of ``name`` or raise ``PrometheusError`` naming the package to install."""
    path = shutil.which(name)
    if path is None:
        message = (
            f"the '{name}' binary is not on PATH; install the Debian package '{package}' "
            f"(apt-get install {package}) or run scripts/setup.sh as root"
        )
        raise PrometheusError(message)
    return path


def render_config(
    jobs: list[ScrapeJob],
    scrape_interval_s: float,
    evaluation_interval_s: float,
    rule_files: list[Path],
    alertmanager_address: str | None,
) -> dict[str, Any]:
    """Return the Prometheus configuration as a dictionary, ready to dump as YAML."""
    scrape_configs: list[dict[str, Any]] = []
    for job in jobs:
        entry: dict[str, Any] = {"job_name": job.name, "metrics_path": job.metrics_path}
        if job.file_sd_path is not None:
            entry["file_sd_configs"] = [
                {"files": [str(job.file_sd_path)], "refresh_interval": "1s"}
            ]
        else:
            entry["static_configs"] = [{"targets": list(job.targets)}]
        scrape_configs.append(entry)

    config: dict[str, Any] = {
        "global": {
            "scrape_interval": _duration(scrape_interval_s),
            "scrape_timeout": _duration(scrape_interval_s),
            "evaluation_interval": _duration(evaluation_interval_s),
        },
        "rule_files": [str(path) for path in rule_files],
        "scrape_configs": scrape_configs,
    }
    if alertmanager_address is not None:
        config["alerting"] = {
            "alertmanagers": [{"static_configs": [{"targets": [alertmanager_address]}]}]
        }
    return config


def _duration(seconds: float) -> str:
    """Format seconds as a Prometheus duration; it accepts no decimals, so use milliseconds."""
    return f"{round(seconds * 1000)}ms"


def start_prometheus(
    workdir: Path,
    config: dict[str, Any],
    port: int,
    ready_timeout_s: float = 60.0,
) -> RunningPrometheus:
    """Write ``config``, start Prometheus on 127.0.0.1:``port`` and wait until it is ready."""
    binary = find_binary("prometheus", PROMETHEUS_PACKAGE)
    ensure_port_free("127.0.0.1", port, "Prometheus")
    workdir.mkdir(parents=True, exist_ok=True)
    config_path = workdir / "prometheus.yml"
    config_path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    log_path = workdir / "prometheus.log"
    command = [
        binary,
        f"--config.file={config_path}",
        f"--storage.tsdb.path={workdir / 'data'}",
        "--storage.tsdb.retention.time=1d",
        f"--web.listen-address=127.0.0.1:{port}",
        "--web.enable-lifecycle",
    ]
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )

    server = RunningPrometheus(
        url=f"http://127.0.0.1:{port}", process=process, config_path=config_path, log_path=log_path
    )
    try:
        _wait_ready(server, ready_timeout_s)
    except BaseException:
        server.stop()
        raise
    logger.info("prometheus_ready", url=server.url, pid=process.pid)
    return server


def _wait_ready(server: RunningPrometheus, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    with httpx.Client(timeout=2.0) as client:
        while time.monotonic() < deadline:
            if server.process.poll() is not None:
                tail = "\n".join(server.log_path.read_text(errors="replace").splitlines()[-20:])
                message = f"prometheus exited with code {server.process.returncode}:\n{tail}"
                raise PrometheusError(message)
            try:
                if client.get(f"{server.url}/-/ready").status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
    message = (
        f"prometheus at {server.url} was not ready within {timeout_s} s; see {server.log_path}"
    )
    raise PrometheusError(message)
