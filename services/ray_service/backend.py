"""``RayBackend``: the ``Backend`` of the shared routes, implemented with deployment handles."""

import time
from collections.abc import AsyncIterator
from typing import Any, cast

import httpx
import ray
from fastapi import HTTPException
from ray.serve.handle import DeploymentHandle, DeploymentResponseGenerator

from services.contract.schemas import (
    ClassifyResponse,
    EmbedResponse,
    FaultRequest,
    FaultResponse,
    HealthResponse,
    LabelScore,
    TokenEvent,
)
from services.http import routes
from services.model.classifier import HEAD_NAME
from services.ray_service.faults import DEPLOYMENT_TARGETS, apply_fault_locally
from services.ray_service.replica import ReplicaRuntime, metrics_export_port

_EXPOSITION_TIMEOUT_S = 5.0


class RayBackend:
    """Sends model work to the Embedder, Classifier and Generator deployments."""

    def __init__(
        self,
        runtime: ReplicaRuntime,
        embedder: DeploymentHandle[Any],
        classifier: DeploymentHandle[Any],
        generator: DeploymentHandle[Any],
        model: str,
        model_load_seconds: float,
    ) -> None:
        self._runtime = runtime
        self._embedder = embedder
        self._classifier = classifier
        self._generator = generator
        self._model = model
        self._model_load_seconds = model_load_seconds
        self._handles: dict[str, DeploymentHandle[Any]] = {
            "embedder": embedder,
            "classifier": classifier,
            "generator": generator,
        }

    def health(self) -> HealthResponse:
        # The ingress constructor waits until a call to every downstream deployment returned,
        # so a replica that serves requests at all found the models loaded.
        # NOTE: readiness does not follow later losses of downstream replicas; Serve's own
        # health checks replace those, and requests fail with 500 until they are back.
        return HealthResponse(
            status="ready",
            ready=True,
            replica_id=self._runtime.replica_id,
            model=self._model,
            model_load_seconds=self._model_load_seconds,
        )

    async def embed(self, texts: list[str]) -> EmbedResponse:
        await self._runtime.faults.before_call()
        vectors, replica = await self._embedder.embed.remote(
            texts, self._deadline(), routes.EMBEDDINGS
        )
        return EmbedResponse(
            model=self._model,
            replica_id=replica,
            dimensions=int(vectors.shape[1]),
            embeddings=vectors.tolist(),
        )

    async def classify(self, texts: list[str]) -> ClassifyResponse:
        await self._runtime.faults.before_call()
        deadline = self._deadline()
        embedded = self._embedder.embed.remote(texts, deadline, routes.CLASSIFY)
        labels, replica = await self._classifier.classify.remote(embedded, deadline)
        return ClassifyResponse(
            model=f"{self._model}+{HEAD_NAME}",
            replica_id=replica,
            results=[LabelScore(label=label, score=score) for label, score in labels],
        )

    async def generate(
        self, prompt: str, max_tokens: int, token_delay_ms: int
    ) -> AsyncIterator[TokenEvent]:
        await self._runtime.faults.before_call()
        stream = cast(
            "DeploymentResponseGenerator[TokenEvent]",
            self._generator.options(stream=True).stream.remote(
                prompt, max_tokens, token_delay_ms, self._deadline()
            ),
        )
        async for event in stream:
            yield event

    async def apply_fault(self, request: FaultRequest) -> FaultResponse:
        if request.scope != "one":
            message = (
                f"scope {request.scope!r} is not supported by the Ray Serve service, whose "
                "replicas share no state; send scope 'one', which reaches the replica that "
                "the handle picks"
            )
            raise HTTPException(status_code=422, detail=message)

        if request.target == "ingress":
            return apply_fault_locally(self._runtime, request)
        response: FaultResponse = await self._handle(request.target).apply_fault.remote(request)
        return response

    async def clear_faults(self, target: str) -> None:
        if target == "ingress":
            self._runtime.faults.clear()
            return
        await self._handle(target).clear_faults.remote()

    async def metrics_exposition(self) -> tuple[bytes, str]:
        # Each node's metrics agent exports every replica on that node; Prometheus should
        # scrape the agents directly, this route only shows the ingress's own node.
        node_address = ray.util.get_node_ip_address()  # type: ignore[no-untyped-call]
        url = f"http://{node_address}:{metrics_export_port()}/metrics"
        async with httpx.AsyncClient(timeout=_EXPOSITION_TIMEOUT_S) as client:
            response = await client.get(url)
        if response.status_code != 200:
            message = f"the Ray metrics agent at {url} returned HTTP {response.status_code}"
            raise HTTPException(status_code=502, detail=message)
        content_type = response.headers.get("content-type", "text/plain; version=0.0.4")
        return response.content, content_type

    def _handle(self, target: str) -> DeploymentHandle[Any]:
        handle = self._handles.get(target)
        if handle is None:
            message = (
                f"invalid fault target {target!r}: expected one of {', '.join(DEPLOYMENT_TARGETS)}"
            )
            raise HTTPException(status_code=422, detail=message)
        return handle

    def _deadline(self) -> float:
        # NOTE: measured from the backend call, a few milliseconds after the proxy received
        # the request, so a timeout that lands within that margin may count as a disconnect.
        return time.time() + self._runtime.settings.request_timeout_s
