"""``ServingMetrics`` on prometheus_client, in multiprocess mode when the directory is set.

Gunicorn runs several worker processes; each writes its samples to memory-mapped files under
``PROMETHEUS_MULTIPROC_DIR`` and ``/metrics`` merges them. The in-flight gauge uses the
``livesum`` mode, so a dead worker's value leaves the sum as soon as Gunicorn reports the death
through ``mark_process_dead`` (see ``services.fastapi_service.gunicorn_conf``). Counters and
histograms keep the samples of dead workers, so totals never go backwards between scrapes.
"""

import os

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)

from services.metrics.base import (
    BATCH_SIZE_BUCKETS,
    LATENCY_BUCKETS_S,
    METRIC_NAMES,
    MODEL_LOAD_BUCKETS_S,
)

MULTIPROCESS_DIR_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"


class PrometheusMetrics:
    """Records the services' metrics into a prometheus_client registry."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry if registry is not None else CollectorRegistry()
        self._duration = Histogram(
            METRIC_NAMES["request_duration"],
            "Duration of HTTP server requests, from the first byte received to the last sent.",
            ["http_request_method", "http_route", "http_response_status_code"],
            buckets=LATENCY_BUCKETS_S,
            registry=self.registry,
        )
        self._active = Gauge(
            METRIC_NAMES["active_requests"],
            "HTTP server requests in flight.",
            ["http_request_method", "http_route"],
            multiprocess_mode="livesum",
            registry=self.registry,
        )
        self._cancelled = Counter(
            METRIC_NAMES["cancelled"],
            "Requests whose handler was cancelled before it finished.",
            ["http_route", "reason"],
            registry=self.registry,
        )
        self._tokens = Counter(
            METRIC_NAMES["tokens"],
            "Tokens produced by the streaming decoder.",
            registry=self.registry,
        )
        self._batch_size = Histogram(
            METRIC_NAMES["batch_size"],
            "Texts per batch sent through the embedder.",
            buckets=BATCH_SIZE_BUCKETS,
            registry=self.registry,
        )
        self._model_load = Histogram(
            METRIC_NAMES["model_load"],
            "Time to load and warm a model, per load.",
            ["model"],
            buckets=MODEL_LOAD_BUCKETS_S,
            registry=self.registry,
        )
        self._faults = Counter(
            METRIC_NAMES["faults"],
            "Activations of in-service faults through the admin route.",
            ["kind"],
            registry=self.registry,
        )

    def observe_request(self, method: str, route: str, status: int, seconds: float) -> None:
        self._duration.labels(method, route, str(status)).observe(seconds)

    def add_active(self, method: str, route: str, delta: int) -> None:
        self._active.labels(method, route).inc(delta)

    def count_cancelled(self, route: str, reason: str) -> None:
        self._cancelled.labels(route, reason).inc()

    def count_tokens(self, count: int) -> None:
        self._tokens.inc(count)

    def observe_batch_size(self, size: int) -> None:
        self._batch_size.observe(size)

    def observe_model_load(self, model: str, seconds: float) -> None:
        self._model_load.labels(model).observe(seconds)

    def count_fault(self, kind: str) -> None:
        self._faults.labels(kind).inc()


def render_latest(metrics: PrometheusMetrics) -> bytes:
    """Render the exposition: merged across workers in multiprocess mode, else this registry."""
    if os.environ.get(MULTIPROCESS_DIR_VARIABLE):
        merged = CollectorRegistry()
        multiprocess.MultiProcessCollector(merged)  # type: ignore[no-untyped-call]
        return generate_latest(merged)
    return generate_latest(metrics.registry)
