"""The append-only ledger of a load run, with JSON-lines export and import."""

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from chaos.ledger.entry import LedgerEntry


class Ledger:
    """Entries of one load run in the order their requests were scheduled.

    Entries are appended when a request is scheduled and completed in place when it ends, so
    a request that never ends stays visible as outstanding. Appends take a lock, so threads and
    the tasks of one event loop can share a ledger.
    """

    def __init__(self, clock_offset_s: float | None = None) -> None:
        self.clock_offset_s = (
            time.time() - time.monotonic() if clock_offset_s is None else clock_offset_s
        )
        self._entries: list[LedgerEntry] = []
        self._lock = threading.Lock()

    def append(self, entry: LedgerEntry) -> None:
        """Add ``entry`` at the end of the ledger."""
        with self._lock:
            self._entries.append(entry)

    @property
    def entries(self) -> tuple[LedgerEntry, ...]:
        """A snapshot of every entry, in scheduling order."""
        with self._lock:
            return tuple(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def __iter__(self) -> Iterator[LedgerEntry]:
        return iter(self.entries)

    def unfinished(self) -> list[LedgerEntry]:
        """Return the entries that have no outcome yet."""
        return [entry for entry in self.entries if not entry.finished]

    def check_outcomes(self) -> None:
        """Raise ``AssertionError`` naming the requests that have no outcome."""
        missing = self.unfinished()
        if missing:
            ids = [entry.request_id for entry in missing[:10]]
            msg = (
                f"{len(missing)} of {len(self)} ledger entries have no outcome "
                f"(first request ids: {ids}); stop the load driver before judging the ledger"
            )
            raise AssertionError(msg)

    def export_jsonl(self, path: Path) -> None:
        """Write one JSON object per entry to ``path``, replacing the file."""
        with path.open("w", encoding="utf-8") as stream:
            for entry in self.entries:
                stream.write(json.dumps(entry.to_dict(), sort_keys=True))
                stream.write("\n")

    @classmethod
    def import_jsonl(cls, path: Path) -> "Ledger":
        """Read a ledger written by ``export_jsonl``; blank lines are skipped."""
        entries: list[LedgerEntry] = []
        with path.open(encoding="utf-8") as stream:
            for number, line in enumerate(stream, start=1):
                if not line.strip():
                    continue

                try:
                    entries.append(LedgerEntry.from_dict(json.loads(line)))
                except (ValueError, TypeError) as error:
                    msg = f"{path}:{number}: invalid ledger entry ({error}); expected to_dict JSON"
                    raise ValueError(msg) from error

        ledger = cls(clock_offset_s=entries[0].clock_offset_s if entries else None)
        for entry in entries:
            ledger.append(entry)

        return ledger
