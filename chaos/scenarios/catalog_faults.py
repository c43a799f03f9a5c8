"""Network, timeout and degraded-replica scenarios with their bounds.

Sized for the embedded stack (see ``chaos.stack.timers``): request timeout 10 s on both
services, Serve health checks every 1 s with a 3 s timeout, Gunicorn's hung-worker timeout 5 s.
Each scenario keeps its load between about 10 and 30 s. None of these faults outlasts the
``for`` durations of the page alerts, so every page alert must stay silent.
"""

from chaos.ledger import Sla
from chaos.scenarios.definitions import (
    AlertExpectation,
    BandwidthBounds,
    CutBounds,
    EndToEndTimeoutBounds,
    EndToEndTimeoutScenario,
    HangBounds,
    HangScenario,
    LatencyBounds,
    NetworkScenario,
    OutageBounds,
    SlowReplicaBounds,
    SlowReplicaScenario,
)

#: Every page-severity alert in ``alerts/rules``; a fault that heals by itself must not page.
NO_PAGE = AlertExpectation(
    silent=(
        "AvailabilityBudgetBurnPage",
        "LatencyBudgetBurnPage",
        "ScrapeTargetDown",
        "MetricsAbsent",
    )
)

#: Error kinds a client sees when the proxy closes or resets its connection mid-response.
CONNECTION_LOST = ("reset", "read_error", "remote_protocol", "stream_incomplete")

#: Healthy after a fault is removed: every request in a 1 s window succeeds for 3 s.
RECOVERED_SLA = Sla(min_success_ratio=1.0, max_p95_s=1.0, window_s=1.0, stable_s=3.0)

NETWORK_SCENARIOS = (
    NetworkScenario(
        name="latency_jitter",
        toxic="latency",
        attributes=(("latency", 150), ("jitter", 20)),
        stream="downstream",
        request="embeddings",
        rate_rps=10,
        before_fault_s=5,
        # A median survives a slowdown of the machine over less than half the window, and the
        # direct control load corrects for the rest (the service slowed down for 3 to 6 s of
        # the window in two runs on a shared 2-core machine).
        fault_s=10,
        after_fault_s=1,
        # Jitter is uniform in +-20 ms, so the p50 moves by about 150 ms. 40 ms covers the
        # jitter and the scheduling noise of a shared 2-core machine.
        bounds=LatencyBounds(expected_shift_s=0.150, tolerance_s=0.040),
        description="150 ms +- 20 ms latency on responses; p50 shifts by the injected latency",
        alerts=NO_PAGE,
    ),
    NetworkScenario(
        name="bandwidth_stream",
        toxic="bandwidth",
        attributes=(("rate", 1),),
        stream="downstream",
        request="generate",
        max_tokens=48,
        rate_rps=2,
        before_fault_s=4,
        fault_s=9,
        after_fault_s=1,
        timeout_s=20.0,
        # About 85 bytes per token event, so 1 KB/s allows about 12 tokens per second, far
        # below the unthrottled decoder.
        bounds=BandwidthBounds(max_token_rate_ratio=0.5, max_byte_rate_ratio=1.3),
        description="1 KB/s on streamed generations; tokens slow down, server in-flight bounded",
        alerts=NO_PAGE,
    ),
    NetworkScenario(
        name="service_down",
        toxic="down",
        attributes=(),
        stream="downstream",
        request="embeddings",
        rate_rps=10,
        before_fault_s=3,
        fault_s=3,
        after_fault_s=4,
        bounds=OutageBounds(
            error_kinds=("connect_refused", *CONNECTION_LOST),
            required_kind="connect_refused",
            min_failed=10,
            sla=RECOVERED_SLA,
            recovery_deadline_s=2.0,
        ),
        description="proxy disabled for 3 s: connections refused, then service back",
        alerts=NO_PAGE,
    ),
)

