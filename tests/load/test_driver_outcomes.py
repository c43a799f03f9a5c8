"""Outcome kinds the driver records: timeouts, refusals, saturation, disconnects, cancellation."""

import asyncio
import socket
import time

import pytest

from chaos.ledger import ErrorKind, Ledger, summarize
from chaos.load import LoadConfig, OpenLoopDriver, RequestKind, RequestTemplate, single

from .stall_app import REPLICA_ID, AppState

EMBED = RequestTemplate(RequestKind.EMBEDDINGS)


def run(config: LoadConfig) -> Ledger:
    ledger = asyncio.run(OpenLoopDriver(config).run())
    ledger.check_outcomes()
    return ledger


def stall_now(state: AppState, stall_s: float = 2.0) -> None:
    state.stall_s = stall_s
    state.stall_between(time.monotonic(), time.monotonic() + 60.0)


def wait_for(condition: object, timeout_s: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if callable(condition) and condition():
            return True
        time.sleep(0.02)
    return False


def test_records_replica_and_timings(base_url: str) -> None:
    ledger = run(LoadConfig(base_url, rate_rps=20, duration_s=0.5, mix=single(EMBED)))

    entries = ledger.entries

    assert len(entries) == 10
    for entry in entries:
        assert entry.status == 200
        assert entry.replica_id == REPLICA_ID
        assert entry.bytes_received > 0
        assert entry.sent_s is not None
        assert entry.first_byte_s is not None
        assert entry.end_s is not None
        assert entry.intended_s <= entry.sent_s <= entry.first_byte_s <= entry.end_s


def test_timeout_is_read_timeout(base_url: str, app_state: AppState) -> None:
    stall_now(app_state)
    config = LoadConfig(base_url, rate_rps=10, duration_s=0.3, mix=single(EMBED), timeout_s=0.5)

    ledger = run(config)

    summary = summarize(ledger.entries)
    assert summary.failed_by_kind == {ErrorKind.READ_TIMEOUT: 3}
    assert summary.latency_max_s is not None
    assert 0.45 <= summary.latency_max_s < 1.5


def test_refused_connection_kind() -> None:
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    config = LoadConfig(f"http://127.0.0.1:{port}", rate_rps=10, duration_s=0.3, mix=single(EMBED))

    ledger = run(config)

    assert summarize(ledger.entries).failed_by_kind == {ErrorKind.CONNECT_REFUSED: 3}


def test_saturation_recorded_as_failure(base_url: str, app_state: AppState) -> None:
    stall_now(app_state, stall_s=1.5)
    config = LoadConfig(
        base_url, rate_rps=20, duration_s=1.0, mix=single(EMBED), max_outstanding=2, timeout_s=3.0
    )

    ledger = run(config)

    summary = summarize(ledger.entries)
    assert summary.sent == 20
    assert summary.ok == 2
    assert summary.failed_by_kind == {ErrorKind.CLIENT_SATURATED: 18}
    assert len(app_state.client_ports) == 2


def test_stream_disconnect_after_tokens(base_url: str, app_state: AppState) -> None:
    template = RequestTemplate(
        RequestKind.GENERATE, max_tokens=50, token_delay_ms=20, disconnect_after_tokens=3
    )
    config = LoadConfig(base_url, rate_rps=10, duration_s=0.2, mix=single(template))

    ledger = run(config)

    entries = ledger.entries
    assert len(entries) == 2
    for entry in entries:
        assert entry.tokens_received == 3
        assert entry.error_kind == ErrorKind.CLIENT_DISCONNECTED
        assert entry.ok
        assert entry.replica_id == REPLICA_ID
    assert wait_for(lambda: app_state.streams_abandoned == 2)
    assert app_state.streams_completed == 0


def test_stream_read_to_done(base_url: str, app_state: AppState) -> None:
    template = RequestTemplate(RequestKind.GENERATE, max_tokens=5, token_delay_ms=5)
    config = LoadConfig(base_url, rate_rps=10, duration_s=0.2, mix=single(template))

    ledger = run(config)

    for entry in ledger.entries:
        assert entry.tokens_received == 5
        assert entry.error_kind is None
        assert entry.ok
    assert wait_for(lambda: app_state.streams_completed == 2)


def test_unary_disconnect_after_seconds(base_url: str, app_state: AppState) -> None:
    stall_now(app_state)
    template = RequestTemplate(RequestKind.CLASSIFY, disconnect_after_s=0.3)
    config = LoadConfig(base_url, rate_rps=10, duration_s=0.2, mix=single(template))

    ledger = run(config)

    summary = summarize(ledger.entries)
    assert summary.sent == 2
    assert summary.ok == 2
    for entry in ledger.entries:
        assert entry.error_kind == ErrorKind.CLIENT_DISCONNECTED
        assert entry.status is None
        assert entry.latency_s is not None
        assert 0.25 <= entry.latency_s < 1.0


def test_stop_cancels_outstanding(base_url: str, app_state: AppState) -> None:
    stall_now(app_state, stall_s=5.0)
    config = LoadConfig(base_url, rate_rps=20, duration_s=5.0, mix=single(EMBED), timeout_s=8.0)
    driver = OpenLoopDriver(config)

    async def run_then_stop() -> Ledger:
        task = asyncio.create_task(driver.run())
        deadline = time.monotonic() + 5.0
        # Polling with a deadline: the driver exposes no event per arrival.
        while len(driver.ledger) < 5 and time.monotonic() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.02)
        driver.stop()
        return await asyncio.wait_for(task, timeout=5.0)

    started = time.monotonic()
    ledger = asyncio.run(run_then_stop())

    summary = summarize(ledger.entries)
    ledger.check_outcomes()
    assert time.monotonic() - started < 3.0
    assert 5 <= summary.sent <= 8
    assert summary.cancelled == summary.sent
    assert summary.outstanding == 0


@pytest.mark.parametrize(("new_connection", "max_ports"), [(True, 10), (False, 3)])
def test_connection_reuse_option(
    base_url: str, app_state: AppState, new_connection: bool, max_ports: int
) -> None:
    config = LoadConfig(
        base_url,
        rate_rps=20,
        duration_s=0.5,
        mix=single(EMBED),
        new_connection_per_request=new_connection,
    )

    run(config)

    ports = set(app_state.client_ports)
    assert len(app_state.client_ports) == 10
    assert len(ports) <= max_ports
    if new_connection:
        assert len(ports) == 10
