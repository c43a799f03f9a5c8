"""Windows, time to recovery and failure counts on synthetic ledgers."""

import pytest

from chaos.ledger import (
    ErrorKind,
    Sla,
    TimeWindow,
    failed_outside,
    failed_within,
    relapsed_after,
    time_to_recovery,
    window_series,
)

from .synthetic import make_entry, steady

SLA = Sla(min_success_ratio=0.95, max_p95_s=0.5, window_s=1.0, stable_s=3.0)


def test_windows_keep_empty_gaps() -> None:
    entries = steady(0.0, 2.0, 10) + steady(4.0, 5.0, 10)

    series = window_series(entries, 1.0)

    assert [w.sent for w in series] == [10, 10, 0, 0, 10]
    assert series[2].success_ratio is None
    assert series[2].latency_p95_s is None
    assert series[0].window == TimeWindow(0.0, 1.0)


def test_windows_of_no_traffic() -> None:
    assert window_series([], 1.0) == []
    assert [w.sent for w in window_series([], 1.0, start_s=0.0, end_s=2.0)] == [0, 0]


def test_windows_count_unfinished_as_failed() -> None:
    entries = steady(0.0, 1.0, 10)
    entries[0] = make_entry(0.0, finished=False)

    series = window_series(entries, 1.0)

    assert series[0].failed == 1
    assert series[0].success_ratio == pytest.approx(0.9)


def test_window_width_must_be_positive() -> None:
    with pytest.raises(ValueError, match="not positive"):
        window_series([], 0.0)


def test_recovery_after_error_burst() -> None:
    entries = (
        steady(10.0, 14.0, 20, status=503)
        + steady(14.0, 16.0, 20, latency_s=1.2)
        + steady(16.0, 25.0, 20)
    )

    assert time_to_recovery(entries, 10.0, SLA) == pytest.approx(6.0)


def test_recovery_immediate_when_fault_harmless() -> None:
    assert time_to_recovery(steady(0.0, 10.0, 20), 0.0, SLA) == pytest.approx(0.0)


def test_recovery_none_without_traffic() -> None:
    assert time_to_recovery([], 0.0, SLA) is None
    assert time_to_recovery(steady(0.0, 5.0, 10), 6.0, SLA) is None


def test_recovery_none_when_never_recovered() -> None:
    entries = steady(0.0, 10.0, 20, status=None, error_kind=ErrorKind.CONNECT_REFUSED)

    assert time_to_recovery(entries, 0.0, SLA) is None


def test_recovery_needs_full_stable_period() -> None:
    entries = steady(0.0, 3.0, 20, status=500) + steady(3.0, 5.0, 20)

    assert time_to_recovery(entries, 0.0, SLA) is None


def test_recovery_ignores_short_healthy_blip() -> None:
    entries = (
        steady(0.0, 2.0, 20, status=500)
        + steady(2.0, 4.0, 20)
        + steady(4.0, 6.0, 20, status=500)
        + steady(6.0, 12.0, 20)
    )

    assert time_to_recovery(entries, 0.0, SLA) == pytest.approx(6.0)


def test_recovery_then_relapse() -> None:
    entries = (
        steady(0.0, 2.0, 20, status=500)
        + steady(2.0, 6.0, 20)
        + steady(6.0, 8.0, 20, status=500)
        + steady(8.0, 12.0, 20)
    )

    recovered = time_to_recovery(entries, 0.0, SLA)

    assert recovered == pytest.approx(2.0)
    assert relapsed_after(entries, 0.0 + 2.0, SLA)
    assert not relapsed_after(entries, 8.0, SLA)


def test_recovery_broken_by_empty_window() -> None:
    entries = steady(0.0, 1.0, 20, status=500) + steady(1.0, 3.0, 20) + steady(4.0, 5.0, 20)

    assert time_to_recovery(entries, 0.0, SLA) is None


def test_recovery_tolerates_budgeted_errors() -> None:
    entries = steady(0.0, 6.0, 100)
    for entry in entries[::50]:
        entry.status = 503

    assert time_to_recovery(entries, 0.0, SLA) == pytest.approx(0.0)


def test_sla_rejects_bad_values() -> None:
    with pytest.raises(ValueError, match=r"min_success_ratio 1\.5"):
        Sla(min_success_ratio=1.5, max_p95_s=0.5)
    with pytest.raises(ValueError, match="shorter than one window"):
        Sla(min_success_ratio=0.9, max_p95_s=0.5, window_s=2.0, stable_s=1.0)


def test_failed_inside_and_outside_window() -> None:
    entries = [
        *steady(0.0, 2.0, 10),
        make_entry(0.5, status=500),
        *steady(2.0, 4.0, 10, status=503),
        make_entry(4.5, status=None, error_kind=ErrorKind.RESET),
        make_entry(5.0, status=None, error_kind=ErrorKind.CLIENT_CANCELLED),
    ]
    fault = TimeWindow(2.0, 4.0)

    assert failed_within(entries, fault) == 20
    assert failed_outside(entries, fault) == 2
