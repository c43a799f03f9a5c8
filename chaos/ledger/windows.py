"""Fixed-width time windows over a ledger: success ratio and p95 per window."""

import math
from collections.abc import Iterable
from dataclasses import dataclass

from chaos.ledger.entry import ErrorKind, LedgerEntry
from chaos.ledger.summary import percentile


@dataclass(frozen=True)
class TimeWindow:
    """A half-open interval ``[start_s, end_s)`` of monotonic seconds."""

    start_s: float
    end_s: float

    def __post_init__(self) -> None:
        if not self.end_s >= self.start_s:
            msg = f"time window ends at {self.end_s} before it starts at {self.start_s}"
            raise ValueError(msg)

    def contains(self, time_s: float) -> bool:
        """Return whether ``time_s`` lies in the window."""
        return self.start_s <= time_s < self.end_s


@dataclass(frozen=True)
class WindowStats:
    """Outcomes of the requests whose intended send time falls in one window.

    A request cancelled by the client counts in ``sent`` only, since it is no evidence about the
    target. Requests without an outcome count as failed, so an unfinished ledger cannot look
    healthy. ``success_ratio`` and ``latency_p95_s`` are None when no request was judged.
    """

    window: TimeWindow
    sent: int
    ok: int
    failed: int
    success_ratio: float | None
    latency_p95_s: float | None


def window_series(
    entries: Iterable[LedgerEntry],
    width_s: float,
    start_s: float | None = None,
    end_s: float | None = None,
) -> list[WindowStats]:
    """Group ``entries`` by intended send time into windows of ``width_s`` seconds.

    Windows start at ``start_s`` (default: the earliest intended time) and cover up to ``end_s``
    (default: through the window that contains the latest intended time). Windows without traffic
    are kept, with zero counts, so gaps in the load stay visible.
    """
    if not width_s > 0:
        msg = f"window width {width_s} s is not positive; pass e.g. 1.0"
        raise ValueError(msg)

    items = list(entries)
    if not items and (start_s is None or end_s is None):
        return []

    origin = min(e.intended_s for e in items) if start_s is None else start_s
    if end_s is None:
        count = math.floor((max(e.intended_s for e in items) - origin) / width_s) + 1
    else:
        count = math.ceil((end_s - origin) / width_s)
    count = max(0, count)

    buckets: list[list[LedgerEntry]] = [[] for _ in range(count)]
    for entry in items:
        index = math.floor((entry.intended_s - origin) / width_s)
        if 0 <= index < count:
            buckets[index].append(entry)

    series = []
    for index, bucket in enumerate(buckets):
        window = TimeWindow(origin + index * width_s, origin + (index + 1) * width_s)
        series.append(_window_stats(window, bucket))

    return series


def _window_stats(window: TimeWindow, bucket: list[LedgerEntry]) -> WindowStats:
    judged = [e for e in bucket if e.error_kind != ErrorKind.CLIENT_CANCELLED]
    ok = sum(1 for e in judged if e.ok)
    latencies = [e.latency_s for e in judged if e.latency_s is not None]

    return WindowStats(
        window=window,
        sent=len(bucket),
        ok=ok,
        failed=len(judged) - ok,
        success_ratio=ok / len(judged) if judged else None,
        latency_p95_s=percentile(latencies, 0.95),
    )
