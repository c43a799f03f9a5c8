"""The hang fault: one replica's or worker's event loop blocked while its process stays alive.

The admin ``hang`` fault blocks the event loop of the replica or worker that takes the call.
The helpers here give the supervisor's theoretical detection bound and match the victim's id
against the serving members that ``chaos.probes.replicas.serving_members`` lists.
"""

from typing import Any

from chaos.stack.embedded import EmbeddedStack
from chaos.stack.ray_service import SERVE_CONFIG
from chaos.stack.timers import serve_health_checks

#: Consecutive failed health checks after which Ray Serve replaces a replica
#: (``REPLICA_HEALTH_CHECK_UNHEALTHY_THRESHOLD`` in Ray Serve 2.60).
RAY_UNHEALTHY_THRESHOLD = 3
#: The Gunicorn arbiter checks worker heartbeats once per main-loop pass, which waits up to 1 s
#: for signals (``Arbiter.run`` in Gunicorn 27).
GUNICORN_ARBITER_WAKE_S = 1.0


def detection_bound(stack: EmbeddedStack, service: str, deployment: str) -> dict[str, Any]:
    """Return the theoretical hang-detection bound of the supervisor and its inputs.

    Ray Serve: each of the 3 failing checks waits ``health_check_timeout_s`` and the next one
    starts ``health_check_period_s`` later, so 3 x (period + timeout). Gunicorn: ``timeout``
    since the worker's last heartbeat, plus one arbiter pass.
    """
    if service == "ray":
        checks = serve_health_checks(SERVE_CONFIG)[deployment]
        period = float(checks["health_check_period_s"])
        timeout = float(checks["health_check_timeout_s"])
        return {
            "bound_s": RAY_UNHEALTHY_THRESHOLD * (period + timeout),
            "health_check_period_s": period,
            "health_check_timeout_s": timeout,
            "unhealthy_threshold": RAY_UNHEALTHY_THRESHOLD,
        }
    timeout_s = float(stack.timers.fastapi_hung_worker_timeout_s)
    return {
        "bound_s": timeout_s + GUNICORN_ARBITER_WAKE_S,
        "gunicorn_timeout_s": timeout_s,
        "arbiter_wake_s": GUNICORN_ARBITER_WAKE_S,
    }


def is_victim(member: str, victim: str, service: str) -> bool:
    """Match a serving member against the replica id the admin route returned.

    Ray Serve: the id is ``Embedder#<tag>`` and the member an actor name ending in that tag.
    FastAPI: the id is ``<host>:<pid>`` and the member ``pid <pid>``.
    """
    if service == "ray":
        return member.endswith(victim.rsplit("#", 1)[-1])
    return member == f"pid {victim.rsplit(':', 1)[-1]}"
