"""Which replicas or workers of a service are serving, as the service itself reports it."""

import json
from pathlib import Path

from chaos.probes.serve_status import running_replicas
from chaos.stack.embedded import RAY_MIN_REPLICAS, EmbeddedStack

APPLICATION = "serving"


def ready_fastapi_workers(log_path: Path, live_pids: list[int]) -> set[int]:
    """Return the live worker pids that logged ``worker_ready`` in the service log."""
    ready: set[int] = set()
    live = set(live_pids)
    with log_path.open(encoding="utf-8", errors="replace") as log:
        for line in log:
            if '"worker_ready"' not in line:
                continue
            try:
                event = json.loads(line)
            except json.JSONDecodeError:
                continue
            pid = int(str(event.get("replica_id", ":0")).rsplit(":", 1)[-1])
            if pid in live:
                ready.add(pid)
    return ready


def serving_members(stack: EmbeddedStack, service: str, deployment: str) -> list[str]:
    """Return the ids of the replicas (Ray) or ready workers (FastAPI) that serve now."""
    if service == "ray":
        assert stack.ray is not None
        cluster = stack.ray.cluster
        replicas = running_replicas(cluster.dashboard_url, cluster.auth_headers(), APPLICATION)
        return replicas.get(deployment, [])

    assert stack.fastapi is not None
    pids = stack.fastapi.worker_pids()
    return sorted(f"pid {pid}" for pid in ready_fastapi_workers(stack.fastapi.log_path, pids))


def expected_members(stack: EmbeddedStack, service: str, deployment: str) -> int:
    """Return how many replicas or workers the stack is configured to run."""
    if service == "ray":
        return RAY_MIN_REPLICAS[deployment]
    return 2
