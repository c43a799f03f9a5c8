"""The embedded stack: both reference services and their observability, on one machine.

Components: a Ray cluster in network namespaces serving the Ray Serve service, the FastAPI
service under Gunicorn, the Toxiproxy-compatible fault proxy with one proxy in front of each
service, Prometheus (with the shipped alert rules), Alertmanager (with the shipped routing)
and the suite's webhook receiver.

``start_embedded_stack`` takes the machine-wide stack lock, removes leftovers of an earlier
run, starts every component with the timers of ``StackTimers``, and returns only once the
services are ready and every Prometheus target is up. ``EmbeddedStack.stop`` ends everything
it started, in reverse order, also when a component already died.
"""

import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import structlog

from chaos.faultproxy.client import FaultProxyClient
from chaos.faultproxy.process import FaultProxyProcess, start_fault_proxy
from chaos.observability.receiver import WebhookReceiver
from chaos.probes.prometheus import PrometheusClient
from chaos.stack import leftovers
from chaos.stack.alertmanager import RunningAlertmanager, stack_config, start_alertmanager
from chaos.stack.fastapi_service import (
    FastAPIServiceConfig,
    RunningFastAPIService,
    start_fastapi_service,
)
from chaos.stack.lock import StackLock
from chaos.stack.ports import free_port
from chaos.stack.prometheus import RunningPrometheus, ScrapeJob, render_config, start_prometheus
from chaos.stack.ray_service import RayService, start_ray_service
from chaos.stack.service_handle import ServiceEndpoint
from chaos.stack.timers import StackTimers

logger = structlog.get_logger("chaos.stack")

ALERT_RULES_DIR = Path(__file__).resolve().parents[2] / "alerts" / "rules"
#: Replicas the Ray Serve service runs per deployment in the embedded stack: two embedders, so
#: killing one leaves a survivor to take the traffic.
RAY_MIN_REPLICAS = {"Ingress": 1, "Embedder": 2, "Classifier": 1, "Generator": 1}


@dataclass
class EmbeddedStack:
    """Every component the suite started, and how to reach them."""

    workdir: Path
    timers: StackTimers
    lock: StackLock = field(default_factory=StackLock)
    fastapi: RunningFastAPIService | None = None
    ray: RayService | None = None
    fault_proxy: FaultProxyProcess | None = None
    #: Listen address (``host:port``) of the fault proxy in front of each service, by name.
    proxied: dict[str, str] = field(default_factory=dict)
    receiver: WebhookReceiver | None = None
    alertmanager: RunningAlertmanager | None = None
    prometheus: RunningPrometheus | None = None
    #: ``host:port`` of the chaos exporter in the pytest process, scraped as job ``chaos``.
    exporter_address: str | None = None
    started_s: dict[str, float] = field(default_factory=dict)

    def services(self) -> dict[str, ServiceEndpoint]:
        """Return the endpoints of the running services by name."""
        endpoints: dict[str, ServiceEndpoint] = {}
        if self.fastapi is not None:
            endpoints["fastapi"] = self.fastapi.endpoint
        if self.ray is not None:
            endpoints["ray"] = self.ray.endpoint
        return endpoints

    def proxied_url(self, service: str) -> str:
        """Return the base URL that reaches ``service`` through the fault proxy."""
        return f"http://{self.proxied[service]}"

    def fault_proxy_client(self) -> FaultProxyClient:
        """Return a client of the fault proxy's API."""
        if self.fault_proxy is None:
            message = "the embedded stack has no fault proxy running"
            raise RuntimeError(message)
        return FaultProxyClient(self.fault_proxy.api_url)

    def prometheus_client(self) -> PrometheusClient:
        """Return a client of the stack's Prometheus."""
        if self.prometheus is None:
            message = "the embedded stack has no Prometheus running"
            raise RuntimeError(message)
        return PrometheusClient(self.prometheus.url)

    def describe(self) -> dict[str, Any]:
        """Return where every component runs, for the journal."""
        return {
            "kind": "embedded",
            "workdir": str(self.workdir),
            "services": {name: endpoint.base_url for name, endpoint in self.services().items()},
            "prometheus": self.prometheus.url if self.prometheus else None,
            "alertmanager": self.alertmanager.url if self.alertmanager else None,
            "fault_proxy": self.fault_proxy.api_url if self.fault_proxy else None,
            "proxied": {name: f"http://{address}" for name, address in self.proxied.items()},
            "seconds_to_start": {name: round(value, 1) for name, value in self.started_s.items()},
        }

    def stop(self) -> None:
        """Stop every component, Prometheus first, and forget them in the leftover registry."""
        if self.prometheus is not None:
            self.prometheus.stop()
            leftovers.forget_process(self.prometheus.process.pid)
            self.prometheus = None
        if self.alertmanager is not None:
            self.alertmanager.stop()
            leftovers.forget_process(self.alertmanager.process.pid)
            self.alertmanager = None
        if self.receiver is not None:
            self.receiver.stop()
            self.receiver = None
        if self.fault_proxy is not None:
            _reset_fault_proxy(self.fault_proxy)
            self.fault_proxy.stop()
            leftovers.forget_process(self.fault_proxy.pid)
            self.fault_proxy = None
        if self.fastapi is not None:
            self.fastapi.stop()
            leftovers.forget_process(self.fastapi.process.pid)
            self.fastapi = None
        if self.ray is not None:
            self.ray.stop()
            self.ray = None
        self.lock.release()
        logger.info("embedded_stack_stopped", workdir=str(self.workdir))


