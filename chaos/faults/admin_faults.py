"""In-service faults through the admin route (``/admin/faults``), on one replica or on all.

Each admin call reaches one replica of the target deployment (the one Ray Serve's handle
picks) or one FastAPI worker (the one that accepted the connection). A fault meant for every
replica therefore repeats the call until that many distinct replicas responded.
A fault expires by itself after ``duration_s``; a DELETE also reaches only one Ray replica, so
callers that need every fault gone wait for the expiry as well (``wait_for_expiry``).
"""

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import structlog

from chaos.stack.service_handle import ServiceEndpoint

logger = structlog.get_logger("chaos.faults.admin")

#: Calls made to reach distinct Ray replicas before giving up.
MAX_CALLS = 20
_ADMIN_TIMEOUT_S = 15.0


def _client(endpoint: ServiceEndpoint) -> httpx.Client:
    # A new connection per call, so each call can reach a different FastAPI worker.
    headers = {"Authorization": f"Bearer {endpoint.admin_token}", "Connection": "close"}
    return httpx.Client(
        base_url=endpoint.base_url, headers=headers, timeout=_ADMIN_TIMEOUT_S, trust_env=False
    )


def apply_fault(
    endpoint: ServiceEndpoint,
    kind: str,
    target: str,
    duration_s: float,
    *,
    delay_ms: int = 0,
    replicas: int = 1,
) -> list[dict[str, Any]]:
    """Switch a fault on in ``replicas`` replicas of ``target``; return each admin response.

    With ``replicas`` 1 the fault lands on the one replica or worker that takes the call. With
    more, the call repeats until ``replicas`` distinct replicas or workers responded (Serve's
    handle and the workers' shared listening socket each pick one per call). It raises
    ``RuntimeError`` when ``MAX_CALLS`` calls were not enough.
    """
    # NOTE: scope "all" is not used on the FastAPI service: a worker that still has an expired
    # local fault of the same kind ignores the shared one (``FaultInjector.active`` lets local
    # entries replace shared ones before it drops expired faults). Calls with scope "one"
    # repeated until every worker responded reach each worker's local state instead.
    scope = "one"
    body = {
        "kind": kind,
        "duration_s": duration_s,
        "delay_ms": delay_ms,
        "target": target,
        "scope": scope,
    }
    applied: list[dict[str, Any]] = []
    reached: set[str] = set()
    try:
        with _client(endpoint) as client:
            for _ in range(MAX_CALLS):
                response = client.post("/admin/faults", json=body)
                response.raise_for_status()
                applied.append(response.json())
                reached = {item["replica_id"] for item in applied}
                if len(reached) >= replicas:
                    logger.info(
                        "admin_fault_applied", kind=kind, target=target, replicas=sorted(reached)
                    )
                    return applied
    except BaseException:
        clear_fault(endpoint, target, calls=len(applied) + 1)
        raise

    clear_fault(endpoint, target, calls=len(applied) + 1)
    message = (
        f"{kind} fault reached {len(reached)} of {replicas} replicas of {target!r} in "
        f"{MAX_CALLS} calls; check the deployment's replica count"
    )
    raise RuntimeError(message)


def clear_fault(endpoint: ServiceEndpoint, target: str, calls: int = 1) -> None:
    """Send ``calls`` DELETE requests for ``target``; failures are logged, not raised."""
    with _client(endpoint) as client:
        for _ in range(max(1, calls)):
            try:
                client.delete("/admin/faults", params={"target": target}).raise_for_status()
            except httpx.HTTPError as error:
                logger.warning("admin_fault_clear_failed", target=target, error=repr(error))


def wait_for_expiry(applied: list[dict[str, Any]]) -> float:
    """Sleep until every applied fault has expired; return the seconds waited."""
    expires_at = max((float(item["expires_at_unix_s"]) for item in applied), default=0.0)
    wait_s = max(0.0, expires_at - time.time())
    time.sleep(wait_s)
    return wait_s


@contextmanager
def admin_fault(
    endpoint: ServiceEndpoint,
    kind: str,
    target: str,
    duration_s: float,
    *,
    delay_ms: int = 0,
    replicas: int = 1,
) -> Iterator[dict[str, Any]]:
    """Apply a fault for the ``with`` block and send DELETE calls when it ends.

    The block gets ``{"applied": [admin responses]}``. A DELETE may miss a Ray replica, so
    after the block the caller waits for ``wait_for_expiry`` before it relies on a clean state.
    """
    applied = apply_fault(endpoint, kind, target, duration_s, delay_ms=delay_ms, replicas=replicas)
    try:
        yield {"kind": kind, "target": target, "delay_ms": delay_ms, "applied": applied}
    finally:
        clear_fault(endpoint, target, calls=len(applied) + 1)
