"""A Ray cluster of one head and optional worker nodes, each in its own network namespace.

Every node is a ``ray start --block`` subprocess run through ``ip netns exec``, so Ray binds and
advertises only its namespace's address (on the host network, Ray 2.60 binds its gRPC ports on
every interface and advertises the network card's address). The suite reaches Ray only through
those addresses. Worker nodes reach the head through the host, which forwards between the
project's veths only (see ``chaos.stack.netns``).

Stopping never uses ``ray stop``, which ends Ray processes by name in every namespace of the
machine. It sends SIGTERM, then SIGKILL, to every process inside the stack's own namespaces,
which also catches orphans such as a ``log_monitor`` left behind by a dead raylet.
"""

import json
import os
import secrets
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import structlog

from chaos.stack import netns
from chaos.stack.netns import Namespace

logger = structlog.get_logger("chaos.stack.ray_cluster")

GCS_PORT = 6379
DASHBOARD_PORT = 8265
METRICS_EXPORT_PORT = 8080
SERVE_HTTP_PORT = 8000
#: Nothing listens on this port inside a namespace, so Ray's "usage stats disabled" ping fails.
_CLOSED_LOOPBACK_URL = "http://127.0.0.1:9/usage"
#: Ray's socket paths (temp dir + ~64 characters of session and socket names) must stay under
#: the 107-byte limit of Unix socket paths.
_MAX_TEMP_DIR_CHARS = 40
_STOP_GRACE_S = netns.STOP_GRACE_S
_LOG_TAIL_LINES = 40


class RayClusterError(RuntimeError):
    """Ray failed to start, to become ready or to accept a deployment."""


@dataclass
class RayNode:
    """One ``ray start --block`` process and the namespace it runs in."""

    role: str
    namespace: Namespace
    process: "subprocess.Popen[bytes]"
    log_path: Path


@dataclass
class RayCluster:
    """A started cluster: its nodes, its token and the environment every node shares."""

    workdir: Path
    head: RayNode
    workers: list[RayNode]
    token: str
    environment: dict[str, str] = field(repr=False)

    @property
    def nodes(self) -> list[RayNode]:
        """Return the head followed by the worker nodes."""
        return [self.head, *self.workers]

    @property
    def dashboard_url(self) -> str:
        """Return the dashboard and job API address of the head node."""
        return f"http://{self.head.namespace.address}:{DASHBOARD_PORT}"

    @property
    def service_discovery_file(self) -> Path:
        """Return the Prometheus ``file_sd_configs`` file that lists every node's metrics agent."""
        return self.workdir / "prometheus-ray-targets.json"

    def write_service_discovery_file(self) -> None:
        """Write one scrape target per node, labelled with its role and namespace."""
        groups = [
            {
                "targets": [f"{node.namespace.address}:{METRICS_EXPORT_PORT}"],
                "labels": {"ray_node_role": node.role, "netns": node.namespace.name},
            }
            for node in self.nodes
        ]
        temporary = self.service_discovery_file.with_suffix(".tmp")
        temporary.write_text(json.dumps(groups, indent=2), encoding="utf-8")
        temporary.replace(self.service_discovery_file)

    @property
    def metrics_urls(self) -> tuple[str, ...]:
        """Return the metrics agent exposition URL of every node."""
        return tuple(
            f"http://{node.namespace.address}:{METRICS_EXPORT_PORT}/metrics" for node in self.nodes
        )

    def auth_headers(self) -> dict[str, str]:
        """Return the header that Ray's token authentication expects on HTTP calls."""
        return {"Authorization": f"Bearer {self.token}"}

    def run_in_head(self, argv: list[str], timeout_s: float) -> subprocess.CompletedProcess[str]:
        """Run ``argv`` inside the head's namespace with the cluster's environment."""
        return subprocess.run(
            [*self.head.namespace.exec_prefix(), *argv],
            env=self.environment,
            capture_output=True,
            text=True,
            timeout=timeout_s,
            check=False,
        )

    def deploy(self, config_path: Path, timeout_s: float = 120.0) -> None:
        """Run ``serve deploy`` of ``config_path`` against the head's dashboard address."""
        serve_cli = str(Path(sys.executable).parent / "serve")
        argv = [serve_cli, "deploy", str(config_path), "--address", self.dashboard_url]
        completed = self.run_in_head(argv, timeout_s)
        if completed.returncode != 0:
            message = (
                f"'serve deploy {config_path}' failed with exit status {completed.returncode}: "
                f"{(completed.stderr or completed.stdout).strip()[-2000:]}"
            )
            raise RayClusterError(message)
        logger.info("serve_deployed", config=str(config_path), address=self.dashboard_url)

    def replica_pids(self, application: str, deployment: str) -> list[int]:
        """Return the process ids of the Serve replicas of ``deployment``, on every node.

        Ray titles a replica's worker process ``ray::ServeReplica:<application>:<deployment>``;
        only processes inside the cluster's namespaces are considered.
        """
        title = f"ray::ServeReplica:{application}:{deployment}".encode()
        found = []
        for node in self.nodes:
            for pid in netns.pids(node.namespace.name):
                try:
                    command = Path(f"/proc/{pid}/cmdline").read_bytes()
                except OSError:
                    continue
                if command.startswith(title):
                    found.append(pid)
        return found

    def memory_bytes(self) -> int:
        """Return the proportional set size (PSS) of every process in the cluster's namespaces.

        PSS splits shared pages between the processes that map them, so the sum does not
        count shared libraries once per process as an RSS sum would.
        """
        total = 0
        for node in self.nodes:
            for pid in netns.pids(node.namespace.name):
                total += _pss_bytes(pid)
        return total

    def stop(self) -> None:
        """End every process in the cluster's namespaces and remove the namespaces."""
        for node in reversed(self.nodes):
            netns.stop_processes(node.namespace.name)
            if node.process.poll() is None:
                node.process.kill()
            node.process.wait(timeout=_STOP_GRACE_S)
            netns.remove_namespace(node.namespace)
        logger.info("ray_cluster_stopped", nodes=len(self.nodes))


