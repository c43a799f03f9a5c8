"""The Embedder deployment: the sentence embedder behind a server-side batch."""

import asyncio

import numpy as np
import structlog
from ray import serve

from services.contract.schemas import FaultRequest, FaultResponse
from services.http import routes
from services.model.device import select_device
from services.model.embedder import MODEL_NAME, SentenceEmbedder, load_embedder
from services.ray_service.cancellation import count_cancellation
from services.ray_service.faults import apply_fault_locally
from services.ray_service.replica import start_replica

logger = structlog.get_logger("services.ray_service.embedder")

#: Texts embedded in one forward pass. Concurrent requests share a batch: on a 2-core CPU a
#: batch of 8 costs about 5 ms per text against 12 ms for a single text.
MAX_BATCH_SIZE = 16
#: How long the first text of a batch waits for others before the batch runs.
BATCH_WAIT_TIMEOUT_S = 0.01


@serve.deployment(
    max_ongoing_requests=32,
    ray_actor_options={"num_cpus": 0.4},
)
class Embedder:
    """Loads the embedder once per replica and embeds texts in server-side batches."""

    def __init__(self) -> None:
        self._runtime = start_replica()
        device = select_device(self._runtime.settings.model_device)
        loaded = load_embedder(device)
        self._model: SentenceEmbedder | None = loaded.model
        self.load_seconds = loaded.load_seconds
        self._runtime.metrics.observe_model_load(MODEL_NAME, loaded.load_seconds)
        logger.info("model_loaded", model=MODEL_NAME, device=device, seconds=loaded.load_seconds)

    async def embed(
        self, texts: list[str], deadline_unix_s: float, route: str = routes.EMBEDDINGS
    ) -> tuple[np.ndarray, str]:
        """Embed ``texts``; returns a (len(texts), 384) array and this replica's id.

        Each text waits in the batch queue for its batch; a call cancelled while waiting
        (client disconnect or request timeout) is counted under ``route``.
        """
        with count_cancellation(
            self._runtime.metrics, route, deadline_unix_s, self._runtime.replica_id
        ):
            vectors = await asyncio.gather(*(self._embed_one(text) for text in texts))
            return np.stack(vectors), self._runtime.replica_id

    @serve.batch(max_batch_size=MAX_BATCH_SIZE, batch_wait_timeout_s=BATCH_WAIT_TIMEOUT_S)
    async def _embed_one(self, texts: list[str]) -> list[np.ndarray]:
        # Faults act on the batch, so a slow fault holds later requests in the batch queue, as
        # a slow model would (Serve runs one batch at a time per replica).
        await self._runtime.faults.before_call()
        self._runtime.metrics.observe_batch_size(len(texts))
        # The forward pass runs on a worker thread so the replica's event loop keeps serving
        # health checks and cancellations while torch computes.
        model = self._require_model()
        vectors = await asyncio.to_thread(model.encode, texts)
        return list(vectors)

    def model_info(self) -> tuple[str, float]:
        """Return the model name and how long it took to load and warm up, in seconds."""
        return MODEL_NAME, self.load_seconds

    async def apply_fault(self, request: FaultRequest) -> FaultResponse:
        """Switch on ``request`` in this replica."""
        return apply_fault_locally(self._runtime, request)

    def clear_faults(self) -> None:
        """Switch off every fault in this replica."""
        self._runtime.faults.clear()

    def check_health(self) -> None:
        """Raise while the model is not loaded; Serve restarts a replica after 3 failures.

        A hang fault blocks the event loop this method runs on, so the health check times out
        (``health_check_timeout_s``) and counts as a failure without any code here.
        """
        self._require_model()

    def _require_model(self) -> SentenceEmbedder:
        if self._model is None:
            message = "the embedder model is not loaded; the replica is still starting or failed"
            raise RuntimeError(message)
        return self._model
