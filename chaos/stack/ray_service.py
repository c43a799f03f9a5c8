"""Start and stop the Ray Serve reference service on a Ray cluster in network namespaces."""

import contextlib
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import structlog
import yaml

from chaos.stack import netns
from chaos.stack.ray_cluster import (
    METRICS_EXPORT_PORT,
    SERVE_HTTP_PORT,
    RayCluster,
    RayClusterError,
    log_tail,
    start_ray_cluster,
)
from chaos.stack.service_handle import ServiceEndpoint

logger = structlog.get_logger("chaos.stack.ray_service")

_REPOSITORY_ROOT = Path(__file__).resolve().parents[2]
SERVE_CONFIG = _REPOSITORY_ROOT / "services" / "ray_service" / "serve_config.yaml"
APPLICATION_NAME = "serving"


@dataclass
class RayService:
    """A running Ray Serve service: the cluster it runs on and the endpoint clients use."""

    cluster: RayCluster
    endpoint: ServiceEndpoint
    config_path: Path
    seconds_to_ready: float

    def stop(self) -> None:
        """Stop the cluster: every process in its namespaces, then the namespaces."""
        self.cluster.stop()


def proxy_health_check_environment(period_s: float, timeout_s: float) -> dict[str, str]:
    """Return the node environment that sets Serve's proxy health checks.

    Serve 2.60 reads these once at start-up (defaults: every 10 s, 10 s timeout, 3 failures).
    """
    return {
        "RAY_SERVE_PROXY_HEALTH_CHECK_PERIOD_S": str(period_s),
        "RAY_SERVE_PROXY_HEALTH_CHECK_TIMEOUT_S": str(timeout_s),
    }


def write_stack_config(
    workdir: Path,
    admin_token: str,
    request_timeout_s: float,
    min_replicas: dict[str, int] | None = None,
    source: Path = SERVE_CONFIG,
) -> Path:
    """Write the Serve config the embedded stack deploys: ``source`` with stack values set.

    ``http_options.host`` becomes ``0.0.0.0``: every node's proxy binds inside its own
    namespace, where that covers only the namespace's loopback and veth address, and a
    concrete address would not exist on the other nodes. ``min_replicas`` maps deployment
    names to ``autoscaling_config.min_replicas``; ``max_replicas`` is raised to match if needed.
    """
    config: dict[str, Any] = yaml.safe_load(source.read_text(encoding="utf-8"))
    config["http_options"]["host"] = "0.0.0.0"
    config["http_options"]["port"] = SERVE_HTTP_PORT
    config["http_options"]["request_timeout_s"] = request_timeout_s

    application = next(
        (app for app in config["applications"] if app["name"] == APPLICATION_NAME), None
    )
    if application is None:
        message = f"{source} has no application named {APPLICATION_NAME!r}; add it back"
        raise ValueError(message)
    env_vars = application.setdefault("runtime_env", {}).setdefault("env_vars", {})
    env_vars.update(
        {
            "SERVING_ADMIN_TOKEN": admin_token,
            "SERVING_REQUEST_TIMEOUT_S": str(request_timeout_s),
            "SERVING_RAY_METRICS_EXPORT_PORT": str(METRICS_EXPORT_PORT),
        }
    )

    _set_min_replicas(application, min_replicas or {}, source)

    path = workdir / "serve_config.deployed.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    path.chmod(0o600)
    return path


def _set_min_replicas(
    application: dict[str, Any], min_replicas: dict[str, int], source: Path
) -> None:
    deployments = {item["name"]: item for item in application.get("deployments", [])}
    for name, count in min_replicas.items():
        deployment = deployments.get(name)
        if deployment is None or "autoscaling_config" not in deployment:
            message = (
                f"deployment {name!r} has no autoscaling_config in {source}; expected one of "
                f"{sorted(deployments)}"
            )
            raise ValueError(message)
        if count < 1:
            message = f"min_replicas for {name!r} is {count}; expected at least 1"
            raise ValueError(message)
        autoscaling = deployment["autoscaling_config"]
        autoscaling["min_replicas"] = count
        autoscaling["max_replicas"] = max(count, int(autoscaling.get("max_replicas", count)))


