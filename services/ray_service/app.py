"""The application builder that ``serve run`` and ``serve deploy`` import."""

from typing import Any

import structlog
from ray.serve import Application
from ray.serve.deployment import Deployment

from services.ray_service.classifier import Classifier
from services.ray_service.embedder import Embedder
from services.ray_service.generator import Generator
from services.ray_service.ingress import Ingress
from services.ray_service.replica import gpus_per_replica

logger = structlog.get_logger("services.ray_service.app")


def build_application(args: dict[str, Any]) -> Application:
    """Bind the four deployments into one application.

    The GPU share of the model replicas is decided here, once, where the application is built:
    ``SERVING_RAY_NUM_GPUS`` if set, else 0.25 when torch detects a CUDA device, else none.
    ``args`` (the ``args`` of the Serve config) accepts no keys yet.
    """
    if args:
        message = f"unknown application arguments {sorted(args)}: build_application takes none"
        raise ValueError(message)

    num_gpus = gpus_per_replica()
    logger.info("application_built", num_gpus_per_model_replica=num_gpus)

    def with_gpus(options: dict[str, Any]) -> dict[str, Any]:
        return {**options, "num_gpus": num_gpus} if num_gpus > 0 else options

    models = [_as_deployment(target) for target in (Embedder, Classifier, Generator)]
    bound = [
        model.options(ray_actor_options=with_gpus(model.ray_actor_options or {})).bind()
        for model in models
    ]
    return _as_deployment(Ingress).bind(*bound)


def _as_deployment(target: object) -> Deployment:
    # @serve.deployment turns each class into a Deployment, but mypy types it as the class.
    if not isinstance(target, Deployment):
        message = f"{target!r} is not a Serve deployment: decorate it with @serve.deployment"
        raise TypeError(message)
    return target
