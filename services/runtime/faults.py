"""In-service fault hooks: hang the event loop, slow or fail every call, leak memory.

A fault is switched on through the admin route for a bounded time and expires by itself. A
``FaultInjector`` lives in each worker or replica process. Faults with scope ``all`` are written
to a JSON file in a shared state directory, which every worker of the FastAPI service re-reads
at most every ``_SHARED_POLL_S`` seconds.
"""

import asyncio
import json
import os
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import structlog

from services.contract.schemas import FaultKind, FaultRequest

_SHARED_POLL_S = 0.2
_MEBIBYTE = 1024 * 1024

logger = structlog.get_logger("services.faults")


class InjectedFaultError(RuntimeError):
    """Raised by a call while a ``fail`` fault is active."""


@dataclass(frozen=True)
class ActiveFault:
    """A fault with its absolute expiry time."""

    kind: FaultKind
    expires_at: float
    delay_ms: int = 0
    leak_mb: int = 0
    activated_at: float = 0.0

    def is_active(self, now: float) -> bool:
        """Return whether the fault has not yet expired at ``now`` (Unix seconds)."""
        return now < self.expires_at


class FaultInjector:
    """The faults active in one process, and the hooks that apply them to calls."""

    def __init__(self, shared_file: Path | None = None) -> None:
        self._local: dict[FaultKind, ActiveFault] = {}
        self._shared_file = shared_file
        self._shared: dict[FaultKind, ActiveFault] = {}
        self._shared_read_at = 0.0
        self._leaked: list[bytearray] = []
        self._leak_lock = threading.Lock()
        self._leak_stop = threading.Event()
        self._cleared_at = 0.0

    def activate(self, request: FaultRequest) -> ActiveFault:
        """Switch a fault on; a ``hang`` blocks the event loop right after the caller returns."""
        now = time.time()
        fault = ActiveFault(
            kind=request.kind,
            expires_at=now + request.duration_s,
            delay_ms=request.delay_ms,
            leak_mb=request.leak_mb,
            activated_at=now,
        )
        if request.scope == "all" and self._shared_file is not None:
            self._write_shared(fault)
        else:
            self._local[fault.kind] = fault
        self._start_side_effect(fault)
        return fault

    def clear(self) -> None:
        """Switch every fault off, here and (through the shared file) in every other worker.

        The shared file then holds only a ``cleared_at`` time; each worker drops its own local
        faults that were switched on before it. Leaked memory is released.
        """
        now = time.time()
        self._local.clear()
        self._shared.clear()
        self._cleared_at = now
        if self._shared_file is not None:
            self._write_shared_state({"cleared_at": now})
        self._leak_stop.set()
        with self._leak_lock:
            self._leaked.clear()

    def active(self) -> list[ActiveFault]:
        """Return the faults active now, local and shared, minus those cleared since."""
        now = time.time()
        shared = self._read_shared(now)
        merged: dict[FaultKind, ActiveFault] = {}
        # Expired faults go first, so an old local fault cannot hide a live shared one; of two
        # live faults of one kind, the one switched on last wins.
        for fault in [*shared.values(), *self._local.values()]:
            if not fault.is_active(now) or fault.activated_at < self._cleared_at:
                continue
            current = merged.get(fault.kind)
            if current is None or fault.activated_at >= current.activated_at:
                merged[fault.kind] = fault
        return list(merged.values())

    async def before_call(self) -> None:
        """Apply the faults that act on calls: delay a ``slow`` call, raise for ``fail``."""
        now = time.time()
        faults = {fault.kind: fault for fault in self.active()}

        slow = faults.get(FaultKind.SLOW)
        if slow is not None and slow.is_active(now):
            await asyncio.sleep(slow.delay_ms / 1000)

        if FaultKind.FAIL in faults:
            message = "injected fault: this worker fails every call until the fault expires"
            raise InjectedFaultError(message)

    def _start_side_effect(self, fault: ActiveFault) -> None:
        if fault.kind is FaultKind.HANG:
            loop = asyncio.get_running_loop()
            # Deferred by one loop iteration so the admin response goes out before the loop
            # blocks; time.sleep is the point here, it is what a stuck handler does.
            loop.call_later(0.05, _block_event_loop, fault.expires_at)
        elif fault.kind is FaultKind.LEAK:
            self._leak_stop.clear()
            thread = threading.Thread(target=self._leak, args=(fault,), daemon=True)
            thread.start()

    def _leak(self, fault: ActiveFault) -> None:
        steps = max(1, fault.leak_mb)
        interval = max(0.0, (fault.expires_at - time.time()) / (2 * steps))
        for _ in range(steps):
            if time.time() >= fault.expires_at or self._leak_stop.is_set():
                break
            chunk = bytearray(os.urandom(16)) * (_MEBIBYTE // 16)
            with self._leak_lock:
                self._leaked.append(chunk)
            self._leak_stop.wait(interval)

        remaining = fault.expires_at - time.time()
        if remaining > 0:
            self._leak_stop.wait(remaining)
        with self._leak_lock:
            self._leaked.clear()
        logger.info("fault_leak_released", leaked_mb=steps)

    def _write_shared(self, fault: ActiveFault) -> None:
        current: dict[str, Any] = {
            kind.value: {**asdict(item), "kind": kind.value}
            for kind, item in self._read_shared(time.time()).items()
        }
        current[fault.kind.value] = {**asdict(fault), "kind": fault.kind.value}
        current["cleared_at"] = self._cleared_at
        self._write_shared_state(current)

    def _write_shared_state(self, state: dict[str, Any]) -> None:
        assert self._shared_file is not None
        self._shared_file.parent.mkdir(parents=True, exist_ok=True)
        temporary = self._shared_file.with_suffix(f".{os.getpid()}.tmp")
        temporary.write_text(json.dumps(state), encoding="utf-8")
        temporary.replace(self._shared_file)
        self._shared_read_at = 0.0

    def _read_shared(self, now: float) -> dict[FaultKind, ActiveFault]:
        if self._shared_file is None:
            return {}
        if now - self._shared_read_at < _SHARED_POLL_S:
            return self._shared

        self._shared_read_at = now
        try:
            raw = json.loads(self._shared_file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            self._shared = {}
            return self._shared
        except (OSError, json.JSONDecodeError) as error:
            logger.warning("fault_state_unreadable", path=str(self._shared_file), error=str(error))
            return self._shared

        self._cleared_at = max(self._cleared_at, float(raw.pop("cleared_at", 0.0)))
        self._shared = {
            FaultKind(kind): ActiveFault(
                kind=FaultKind(kind),
                expires_at=float(item["expires_at"]),
                delay_ms=int(item.get("delay_ms", 0)),
                leak_mb=int(item.get("leak_mb", 0)),
                activated_at=float(item.get("activated_at", 0.0)),
            )
            for kind, item in raw.items()
        }
        return self._shared


def _block_event_loop(until: float) -> None:
    logger.warning("fault_hang_started", until_unix_s=until)
    remaining = until - time.time()
    if remaining > 0:
        time.sleep(remaining)
    logger.warning("fault_hang_ended")
