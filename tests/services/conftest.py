"""Starts each reference service once per test session, as real processes.

Every contract test takes the ``service`` fixture, which is parametrized by service name, so
the same test runs against the FastAPI service (Gunicorn with Uvicorn workers) and the Ray
Serve service (a local Ray cluster in a network namespace).
"""

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from chaos.stack.fastapi_service import FastAPIServiceConfig, running_fastapi_service
from chaos.stack.ports import free_port
from chaos.stack.service_handle import ServiceEndpoint

SERVICES = ("fastapi", "ray")


@pytest.fixture(scope="session")
def fastapi_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    workdir = tmp_path_factory.mktemp("fastapi-service")
    config = FastAPIServiceConfig(port=free_port(), workers=2, request_timeout_s=8.0)
    with running_fastapi_service(workdir, config) as service:
        yield service


@pytest.fixture(scope="session", params=SERVICES)
def service(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServiceEndpoint]:
    if request.param == "fastapi":
        yield request.getfixturevalue("fastapi_service").endpoint
        return

    from chaos.stack.ray_service import running_ray_service

    # Ray exports custom metrics every metrics_report_interval_ms; at its 10 s default a
    # counter would reach the metrics agent too late for the 2 s cancellation bound.
    # Ray's Unix socket paths must stay short, so the work directory cannot live under pytest's
    # deep temporary tree. Index 20 keeps these namespaces apart from the embedded stack's.
    workdir = Path(tempfile.mkdtemp(prefix="svc-", dir="/tmp"))
    try:
        with running_ray_service(
            workdir,
            first_index=20,
            request_timeout_s=8.0,
            system_config={"metrics_report_interval_ms": 200},
        ) as running:
            yield running.endpoint
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture
def client(service: ServiceEndpoint) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=service.base_url, timeout=30.0) as http:
        yield http


@pytest.fixture
def admin_headers(service: ServiceEndpoint) -> dict[str, str]:
    return {"Authorization": f"Bearer {service.admin_token}"}
