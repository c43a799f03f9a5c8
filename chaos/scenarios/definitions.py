"""Scenario definitions: what each scenario does and the bounds its verdict is judged against.

Bounds live here, next to the scenario they belong to, never as bare numbers in the checks.
They are sized for the embedded stack's timers (see ``chaos.stack.timers``).
"""

from dataclasses import asdict, dataclass, field
from typing import Any

from chaos.ledger import Sla


@dataclass(frozen=True)
class AlertExpectation:
    """Alerts a scenario must fire (and see resolve) and alerts that must stay silent.

    Names are alert names from ``alerts/rules``. A fault that heals within its bound must not
    page, so its page-severity alerts belong in ``silent``.
    """

    fire: tuple[str, ...] = ()
    silent: tuple[str, ...] = ()

    def to_record(self) -> dict[str, Any]:
        """Return the expectation as a JSON-ready dictionary."""
        return asdict(self)


@dataclass(frozen=True)
class KillBounds:
    """Bounds of a kill scenario.

    Only requests in flight on the victim may fail: a failure must have been sent no later
    than ``in_flight_grace_s`` after the kill, and there may be at most ``max_failed`` of them.
    Recovery (the SLA met again for ``sla.stable_s`` and the replica count restored) must come
    within ``recovery_deadline_s`` of the kill.
    """

    sla: Sla
    recovery_deadline_s: float
    max_failed: int
    in_flight_grace_s: float = 0.5

    def to_record(self) -> dict[str, Any]:
        """Return the bounds as a JSON-ready dictionary."""
        return asdict(self)


@dataclass(frozen=True)
class KillScenario:
    """Kill one replica or worker under open-loop load and measure recovery."""

    name: str
    service: str
    method: str
    deployment: str
    rate_rps: float
    before_fault_s: float
    after_fault_s: float
    bounds: KillBounds
    description: str
    alerts: AlertExpectation = field(default_factory=AlertExpectation)


@dataclass(frozen=True)
class DisconnectBounds:
    """Bounds of a client-disconnect scenario.

    The service's cancellation counter must rise by exactly the number of disconnects the
    ledger recorded, the in-flight gauge must return to zero within ``settle_s`` of the last
    disconnect, and requests that were not disconnected on purpose must all succeed.
    """

    settle_s: float
    max_unplanned_failures: int = 0

    def to_record(self) -> dict[str, Any]:
        """Return the bounds as a JSON-ready dictionary."""
        return asdict(self)


@dataclass(frozen=True)
class DisconnectScenario:
    """Clients that hang up mid-request; the server must cancel the work it was doing."""

    name: str
    service: str
    moment: str
    rate_rps: float
    duration_s: float
    bounds: DisconnectBounds
    description: str
    alerts: AlertExpectation = field(default_factory=AlertExpectation)


@dataclass(frozen=True)
class LatencyBounds:
    """The ledger's p50 must shift by ``expected_shift_s`` within ``tolerance_s``, with no
    failed request."""

    expected_shift_s: float
    tolerance_s: float
    max_failed: int = 0

    def to_record(self) -> dict[str, Any]:
        """Return the bounds as a JSON-ready dictionary."""
        return asdict(self)


@dataclass(frozen=True)
class BandwidthBounds:
    """Streams under the bandwidth limit must deliver tokens at most ``max_token_rate_ratio``
    times as fast as before it, and bytes at most ``max_byte_rate_ratio`` times the configured
    rate. The server's in-flight gauge may not exceed the streams the load kept open."""

    max_token_rate_ratio: float
    max_byte_rate_ratio: float
    max_failed: int = 0

    def to_record(self) -> dict[str, Any]:
        """Return the bounds as a JSON-ready dictionary."""
        return asdict(self)


@dataclass(frozen=True)
class CutBounds:
    """Requests cut by the proxy fail with one of ``error_kinds``. The server's cancellation
    counter rises by at least the cut requests sent during the fault and at most all cut
    requests (one already in flight may have finished on the server before the cut). Its
    in-flight gauge is back to zero within ``settle_s``. Requests that did not overlap the
    fault must all succeed."""

    error_kinds: tuple[str, ...]
    settle_s: float
    min_cut: int = 1

    def to_record(self) -> dict[str, Any]:
        """Return the bounds as a JSON-ready dictionary."""
        return asdict(self)


