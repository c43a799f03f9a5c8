"""SIGKILL of one worker process of the FastAPI service."""

import os
import random
import signal
import time

import structlog

from chaos.faults.record import InjectedFault

logger = structlog.get_logger("chaos.faults")


def kill_worker(worker_pids: list[int], seed: int | None = None) -> InjectedFault:
    """Send SIGKILL to one of ``worker_pids`` (chosen at random) and return the record.

    The blast radius is one worker: the requests it holds are lost and Gunicorn starts a
    replacement. Raises ``ValueError`` when there is no worker to kill.
    """
    if not worker_pids:
        message = "no FastAPI worker process to kill; is the service running?"
        raise ValueError(message)

    victim = random.Random(seed).choice(sorted(worker_pids))
    os.kill(victim, signal.SIGKILL)
    killed_at = time.time()
    logger.warning("fault_worker_killed", pid=victim, signal="SIGKILL")
    return InjectedFault(
        kind="worker_sigkill",
        blast_radius="one Gunicorn worker process",
        victim=f"pid {victim}",
        injected_at_unix_s=killed_at,
        details={"pid": victim, "workers_before": sorted(worker_pids)},
    )