CUT_SCENARIOS = (
    NetworkScenario(
        name="reset_mid_request",
        toxic="reset_peer",
        attributes=(("timeout", 300),),
        # Downstream, so the request reaches the server and the reset lands while it works.
        # The toxic delays the first response bytes by 300 ms and then resets both sockets.
        stream="downstream",
        request="generate",
        max_tokens=100,
        token_delay_ms=20,
        rate_rps=3,
        before_fault_s=2,
        fault_s=3,
        after_fault_s=2,
        bounds=CutBounds(error_kinds=CONNECTION_LOST, settle_s=5.0),
        description="connections reset 300 ms after the first response bytes, mid-generation",
        alerts=NO_PAGE,
    ),
    NetworkScenario(
        name="cut_mid_stream",
        toxic="limit_data",
        attributes=(("bytes", 600),),
        stream="downstream",
        request="generate",
        max_tokens=100,
        token_delay_ms=20,
        rate_rps=3,
        before_fault_s=2,
        fault_s=3,
        after_fault_s=2,
        bounds=CutBounds(error_kinds=CONNECTION_LOST, settle_s=5.0),
        description="streams closed by the proxy after 600 response bytes",
        alerts=NO_PAGE,
    ),
)

BLACKHOLE_SCENARIOS = (
    NetworkScenario(
        name="blackhole_client_timeout",
        toxic="timeout",
        attributes=(("timeout", 0),),
        stream="downstream",
        request="generate",
        max_tokens=80,
        token_delay_ms=50,
        rate_rps=2,
        before_fault_s=3,
        fault_s=4,
        after_fault_s=5,
        read_timeout_s=1.0,
        bounds=OutageBounds(
            error_kinds=("read_timeout", *CONNECTION_LOST),
            required_kind="read_timeout",
            min_failed=2,
            sla=Sla(min_success_ratio=1.0, max_p95_s=6.0, window_s=1.0, stable_s=3.0),
            recovery_deadline_s=2.0,
            expect_cancelled=True,
        ),
        description=(
            "responses dropped for 4 s; clients give up after 1 s without a byte while the "
            "server is still streaming"
        ),
        alerts=NO_PAGE,
    ),
)

TIMEOUT_SCENARIOS = (
    EndToEndTimeoutScenario(
        name="request_timeout_408",
        delay_ms=12_000,
        rate_rps=1,
        duration_s=3,
        bounds=EndToEndTimeoutBounds(status=408, relative_tolerance=0.1),
        description="every embedding call slowed by 12 s, past the 10 s request timeout",
        alerts=NO_PAGE,
    ),
)

HANG_SCENARIOS = (
    HangScenario(
        name="hung_replica",
        service="ray",
        deployment="Embedder",
        hang_s=25,
        rate_rps=10,
        before_fault_s=3,
        after_fault_s=20,
        bounds=HangBounds(
            detection_margin_s=3.0,
            replacement_deadline_s=30.0,
            max_failed=40,
            failure_grace_s=1.0,
        ),
        description="event loop of one of two Embedder replicas blocked; Serve replaces it",
        alerts=NO_PAGE,
    ),
    HangScenario(
        name="hung_worker",
        service="fastapi",
        deployment="worker",
        hang_s=20,
        rate_rps=10,
        before_fault_s=3,
        after_fault_s=15,
        bounds=HangBounds(
            detection_margin_s=2.0,
            replacement_deadline_s=25.0,
            max_failed=10,
            failure_grace_s=1.0,
        ),
        description="event loop of one of two Gunicorn workers blocked; the arbiter replaces it",
        alerts=NO_PAGE,
    ),
)

SLOW_REPLICA_SCENARIOS = (
    SlowReplicaScenario(
        name="slow_replica",
        service="ray",
        delay_ms=400,
        rate_rps=10,
        before_fault_s=5,
        fault_s=10,
        after_fault_s=1,
        # Serve's router compares the replicas' queue lengths, so most calls go to the fast one.
        bounds=SlowReplicaBounds(
            min_p99_increase_s=0.2, min_success_ratio=0.95, min_other_share=0.5
        ),
        description="every call on one of two Embedder replicas delayed by 400 ms",
        alerts=NO_PAGE,
    ),
    SlowReplicaScenario(
        name="slow_worker",
        service="fastapi",
        delay_ms=400,
        rate_rps=10,
        before_fault_s=5,
        fault_s=10,
        after_fault_s=1,
        # Gunicorn does not balance by load: both workers accept from one socket, and the slow
        # worker's event loop sits idle in its delay, so it accepted about 70 % of the
        # connections in a measured run (2-core machine). The other worker must still serve.
        bounds=SlowReplicaBounds(
            min_p99_increase_s=0.2, min_success_ratio=0.95, min_other_share=0.1
        ),
        description="every call on one of two Gunicorn workers delayed by 400 ms",
        alerts=NO_PAGE,
    ),
)
