"""Start-up failures give a clear error that says what failed and what to do, and leave
nothing running."""

import socket
import subprocess
import tempfile
from pathlib import Path

import psutil
import pytest

from chaos.stack import netns
from chaos.stack.fastapi_service import FastAPIServiceConfig, start_fastapi_service
from chaos.stack.ports import PortBusyError
from chaos.stack.prometheus import PrometheusError, start_prometheus
from chaos.stack.ray_cluster import RayClusterError, start_ray_cluster


def _children() -> set[int]:
    return {child.pid for child in psutil.Process().children(recursive=True)}


def test_missing_prometheus_names_the_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    before = _children()

    with pytest.raises(PrometheusError) as raised:
        start_prometheus(tmp_path, {"global": {}}, port=19090)

    assert "apt-get install prometheus" in str(raised.value)
    assert _children() == before


def test_busy_port_is_reported_before_start(tmp_path: Path) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        before = _children()

        with pytest.raises(PortBusyError) as raised:
            start_fastapi_service(tmp_path, FastAPIServiceConfig(port=port))

    assert f"127.0.0.1:{port}" in str(raised.value)
    assert "busy" in str(raised.value)
    assert _children() == before


def test_ray_start_failure_shows_log_and_cleans_up() -> None:
    workdir = Path(tempfile.mkdtemp(prefix="rf-", dir="/tmp"))
    index = 30
    name = netns.plan_namespace(index).name

    # A negative CPU count makes `ray start` exit at once with its own error message.
    with pytest.raises(RayClusterError) as raised:
        start_ray_cluster(workdir, first_index=index, head_cpus=-1, ready_timeout_s=60)

    assert "exited with status" in str(raised.value)
    assert name not in netns.list_namespaces()
    assert netns.pids(name) == []
    leftover = subprocess.run(
        ["ip", "link", "show", netns.plan_namespace(index).host_veth],
        capture_output=True,
        check=False,
    )
    assert leftover.returncode != 0
