"""The Ingress deployment: the shared FastAPI app, wired to the model deployments' handles."""

import asyncio
from typing import Any

import structlog
from fastapi import FastAPI
from ray import serve
from ray.serve.handle import DeploymentHandle

from services.contract.limits import DEFAULT_LIMITS
from services.http import build_app
from services.ray_service.backend import RayBackend
from services.ray_service.replica import start_replica

logger = structlog.get_logger("services.ray_service.ingress")

#: How long the constructor waits for the model deployments before the replica fails to start.
_DOWNSTREAM_WAIT_S = 120.0


@serve.deployment(
    max_ongoing_requests=64,
    ray_actor_options={"num_cpus": 0.2},
)
@serve.ingress()
class Ingress:
    """Serves the HTTP contract; the app is built per replica around this replica's backend."""

    # Serve awaits an async constructor; mypy expects __init__ to return None.
    async def __init__(  # type: ignore[misc]
        self,
        embedder: DeploymentHandle[Any],
        classifier: DeploymentHandle[Any],
        generator: DeploymentHandle[Any],
    ) -> None:
        self._runtime = start_replica()

        # The first call to each deployment waits until it has a running replica, which has
        # loaded its model in its constructor; readiness therefore means "models loaded".
        async with asyncio.timeout(_DOWNSTREAM_WAIT_S):
            model, load_seconds = await embedder.model_info.remote()
            await classifier.check_health.remote()
            await generator.check_health.remote()

        self._backend = RayBackend(
            self._runtime, embedder, classifier, generator, model, load_seconds
        )
        logger.info("ingress_ready", model=model, model_load_seconds=load_seconds)

    def __serve_build_asgi_app__(self) -> FastAPI:
        """Build the FastAPI app; Serve calls this after the constructor, on each replica."""
        settings = self._runtime.settings
        return build_app(
            self._backend,
            self._runtime.metrics,
            limits=DEFAULT_LIMITS,
            admin_token=settings.admin_token,
            request_timeout_s=settings.request_timeout_s,
            cancel_on_disconnect=False,
            echo_request_id=False,
        )
