"""The admin route that switches in-service faults on and off.

It answers 404 unless an admin token is configured, 401 without a token and 403 with a wrong
one. Every call, allowed or not, is logged with the caller's address; the token never is.
"""

import hmac

import structlog
from fastapi import APIRouter, Depends, Header, HTTPException, Query, Request

from services.contract.schemas import FaultKind, FaultRequest, FaultResponse
from services.http.backend import Backend
from services.http.routes import ADMIN_FAULTS
from services.metrics.base import ServingMetrics

logger = structlog.get_logger("services.admin")


def _bearer(authorization: str | None) -> str | None:
    if authorization is None:
        return None
    scheme, _, value = authorization.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def build_admin_router(backend: Backend, metrics: ServingMetrics, token: str | None) -> APIRouter:
    """Return the router for ``/admin/faults``; every route in it checks the token first."""

    def authorize(
        request: Request,
        authorization: str | None = Header(default=None),
    ) -> None:
        client = request.client.host if request.client else "unknown"
        if token is None:
            logger.warning("admin_call_rejected", reason="admin route disabled", client=client)
            raise HTTPException(status_code=404)

        presented = _bearer(authorization)
        if presented is None:
            logger.warning("admin_call_rejected", reason="missing bearer token", client=client)
            raise HTTPException(
                status_code=401,
                detail="missing admin token: send 'Authorization: Bearer <token>'",
                headers={"WWW-Authenticate": "Bearer"},
            )
        if not hmac.compare_digest(presented.encode(), token.encode()):
            logger.warning("admin_call_rejected", reason="wrong token", client=client)
            raise HTTPException(status_code=403, detail="the admin token is not valid")

    router = APIRouter(dependencies=[Depends(authorize)])

    @router.post(ADMIN_FAULTS, response_model=FaultResponse)
    async def apply_fault(request: Request, fault: FaultRequest) -> FaultResponse:
        if fault.scope == "all" and fault.kind in {FaultKind.HANG, FaultKind.LEAK}:
            raise HTTPException(
                status_code=422,
                detail=(
                    f"scope 'all' is not supported for {fault.kind.value!r} faults, which act on "
                    "one process; send scope 'one' to each worker instead"
                ),
            )

        applied = await backend.apply_fault(fault)
        metrics.count_fault(fault.kind.value)
        logger.warning(
            "admin_fault_applied",
            kind=fault.kind.value,
            target=fault.target,
            scope=fault.scope,
            duration_s=fault.duration_s,
            delay_ms=fault.delay_ms,
            leak_mb=fault.leak_mb,
            replica_id=applied.replica_id,
            client=request.client.host if request.client else "unknown",
        )
        return applied

    @router.delete(ADMIN_FAULTS, status_code=204)
    async def clear_faults(
        request: Request,
        target: str = Query(default="ingress", pattern="^(ingress|embedder|classifier|generator)$"),
    ) -> None:
        await backend.clear_faults(target)
        logger.warning(
            "admin_faults_cleared",
            target=target,
            client=request.client.host if request.client else "unknown",
        )

    return router
