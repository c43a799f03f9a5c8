"""The application factory Gunicorn's Uvicorn workers call.

Gunicorn loads it as ``services.fastapi_service.main:create_app()``.
"""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import structlog
import torch
from fastapi import FastAPI

from services.contract.limits import DEFAULT_LIMITS
from services.fastapi_service.backend import LocalBackend, worker_id
from services.http.app import build_app
from services.metrics.prometheus import PrometheusMetrics, render_latest
from services.model.device import select_device
from services.runtime.faults import FaultInjector
from services.runtime.logging import configure_logging
from services.runtime.settings import Settings

logger = structlog.get_logger("services.fastapi")


def create_app() -> FastAPI:
    """Build the app for one worker; the models load in the lifespan, before ``/readyz`` is 200."""
    settings = Settings.from_environment("fastapi")
    configure_logging(settings.log_level, service=settings.service, replica_id=worker_id())
    torch.set_num_threads(settings.torch_threads)

    metrics = PrometheusMetrics()
    faults = FaultInjector(shared_file=settings.state_dir / "faults.json")
    backend = LocalBackend(
        metrics,
        faults,
        select_device(settings.model_device),
        render_metrics=lambda: render_latest(metrics),
    )
    app = build_app(
        backend,
        metrics,
        limits=DEFAULT_LIMITS,
        admin_token=settings.admin_token,
        request_timeout_s=settings.request_timeout_s,
    )

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        logger.info("worker_starting", admin_route_enabled=settings.admin_token is not None)
        await asyncio.get_running_loop().run_in_executor(None, backend.load)
        logger.info("worker_ready")
        yield
        logger.info("worker_stopping")
        backend.close()

    app.router.lifespan_context = lifespan
    return app
