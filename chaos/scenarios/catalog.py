"""The scenarios ``pytest chaos/`` runs, with their bounds.

Recovery deadlines follow the embedded stack's timers: Serve health checks every 1 s with a
3 s timeout (a dead replica is noticed within a few seconds and a new one needs about 5 s to
load the model), and Gunicorn restarts a dead worker at once but its model takes 5 to 10 s to
load on two cores. On a 2-core machine the replacement's start-up competes with the load, so
a Ray Serve replica came back after 14 s when its scenario ran alone but after 21 to 23 s at
the end of a full run; the 45 s deadline and the 45 s of load after the kill cover both.
"""

from chaos.ledger import Sla
from chaos.scenarios.definitions import (
    AlertExpectation,
    DisconnectBounds,
    DisconnectScenario,
    KillBounds,
    KillScenario,
)

#: Healthy means, per one-second window, at least 95 % of requests succeed and p95 stays under
#: 1 s (a 2-core machine shares its cores between the load, Ray, Gunicorn and Prometheus).
KILL_SLA = Sla(min_success_ratio=0.95, max_p95_s=1.0, window_s=1.0, stable_s=5.0)

#: Page alerts that a replica or worker kill must not raise: the service heals itself within
#: the scenario's recovery deadline, well inside every page rule's ``for`` duration.
RAY_KILL_ALERTS = AlertExpectation(
    silent=("AvailabilityBudgetBurnPage", "LatencyBudgetBurnPage", "RayNodeLost")
)
FASTAPI_KILL_ALERTS = AlertExpectation(
    silent=("AvailabilityBudgetBurnPage", "LatencyBudgetBurnPage", "ScrapeTargetDown")
)
#: Disconnects are planned by the client; they must raise no SLO page.
DISCONNECT_ALERTS = AlertExpectation(silent=("AvailabilityBudgetBurnPage", "LatencyBudgetBurnPage"))

KILL_SCENARIOS = (
    KillScenario(
        name="replica_kill_ray_kill",
        service="ray",
        method="ray_kill",
        deployment="Embedder",
        rate_rps=20,
        before_fault_s=8,
        after_fault_s=45,
        bounds=KillBounds(sla=KILL_SLA, recovery_deadline_s=45.0, max_failed=10),
        description="ray.kill of one of two Embedder replicas under 20 requests per second",
        alerts=RAY_KILL_ALERTS,
    ),
    KillScenario(
        name="replica_kill_sigkill",
        service="ray",
        method="sigkill",
        deployment="Embedder",
        rate_rps=20,
        before_fault_s=8,
        after_fault_s=45,
        bounds=KillBounds(sla=KILL_SLA, recovery_deadline_s=45.0, max_failed=10),
        description="SIGKILL of the worker process of one of two Embedder replicas",
        alerts=RAY_KILL_ALERTS,
    ),
    KillScenario(
        name="worker_kill_sigkill",
        service="fastapi",
        method="sigkill",
        deployment="worker",
        rate_rps=20,
        before_fault_s=8,
        after_fault_s=45,
        bounds=KillBounds(sla=KILL_SLA, recovery_deadline_s=45.0, max_failed=10),
        description="SIGKILL of one of two Gunicorn workers under 20 requests per second",
        alerts=FASTAPI_KILL_ALERTS,
    ),
)

DISCONNECT_BOUNDS = DisconnectBounds(settle_s=2.0)

DISCONNECT_SCENARIOS = (
    DisconnectScenario(
        name="disconnect_mid_stream",
        service="both",
        moment="mid_stream",
        rate_rps=5,
        duration_s=6,
        bounds=DISCONNECT_BOUNDS,
        description="streams closed by the client after 5 of 200 tokens",
        alerts=DISCONNECT_ALERTS,
    ),
    DisconnectScenario(
        name="disconnect_mid_unary",
        service="both",
        moment="mid_unary",
        rate_rps=5,
        duration_s=6,
        bounds=DISCONNECT_BOUNDS,
        description="classify calls closed by the client 0.3 s into a 1 s slow classification",
        alerts=DISCONNECT_ALERTS,
    ),
    DisconnectScenario(
        name="disconnect_in_batch",
        service="ray",
        moment="in_batch",
        rate_rps=5,
        duration_s=6,
        bounds=DISCONNECT_BOUNDS,
        description="embedding calls closed by the client while queued for a slow batch",
        alerts=DISCONNECT_ALERTS,
    ),
)