def wait_until_ready(base_url: str, cluster: RayCluster, timeout_s: float) -> None:
    """Poll ``/readyz`` until it returns 200; raise ``RayClusterError`` at the deadline."""
    deadline = time.monotonic() + timeout_s
    last = "no answer yet"
    with httpx.Client(timeout=2.0) as client:
        while time.monotonic() < deadline:
            if cluster.head.process.poll() is not None:
                message = (
                    f"the Ray head exited with status {cluster.head.process.returncode} while "
                    f"the service was deploying; last lines:\n{log_tail(cluster.head.log_path)}"
                )
                raise RayClusterError(message)
            try:
                response = client.get(f"{base_url}/readyz")
                if response.status_code == 200:
                    return
                last = f"HTTP {response.status_code}"
            except httpx.HTTPError as error:
                last = repr(error)
            time.sleep(0.5)

    serve_logs = (
        cluster.workdir / f"ray{cluster.head.namespace.index}" / "session_latest" / "logs" / "serve"
    )
    message = (
        f"{base_url}/readyz did not return 200 within {timeout_s} s (last: {last}); see the "
        f"Serve logs under {serve_logs}"
    )
    raise RayClusterError(message)


def start_ray_service(
    workdir: Path,
    *,
    workers: int = 0,
    head_cpus: int = 2,
    first_index: int = 0,
    prefix: str = netns.DEFAULT_PREFIX,
    request_timeout_s: float = 30.0,
    min_replicas: dict[str, int] | None = None,
    system_config: dict[str, Any] | None = None,
    proxy_health_check_period_s: float = 2.0,
    proxy_health_check_timeout_s: float = 2.0,
    ready_timeout_s: float = 240.0,
) -> RayService:
    """Start the cluster, deploy the service from its Serve config and wait for ``/readyz``.

    The admin token is random per call and reaches the replicas as ``SERVING_ADMIN_TOKEN``
    through the application's runtime environment. ``system_config`` is passed to the head's
    ``ray start --system-config``. On failure the cluster is stopped.
    """
    started = time.monotonic()
    proxy_environment = proxy_health_check_environment(
        proxy_health_check_period_s, proxy_health_check_timeout_s
    )
    cluster = start_ray_cluster(
        workdir,
        workers=workers,
        head_cpus=head_cpus,
        first_index=first_index,
        prefix=prefix,
        extra_environment=proxy_environment,
        system_config=system_config,
    )
    try:
        admin_token = secrets.token_urlsafe(24)
        config_path = write_stack_config(
            cluster.workdir, admin_token, request_timeout_s, min_replicas
        )
        cluster.deploy(config_path)
        base_url = f"http://{cluster.head.namespace.address}:{SERVE_HTTP_PORT}"
        wait_until_ready(base_url, cluster, ready_timeout_s)
    except BaseException:
        cluster.stop()
        raise

    seconds_to_ready = time.monotonic() - started
    endpoint = ServiceEndpoint(
        name="ray",
        base_url=base_url,
        admin_token=admin_token,
        metrics_urls=cluster.metrics_urls,
        request_timeout_s=request_timeout_s,
        worker_pids=tuple(node.process.pid for node in cluster.nodes),
        details={
            "dashboard_url": cluster.dashboard_url,
            "head_namespace": cluster.head.namespace.name,
            "worker_namespaces": ",".join(node.namespace.name for node in cluster.workers),
            "serve_config": str(config_path),
            "seconds_to_ready": f"{seconds_to_ready:.1f}",
            **proxy_environment,
        },
    )
    logger.info("ray_service_ready", base_url=base_url, seconds_to_ready=round(seconds_to_ready, 1))
    return RayService(
        cluster=cluster,
        endpoint=endpoint,
        config_path=config_path,
        seconds_to_ready=seconds_to_ready,
    )


@contextlib.contextmanager
def running_ray_service(workdir: Path, **options: Any) -> Iterator[RayService]:
    """Start the service for the ``with`` block and stop it afterwards, also on errors."""
    service = start_ray_service(workdir, **options)
    try:
        yield service
    finally:
        service.stop()
