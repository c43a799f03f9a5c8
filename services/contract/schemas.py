"""Request and response bodies of the HTTP contract.

Both services import these models, so a schema change reaches both at once. Field constraints
come from ``DEFAULT_LIMITS``; a violation is returned as HTTP 422 whose body names the field
and the limit (see ``services.http.errors``).
"""

from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from services.contract.limits import DEFAULT_LIMITS as LIMITS

Text = Annotated[str, Field(min_length=1, max_length=LIMITS.max_text_chars)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class EmbedRequest(_Strict):
    """Texts to embed in one call; the list is the client-side batch."""

    texts: list[Text] = Field(min_length=1, max_length=LIMITS.max_texts)


class EmbedResponse(BaseModel):
    """Unit-length sentence embeddings, one per input text, in input order."""

    model: str
    replica_id: str
    dimensions: int
    embeddings: list[list[float]]


class ClassifyRequest(_Strict):
    """Texts to embed and then label with the classification head."""

    texts: list[Text] = Field(min_length=1, max_length=LIMITS.max_texts)


class LabelScore(BaseModel):
    """The top label of one text and its softmax probability."""

    label: str
    score: float


class ClassifyResponse(BaseModel):
    """One label per input text, in input order."""

    model: str
    replica_id: str
    results: list[LabelScore]


class GenerateRequest(_Strict):
    """A streamed generation: one server-sent event per generated token."""

    prompt: str = Field(min_length=1, max_length=LIMITS.max_prompt_chars)
    max_tokens: int = Field(default=16, ge=1, le=LIMITS.max_generate_tokens)
    token_delay_ms: int = Field(default=0, ge=0, le=LIMITS.max_token_delay_ms)


class TokenEvent(BaseModel):
    """The data of one server-sent event of a generation stream."""

    index: int
    token: str
    replica_id: str


class HealthResponse(BaseModel):
    """Liveness or readiness of one worker or replica."""

    status: str
    ready: bool
    replica_id: str
    model: str
    model_load_seconds: float | None = None


class FaultKind(StrEnum):
    """In-service faults the admin route can switch on."""

    HANG = "hang"
    SLOW = "slow"
    FAIL = "fail"
    LEAK = "leak"


class FaultRequest(_Strict):
    """One fault for a bounded time on the worker or replica that receives the call.

    ``target`` names the Ray Serve deployment to reach (``ingress``, ``embedder``,
    ``classifier`` or ``generator``); the FastAPI service has one process kind and accepts only
    ``ingress``. ``scope`` ``all`` reaches every worker of the FastAPI service through its shared
    state directory; Ray Serve supports only ``one``.
    """

    # Strict mode would accept only FaultKind instances; JSON brings the value as a string.
    kind: FaultKind = Field(strict=False)
    duration_s: float = Field(gt=0, le=LIMITS.max_fault_duration_s)
    delay_ms: int = Field(default=0, ge=0, le=LIMITS.max_fault_delay_ms)
    leak_mb: int = Field(default=0, ge=0, le=LIMITS.max_fault_leak_mb)
    target: str = Field(default="ingress", pattern="^(ingress|embedder|classifier|generator)$")
    scope: str = Field(default="one", pattern="^(one|all)$")

    @model_validator(mode="after")
    def _check_size(self) -> "FaultRequest":
        if self.kind is FaultKind.SLOW and self.delay_ms == 0:
            message = "delay_ms must be above 0 for a 'slow' fault; set the added delay in ms"
            raise ValueError(message)
        if self.kind is FaultKind.LEAK and self.leak_mb == 0:
            message = "leak_mb must be above 0 for a 'leak' fault; set the memory to leak in MiB"
            raise ValueError(message)
        return self


class FaultResponse(BaseModel):
    """The fault as the receiving worker or replica applied it."""

    kind: FaultKind
    replica_id: str
    target: str
    scope: str
    expires_at_unix_s: float


class ErrorDetail(BaseModel):
    """One reason a request was rejected."""

    field: str
    message: str
    limit: str | None = None


class ErrorResponse(BaseModel):
    """The body of every 4xx and 5xx response."""

    error: str
    message: str
    request_id: str | None = None
    details: list[ErrorDetail] = Field(default_factory=list)
