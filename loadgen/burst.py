"""Burst profile: steady users whose count steps up and down with ``loadgen.shapes.BURST``.

    locust -f loadgen/burst.py --host http://127.0.0.1:8000 --headless

The shape sets the user count, so ``-u`` and ``-r`` are ignored, and the run stops on its own
after the last stage.
"""

from locust import LoadTestShape

from loadgen.shapes import BURST, users_at
from loadgen.users import SteadyUser

__all__ = ["BurstShape", "SteadyUser"]


class BurstShape(LoadTestShape):
    """Locust shape that follows ``BURST``."""

    def tick(self) -> tuple[int, float] | None:
        # Locust 2.47 leaves get_run_time unannotated; it returns seconds since the start.
        elapsed_s: float = self.get_run_time()  # type: ignore[no-untyped-call]
        return users_at(BURST, elapsed_s)
