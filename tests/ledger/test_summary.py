"""Summary counts and percentiles of synthetic ledgers."""

import pytest

from chaos.ledger import ErrorKind, Ledger, percentile, summarize

from .synthetic import make_entry, steady


def test_percentile_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]

    assert percentile(values, 0.50) == 50.0
    assert percentile(values, 0.95) == 95.0
    assert percentile(values, 0.99) == 99.0
    assert percentile(values, 1.0) == 100.0
    assert percentile([], 0.5) is None


def test_percentile_rejects_fraction_over_one() -> None:
    with pytest.raises(ValueError, match="outside"):
        percentile([1.0], 95)


def test_summary_empty_ledger() -> None:
    summary = summarize([])

    assert summary.sent == 0
    assert summary.ok == 0
    assert summary.outstanding == 0
    assert summary.success_ratio is None
    assert summary.latency_p99_s is None


def test_summary_counts_outcomes() -> None:
    entries = [
        *steady(0.0, 1.0, 10),
        make_entry(1.0, 0.2, status=503),
        make_entry(1.1, 0.2, status=503),
        make_entry(1.2, 0.0, status=None, error_kind=ErrorKind.CONNECT_REFUSED),
        make_entry(1.3, 0.0, status=None, error_kind=ErrorKind.CLIENT_SATURATED),
        make_entry(1.4, 0.5, status=200, error_kind=ErrorKind.CLIENT_CANCELLED),
        make_entry(1.5, 0.5, status=200, error_kind=ErrorKind.CLIENT_DISCONNECTED),
        make_entry(1.6, 0.5, status=200, error_kind=ErrorKind.STREAM_INCOMPLETE),
        make_entry(1.7, finished=False),
    ]

    summary = summarize(entries)

    assert summary.sent == 18
    assert summary.ok == 11
    assert summary.failed == 5
    assert summary.cancelled == 1
    assert summary.outstanding == 1
    assert summary.failed_by_status == {503: 2}
    assert summary.failed_by_kind == {
        ErrorKind.CONNECT_REFUSED: 1,
        ErrorKind.CLIENT_SATURATED: 1,
        ErrorKind.STREAM_INCOMPLETE: 1,
    }
    assert summary.success_ratio == pytest.approx(11 / 16)


def test_summary_latency_from_intended_time() -> None:
    entries = steady(0.0, 1.0, 100, latency_s=0.01)
    late = make_entry(2.0, latency_s=2.0)
    late.sent_s = 3.9
    entries.append(late)

    summary = summarize(entries)

    assert summary.latency_p50_s == pytest.approx(0.01)
    assert summary.latency_max_s == pytest.approx(2.0)
    assert summary.latency_p99_s == pytest.approx(0.01)


def test_summary_skips_unsent_latency() -> None:
    saturated = make_entry(0.0, 9.0, status=None, error_kind=ErrorKind.CLIENT_SATURATED)

    summary = summarize([saturated, make_entry(0.1, 0.3)])

    assert summary.latency_max_s == pytest.approx(0.3)


def test_check_outcomes_names_missing() -> None:
    ledger = Ledger()
    ledger.append(make_entry(0.0))
    ledger.append(make_entry(0.5, finished=False))

    with pytest.raises(AssertionError, match=r"1 of 2 ledger entries.*req-0\.500"):
        ledger.check_outcomes()


def test_check_outcomes_passes_when_complete() -> None:
    ledger = Ledger()
    for entry in steady(0.0, 1.0, 5):
        ledger.append(entry)

    ledger.check_outcomes()

    assert ledger.unfinished() == []


def test_planned_disconnect_outcomes() -> None:
    before_headers = make_entry(0.0, 0.3, status=None, error_kind=ErrorKind.CLIENT_DISCONNECTED)
    after_error = make_entry(0.1, 0.3, status=503, error_kind=ErrorKind.CLIENT_DISCONNECTED)

    assert before_headers.ok
    assert not after_error.ok
