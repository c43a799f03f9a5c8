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
