"""Open-loop load with one fault in place for a bounded window in the middle of it.

The fault is a context manager factory: entering it adds the fault, leaving it removes it.
``run_with_fault`` always leaves the context, also when the load or a sampler raises, so the
fault never outlives the window. Times are the ledger's monotonic clock, so ledger entries can
be split into before, during and after the fault.
"""

import asyncio
import time
from collections.abc import Awaitable, Callable
from contextlib import AbstractContextManager, ExitStack
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx

from chaos.ledger import Ledger, LedgerEntry
from chaos.load.config import LoadConfig
from chaos.load.driver import OpenLoopDriver

FaultFactory = Callable[[], AbstractContextManager[dict[str, Any]]]
_Result = TypeVar("_Result")


@dataclass
class FaultWindow:
    """When the fault was in place, what it reported, and what was sampled meanwhile.

    ``added_s`` is when the call that added the fault started and ``removed_s`` when the call
    that removed it returned, so the window covers every moment the fault may have acted.
    """

    added_s: float | None = None
    removed_s: float | None = None
    details: dict[str, Any] = field(default_factory=dict)
    samples: list[tuple[float, float]] = field(default_factory=list)

    def sent_during(self, entry: LedgerEntry) -> bool:
        """Return whether the request was due while the fault was in place."""
        if self.added_s is None or self.removed_s is None:
            return False
        return self.added_s <= entry.intended_s < self.removed_s

    def overlaps(self, entry: LedgerEntry) -> bool:
        """Return whether any part of the request's life fell inside the window."""
        if self.added_s is None or self.removed_s is None:
            return False
        start = entry.sent_s if entry.sent_s is not None else entry.intended_s
        end = entry.end_s if entry.end_s is not None else float("inf")
        return start < self.removed_s and end > self.added_s

    def contains(self, entry: LedgerEntry) -> bool:
        """Return whether the request was sent after the fault was added and ended before
        its removal."""
        if self.added_s is None or self.removed_s is None:
            return False
        if entry.sent_s is None or entry.end_s is None:
            return False
        return entry.sent_s >= self.added_s and entry.end_s <= self.removed_s

    def to_record(self, clock_offset_s: float) -> dict[str, Any]:
        """Return the window in Unix seconds with the fault's details, for the journal."""
        return {
            "added_at_unix_s": None if self.added_s is None else self.added_s + clock_offset_s,
            "removed_at_unix_s": None
            if self.removed_s is None
            else self.removed_s + clock_offset_s,
            "duration_s": None
            if self.added_s is None or self.removed_s is None
            else round(self.removed_s - self.added_s, 3),
            **self.details,
        }


class IdleTimeoutDriver(OpenLoopDriver):
    """Open-loop driver whose clients give up after ``read_timeout_s`` without a byte.

    ``LoadConfig.timeout_s`` still bounds each request as a whole. A short idle timeout lets a
    client abandon a stream that stopped flowing while the server is still producing it, which
    is how a client notices a blackholed connection.
    """

    def __init__(
        self, config: LoadConfig, read_timeout_s: float, ledger: Ledger | None = None
    ) -> None:
        super().__init__(config, ledger)
        self.read_timeout_s = read_timeout_s

    async def run(self) -> Ledger:
        """Run the schedule like ``OpenLoopDriver.run`` with the idle read timeout."""
        config = self.config
        limits = httpx.Limits(max_connections=config.max_outstanding, max_keepalive_connections=0)
        timeout = httpx.Timeout(config.timeout_s, read=self.read_timeout_s)
        async with httpx.AsyncClient(
            base_url=config.base_url, limits=limits, timeout=timeout, trust_env=False
        ) as client:
            try:
                await self._schedule(client)
                await self._drain()
            finally:
                await self._cancel_in_flight()
        return self.ledger


async def run_with_fault(
    driver: OpenLoopDriver,
    before_s: float,
    fault_s: float,
    fault: FaultFactory,
    sample: Callable[[], float] | None = None,
    sample_interval_s: float = 0.5,
) -> tuple[Ledger, FaultWindow]:
    """Run ``driver``; add the fault after ``before_s`` seconds and remove it ``fault_s`` later.

    Arrivals while the fault is in place carry phase ``fault``, later ones ``after_fault``.
    ``sample`` (a blocking read, run on a worker thread) is polled every ``sample_interval_s``
    while the fault is in place. Returns the finished ledger and the window.
    """
    window = FaultWindow()
    load = asyncio.create_task(driver.run())
    try:
        await _hold_fault(driver, window, before_s, fault_s, fault, sample, sample_interval_s)
    except BaseException:
        driver.stop()
        await asyncio.gather(load, return_exceptions=True)
        raise

    ledger = await load
    return ledger, window


async def _hold_fault(
    driver: OpenLoopDriver,
    window: FaultWindow,
    before_s: float,
    fault_s: float,
    fault: FaultFactory,
    sample: Callable[[], float] | None,
    sample_interval_s: float,
) -> None:
    await asyncio.sleep(before_s)

    exits = ExitStack()
    # The fault may act any time during the call that adds it, so the window starts when the
    # call starts. It ends when the call that removes it has returned.
    adding_s = time.monotonic()
    entering = asyncio.ensure_future(asyncio.to_thread(exits.enter_context, fault()))
    try:
        window.details = await asyncio.shield(entering)
        window.added_s = adding_s
        driver.set_phase("fault")

        deadline = window.added_s + fault_s
        while time.monotonic() < deadline:
            if sample is not None:
                value = await asyncio.to_thread(sample)
                window.samples.append((time.monotonic(), value))
            await asyncio.sleep(max(0.0, min(sample_interval_s, deadline - time.monotonic())))
    finally:
        if not entering.done():
            # A cancelled wait leaves the thread running; it may still add the fault.
            await asyncio.wait([entering])
        driver.set_phase("after_fault")
        # Blocking on purpose: the removal must run even while this task is being cancelled.
        exits.close()
        if window.added_s is not None:
            window.removed_s = time.monotonic()


async def run_with_control(
    main: Awaitable[_Result], control: OpenLoopDriver
) -> tuple[_Result, Ledger]:
    """Await ``main`` while ``control`` sends load that bypasses the fault; return both results.

    The control group reaches the same service at the same moments, so a slowdown of the service
    or the machine shows up in both groups and cancels out of their difference.
    """
    task = asyncio.create_task(control.run())
    try:
        result = await main
    except BaseException:
        control.stop()
        await asyncio.gather(task, return_exceptions=True)
        raise

    return result, await task
