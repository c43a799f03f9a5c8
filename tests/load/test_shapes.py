"""Load shape functions of the Locust profiles."""

import pytest

from loadgen.shapes import BURST, Stage, burst_stages, check_stages, users_at

STAGES = (Stage(10.0, 2, 1.0), Stage(20.0, 8, 4.0), Stage(30.0, 0, 8.0))


@pytest.mark.parametrize(
    ("elapsed_s", "expected"),
    [
        (0.0, (2, 1.0)),
        (9.99, (2, 1.0)),
        (10.0, (8, 4.0)),
        (19.5, (8, 4.0)),
        (25.0, (0, 8.0)),
        (30.0, None),
        (1e6, None),
    ],
)
def test_users_at_stage_boundaries(elapsed_s: float, expected: tuple[int, float] | None) -> None:
    assert users_at(STAGES, elapsed_s) == expected


def test_users_at_rejects_negative_time() -> None:
    with pytest.raises(ValueError, match="negative"):
        users_at(STAGES, -1.0)


def test_stages_must_increase() -> None:
    with pytest.raises(ValueError, match="increasing end time"):
        check_stages((Stage(10.0, 1, 1.0), Stage(10.0, 2, 1.0)))
    with pytest.raises(ValueError, match="at least one stage"):
        check_stages(())


def test_stage_rejects_zero_spawn_rate() -> None:
    with pytest.raises(ValueError, match="spawn rate 0"):
        Stage(5.0, 1, 0.0)


def test_burst_steps_up_and_down() -> None:
    stages = burst_stages(base_users=2, peak_users=10, base_s=5.0, peak_s=2.0, cycles=2)

    counts = [users_at(stages, t) for t in (0.0, 5.0, 6.9, 7.0, 12.0, 14.0, 18.9, 19.0)]

    assert [c[0] if c else None for c in counts] == [2, 10, 10, 2, 10, 2, 2, None]
    assert stages[-1].until_s == pytest.approx(19.0)


def test_default_burst_profile() -> None:
    peaks = {users_at(BURST, float(t)) for t in range(0, 200)}

    assert BURST[-1].until_s == pytest.approx(225.0)
    assert {p[0] for p in peaks if p} == {2, 10}


def test_burst_rejects_peak_below_base() -> None:
    with pytest.raises(ValueError, match="peak users 1 is below base users 2"):
        burst_stages(base_users=2, peak_users=1, base_s=1.0, peak_s=1.0, cycles=1)
