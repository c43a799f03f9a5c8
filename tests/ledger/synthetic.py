"""Builders of synthetic ledger entries for the ledger tests."""

from chaos.ledger import ErrorKind, LedgerEntry


def make_entry(
    intended_s: float,
    latency_s: float = 0.05,
    status: int | None = 200,
    error_kind: str | None = None,
    *,
    finished: bool = True,
    index: int = 0,
) -> LedgerEntry:
    """Return one entry sent at ``intended_s`` that ended ``latency_s`` later."""
    entry = LedgerEntry(
        request_id=f"req-{intended_s:.3f}-{index}",
        route="/v1/embeddings",
        phase="test",
        intended_s=intended_s,
        clock_offset_s=1_700_000_000.0,
        sent_s=None if error_kind == ErrorKind.CLIENT_SATURATED else intended_s,
    )
    if finished:
        entry.end_s = intended_s + latency_s
        entry.status = status
        entry.error_kind = error_kind
        entry.first_byte_s = entry.end_s if status is not None else None

    return entry


def steady(
    start_s: float,
    end_s: float,
    rate_rps: float,
    latency_s: float = 0.05,
    status: int | None = 200,
    error_kind: str | None = None,
) -> list[LedgerEntry]:
    """Return entries at a fixed arrival rate over ``[start_s, end_s)``, all with one outcome."""
    count = round((end_s - start_s) * rate_rps)
    return [
        make_entry(start_s + i / rate_rps, latency_s, status, error_kind, index=i)
        for i in range(count)
    ]
