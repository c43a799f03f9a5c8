"""A linear classification head on top of the sentence embeddings.

The head's weights are synthetic: they are drawn from a seeded generator, so the labels are
stable across processes and restarts but carry no meaning. The head exists so that the
classification route is a real two-stage computation (embedding, then a forward pass of a second
model), which in Ray Serve spans two deployments.
"""

import numpy as np
import torch

from services.model.embedder import EMBEDDING_DIMENSIONS

LABELS = ("billing", "bug_report", "feature_request", "praise", "question")
HEAD_NAME = "synthetic-linear-head-v1"
_SEED = 20_261_204


class ClassificationHead:
    """Softmax over a seeded linear layer of the 384-dimension embedding."""

    def __init__(self, device: str) -> None:
        generator = torch.Generator().manual_seed(_SEED)
        layer = torch.nn.Linear(EMBEDDING_DIMENSIONS, len(LABELS))
        with torch.no_grad():
            layer.weight.copy_(torch.randn(layer.weight.shape, generator=generator) * 0.5)
            layer.bias.zero_()
        self.device = device
        self.name = HEAD_NAME
        self._layer = layer.to(device).eval()

    @torch.inference_mode()
    def predict(self, embeddings: np.ndarray) -> list[tuple[str, float]]:
        """Return the top label and its probability for each embedding row."""
        inputs = torch.from_numpy(np.ascontiguousarray(embeddings, dtype=np.float32))
        probabilities = torch.softmax(self._layer(inputs.to(self.device)), dim=-1).cpu()
        scores, indices = probabilities.max(dim=-1)
        return [
            (LABELS[int(index)], float(score))
            for index, score in zip(indices.tolist(), scores.tolist(), strict=True)
        ]
