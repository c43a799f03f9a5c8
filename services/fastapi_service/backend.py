"""The in-process backend: every model runs inside the Uvicorn worker that got the request."""

import asyncio
import os
import socket
import time
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import numpy as np
import structlog
from fastapi import HTTPException
from prometheus_client import CONTENT_TYPE_LATEST

from services.contract.schemas import (
    ClassifyResponse,
    EmbedResponse,
    FaultRequest,
    FaultResponse,
    HealthResponse,
    LabelScore,
    TokenEvent,
)
from services.metrics.base import ServingMetrics
from services.model.classifier import ClassificationHead
from services.model.decoder import TokenDecoder
from services.model.embedder import (
    EMBEDDING_DIMENSIONS,
    MODEL_NAME,
    SentenceEmbedder,
    load_embedder,
)
from services.runtime.faults import FaultInjector

logger = structlog.get_logger("services.fastapi")

_Model = TypeVar("_Model")


def worker_id() -> str:
    """Return the id this worker reports as ``replica_id``: host name and process id."""
    return f"{socket.gethostname()}:{os.getpid()}"


class LocalBackend:
    """Runs the embedder, the classification head and the decoder in this worker process.

    Model calls run on one dedicated thread, so the event loop keeps serving health checks,
    disconnect notices and other requests while a batch is encoded. Cancelling a request stops
    it at its next ``await``; a batch already on the model thread finishes (about 12 ms for one
    short text, seconds for 64 long ones) and its result is dropped.
    """

    def __init__(
        self,
        metrics: ServingMetrics,
        faults: FaultInjector,
        device: str,
        render_metrics: Callable[[], bytes],
    ) -> None:
        self.metrics = metrics
        self._render_metrics = render_metrics
        self.faults = faults
        self.device = device
        self.replica_id = worker_id()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="model")
        self._embedder: SentenceEmbedder | None = None
        self._head: ClassificationHead | None = None
        self._decoder: TokenDecoder | None = None
        self._load_seconds: float | None = None

    def load(self) -> None:
        """Load and warm every model; ``/readyz`` turns ready when this returns."""
        started = time.perf_counter()
        loaded = load_embedder(self.device)
        self.metrics.observe_model_load(MODEL_NAME, loaded.load_seconds)
        self._head = ClassificationHead(self.device)
        self._decoder = TokenDecoder(self.device)
        self._load_seconds = time.perf_counter() - started
        self._embedder = loaded.model
        logger.info(
            "models_loaded",
            device=self.device,
            embedder_load_s=round(loaded.load_seconds, 3),
            total_load_s=round(self._load_seconds, 3),
        )

    def close(self) -> None:
        """Stop the model thread after the running call, if any, completes."""
        self._executor.shutdown(wait=True, cancel_futures=True)

    def health(self) -> HealthResponse:
        ready = self._embedder is not None
        return HealthResponse(
            status="ready" if ready else "loading",
            ready=ready,
            replica_id=self.replica_id,
            model=MODEL_NAME,
            model_load_seconds=self._load_seconds,
        )

    async def embed(self, texts: list[str]) -> EmbedResponse:
        await self.faults.before_call()
        vectors = await self._encode(texts)
        return EmbedResponse(
            model=MODEL_NAME,
            replica_id=self.replica_id,
            dimensions=EMBEDDING_DIMENSIONS,
            embeddings=vectors.tolist(),
        )

    async def classify(self, texts: list[str]) -> ClassifyResponse:
        await self.faults.before_call()
        vectors = await self._encode(texts)
        head = self._require(self._head)
        loop = asyncio.get_running_loop()
        labels = await loop.run_in_executor(self._executor, head.predict, vectors)
        return ClassifyResponse(
            model=f"{MODEL_NAME}+{head.name}",
            replica_id=self.replica_id,
            results=[LabelScore(label=label, score=score) for label, score in labels],
        )

    async def generate(
        self, prompt: str, max_tokens: int, token_delay_ms: int
    ) -> AsyncIterator[TokenEvent]:
        await self.faults.before_call()
        decoder = self._require(self._decoder)
        hidden, token_id = decoder.start(prompt)
        for index in range(max_tokens):
            # One forward pass takes well under a millisecond here, so it runs on the loop;
            # the sleep below is where a cancelled stream stops.
            hidden, token_id = decoder.step(hidden, token_id)
            self.metrics.count_tokens(1)
            yield TokenEvent(
                index=index, token=decoder.vocabulary[token_id], replica_id=self.replica_id
            )
            await asyncio.sleep(token_delay_ms / 1000)

    async def apply_fault(self, request: FaultRequest) -> FaultResponse:
        if request.target != "ingress":
            raise HTTPException(
                status_code=422,
                detail=(
                    f"target {request.target!r} does not exist in the FastAPI service, which runs "
                    "every model in its workers; use target 'ingress'"
                ),
            )
        fault = self.faults.activate(request)
        return FaultResponse(
            kind=fault.kind,
            replica_id=self.replica_id,
            target=request.target,
            scope=request.scope,
            expires_at_unix_s=fault.expires_at,
        )

    async def clear_faults(self, target: str) -> None:
        self.faults.clear()

    async def metrics_exposition(self) -> tuple[bytes, str]:
        return self._render_metrics(), CONTENT_TYPE_LATEST

    async def _encode(self, texts: list[str]) -> np.ndarray:
        embedder = self._require(self._embedder)
        self.metrics.observe_batch_size(len(texts))
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, embedder.encode, texts)

    @staticmethod
    def _require(model: _Model | None) -> _Model:
        if model is None:
            raise HTTPException(
                status_code=503,
                detail="the model is still loading; retry after /readyz returns 200",
            )
        return model
