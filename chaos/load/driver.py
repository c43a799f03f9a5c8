"""Open-loop load driver: arrivals at a fixed rate, never held back by slow responses."""

import asyncio
import contextlib
import time
import uuid
from collections.abc import Callable

import httpx
import structlog

from chaos.ledger import ErrorKind, Ledger, LedgerEntry, summarize
from chaos.load.config import LoadConfig
from chaos.load.request import send_request

log = structlog.get_logger(__name__)

#: Seconds the driver waits for in-flight requests after the schedule ends, on top of
#: ``timeout_s``, before it cancels them. Covers event-loop delay, not the target.
DRAIN_GRACE_S = 2.0

#: A function called once per request when it gets its outcome, with the run's config.
CompletionListener = Callable[[LoadConfig, LedgerEntry], None]

# Listeners every driver in this process calls, e.g. the chaos exporter's request counter.
_completion_listeners: list[CompletionListener] = []


def add_completion_listener(listener: CompletionListener) -> None:
    """Call ``listener`` for every finished request of every driver in this process."""
    if listener not in _completion_listeners:
        _completion_listeners.append(listener)


def remove_completion_listener(listener: CompletionListener) -> None:
    """Stop calling ``listener``; a listener that was never added is ignored."""
    if listener in _completion_listeners:
        _completion_listeners.remove(listener)


class OpenLoopDriver:
    """Send ``config.rate_rps`` requests per second, each as its own task, into a ledger.

    Arrival ``i`` is due at ``start + i / rate_rps``. That time is the entry's intended send
    time even when the event loop runs late, so latency counts from when the request should
    have gone out (no coordinated omission). A slow target never delays the next arrival: it
    only raises the number of requests in flight, up to ``max_outstanding``.
    """

    def __init__(
        self,
        config: LoadConfig,
        ledger: Ledger | None = None,
        on_complete: CompletionListener | None = None,
    ) -> None:
        self.config = config
        self.ledger = Ledger() if ledger is None else ledger
        self.on_complete = on_complete
        self.phase = config.phase
        self._stopping = asyncio.Event()
        self._tasks: set[asyncio.Task[None]] = set()

    def set_phase(self, phase: str) -> None:
        """Label the entries of arrivals from now on with ``phase`` (e.g. ``fault``)."""
        self.phase = phase

    def stop(self) -> None:
        """End the schedule now and cancel in-flight requests (recorded ``client_cancelled``)."""
        self._stopping.set()
        for task in list(self._tasks):
            task.cancel()

    async def run(self) -> Ledger:
        """Run the schedule, wait for in-flight requests, and return the ledger."""
        config = self.config
        keepalive = 0 if config.new_connection_per_request else config.max_outstanding
        limits = httpx.Limits(
            max_connections=config.max_outstanding, max_keepalive_connections=keepalive
        )

        async with httpx.AsyncClient(
            base_url=config.base_url,
            limits=limits,
            timeout=httpx.Timeout(config.timeout_s),
            trust_env=False,
        ) as client:
            try:
                max_lag_s = await self._schedule(client)
                await self._drain()
            finally:
                await self._cancel_in_flight()

        summary = summarize(self.ledger.entries)
        log.info(
            "load_run_finished",
            base_url=config.base_url,
            sent=summary.sent,
            ok=summary.ok,
            failed=summary.failed,
            cancelled=summary.cancelled,
            failed_by_kind=summary.failed_by_kind,
            max_schedule_lag_s=round(max_lag_s, 4),
        )
        return self.ledger

    async def _schedule(self, client: httpx.AsyncClient) -> float:
        config = self.config
        start = time.monotonic()
        max_lag_s = 0.0
        log.info(
            "load_run_started",
            base_url=config.base_url,
            rate_rps=config.rate_rps,
            planned_requests=config.planned_requests,
            max_outstanding=config.max_outstanding,
        )

        for index in range(config.planned_requests):
            intended = start + index / config.rate_rps
            delay = intended - time.monotonic()
            if delay > 0:
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(delay):
                        await self._stopping.wait()

            if self._stopping.is_set():
                break

            max_lag_s = max(max_lag_s, time.monotonic() - intended)
            self._arrive(client, intended)

        return max_lag_s

    def _arrive(self, client: httpx.AsyncClient, intended: float) -> None:
        template = self.config.mix.choose()
        entry = LedgerEntry(
            request_id=uuid.uuid4().hex,
            route=template.route,
            phase=self.phase,
            intended_s=intended,
            clock_offset_s=self.ledger.clock_offset_s,
        )
        self.ledger.append(entry)

        if len(self._tasks) >= self.config.max_outstanding:
            entry.error_kind = ErrorKind.CLIENT_SATURATED
            entry.end_s = time.monotonic()
            self._completed(entry)
            return

        task = asyncio.create_task(
            send_request(
                client,
                template,
                entry,
                self.config.timeout_s,
                self.config.new_connection_per_request,
            )
        )
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        task.add_done_callback(lambda _: self._completed(entry) if entry.finished else None)

    def _completed(self, entry: LedgerEntry) -> None:
        """Pass a finished entry to the listeners; a failing listener is logged, not raised."""
        listeners = list(_completion_listeners)
        if self.on_complete is not None:
            listeners.append(self.on_complete)
        for listener in listeners:
            try:
                listener(self.config, entry)
            except Exception as error:
                log.warning("completion_listener_failed", error=repr(error))

    async def _drain(self) -> None:
        if not self._tasks:
            return

        await asyncio.wait(set(self._tasks), timeout=self.config.timeout_s + DRAIN_GRACE_S)

    async def _cancel_in_flight(self) -> None:
        pending = list(self._tasks)
        for task in pending:
            task.cancel()

        if pending:
            await asyncio.gather(*pending, return_exceptions=True)

        for entry in self.ledger.unfinished():
            entry.error_kind = ErrorKind.CLIENT_CANCELLED
            entry.end_s = time.monotonic()
            self._completed(entry)
