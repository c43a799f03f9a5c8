"""``ServingMetrics`` on ``ray.serve.metrics``, exported by each node's Ray metrics agent.

Ray prefixes every custom metric with ``ray_`` and, inside a replica, adds the tags
``application``, ``deployment`` and ``replica`` on its own, so the names below match those of
the FastAPI service once the prefix is removed. Counters are exported with a ``_total`` suffix.
A replica that dies takes its series with it: alert and assert on ``rate()`` or ``increase()``.
"""

import threading

from ray.serve.metrics import Counter, Gauge, Histogram

from services.metrics.base import (
    BATCH_SIZE_BUCKETS,
    LATENCY_BUCKETS_S,
    METRIC_NAMES,
    MODEL_LOAD_BUCKETS_S,
)

_HTTP_TAGS = ("http_request_method", "http_route", "http_response_status_code")
# Ray 2.60 annotates ``tag_keys`` as ``Optional[Tuple[str]]`` (a 1-tuple) although it accepts any
# tuple of strings, hence the ``arg-type`` ignores below.


class RayMetrics:
    """Records the services' metrics through Ray's metrics API; create one per replica."""

    def __init__(self) -> None:
        self._duration = Histogram(
            METRIC_NAMES["request_duration"],
            description=(
                "Duration of HTTP server requests, from the first byte received to the last sent."
            ),
            boundaries=list(LATENCY_BUCKETS_S),
            tag_keys=_HTTP_TAGS,  # type: ignore[arg-type]
        )
        self._active = Gauge(
            METRIC_NAMES["active_requests"],
            description="HTTP server requests in flight.",
            tag_keys=("http_request_method", "http_route"),  # type: ignore[arg-type]
        )
        self._cancelled = Counter(
            METRIC_NAMES["cancelled"],
            description="Requests whose handler was cancelled before it finished.",
            tag_keys=("http_route", "reason"),  # type: ignore[arg-type]
        )
        self._tokens = Counter(
            METRIC_NAMES["tokens"],
            description="Tokens produced by the streaming decoder.",
        )
        self._batch_size = Histogram(
            METRIC_NAMES["batch_size"],
            description="Texts per batch sent through the embedder.",
            boundaries=list(BATCH_SIZE_BUCKETS),
        )
        self._model_load = Histogram(
            METRIC_NAMES["model_load"],
            description="Time to load and warm a model, per load.",
            boundaries=list(MODEL_LOAD_BUCKETS_S),
            tag_keys=("model",),
        )
        self._faults = Counter(
            METRIC_NAMES["faults"],
            description="Activations of in-service faults through the admin route.",
            tag_keys=("kind",),
        )
        # Ray's gauge stores a value, not a delta, so the in-flight count is kept here.
        self._active_counts: dict[tuple[str, str], int] = {}
        self._active_lock = threading.Lock()

    def observe_request(self, method: str, route: str, status: int, seconds: float) -> None:
        tags = {
            "http_request_method": method,
            "http_route": route,
            "http_response_status_code": str(status),
        }
        self._duration.observe(seconds, tags=tags)

    def add_active(self, method: str, route: str, delta: int) -> None:
        key = (method, route)
        with self._active_lock:
            value = self._active_counts.get(key, 0) + delta
            self._active_counts[key] = value
        self._active.set(value, tags={"http_request_method": method, "http_route": route})

    def count_cancelled(self, route: str, reason: str) -> None:
        self._cancelled.inc(tags={"http_route": route, "reason": reason})

    def count_tokens(self, count: int) -> None:
        # Ray's Counter.inc raises ValueError for values <= 0.
        if count > 0:
            self._tokens.inc(count)

    def observe_batch_size(self, size: int) -> None:
        self._batch_size.observe(size)

    def observe_model_load(self, model: str, seconds: float) -> None:
        self._model_load.observe(seconds, tags={"model": model})

    def count_fault(self, kind: str) -> None:
        self._faults.inc(tags={"kind": kind})
