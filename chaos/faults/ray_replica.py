"""Killing one Ray Serve replica: through ``ray.kill`` or by SIGKILL of its worker process.

Both run a short Ray driver inside the head node's network namespace, because the cluster
is reachable only through the namespace addresses. The driver lists the live replica actors
of one deployment with Ray's state API, picks one, and either calls ``ray.kill`` on it or
prints its process id for the caller to SIGKILL (process ids are shared with the host).
"""

import json
import os
import signal
import sys
import time

import structlog

from chaos.faults.record import InjectedFault
from chaos.stack.ray_cluster import RayCluster

logger = structlog.get_logger("chaos.faults")

_DRIVER = """
import json, sys, time
import ray
from ray.util.state import list_actors

application, deployment, action = sys.argv[1], sys.argv[2], sys.argv[3]
ray.init(address="{address}", logging_level="ERROR", log_to_driver=False)
class_name = f"ServeReplica:{{application}}:{{deployment}}"
actors = [
    actor for actor in list_actors(filters=[("state", "=", "ALIVE")], detail=True, limit=1000)
    if actor.class_name == class_name
]
if not actors:
    print(json.dumps({{"error": f"no live replica of {{class_name}}"}}))
    sys.exit(3)
victim = sorted(actors, key=lambda actor: actor.name)[0]
result = {{"name": victim.name, "pid": victim.pid, "replicas": len(actors)}}
if action == "ray_kill":
    ray.kill(ray.get_actor(victim.name, namespace="serve"), no_restart=True)
    result["killed_at"] = time.time()
print(json.dumps(result))
"""


class ReplicaKillError(RuntimeError):
    """The replica could not be found or killed."""


def kill_replica(
    cluster: RayCluster, application: str, deployment: str, method: str
) -> InjectedFault:
    """Kill one replica of ``deployment`` with ``method`` (``ray_kill`` or ``sigkill``).

    The blast radius is one replica actor; the Serve controller starts a replacement.
    """
    if method not in {"ray_kill", "sigkill"}:
        message = f"unknown replica kill method {method!r}; expected 'ray_kill' or 'sigkill'"
        raise ValueError(message)

    address = f"{cluster.head.namespace.address}:6379"
    script = _DRIVER.format(address=address)
    completed = cluster.run_in_head(
        [sys.executable, "-c", script, application, deployment, method], 90.0
    )
    output = completed.stdout.strip().splitlines()
    if completed.returncode != 0 or not output:
        message = (
            f"the replica-kill driver for {application}/{deployment} failed with status "
            f"{completed.returncode}: {(completed.stderr or completed.stdout).strip()[-1500:]}"
        )
        raise ReplicaKillError(message)

    result = json.loads(output[-1])
    if method == "sigkill":
        os.kill(int(result["pid"]), signal.SIGKILL)
        result["killed_at"] = time.time()

    logger.warning(
        "fault_replica_killed",
        deployment=deployment,
        method=method,
        replica=result["name"],
        pid=result["pid"],
    )
    return InjectedFault(
        kind=f"replica_{method}",
        blast_radius=f"one replica of deployment {deployment}",
        victim=str(result["name"]),
        injected_at_unix_s=float(result["killed_at"]),
        details={
            "pid": result["pid"],
            "replicas_before": result["replicas"],
            "deployment": deployment,
        },
    )