def start_embedded_stack(
    timers: StackTimers, base_dir: Path | None = None, exporter_address: str | None = None
) -> EmbeddedStack:
    """Start the embedded stack and wait until it is healthy; on failure stop what started.

    Ray's temp directory lives under ``base_dir``, whose path must stay short (Unix socket
    paths are limited to 107 bytes), so the default is ``/tmp/serving-chaos/<run id>``.
    ``exporter_address`` (``host:port``) adds the scrape job ``chaos`` for the suite's exporter.
    """
    workdir = (base_dir or Path("/tmp/serving-chaos")) / secrets.token_hex(3)
    stack = EmbeddedStack(workdir=workdir, timers=timers, exporter_address=exporter_address)
    stack.lock.acquire()
    try:
        removed = leftovers.remove_leftovers()
        if removed["process_groups"] or removed["namespaces"]:
            logger.warning("leftovers_removed", **removed)
        _start_ray(stack)
        _start_fastapi(stack)
        _start_fault_proxy(stack)
        _start_alerting(stack)
        _start_prometheus(stack)
    except BaseException:
        stack.stop()
        raise
    return stack


def _start_ray(stack: EmbeddedStack) -> None:
    started = time.monotonic()
    stack.ray = start_ray_service(
        stack.workdir / "ray",
        request_timeout_s=stack.timers.request_timeout_s,
        min_replicas=RAY_MIN_REPLICAS,
        system_config={"metrics_report_interval_ms": stack.timers.ray_metrics_report_interval_ms},
        proxy_health_check_period_s=stack.timers.serve_proxy_health_check_period_s,
        proxy_health_check_timeout_s=stack.timers.serve_proxy_health_check_timeout_s,
    )
    stack.started_s["ray"] = time.monotonic() - started


def _start_fastapi(stack: EmbeddedStack) -> None:
    started = time.monotonic()
    config = FastAPIServiceConfig(
        port=free_port(),
        workers=2,
        hung_worker_timeout_s=stack.timers.fastapi_hung_worker_timeout_s,
        graceful_timeout_s=stack.timers.fastapi_graceful_timeout_s,
        request_timeout_s=stack.timers.request_timeout_s,
    )
    stack.fastapi = start_fastapi_service(stack.workdir / "fastapi", config)
    leftovers.record_process(stack.fastapi.process.pid)
    stack.started_s["fastapi"] = time.monotonic() - started


def _start_fault_proxy(stack: EmbeddedStack) -> None:
    assert stack.fastapi is not None
    assert stack.ray is not None
    started = time.monotonic()
    stack.workdir.mkdir(parents=True, exist_ok=True)
    stack.fault_proxy = start_fault_proxy(log_path=stack.workdir / "fault-proxy.log")
    leftovers.record_process(stack.fault_proxy.pid)
    upstreams = {
        "fastapi": stack.fastapi.endpoint.base_url.removeprefix("http://"),
        "ray": stack.ray.endpoint.base_url.removeprefix("http://"),
    }
    with stack.fault_proxy_client() as client:
        client.reset()
        for name, upstream in upstreams.items():
            proxy = client.create_proxy(name, upstream, listen="127.0.0.1:0")
            host, port = proxy.listen_address
            stack.proxied[name] = f"{host}:{port}"
    stack.started_s["fault_proxy"] = time.monotonic() - started


def _reset_fault_proxy(process: FaultProxyProcess) -> None:
    """Remove every toxic and re-enable every proxy; a dead proxy is logged, not raised."""
    try:
        with FaultProxyClient(process.api_url) as client:
            client.reset()
    except Exception as error:
        logger.warning("fault_proxy_reset_failed", error=repr(error))


def _start_alerting(stack: EmbeddedStack) -> None:
    started = time.monotonic()
    stack.receiver = WebhookReceiver().start()
    config = stack_config(
        stack.receiver.base_url,
        group_wait_s=stack.timers.alertmanager_group_wait_s,
        group_interval_s=stack.timers.alertmanager_group_interval_s,
    )
    stack.alertmanager = start_alertmanager(
        stack.workdir / "alertmanager", config, port=free_port()
    )
    leftovers.record_process(stack.alertmanager.process.pid)
    stack.started_s["alertmanager"] = time.monotonic() - started


def _start_prometheus(stack: EmbeddedStack) -> None:
    assert stack.fastapi is not None
    assert stack.ray is not None
    started = time.monotonic()
    fastapi_target = stack.fastapi.endpoint.base_url.removeprefix("http://")
    jobs = [
        ScrapeJob(name="fastapi", targets=(fastapi_target,)),
        ScrapeJob(name="ray", file_sd_path=stack.ray.cluster.service_discovery_file),
    ]
    # Start of the chaos exporter's scrape job (client-side SLIs and fault windows).
    if stack.exporter_address is not None:
        jobs.append(ScrapeJob(name="chaos", targets=(stack.exporter_address,)))
    # End of the chaos exporter's scrape job.
    config = render_config(
        jobs,
        scrape_interval_s=stack.timers.prometheus_scrape_interval_s,
        evaluation_interval_s=stack.timers.prometheus_evaluation_interval_s,
        rule_files=sorted(ALERT_RULES_DIR.glob("*.yml")) if ALERT_RULES_DIR.is_dir() else [],
        alertmanager_address=stack.alertmanager.address if stack.alertmanager else None,
    )
    stack.prometheus = start_prometheus(stack.workdir / "prometheus", config, port=free_port())
    leftovers.record_process(stack.prometheus.process.pid)

    client = PrometheusClient(stack.prometheus.url)
    try:
        up = client.wait_for_targets_up({job.name for job in jobs}, timeout_s=90.0)
    finally:
        client.close()
    stack.started_s["prometheus"] = time.monotonic() - started
    logger.info("embedded_stack_ready", targets_up=up, seconds=stack.started_s)
