"""Names, buckets and the recording interface of the services' own metrics.

The FastAPI service exports these names as they are. Ray exports custom metrics with a ``ray_``
prefix and adds the tags ``application``, ``deployment`` and ``replica``, so on the Ray Serve
service ``http_server_request_duration_seconds`` appears as
``ray_http_server_request_duration_seconds``. Counter base names carry no ``_total``; both
exporters append it.

HTTP metric and label names follow the OpenTelemetry HTTP semantic conventions as translated to
Prometheus (``http.server.request.duration`` becomes ``http_server_request_duration_seconds``).
"""

from typing import Protocol

#: OpenTelemetry's advised boundaries for ``http.server.request.duration``, in seconds.
LATENCY_BUCKETS_S = (
    0.005,
    0.01,
    0.025,
    0.05,
    0.075,
    0.1,
    0.25,
    0.5,
    0.75,
    1.0,
    2.5,
    5.0,
    7.5,
    10.0,
)
BATCH_SIZE_BUCKETS = (1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0)
MODEL_LOAD_BUCKETS_S = (0.5, 1.0, 2.5, 5.0, 10.0, 20.0, 40.0, 80.0)

METRIC_NAMES = {
    "request_duration": "http_server_request_duration_seconds",
    "active_requests": "http_server_active_requests",
    "cancelled": "serving_requests_cancelled",
    "tokens": "serving_generated_tokens",
    "batch_size": "serving_batch_size",
    "model_load": "serving_model_load_seconds",
    "faults": "serving_fault_injections",
}

#: Why a request stopped before its handler finished.
CANCEL_REASONS = ("client_disconnect", "timeout")


class ServingMetrics(Protocol):
    """Recording interface of the HTTP layer and the model code, one implementation per exporter."""

    def observe_request(self, method: str, route: str, status: int, seconds: float) -> None:
        """Count one finished request and its duration, labelled by route and status code."""

    def add_active(self, method: str, route: str, delta: int) -> None:
        """Move the in-flight gauge of a route by ``delta`` (+1 on arrival, -1 on completion)."""

    def count_cancelled(self, route: str, reason: str) -> None:
        """Count a request whose handler was cancelled, with a reason from ``CANCEL_REASONS``."""

    def count_tokens(self, count: int) -> None:
        """Count tokens produced by the decoder."""

    def observe_batch_size(self, size: int) -> None:
        """Record the size of one batch sent through the embedder."""

    def observe_model_load(self, model: str, seconds: float) -> None:
        """Record how long a model took to load and warm up."""

    def count_fault(self, kind: str) -> None:
        """Count an activation of an in-service fault."""
