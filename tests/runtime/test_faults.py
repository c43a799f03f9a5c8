"""Fault state shared by the workers of one service through the state file."""

import asyncio
import time
from pathlib import Path

import pytest

from services.contract.schemas import FaultKind, FaultRequest
from services.runtime.faults import FaultInjector, InjectedFaultError


def _poll_past_cache() -> None:
    time.sleep(0.25)


def test_clear_reaches_local_faults_of_other_workers(tmp_path: Path) -> None:
    shared = tmp_path / "faults.json"
    worker_a = FaultInjector(shared_file=shared)
    worker_b = FaultInjector(shared_file=shared)

    async def scenario() -> None:
        worker_a.activate(FaultRequest(kind=FaultKind.FAIL, duration_s=30, scope="one"))
        worker_b.clear()
        _poll_past_cache()
        await worker_a.before_call()

    asyncio.run(scenario())

    assert worker_a.active() == []


def test_scope_all_reaches_other_workers(tmp_path: Path) -> None:
    shared = tmp_path / "faults.json"
    worker_a = FaultInjector(shared_file=shared)
    worker_b = FaultInjector(shared_file=shared)

    async def scenario() -> None:
        worker_a.activate(FaultRequest(kind=FaultKind.FAIL, duration_s=30, scope="all"))
        _poll_past_cache()
        await worker_b.before_call()

    with pytest.raises(InjectedFaultError):
        asyncio.run(scenario())


def test_fault_activated_after_clear_applies(tmp_path: Path) -> None:
    shared = tmp_path / "faults.json"
    worker = FaultInjector(shared_file=shared)

    async def scenario() -> None:
        worker.clear()
        worker.activate(FaultRequest(kind=FaultKind.FAIL, duration_s=30))
        await worker.before_call()

    with pytest.raises(InjectedFaultError):
        asyncio.run(scenario())


@pytest.mark.parametrize(
    ("kind", "field"), [(FaultKind.SLOW, "delay_ms"), (FaultKind.LEAK, "leak_mb")]
)
def test_sized_fault_without_size_is_rejected(kind: FaultKind, field: str) -> None:
    with pytest.raises(ValueError, match=field):
        FaultRequest(kind=kind, duration_s=1)


def test_expired_local_fault_does_not_hide_shared_one(tmp_path: Path) -> None:
    shared = tmp_path / "faults.json"
    worker_a = FaultInjector(shared_file=shared)
    worker_b = FaultInjector(shared_file=shared)

    async def scenario() -> None:
        worker_a.activate(FaultRequest(kind=FaultKind.FAIL, duration_s=0.05, scope="one"))
        await asyncio.sleep(0.1)
        worker_b.activate(FaultRequest(kind=FaultKind.FAIL, duration_s=30, scope="all"))
        _poll_past_cache()
        await worker_a.before_call()

    with pytest.raises(InjectedFaultError):
        asyncio.run(scenario())
