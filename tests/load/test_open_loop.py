"""The driver keeps its arrival rate while the target stalls, and latency shows the stall."""

import asyncio
import time

from chaos.ledger import summarize
from chaos.load import LoadConfig, OpenLoopDriver, RequestKind, RequestTemplate, single

from .stall_app import AppState

RATE_RPS = 20.0
DURATION_S = 6.0


def test_stall_raises_p99_not_send_rate(base_url: str, app_state: AppState) -> None:
    config = LoadConfig(
        base_url=base_url,
        rate_rps=RATE_RPS,
        duration_s=DURATION_S,
        mix=single(RequestTemplate(RequestKind.EMBEDDINGS)),
        timeout_s=5.0,
    )
    driver = OpenLoopDriver(config)
    now = time.monotonic()
    app_state.stall_between(now + 1.5, now + 3.0)

    ledger = asyncio.run(driver.run())

    summary = summarize(ledger.entries)
    entries = ledger.entries
    first, last = entries[0].intended_s, entries[-1].intended_s
    in_stall = [e for e in entries if now + 1.6 <= e.intended_s < now + 2.9]
    send_lags = [e.sent_s - e.intended_s for e in entries if e.sent_s is not None]
    ledger.check_outcomes()

    assert abs(summary.sent - RATE_RPS * DURATION_S) <= 2
    assert last - first >= DURATION_S - 0.2
    assert len(in_stall) >= 24
    assert max(send_lags) < 0.25
    assert summary.ok == summary.sent
    assert summary.latency_p99_s is not None
    assert summary.latency_p99_s >= 1.5
    assert summary.latency_p50_s is not None
    assert summary.latency_p50_s < 0.5
