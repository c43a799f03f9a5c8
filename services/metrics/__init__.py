"""Service metrics behind one interface, exported by prometheus_client or by Ray."""

from services.metrics.base import METRIC_NAMES, ServingMetrics

__all__ = ["METRIC_NAMES", "ServingMetrics"]
