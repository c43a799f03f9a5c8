"""One embedded stack per machine: a file lock held for the stack's whole life.

The stack uses fixed namespace addresses and removes leftovers of earlier runs at start, so a
second run at the same time would tear down the first. The lock makes the second run wait
(up to ``CHAOS_STACK_LOCK_WAIT_S`` seconds, default 0) or fail with a clear message.
"""

import fcntl
import os
import time
from pathlib import Path
from typing import IO

LOCK_PATH = Path("/tmp/serving-chaos/stack.lock")


class StackBusyError(RuntimeError):
    """Another process holds the embedded stack."""


class StackLock:
    """An exclusive ``flock`` on ``LOCK_PATH``, released by ``release`` or process exit."""

    def __init__(self, path: Path = LOCK_PATH) -> None:
        self.path = path
        self._handle: IO[str] | None = None

    def acquire(self, wait_s: float | None = None) -> None:
        """Take the lock, polling for up to ``wait_s`` seconds; raise ``StackBusyError``."""
        if wait_s is None:
            wait_s = float(os.environ.get("CHAOS_STACK_LOCK_WAIT_S", "0"))
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = self.path.open("a+", encoding="utf-8")
        deadline = time.monotonic() + wait_s
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    handle.seek(0)
                    holder = handle.read().strip() or "unknown"
                    handle.close()
                    message = (
                        f"another embedded stack runs on this machine (process {holder}); wait "
                        "for it to finish, or set CHAOS_STACK_LOCK_WAIT_S to wait for it"
                    )
                    raise StackBusyError(message) from None
                time.sleep(1.0)

        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        self._handle = handle

    def release(self) -> None:
        """Release the lock if held."""
        if self._handle is not None:
            fcntl.flock(self._handle, fcntl.LOCK_UN)
            self._handle.close()
            self._handle = None
