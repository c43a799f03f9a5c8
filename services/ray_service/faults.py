"""Fault activation inside one Ray Serve replica."""

import time

import structlog

from services.contract.schemas import FaultRequest, FaultResponse
from services.ray_service.replica import ReplicaRuntime

logger = structlog.get_logger("services.ray_service.faults")

DEPLOYMENT_TARGETS = ("ingress", "embedder", "classifier", "generator")


def apply_fault_locally(runtime: ReplicaRuntime, request: FaultRequest) -> FaultResponse:
    """Activate ``request`` in this replica's ``FaultInjector`` and describe what was applied.

    Must run on the replica's event loop: a hang fault schedules the blocking call on it. The
    ingress counts the activation in ``serving_fault_injections``, so it is not counted here.
    """
    fault = runtime.faults.activate(request)
    logger.warning(
        "fault_applied",
        kind=request.kind.value,
        target=request.target,
        expires_at_unix_s=fault.expires_at,
        seconds_left=round(fault.expires_at - time.time(), 3),
    )
    return FaultResponse(
        kind=request.kind,
        replica_id=runtime.replica_id,
        target=request.target,
        scope=request.scope,
        expires_at_unix_s=fault.expires_at,
    )
