"""An in-memory backend and metrics recorder for unit tests of the HTTP layer.

The contract tests in ``tests/services`` run the real services; these fakes only let the
middleware and error handling be tested without loading a model.
"""

import asyncio
import time
from collections import Counter
from collections.abc import AsyncIterator

from services.contract.schemas import (
    ClassifyResponse,
    EmbedResponse,
    FaultRequest,
    FaultResponse,
    HealthResponse,
    TokenEvent,
)


class RecordingMetrics:
    """Keeps every recorded value so tests can assert on them."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str, int, float]] = []
        self.active: Counter[str] = Counter()
        self.cancelled: Counter[tuple[str, str]] = Counter()
        self.tokens = 0
        self.faults: Counter[str] = Counter()

    def observe_request(self, method: str, route: str, status: int, seconds: float) -> None:
        self.requests.append((method, route, status, seconds))

    def add_active(self, method: str, route: str, delta: int) -> None:
        self.active[route] += delta

    def count_cancelled(self, route: str, reason: str) -> None:
        self.cancelled[(route, reason)] += 1

    def count_tokens(self, count: int) -> None:
        self.tokens += count

    def observe_batch_size(self, size: int) -> None:
        pass

    def observe_model_load(self, model: str, seconds: float) -> None:
        pass

    def count_fault(self, kind: str) -> None:
        self.faults[kind] += 1


class SlowBackend:
    """Answers every call after ``delay_s`` seconds."""

    def __init__(self, delay_s: float = 0.0) -> None:
        self.delay_s = delay_s

    def health(self) -> HealthResponse:
        return HealthResponse(status="ready", ready=True, replica_id="fake", model="fake")

    async def embed(self, texts: list[str]) -> EmbedResponse:
        await asyncio.sleep(self.delay_s)
        return EmbedResponse(
            model="fake", replica_id="fake", dimensions=1, embeddings=[[1.0]] * len(texts)
        )

    async def classify(self, texts: list[str]) -> ClassifyResponse:
        await asyncio.sleep(self.delay_s)
        return ClassifyResponse(model="fake", replica_id="fake", results=[])

    async def generate(
        self, prompt: str, max_tokens: int, token_delay_ms: int
    ) -> AsyncIterator[TokenEvent]:
        for index in range(max_tokens):
            await asyncio.sleep(self.delay_s)
            yield TokenEvent(index=index, token="t", replica_id="fake")

    async def apply_fault(self, request: FaultRequest) -> FaultResponse:
        return FaultResponse(
            kind=request.kind,
            replica_id="fake",
            target=request.target,
            scope=request.scope,
            expires_at_unix_s=time.time() + request.duration_s,
        )

    async def clear_faults(self, target: str) -> None:
        pass

    async def metrics_exposition(self) -> tuple[bytes, str]:
        return b"", "text/plain"
