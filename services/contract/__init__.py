"""The HTTP contract both reference services serve: limits, schemas and error bodies."""

from services.contract.limits import Limits
from services.contract.schemas import (
    ClassifyRequest,
    ClassifyResponse,
    EmbedRequest,
    EmbedResponse,
    ErrorResponse,
    FaultKind,
    FaultRequest,
    FaultResponse,
    GenerateRequest,
    HealthResponse,
    LabelScore,
    TokenEvent,
)

__all__ = [
    "ClassifyRequest",
    "ClassifyResponse",
    "EmbedRequest",
    "EmbedResponse",
    "ErrorResponse",
    "FaultKind",
    "FaultRequest",
    "FaultResponse",
    "GenerateRequest",
    "HealthResponse",
    "LabelScore",
    "Limits",
    "TokenEvent",
]
