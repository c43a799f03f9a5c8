"""Time to recovery after a fault, and failure counts inside or outside an allowed window."""

import math
from collections.abc import Iterable
from dataclasses import dataclass

from chaos.ledger.entry import ErrorKind, LedgerEntry
from chaos.ledger.windows import TimeWindow, WindowStats, window_series


@dataclass(frozen=True)
class Sla:
    """Health criteria of one scenario, judged window by window.

    A window meets the SLA when it has at least one judged request, its success ratio is at
    least ``min_success_ratio`` and its p95 latency (from intended send time) is at most
    ``max_p95_s``. Recovery needs ``stable_s`` seconds of consecutive windows that meet it.
    """

    min_success_ratio: float
    max_p95_s: float
    window_s: float = 1.0
    stable_s: float = 5.0

    def __post_init__(self) -> None:
        if not 0 <= self.min_success_ratio <= 1:
            msg = f"min_success_ratio {self.min_success_ratio} is outside [0, 1]; e.g. 0.99"
            raise ValueError(msg)
        if not self.max_p95_s > 0:
            msg = f"max_p95_s {self.max_p95_s} is not positive; pass seconds, e.g. 0.5"
            raise ValueError(msg)
        if not self.window_s > 0:
            msg = f"window_s {self.window_s} is not positive; pass seconds, e.g. 1.0"
            raise ValueError(msg)
        if not self.stable_s >= self.window_s:
            msg = f"stable_s {self.stable_s} is shorter than one window ({self.window_s} s)"
            raise ValueError(msg)

    def met_by(self, stats: WindowStats) -> bool:
        """Return whether one window meets the SLA. An empty window does not."""
        if stats.success_ratio is None or stats.latency_p95_s is None:
            return False

        return (
            stats.success_ratio >= self.min_success_ratio and stats.latency_p95_s <= self.max_p95_s
        )


def time_to_recovery(
    entries: Iterable[LedgerEntry], fault_start_s: float, sla: Sla
) -> float | None:
    """Return seconds from ``fault_start_s`` to the start of the first stable healthy stretch.

    Windows of ``sla.window_s`` start at the fault. The result is the start of the first window
    from which ``sla.stable_s`` seconds of windows all meet the SLA, minus the fault start.
    A later relapse does not change the result; ``relapsed_after`` finds it. Returns None when
    no such stretch fits in the observed range (the last window must hold traffic).
    """
    items = [e for e in entries if e.intended_s >= fault_start_s]
    if not items:
        return None

    series = window_series(items, sla.window_s, start_s=fault_start_s)
    needed = math.ceil(sla.stable_s / sla.window_s - 1e-9)
    run = 0

    for index, stats in enumerate(series):
        run = run + 1 if sla.met_by(stats) else 0
        if run == needed:
            first = index - needed + 1
            return series[first].window.start_s - fault_start_s

    return None


def relapsed_after(entries: Iterable[LedgerEntry], recovered_at_s: float, sla: Sla) -> bool:
    """Return whether a window with traffic at or after ``recovered_at_s`` misses the SLA."""
    items = [e for e in entries if e.intended_s >= recovered_at_s]
    series = window_series(items, sla.window_s, start_s=recovered_at_s) if items else []
    return any(stats.sent and not sla.met_by(stats) for stats in series)


def _failures(entries: Iterable[LedgerEntry]) -> list[LedgerEntry]:
    return [
        e for e in entries if e.finished and not e.ok and e.error_kind != ErrorKind.CLIENT_CANCELLED
    ]


def failed_within(entries: Iterable[LedgerEntry], window: TimeWindow) -> int:
    """Count failed requests whose intended send time lies inside ``window``."""
    return sum(1 for e in _failures(entries) if window.contains(e.intended_s))


def failed_outside(entries: Iterable[LedgerEntry], window: TimeWindow) -> int:
    """Count failed requests whose intended send time lies outside ``window``.

    A fault's blast radius in time is ``window``; any failure outside it is a finding.
    Requests cancelled by the client are not failures of the target and are not counted.
    """
    return sum(1 for e in _failures(entries) if not window.contains(e.intended_s))
