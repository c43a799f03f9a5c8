"""Counts and latency percentiles of a set of ledger entries."""

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from chaos.ledger.entry import ErrorKind, LedgerEntry


def percentile(values: Sequence[float], fraction: float) -> float | None:
    """Return the nearest-rank percentile of ``values`` (``fraction`` in (0, 1]), None if empty."""
    if not 0 < fraction <= 1:
        msg = f"percentile fraction {fraction} is outside (0, 1]; pass e.g. 0.95 for p95"
        raise ValueError(msg)

    if not values:
        return None

    ordered = sorted(values)
    rank = math.ceil(fraction * len(ordered))
    return ordered[rank - 1]


@dataclass(frozen=True)
class Summary:
    """Outcome counts and latency of a load run.

    ``sent`` counts every scheduled request, ``client_saturated`` ones included, because those
    are arrivals the target should have received. ``failed_by_kind`` and ``failed_by_status``
    can overlap: a request that returned 503 and then lost its connection counts in both.
    Latency runs from the intended send time to the end, over every request that was sent and
    finished, failed ones included (a request that timed out after 5 s kept its caller waiting
    5 s).
    """

    sent: int
    ok: int
    failed: int
    cancelled: int
    outstanding: int
    failed_by_kind: dict[str, int] = field(default_factory=dict)
    failed_by_status: dict[int, int] = field(default_factory=dict)
    latency_p50_s: float | None = None
    latency_p95_s: float | None = None
    latency_p99_s: float | None = None
    latency_max_s: float | None = None

    @property
    def success_ratio(self) -> float | None:
        """Share of finished requests that succeeded, None when none finished."""
        finished = self.ok + self.failed
        return self.ok / finished if finished else None


def summarize(entries: Iterable[LedgerEntry]) -> Summary:
    """Count outcomes and compute latency percentiles of ``entries``."""
    items = list(entries)
    by_kind: Counter[str] = Counter()
    by_status: Counter[int] = Counter()
    ok = failed = cancelled = outstanding = 0
    latencies: list[float] = []

    for entry in items:
        if not entry.finished:
            outstanding += 1
            continue

        latency = entry.latency_s
        if latency is not None:
            latencies.append(latency)

        if entry.ok:
            ok += 1
            continue

        if entry.error_kind == ErrorKind.CLIENT_CANCELLED:
            cancelled += 1
            continue

        failed += 1
        if entry.error_kind is not None:
            by_kind[entry.error_kind] += 1
        if entry.status is not None and not 200 <= entry.status < 300:
            by_status[entry.status] += 1

    return Summary(
        sent=len(items),
        ok=ok,
        failed=failed,
        cancelled=cancelled,
        outstanding=outstanding,
        failed_by_kind=dict(by_kind),
        failed_by_status=dict(by_status),
        latency_p50_s=percentile(latencies, 0.50),
        latency_p95_s=percentile(latencies, 0.95),
        latency_p99_s=percentile(latencies, 0.99),
        latency_max_s=max(latencies) if latencies else None,
    )