def _pss_bytes(pid: int) -> int:
    try:
        lines = Path(f"/proc/{pid}/smaps_rollup").read_text(encoding="ascii").splitlines()
    except OSError:
        return 0
    for line in lines:
        if line.startswith("Pss:"):
            return int(line.split()[1]) * 1024
    return 0


def remove_stack_leftovers(prefix: str = netns.DEFAULT_PREFIX) -> list[str]:
    """End the processes in every namespace named ``prefix*`` and remove those namespaces.

    Run it only when no other run of the suite on this machine uses the same prefix.
    """
    for name in netns.list_namespaces(prefix=prefix):
        netns.stop_processes(name)
    return netns.remove_leftovers(prefix=prefix)


def node_environment(workdir: Path, token_path: Path, extra: dict[str, str]) -> dict[str, str]:
    """Return the environment of every Ray node and of the CLI calls made against it."""
    home = workdir / "home"
    temporary = workdir / "tmp"
    home.mkdir(parents=True, exist_ok=True)
    temporary.mkdir(parents=True, exist_ok=True)
    repository_root = Path(__file__).resolve().parents[2]
    venv_bin = str(Path(sys.executable).parent)
    return {
        "PATH": f"{venv_bin}:{os.environ.get('PATH', '/usr/bin:/bin')}",
        "HOME": str(home),
        "TMPDIR": str(temporary),
        "PYTHONPATH": str(repository_root),
        "LANG": "C.UTF-8",
        "RAY_USAGE_STATS_ENABLED": "0",
        "RAY_USAGE_STATS_REPORT_URL": _CLOSED_LOOPBACK_URL,
        "RAY_SERVE_PROXY_PREFER_LOCAL_NODE_ROUTING": "0",
        "RAY_AUTH_MODE": "token",
        "RAY_AUTH_TOKEN_PATH": str(token_path),
        **extra,
    }


def _ray_start_argv(
    namespace: Namespace,
    temp_dir: Path,
    num_cpus: int,
    head_address: str | None,
    system_config: dict[str, Any],
) -> list[str]:
    argv = [
        str(Path(sys.executable).parent / "ray"),
        "start",
        "--block",
        "--node-ip-address",
        namespace.address,
        "--metrics-export-port",
        str(METRICS_EXPORT_PORT),
        "--num-cpus",
        str(num_cpus),
        "--temp-dir",
        str(temp_dir),
        "--disable-usage-stats",
    ]
    if head_address is None:
        return [
            *argv,
            "--head",
            "--port",
            str(GCS_PORT),
            "--include-dashboard",
            "true",
            "--dashboard-host",
            namespace.address,
            "--dashboard-port",
            str(DASHBOARD_PORT),
            *(["--system-config", json.dumps(system_config)] if system_config else []),
        ]
    return [*argv, "--address", head_address]


def _start_node(
    role: str,
    namespace: Namespace,
    workdir: Path,
    environment: dict[str, str],
    num_cpus: int,
    head_address: str | None,
    system_config: dict[str, Any],
) -> RayNode:
    temp_dir = workdir / f"ray{namespace.index}"
    if len(str(temp_dir)) > _MAX_TEMP_DIR_CHARS:
        message = (
            f"Ray temp dir {str(temp_dir)!r} is {len(str(temp_dir))} characters long; Ray's "
            f"socket paths need at most {_MAX_TEMP_DIR_CHARS}: use a shorter work directory"
        )
        raise RayClusterError(message)

    _check_ports_free(namespace)
    log_path = workdir / f"{role}-{namespace.index}.log"
    argv = [
        *namespace.exec_prefix(),
        *_ray_start_argv(namespace, temp_dir, num_cpus, head_address, system_config),
    ]
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            argv, env=environment, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    logger.info("ray_node_starting", role=role, namespace=namespace.name, pid=process.pid)
    return RayNode(role=role, namespace=namespace, process=process, log_path=log_path)


