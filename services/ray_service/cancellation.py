"""Counting of cancelled calls inside the replicas that a request reaches through a handle."""

import asyncio
import time
from collections.abc import Iterator
from contextlib import contextmanager

import structlog

from services.metrics.base import ServingMetrics

logger = structlog.get_logger("services.ray_service.cancellation")

#: A cancellation this close to the request deadline, or later, counts as a timeout.
_DEADLINE_SLACK_S = 0.05


@contextmanager
def count_cancellation(
    metrics: ServingMetrics, route: str, deadline_unix_s: float, replica_id: str
) -> Iterator[None]:
    """Count ``CancelledError`` raised in the block under ``route``, then re-raise it.

    Serve cancels a downstream call when the HTTP client disconnects or the request timeout
    (``http_options.request_timeout_s``) expires. ``deadline_unix_s`` is when the ingress
    expects the timeout. Cancellations from then on count as ``timeout``, earlier ones as
    ``client_disconnect``.
    """
    try:
        yield
    except asyncio.CancelledError:
        reason = (
            "timeout" if time.time() >= deadline_unix_s - _DEADLINE_SLACK_S else "client_disconnect"
        )
        metrics.count_cancelled(route, reason)
        logger.info("call_cancelled", route=route, reason=reason, replica_id=replica_id)
        raise
