"""One request of a load run, as the ledger records it."""

from dataclasses import asdict, dataclass, fields
from enum import StrEnum
from typing import Any


class ErrorKind(StrEnum):
    """Cause of a request ending without a complete HTTP response, or a stream without ``done``."""

    CONNECT_REFUSED = "connect_refused"
    CONNECT_TIMEOUT = "connect_timeout"
    CONNECT_ERROR = "connect_error"
    READ_TIMEOUT = "read_timeout"
    WRITE_TIMEOUT = "write_timeout"
    POOL_TIMEOUT = "pool_timeout"
    RESET = "reset"
    READ_ERROR = "read_error"
    WRITE_ERROR = "write_error"
    REMOTE_PROTOCOL = "remote_protocol"
    STREAM_INCOMPLETE = "stream_incomplete"
    INVALID_RESPONSE = "invalid_response"
    CLIENT_CANCELLED = "client_cancelled"
    CLIENT_SATURATED = "client_saturated"
    CLIENT_DISCONNECTED = "client_disconnected"
    OTHER = "other"


#: Kinds that the load profile plans rather than the target causes: the client closed the request
#: on purpose after the number of tokens or seconds its template sets.
PLANNED_KINDS = frozenset({ErrorKind.CLIENT_DISCONNECTED})


@dataclass
class LedgerEntry:
    """One request: its schedule, its timings, and its outcome.

    Times are ``time.monotonic()`` seconds of the process that ran the load. Adding
    ``clock_offset_s`` (wall clock minus monotonic clock, taken once when the ledger was created)
    turns any of them into Unix seconds, the timestamps Prometheus uses. ``end_s`` is None while
    the request is outstanding. A request has succeeded when it ended with a 2xx status and no
    error kind, or with a planned client-side disconnect before any status or after a 2xx one.
    """

    request_id: str
    route: str
    phase: str
    intended_s: float
    clock_offset_s: float
    sent_s: float | None = None
    first_byte_s: float | None = None
    end_s: float | None = None
    status: int | None = None
    error_kind: str | None = None
    bytes_received: int = 0
    tokens_received: int = 0
    replica_id: str | None = None

    @property
    def finished(self) -> bool:
        """Whether the request has an outcome (a status, an error kind, or both)."""
        return self.end_s is not None and (self.status is not None or self.error_kind is not None)

    @property
    def ok(self) -> bool:
        """Whether the request succeeded, as the class docstring defines it."""
        if not self.finished:
            return False

        status_ok = self.status is not None and 200 <= self.status < 300
        if self.error_kind in PLANNED_KINDS:
            return self.status is None or status_ok

        return status_ok and self.error_kind is None

    @property
    def latency_s(self) -> float | None:
        """Seconds from the intended send time to the end, or None if never sent or not finished."""
        if self.end_s is None or self.sent_s is None:
            return None

        return self.end_s - self.intended_s

    def wall_time(self, monotonic_s: float) -> float:
        """Convert a monotonic time of this entry into Unix seconds."""
        return monotonic_s + self.clock_offset_s

    def to_dict(self) -> dict[str, Any]:
        """Return the entry as a JSON-ready dict."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "LedgerEntry":
        """Build an entry from ``to_dict`` output; unknown or missing required keys raise."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            msg = (
                f"ledger entry has unknown keys {unknown}; expected only {sorted(known)}. "
                "Was the file written by a newer version of the ledger?"
            )
            raise ValueError(msg)

        return cls(**data)
