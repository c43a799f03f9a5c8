"""Every timer that decides how long a scenario takes on the embedded stack, in one place.

Time-to-recovery and detection latency are only meaningful next to these values, so the
journal records them at the start of every run. Ray Serve's per-deployment health-check
values live in ``services/ray_service/serve_config.yaml``; ``serve_health_checks`` reads them
from there so the record shows what was deployed.
"""

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import yaml


@dataclass(frozen=True)
class StackTimers:
    """Timers of the embedded stack, in seconds unless the name says otherwise."""

    #: Prometheus scrape interval for every job.
    prometheus_scrape_interval_s: float = 1.0
    #: Prometheus rule evaluation interval.
    prometheus_evaluation_interval_s: float = 1.0
    #: Ray's metrics agent export period (``metrics_report_interval_ms`` system config).
    ray_metrics_report_interval_ms: int = 500
    #: Ray Serve proxy health-check period and timeout (defaults 10 s and 10 s).
    serve_proxy_health_check_period_s: float = 2.0
    serve_proxy_health_check_timeout_s: float = 2.0
    #: Gunicorn kills a FastAPI worker whose event loop sends no heartbeat for this long.
    fastapi_hung_worker_timeout_s: int = 5
    #: Gunicorn waits this long for a worker to finish in-flight requests on shutdown.
    fastapi_graceful_timeout_s: int = 5
    #: End-to-end request timeout of both services (Serve ``request_timeout_s``).
    request_timeout_s: float = 10.0
    #: Alertmanager grouping, shortened from the shipped 30 s and 5 m so that notifications
    #: arrive within a scenario; the routing tree and the alert rules stay as shipped.
    alertmanager_group_wait_s: float = 1.0
    alertmanager_group_interval_s: float = 5.0

    def to_record(self, serve_config: Path) -> dict[str, Any]:
        """Return the timers plus the deployed Serve health-check settings, for the journal."""
        return {**asdict(self), "serve_deployments": serve_health_checks(serve_config)}


def serve_health_checks(serve_config: Path) -> dict[str, dict[str, Any]]:
    """Read each deployment's health-check and autoscaling timers from a Serve config file."""
    config = yaml.safe_load(serve_config.read_text(encoding="utf-8"))
    keys = (
        "health_check_period_s",
        "health_check_timeout_s",
        "graceful_shutdown_wait_loop_s",
        "graceful_shutdown_timeout_s",
    )
    result: dict[str, dict[str, Any]] = {}
    for application in config.get("applications", []):
        for deployment in application.get("deployments", []):
            record = {key: deployment.get(key) for key in keys}
            autoscaling = deployment.get("autoscaling_config") or {}
            record["autoscaling"] = {
                key: autoscaling.get(key)
                for key in (
                    "min_replicas",
                    "max_replicas",
                    "target_ongoing_requests",
                    "upscale_delay_s",
                    "downscale_delay_s",
                    "look_back_period_s",
                )
            }
            result[deployment["name"]] = record
    return result
