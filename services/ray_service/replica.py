"""Set-up shared by every deployment of the Ray Serve service: settings, logs, metrics, faults."""

import os
from dataclasses import dataclass

import torch
from ray import serve

from services.metrics.ray import RayMetrics
from services.runtime.faults import FaultInjector
from services.runtime.logging import configure_logging
from services.runtime.settings import Settings, SettingsError

SERVICE_NAME = "ray-serve"
#: Port of the Ray metrics agent on every node (``ray start --metrics-export-port``).
METRICS_EXPORT_PORT_VARIABLE = "SERVING_RAY_METRICS_EXPORT_PORT"
#: GPUs per model replica. When unset: 0.25 if torch detects a CUDA device, else none.
NUM_GPUS_VARIABLE = "SERVING_RAY_NUM_GPUS"


@dataclass
class ReplicaRuntime:
    """Settings, metrics and faults that each replica creates once in its constructor."""

    settings: Settings
    metrics: RayMetrics
    faults: FaultInjector
    replica_id: str


def replica_id() -> str:
    """Return this replica's id as ``<deployment>#<unique id>``, for example ``Embedder#x1o6cozd``.

    The part after ``#`` is the value of the ``replica`` tag on the replica's Ray metrics.
    """
    context = serve.get_replica_context()
    return f"{context.deployment}#{context.replica_tag}"


def start_replica() -> ReplicaRuntime:
    """Read settings, configure logging and torch threads, and create metrics and faults."""
    settings = Settings.from_environment(SERVICE_NAME)
    identity = replica_id()
    configure_logging(settings.log_level, service=SERVICE_NAME, replica_id=identity)
    torch.set_num_threads(settings.torch_threads)
    return ReplicaRuntime(
        settings=settings,
        metrics=RayMetrics(),
        faults=FaultInjector(),
        replica_id=identity,
    )


def metrics_export_port() -> int:
    """Return the metrics agent port from ``SERVING_RAY_METRICS_EXPORT_PORT``."""
    raw = os.environ.get(METRICS_EXPORT_PORT_VARIABLE, "")
    if not raw.isdigit() or not 0 < int(raw) < 65536:
        message = (
            f"{METRICS_EXPORT_PORT_VARIABLE}={raw!r} is not a TCP port; set it to the value "
            "passed to 'ray start --metrics-export-port' on every node"
        )
        raise SettingsError(message)
    return int(raw)


def gpus_per_replica() -> float:
    """Return the GPU fraction each model replica requests; read when the application is built."""
    raw = os.environ.get(NUM_GPUS_VARIABLE, "")
    if raw == "":
        return 0.25 if torch.cuda.is_available() else 0.0
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0.0 <= value <= 1.0:
        message = f"{NUM_GPUS_VARIABLE}={raw!r} is invalid; expected a number from 0 to 1"
        raise SettingsError(message)
    return value
