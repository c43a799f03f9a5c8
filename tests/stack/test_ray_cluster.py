"""A Ray head and a worker node, each in its own namespace: they start, join, respond and
stop without leftovers."""

import json
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from chaos.stack import netns
from chaos.stack.ray_cluster import METRICS_EXPORT_PORT, RayClusterError, start_ray_cluster

#: Away from the default index 0 and from the other test modules' indices.
CLUSTER_TEST_INDEX = 44
#: Start-up bound for a head and a worker node on a 2-core machine (measured: about 23 s).
CLUSTER_READY_BOUND_S = 90.0


def _ray_processes_in(namespace_name: str) -> list[int]:
    return netns.pids(namespace_name)


def _running(pids: list[int], timeout_s: float) -> list[int]:
    """Return the pids still present after ``timeout_s``; exited ones vanish once reaped."""
    deadline = time.monotonic() + timeout_s
    remaining = [pid for pid in pids if Path(f"/proc/{pid}").exists()]
    while remaining and time.monotonic() < deadline:
        time.sleep(0.1)
        remaining = [pid for pid in remaining if Path(f"/proc/{pid}").exists()]
    return remaining


@pytest.mark.ray
@pytest.mark.slow
def test_cluster_starts_answers_and_stops(tmp_path_factory: pytest.TempPathFactory) -> None:
    workdir = tmp_path_factory.mktemp("rc")
    started = time.monotonic()
    cluster = start_ray_cluster(workdir, workers=1, first_index=CLUSTER_TEST_INDEX)
    ready_s = time.monotonic() - started
    namespaces = [node.namespace for node in cluster.nodes]
    try:
        nodes = httpx.get(
            f"{cluster.dashboard_url}/api/v0/nodes", headers=cluster.auth_headers(), timeout=10
        )
        unauthenticated = httpx.get(f"{cluster.dashboard_url}/api/v0/nodes", timeout=10)
        metrics = [httpx.get(url, timeout=10) for url in cluster.metrics_urls]
        targets = json.loads(cluster.service_discovery_file.read_text())
        pids_while_running = [pid for ns in namespaces for pid in _ray_processes_in(ns.name)]
    finally:
        cluster.stop()

    rows = nodes.json()["data"]["result"]["result"]
    print(f"head and worker ready after {ready_s:.1f} s")
    assert ready_s < CLUSTER_READY_BOUND_S
    assert nodes.status_code == 200
    assert sorted(row["node_ip"] for row in rows) == sorted(ns.address for ns in namespaces)
    assert [row["state"] for row in rows] == ["ALIVE", "ALIVE"]
    assert unauthenticated.status_code == 401
    assert [response.status_code for response in metrics] == [200, 200]
    assert [group["targets"] for group in targets] == [
        [f"{ns.address}:{METRICS_EXPORT_PORT}"] for ns in namespaces
    ]
    assert all("ray_" in response.text for response in metrics)
    assert len(pids_while_running) >= 6
    assert [node.process.poll() is not None for node in cluster.nodes] == [True, True]
    assert [ns.name in netns.list_namespaces() for ns in namespaces] == [False, False]
    assert _running(pids_while_running, timeout_s=5.0) == []


@pytest.mark.ray
def test_start_failure_shows_log_tail(tmp_path_factory: pytest.TempPathFactory) -> None:
    workdir = tmp_path_factory.mktemp("rc")

    with pytest.raises(RayClusterError, match="exited with status") as failure:
        # Ray rejects a negative CPU count while it starts and exits with status 1.
        start_ray_cluster(workdir, first_index=CLUSTER_TEST_INDEX, head_cpus=-1)

    assert "last lines of" in str(failure.value)
    assert "'CPU': -1" in str(failure.value)
    assert f"chaosns-{CLUSTER_TEST_INDEX}" not in netns.list_namespaces()
    leftover = subprocess.run(
        ["ip", "netns", "pids", f"chaosns-{CLUSTER_TEST_INDEX}"], capture_output=True, text=True
    )
    assert leftover.stdout.strip() == ""
