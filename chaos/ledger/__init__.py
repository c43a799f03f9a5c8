"""Per-request ledger of a load run: entries, summaries, time windows and recovery time."""

from chaos.ledger.entry import PLANNED_KINDS, ErrorKind, LedgerEntry
from chaos.ledger.ledger import Ledger
from chaos.ledger.recovery import (
    Sla,
    failed_outside,
    failed_within,
    relapsed_after,
    time_to_recovery,
)
from chaos.ledger.summary import Summary, percentile, summarize
from chaos.ledger.windows import TimeWindow, WindowStats, window_series

__all__ = [
    "PLANNED_KINDS",
    "ErrorKind",
    "Ledger",
    "LedgerEntry",
    "Sla",
    "Summary",
    "TimeWindow",
    "WindowStats",
    "failed_outside",
    "failed_within",
    "percentile",
    "relapsed_after",
    "summarize",
    "time_to_recovery",
    "window_series",
]
