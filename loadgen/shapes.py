"""Load shapes as data, and the pure function of elapsed time that Locust's shape classes call.

A shape is a tuple of stages in time order. ``users_at(stages, elapsed_s)`` returns what
``LoadTestShape.tick`` must return: ``(user_count, spawn_rate)`` for the stage that covers
``elapsed_s``, or None once the last stage has ended, which stops the run.
"""

import itertools
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Stage:
    """Hold ``users`` users until ``until_s`` seconds after the start, spawning ``spawn_rate``/s."""

    until_s: float
    users: int
    spawn_rate: float

    def __post_init__(self) -> None:
        if not self.until_s > 0:
            msg = f"stage end {self.until_s} s is not positive; pass seconds since the start"
            raise ValueError(msg)
        if self.users < 0:
            msg = f"stage user count {self.users} is negative"
            raise ValueError(msg)
        if not self.spawn_rate > 0:
            msg = f"stage spawn rate {self.spawn_rate} is not positive; pass users per second"
            raise ValueError(msg)


def check_stages(stages: Sequence[Stage]) -> None:
    """Raise ``ValueError`` unless ``stages`` is non-empty and its end times strictly increase."""
    if not stages:
        msg = "a load shape needs at least one stage"
        raise ValueError(msg)

    for earlier, later in itertools.pairwise(stages):
        if not later.until_s > earlier.until_s:
            msg = (
                f"stage ending at {later.until_s} s follows one ending at {earlier.until_s} s; "
                "list stages in increasing end time"
            )
            raise ValueError(msg)


def users_at(stages: Sequence[Stage], elapsed_s: float) -> tuple[int, float] | None:
    """Return ``(user_count, spawn_rate)`` of the stage covering ``elapsed_s``, None after the end.

    Stage ``k`` covers ``[stages[k-1].until_s, stages[k].until_s)``; the first starts at 0.
    """
    check_stages(stages)
    if elapsed_s < 0:
        msg = f"elapsed time {elapsed_s} s is negative"
        raise ValueError(msg)

    for stage in stages:
        if elapsed_s < stage.until_s:
            return stage.users, stage.spawn_rate

    return None


def burst_stages(
    base_users: int, peak_users: int, base_s: float, peak_s: float, cycles: int
) -> tuple[Stage, ...]:
    """Return ``cycles`` repetitions of base load then a burst, ending with base load.

    Users ramp up to the peak within one second and back down within one second.
    """
    if cycles < 1:
        msg = f"burst cycles {cycles} is below 1"
        raise ValueError(msg)
    if peak_users < base_users:
        msg = f"peak users {peak_users} is below base users {base_users}"
        raise ValueError(msg)

    rate = float(max(1, peak_users - base_users))
    stages: list[Stage] = []
    elapsed = 0.0
    for _ in range(cycles):
        elapsed += base_s
        stages.append(Stage(elapsed, base_users, rate))
        elapsed += peak_s
        stages.append(Stage(elapsed, peak_users, rate))

    stages.append(Stage(elapsed + base_s, base_users, rate))
    return tuple(stages)


#: Default burst profile: 2 users, bursts to 10 users for 15 s every minute, for 3 minutes.
BURST = burst_stages(base_users=2, peak_users=10, base_s=45.0, peak_s=15.0, cycles=3)
