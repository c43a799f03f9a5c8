"""Client-side SLI metrics and fault windows, served from the pytest process for Prometheus.

The exporter keeps its own ``CollectorRegistry`` (the pytest process has no other metrics) and
serves it over HTTP on 127.0.0.1. Prometheus scrapes it as job ``chaos``, and the dashboards
compare these series with the services' own:

- ``chaos_client_requests_total{service, route, outcome}`` counts finished load-driver
  requests; ``outcome`` is ``ok`` or ``error`` as ``LedgerEntry.ok`` decides.
- ``chaos_client_request_duration_seconds{service, route}`` is their latency from the intended
  send time, with the services' buckets (``LATENCY_BUCKETS_S``).
- ``chaos_fault_active{scenario, service, fault}`` is 1 while a fault is active and 0 after.

One exporter is active per process; ``active_exporter`` returns it so that scenario code can
mark fault windows without a reference to the plugin.
"""

import threading
from typing import Any
from urllib.parse import urlsplit
from wsgiref.simple_server import WSGIServer

import structlog
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server

from chaos.ledger import LedgerEntry
from chaos.load.config import LoadConfig
from chaos.load.driver import add_completion_listener, remove_completion_listener
from services.metrics.base import LATENCY_BUCKETS_S

logger = structlog.get_logger("chaos.exporter")

#: ``service`` label of requests to a base URL that no registered service owns.
UNKNOWN_SERVICE = "unknown"

_active: "ChaosExporter | None" = None
_active_lock = threading.Lock()


class ChaosExporter:
    """The suite's own metrics and the HTTP server that exposes them."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "chaos_client_requests",
            "Load-driver requests that finished, by outcome (ok or error).",
            ["service", "route", "outcome"],
            registry=self.registry,
        )
        self.duration = Histogram(
            "chaos_client_request_duration_seconds",
            "Load-driver request latency from the intended send time to the end, in seconds.",
            ["service", "route"],
            buckets=LATENCY_BUCKETS_S,
            registry=self.registry,
        )
        self.fault_active = Gauge(
            "chaos_fault_active",
            "1 while the suite holds a fault on a service, 0 after.",
            ["scenario", "service", "fault"],
            registry=self.registry,
        )
        self._services: dict[str, str] = {}
        self._server: WSGIServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def address(self) -> str:
        """Return ``host:port`` of the running HTTP server, for a Prometheus static target."""
        if self._server is None:
            message = "the chaos exporter is not started; call start() first"
            raise RuntimeError(message)
        host, port = self._server.server_address[:2]
        return f"{host!s}:{port}"

    def start(self, port: int = 0) -> "ChaosExporter":
        """Serve ``/metrics`` on 127.0.0.1 (a free port when ``port`` is 0) and count requests."""
        global _active
        self._server, self._thread = start_http_server(
            port, addr="127.0.0.1", registry=self.registry
        )
        add_completion_listener(self.observe_request)
        with _active_lock:
            _active = self
        logger.info("chaos_exporter_started", address=self.address)
        return self

    def stop(self) -> None:
        """Stop counting requests and shut the HTTP server down."""
        global _active
        remove_completion_listener(self.observe_request)
        with _active_lock:
            if _active is self:
                _active = None
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5.0)
            self._thread = None
        logger.info("chaos_exporter_stopped")

    def register_service(self, name: str, base_url: str) -> None:
        """Label requests sent to ``base_url`` (any path under it) with ``service=name``."""
        self._services[_origin(base_url)] = name

    def service_of(self, base_url: str) -> str:
        """Return the service name registered for ``base_url``, or ``UNKNOWN_SERVICE``."""
        return self._services.get(_origin(base_url), UNKNOWN_SERVICE)

    def observe_request(self, config: LoadConfig, entry: LedgerEntry) -> None:
        """Count one finished request of a load run; an unfinished entry is ignored."""
        if not entry.finished:
            return

        service = self.service_of(config.base_url)
        outcome = "ok" if entry.ok else "error"
        self.requests.labels(service=service, route=entry.route, outcome=outcome).inc()
        latency = entry.latency_s
        if latency is not None:
            self.duration.labels(service=service, route=entry.route).observe(max(0.0, latency))

    def set_fault_active(self, scenario: str, service: str, fault: str, active: bool) -> None:
        """Set ``chaos_fault_active`` of one fault to 1 or 0."""
        self.fault_active.labels(scenario=scenario, service=service, fault=fault).set(
            1.0 if active else 0.0
        )
        logger.info("fault_window", scenario=scenario, service=service, fault=fault, active=active)

    def describe(self) -> dict[str, Any]:
        """Return the exporter's address and the services it labels, for the journal."""
        return {"address": self.address, "services": dict(self._services)}


def active_exporter() -> ChaosExporter | None:
    """Return the exporter started in this process, or ``None`` when none runs."""
    with _active_lock:
        return _active


def _origin(base_url: str) -> str:
    parts = urlsplit(base_url)
    return f"{parts.scheme}://{parts.netloc}"
