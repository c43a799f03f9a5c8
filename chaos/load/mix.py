"""Request mixes given as data: which contract calls a load run sends, and in what share."""

import random
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class RequestKind(StrEnum):
    """Contract routes the load driver can call."""

    EMBEDDINGS = "embeddings"
    CLASSIFY = "classify"
    GENERATE = "generate"


ROUTES: dict[RequestKind, str] = {
    RequestKind.EMBEDDINGS: "/v1/embeddings",
    RequestKind.CLASSIFY: "/v1/classify",
    RequestKind.GENERATE: "/v1/generate",
}


@dataclass(frozen=True)
class RequestTemplate:
    """One kind of request in a mix, with its relative weight.

    ``disconnect_after_tokens`` closes a generation stream after that many token events.
    ``disconnect_after_s`` closes any request that many seconds after it was sent. Either ends
    the request with the planned kind ``client_disconnected``, so the server observes a
    client that went away.
    """

    kind: RequestKind
    weight: float = 1.0
    texts: tuple[str, ...] = ("The quick brown fox jumps over the lazy dog.",)
    prompt: str = "Once upon a time"
    max_tokens: int = 16
    token_delay_ms: int = 0
    disconnect_after_tokens: int | None = None
    disconnect_after_s: float | None = None

    def __post_init__(self) -> None:
        if not self.weight > 0:
            msg = f"request weight {self.weight} for {self.kind} is not positive; e.g. 1.0"
            raise ValueError(msg)
        if self.disconnect_after_tokens is not None and self.kind != RequestKind.GENERATE:
            msg = (
                f"disconnect_after_tokens is set on a {self.kind} request; only generate "
                "streams tokens, so use disconnect_after_s for unary calls"
            )
            raise ValueError(msg)
        if self.disconnect_after_tokens is not None and self.disconnect_after_tokens < 1:
            msg = f"disconnect_after_tokens {self.disconnect_after_tokens} is below 1"
            raise ValueError(msg)
        if self.disconnect_after_s is not None and not self.disconnect_after_s > 0:
            msg = f"disconnect_after_s {self.disconnect_after_s} is not positive"
            raise ValueError(msg)

    @property
    def route(self) -> str:
        """The contract path this template calls."""
        return ROUTES[self.kind]

    def body(self) -> dict[str, Any]:
        """Return the JSON request body."""
        if self.kind == RequestKind.GENERATE:
            return {
                "prompt": self.prompt,
                "max_tokens": self.max_tokens,
                "token_delay_ms": self.token_delay_ms,
            }

        return {"texts": list(self.texts)}


@dataclass(frozen=True)
class RequestMix:
    """Weighted templates; ``choose`` draws from them with a seeded generator."""

    templates: tuple[RequestTemplate, ...]
    seed: int = 0
    _random: random.Random = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.templates:
            msg = "request mix has no templates; pass at least one RequestTemplate"
            raise ValueError(msg)

        object.__setattr__(self, "_random", random.Random(self.seed))

    def choose(self) -> RequestTemplate:
        """Return the template of the next request."""
        weights = [template.weight for template in self.templates]
        return self._random.choices(self.templates, weights=weights, k=1)[0]


def single(template: RequestTemplate) -> RequestMix:
    """Return a mix that always sends ``template``."""
    return RequestMix((template,))
