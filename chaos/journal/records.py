"""Records of a run: the run, each scenario, each step of a scenario."""

import time
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class StepRecord:
    """One step of a scenario (steady state, load, fault, checks, rollback, recovery)."""

    name: str
    started_at_unix_s: float
    ended_at_unix_s: float | None = None
    status: str = "running"
    details: dict[str, Any] = field(default_factory=dict)
    error: str | None = None

    @property
    def duration_s(self) -> float | None:
        """Seconds the step took, ``None`` while it runs."""
        if self.ended_at_unix_s is None:
            return None
        return self.ended_at_unix_s - self.started_at_unix_s


@dataclass
class ScenarioRecord:
    """One scenario against one service: steps, fault, ledger summary, bounds and verdict."""

    scenario: str
    service: str
    description: str
    bounds: dict[str, Any]
    started_at_unix_s: float = field(default_factory=time.time)
    ended_at_unix_s: float | None = None
    steps: list[StepRecord] = field(default_factory=list)
    fault: dict[str, Any] = field(default_factory=dict)
    ledger_summary: dict[str, Any] = field(default_factory=dict)
    time_to_recovery_s: float | None = None
    failed_requests: int | None = None
    cancellations: float | None = None
    alerts: dict[str, Any] = field(default_factory=dict)
    verdict: str = "running"
    checks: list[dict[str, Any]] = field(default_factory=list)
    ledger_path: str | None = None


@dataclass
class RunJournal:
    """A whole run: where it ran, the timers it ran under, and every scenario."""

    run_id: str
    target: dict[str, Any]
    timers: dict[str, Any]
    started_at_unix_s: float = field(default_factory=time.time)
    ended_at_unix_s: float | None = None
    duration_s: float | None = None
    scenarios: list[ScenarioRecord] = field(default_factory=list)
    #: One row per scenario and declared alert: fired or silent, detection latency and floor.
    alert_coverage: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Return the journal as a JSON-ready dictionary."""
        return asdict(self)
