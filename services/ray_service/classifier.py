"""The Classifier deployment: the classification head, applied to the Embedder's output."""

import numpy as np
import structlog
from ray import serve

from services.contract.schemas import FaultRequest, FaultResponse
from services.http import routes
from services.model.classifier import HEAD_NAME, ClassificationHead
from services.model.device import select_device
from services.ray_service.cancellation import count_cancellation
from services.ray_service.faults import apply_fault_locally
from services.ray_service.replica import start_replica

logger = structlog.get_logger("services.ray_service.classifier")


@serve.deployment(
    max_ongoing_requests=32,
    ray_actor_options={"num_cpus": 0.1},
)
class Classifier:
    """Labels embeddings with the seeded linear head; one head per replica."""

    def __init__(self) -> None:
        self._runtime = start_replica()
        device = select_device(self._runtime.settings.model_device)
        self._head = ClassificationHead(device)
        logger.info("model_loaded", model=HEAD_NAME, device=device)

    async def classify(
        self, embedded: tuple[np.ndarray, str], deadline_unix_s: float
    ) -> tuple[list[tuple[str, float]], str]:
        """Return the top label and score per embedding row, and this replica's id.

        ``embedded`` is the Embedder's result; the ingress passes the Embedder's response
        object, and Serve resolves it before this call starts.
        """
        with count_cancellation(
            self._runtime.metrics, routes.CLASSIFY, deadline_unix_s, self._runtime.replica_id
        ):
            await self._runtime.faults.before_call()
            embeddings, _ = embedded
            return self._head.predict(embeddings), self._runtime.replica_id

    async def apply_fault(self, request: FaultRequest) -> FaultResponse:
        """Switch on ``request`` in this replica."""
        return apply_fault_locally(self._runtime, request)

    def clear_faults(self) -> None:
        """Switch off every fault in this replica."""
        self._runtime.faults.clear()

    def check_health(self) -> None:
        """Raise unless the head is on its device; a hang fault makes the check time out."""
        if self._head.device != select_device(self._runtime.settings.model_device):
            message = (
                f"the classification head is on {self._head.device!r}, not on the configured "
                "device; restart the replica"
            )
            raise RuntimeError(message)
