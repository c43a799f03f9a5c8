"""Runs Alertmanager from the operating system's package with the shipped routing.

The routing tree and receivers come from ``alerts/alertmanager.yml``; the embedded stack only
points the webhooks at the suite's own receiver and shortens the grouping timers (listed in
``StackTimers``), so notifications arrive within a scenario instead of minutes later.
"""

import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import structlog
import yaml

from alerts.alertmanager_config import render
from chaos.stack.ports import ensure_port_free
from chaos.stack.processes import stop_process_group
from chaos.stack.prometheus import PrometheusError, find_binary

logger = structlog.get_logger("chaos.stack")

ALERTMANAGER_PACKAGE = "prometheus-alertmanager"


@dataclass
class RunningAlertmanager:
    """A started Alertmanager."""

    url: str
    process: subprocess.Popen[bytes]
    config_path: Path
    log_path: Path

    @property
    def address(self) -> str:
        """Return ``host:port`` for Prometheus's alerting configuration."""
        return self.url.removeprefix("http://")

    def stop(self) -> None:
        """Stop Alertmanager by its process group."""
        stop_process_group(self.process, grace_s=10.0)
        logger.info("alertmanager_stopped", pid=self.process.pid)


def stack_config(webhook_base_url: str, group_wait_s: float, group_interval_s: float) -> str:
    """Return the shipped routing with the stack's webhook URL and grouping timers."""
    config = yaml.safe_load(render(webhook_base_url))
    routes = [config["route"], *config["route"].get("routes", [])]
    for route in routes:
        if "group_wait" in route:
            route["group_wait"] = f"{round(group_wait_s * 1000)}ms"
        if "group_interval" in route:
            route["group_interval"] = f"{round(group_interval_s * 1000)}ms"
    return str(yaml.safe_dump(config, sort_keys=False))


def start_alertmanager(
    workdir: Path, config_text: str, port: int, ready_timeout_s: float = 60.0
) -> RunningAlertmanager:
    """Write the configuration, start Alertmanager on 127.0.0.1:``port`` and wait until ready."""
    binary = find_binary("prometheus-alertmanager", ALERTMANAGER_PACKAGE)
    ensure_port_free("127.0.0.1", port, "Alertmanager")
    workdir.mkdir(parents=True, exist_ok=True)
    config_path = workdir / "alertmanager.yml"
    config_path.write_text(config_text, encoding="utf-8")
    log_path = workdir / "alertmanager.log"
    command = [
        binary,
        f"--config.file={config_path}",
        f"--storage.path={workdir / 'data'}",
        f"--web.listen-address=127.0.0.1:{port}",
        # No gossip: a single instance, and nothing should listen on other interfaces.
        "--cluster.listen-address=",
    ]
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )

    server = RunningAlertmanager(f"http://127.0.0.1:{port}", process, config_path, log_path)
    deadline = time.monotonic() + ready_timeout_s
    with httpx.Client(timeout=2.0) as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                tail = "\n".join(log_path.read_text(errors="replace").splitlines()[-20:])
                server.stop()
                message = f"alertmanager exited with code {process.returncode}:\n{tail}"
                raise PrometheusError(message)
            try:
                if client.get(f"{server.url}/-/ready").status_code == 200:
                    logger.info("alertmanager_ready", url=server.url, pid=process.pid)
                    return server
            except httpx.HTTPError:
                pass
            time.sleep(0.2)

    server.stop()
    message = (
        f"alertmanager at {server.url} was not ready within {ready_timeout_s} s; see {log_path}"
    )
    raise PrometheusError(message)