@dataclass(frozen=True)
class OutageBounds:
    """Requests that overlap the outage fail with one of ``error_kinds``, at least
    ``min_failed`` of them with ``required_kind``, and requests outside it all succeed. After
    the fault is removed the SLA must hold again within ``recovery_deadline_s``. With
    ``expect_cancelled`` the server must count a cancellation for every failed request sent
    during the outage, because it was still working when the client gave up."""

    error_kinds: tuple[str, ...]
    required_kind: str
    sla: Sla
    recovery_deadline_s: float
    settle_s: float = 5.0
    expect_cancelled: bool = False
    min_failed: int = 1

    def to_record(self) -> dict[str, Any]:
        """Return the bounds as a JSON-ready dictionary."""
        return asdict(self)


@dataclass(frozen=True)
class NetworkScenario:
    """One toxic (or a disabled proxy) between the clients and a service, for a bounded window.

    ``toxic`` is a Toxiproxy toxic type, or ``down`` for ``enabled: false`` on the proxy. The
    load runs ``before_fault_s`` seconds, then the fault for ``fault_s`` seconds, then
    ``after_fault_s`` seconds without it. ``request`` names the request template of the load
    (``embeddings`` or ``generate``).
    """

    name: str
    toxic: str
    attributes: tuple[tuple[str, int], ...]
    stream: str
    request: str
    rate_rps: float
    before_fault_s: float
    fault_s: float
    after_fault_s: float
    bounds: LatencyBounds | BandwidthBounds | CutBounds | OutageBounds
    description: str
    max_tokens: int = 16
    token_delay_ms: int = 0
    #: Client-side idle read timeout in seconds; None uses the load's whole-request timeout.
    read_timeout_s: float | None = None
    timeout_s: float = 10.0
    alerts: AlertExpectation = field(default_factory=AlertExpectation)


@dataclass(frozen=True)
class EndToEndTimeoutBounds:
    """Every request slowed past the request timeout ends with ``status`` after the configured
    timeout plus or minus ``relative_tolerance`` of it. The service counts one cancellation with
    reason ``timeout`` per such request."""

    status: int
    relative_tolerance: float

    def to_record(self) -> dict[str, Any]:
        """Return the bounds as a JSON-ready dictionary."""
        return asdict(self)


@dataclass(frozen=True)
class EndToEndTimeoutScenario:
    """A ``slow`` fault longer than the services' request timeout on every replica."""

    name: str
    delay_ms: int
    rate_rps: float
    duration_s: float
    bounds: EndToEndTimeoutBounds
    description: str
    alerts: AlertExpectation = field(default_factory=AlertExpectation)


@dataclass(frozen=True)
class HangBounds:
    """A hung replica or worker must leave the serving set within the supervisor's theoretical
    bound plus ``detection_margin_s``, and the full count must be back within
    ``replacement_deadline_s`` of the hang. Failed requests must have been sent before the
    detection plus ``failure_grace_s``; at most ``max_failed`` of them."""

    detection_margin_s: float
    replacement_deadline_s: float
    max_failed: int
    failure_grace_s: float
    #: A request slower than this counts as delayed in the journal.
    delayed_after_s: float = 1.0

    def to_record(self) -> dict[str, Any]:
        """Return the bounds as a JSON-ready dictionary."""
        return asdict(self)


@dataclass(frozen=True)
class HangScenario:
    """One replica (Ray Serve) or worker (Gunicorn) with its event loop blocked, process alive."""

    name: str
    service: str
    deployment: str
    hang_s: float
    rate_rps: float
    before_fault_s: float
    after_fault_s: float
    bounds: HangBounds
    description: str
    alerts: AlertExpectation = field(default_factory=AlertExpectation)


@dataclass(frozen=True)
class SlowReplicaBounds:
    """While one replica is slow, p99 latency (ledger and Prometheus) must rise by at least
    ``min_p99_increase_s``, the success ratio must stay at or above ``min_success_ratio`` and
    at least ``min_other_share`` of successful responses must come from the other replicas.

    p99, not p95: Serve's router sends most calls to the fast replica, so in one measured run
    fewer than 5 % of requests reached the slow one and p95 did not move.
    """

    min_p99_increase_s: float
    min_success_ratio: float
    min_other_share: float

    def to_record(self) -> dict[str, Any]:
        """Return the bounds as a JSON-ready dictionary."""
        return asdict(self)


@dataclass(frozen=True)
class SlowReplicaScenario:
    """A ``slow`` fault on one replica of a deployment that has two."""

    name: str
    service: str
    delay_ms: int
    rate_rps: float
    before_fault_s: float
    fault_s: float
    after_fault_s: float
    bounds: SlowReplicaBounds
    description: str
    alerts: AlertExpectation = field(default_factory=AlertExpectation)