def _check_ports_free(namespace: Namespace) -> None:
    completed = subprocess.run(
        [*namespace.exec_prefix(), "ss", "-ltnH"],
        capture_output=True,
        text=True,
        timeout=10,
        check=False,
    )
    ports = {GCS_PORT, DASHBOARD_PORT, METRICS_EXPORT_PORT, SERVE_HTTP_PORT}
    busy = sorted(
        port
        for line in completed.stdout.splitlines()
        for port in ports
        if line.split()[3].endswith(f":{port}")
    )
    if busy:
        message = (
            f"ports {busy} are already in use in namespace {namespace.name}; end the processes "
            "listed by 'ip netns pids' for it or call remove_stack_leftovers()"
        )
        raise RayClusterError(message)


def log_tail(path: Path, lines: int = _LOG_TAIL_LINES) -> str:
    """Return the last ``lines`` lines of a node log, for error messages."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as error:
        return f"(log {path} unreadable: {error})"
    return "\n".join(text.splitlines()[-lines:])


def _wait_ready(cluster: RayCluster, expected_nodes: int, deadline: float) -> None:
    url = f"{cluster.dashboard_url}/api/v0/nodes"
    last_error = "no answer yet"
    with httpx.Client(timeout=2.0, headers=cluster.auth_headers()) as client:
        while time.monotonic() < deadline:
            for node in cluster.nodes:
                if node.process.poll() is not None:
                    message = (
                        f"Ray {node.role} node in {node.namespace.name} exited with status "
                        f"{node.process.returncode} during start-up; last lines of "
                        f"{node.log_path}:\n{log_tail(node.log_path)}"
                    )
                    raise RayClusterError(message)
            try:
                response = client.get(url)
                alive = _count_alive_nodes(response)
                if alive >= expected_nodes:
                    return
                last_error = f"{alive} of {expected_nodes} nodes alive"
            except (httpx.HTTPError, ValueError, KeyError) as error:
                last_error = repr(error)
            time.sleep(0.5)

    message = (
        f"the Ray cluster was not ready before the deadline ({last_error}); last lines of "
        f"{cluster.head.log_path}:\n{log_tail(cluster.head.log_path)}"
    )
    raise RayClusterError(message)


def _count_alive_nodes(response: httpx.Response) -> int:
    if response.status_code != 200:
        message = f"HTTP {response.status_code} from {response.url}"
        raise ValueError(message)
    rows = response.json()["data"]["result"]["result"]
    return sum(1 for row in rows if row.get("state") == "ALIVE")


def start_ray_cluster(
    workdir: Path,
    *,
    workers: int = 0,
    head_cpus: int = 2,
    worker_cpus: int = 1,
    first_index: int = 0,
    prefix: str = netns.DEFAULT_PREFIX,
    extra_environment: dict[str, str] | None = None,
    system_config: dict[str, Any] | None = None,
    ready_timeout_s: float = 120.0,
) -> RayCluster:
    """Start a head node and ``workers`` worker nodes; return once all are alive.

    ``system_config`` goes to the head's ``ray start --system-config`` (for example
    ``{"metrics_report_interval_ms": 500}``, so replicas' metrics reach the agents sooner than
    the default 10 s). Namespaces take the indices ``first_index``, ``first_index + 1`` and so
    on. On any failure everything already started is stopped and removed before the error
    propagates.
    """
    netns.check_prerequisites()
    workdir = workdir.resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    token_path = workdir / "ray-auth-token"
    token = secrets.token_hex(32)
    token_path.write_text(token, encoding="ascii")
    token_path.chmod(0o600)
    environment = node_environment(workdir, token_path, extra_environment or {})

    started: list[RayNode] = []
    namespaces: list[Namespace] = []
    try:
        for offset in range(workers + 1):
            planned = netns.plan_namespace(first_index + offset, prefix=prefix)
            netns.stop_processes(planned.name)
            namespaces.append(netns.create_namespace(first_index + offset, prefix=prefix))

        head_namespace = namespaces[0]
        started.append(
            _start_node(
                "head", head_namespace, workdir, environment, head_cpus, None, system_config or {}
            )
        )
        head_address = f"{head_namespace.address}:{GCS_PORT}"
        for namespace in namespaces[1:]:
            started.append(
                _start_node(
                    "worker", namespace, workdir, environment, worker_cpus, head_address, {}
                )
            )

        cluster = RayCluster(
            workdir=workdir,
            head=started[0],
            workers=started[1:],
            token=token,
            environment=environment,
        )
        _wait_ready(cluster, workers + 1, time.monotonic() + ready_timeout_s)
        cluster.write_service_discovery_file()
    except BaseException:
        for node in started:
            netns.stop_processes(node.namespace.name)
            node.process.wait(timeout=_STOP_GRACE_S)
        for namespace in namespaces:
            netns.remove_namespace(namespace)
        raise

    logger.info(
        "ray_cluster_ready",
        head=head_namespace.address,
        workers=[node.namespace.address for node in cluster.workers],
    )
    return cluster
