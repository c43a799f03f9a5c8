"""Replica counts of Ray Serve deployments, from the head node's dashboard REST API."""

from typing import Any

import httpx


class ServeStatusError(RuntimeError):
    """The Serve REST API could not be read."""


def running_replicas(
    dashboard_url: str, headers: dict[str, str], application: str
) -> dict[str, list[str]]:
    """Return the actor names of the RUNNING replicas of each deployment of ``application``."""
    try:
        response = httpx.get(
            f"{dashboard_url}/api/serve/applications/", headers=headers, timeout=5.0
        )
    except httpx.HTTPError as error:
        message = f"GET {dashboard_url}/api/serve/applications/ failed: {error!r}"
        raise ServeStatusError(message) from error
    if response.status_code != 200:
        message = f"GET {dashboard_url}/api/serve/applications/ returned {response.status_code}"
        raise ServeStatusError(message)

    applications: dict[str, Any] = response.json().get("applications", {})
    if application not in applications:
        message = f"Serve application {application!r} not found; deployed: {sorted(applications)}"
        raise ServeStatusError(message)

    running: dict[str, list[str]] = {}
    for name, deployment in applications[application].get("deployments", {}).items():
        replicas = deployment.get("replicas", [])
        running[name] = sorted(
            str(replica.get("actor_name", replica.get("replica_id")))
            for replica in replicas
            if replica.get("state") == "RUNNING"
        )
    return running
