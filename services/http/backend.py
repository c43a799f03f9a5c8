"""The interface between the shared HTTP routes and the code that runs the models."""

from collections.abc import AsyncIterator
from typing import Protocol

from services.contract.schemas import (
    ClassifyResponse,
    EmbedResponse,
    FaultRequest,
    FaultResponse,
    HealthResponse,
    TokenEvent,
)


class Backend(Protocol):
    """Model work behind the routes: in-process for FastAPI, deployment handles for Ray Serve."""

    def health(self) -> HealthResponse:
        """Return readiness: ready only once every model is loaded and warmed up."""

    async def embed(self, texts: list[str]) -> EmbedResponse:
        """Embed ``texts`` with the sentence embedder."""

    async def classify(self, texts: list[str]) -> ClassifyResponse:
        """Embed ``texts``, then label each embedding with the classification head."""

    def generate(
        self, prompt: str, max_tokens: int, token_delay_ms: int
    ) -> AsyncIterator[TokenEvent]:
        """Yield one token per decoder forward pass, stopping early when cancelled."""

    async def apply_fault(self, request: FaultRequest) -> FaultResponse:
        """Switch on an in-service fault where ``request.target`` and ``request.scope`` say."""

    async def clear_faults(self, target: str) -> None:
        """Switch off every fault of ``target``."""

    async def metrics_exposition(self) -> tuple[bytes, str]:
        """Return the Prometheus exposition and its content type for ``/metrics``."""
