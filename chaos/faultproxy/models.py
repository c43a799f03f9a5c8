"""JSON models of the API: request bodies (pydantic) and the toxic definition a proxy holds."""

import itertools
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from chaos.faultproxy.errors import ApiError
from chaos.faultproxy.toxics import TOXIC_TYPES, Toxic

Stream = Literal["upstream", "downstream"]
STREAMS: tuple[Stream, ...] = ("upstream", "downstream")

# The real server binds every interface when ``listen`` is omitted. This server binds
# loopback only, so a test harness does not expose a proxy by accident.
DEFAULT_LISTEN = "127.0.0.1:0"


class ProxyConfig(BaseModel):
    """Body of ``POST /proxies`` and one element of ``POST /populate``."""

    model_config = ConfigDict(extra="ignore", strict=True)

    name: str
    upstream: str
    listen: str = DEFAULT_LISTEN
    enabled: bool = True


class ProxyPatch(BaseModel):
    """Body of ``PATCH /proxies/{name}``: omitted fields keep their current values."""

    model_config = ConfigDict(extra="ignore", strict=True)

    listen: str | None = None
    upstream: str | None = None
    enabled: bool | None = None


class ToxicCreate(BaseModel):
    """Body of ``POST /proxies/{name}/toxics``. ``new_toxic`` checks the type and stream."""

    model_config = ConfigDict(extra="ignore", strict=True)

    type: str
    name: str | None = None
    stream: str = "downstream"
    toxicity: float = 1.0
    attributes: dict[str, Any] = {}


class ToxicPatch(BaseModel):
    """Body of ``PATCH /proxies/{name}/toxics/{toxic}``: attributes merge into current ones."""

    model_config = ConfigDict(extra="ignore", strict=True)

    attributes: dict[str, Any] = {}
    toxicity: float | None = None
    name: str | None = None
    type: str | None = None
    stream: str | None = None


_versions = itertools.count(1)
ModelT = TypeVar("ModelT", bound=BaseModel)


@dataclass(frozen=True)
class ToxicSpec:
    """A toxic as a proxy stores it. Every add or update gets a new ``version``, so the
    links restart it and roll its toxicity again."""

    name: str
    type: str
    stream: Stream
    toxicity: float
    attributes: dict[str, int]
    toxic: Toxic = field(compare=False)
    version: int = field(default_factory=lambda: next(_versions))

    def to_json(self) -> dict[str, Any]:
        """Return the Toxiproxy JSON form of the toxic."""
        return {
            "name": self.name,
            "type": self.type,
            "stream": self.stream,
            "toxicity": self.toxicity,
            "attributes": dict(self.attributes),
        }


def check_toxicity(toxicity: float) -> float:
    """Return ``toxicity`` if it is within 0.0 to 1.0, else raise a 400 ApiError."""
    if not 0.0 <= toxicity <= 1.0:
        raise ApiError(400, f"invalid toxicity {toxicity}: expected a number from 0.0 to 1.0")

    return float(toxicity)


def new_toxic(body: ToxicCreate) -> ToxicSpec:
    """Build a validated ToxicSpec from a create body, or raise a 400 ApiError."""
    toxic_type = TOXIC_TYPES.get(body.type)
    if toxic_type is None:
        raise ApiError(
            400, f"invalid toxic type {body.type!r}: expected one of {sorted(TOXIC_TYPES)}"
        )

    if body.stream not in STREAMS:
        raise ApiError(400, f"invalid stream {body.stream!r}: expected 'upstream' or 'downstream'")

    stream: Stream = "upstream" if body.stream == "upstream" else "downstream"
    attributes = toxic_type.validate(body.attributes)
    return ToxicSpec(
        name=body.name or f"{body.type}_{stream}",
        type=body.type,
        stream=stream,
        toxicity=check_toxicity(body.toxicity),
        attributes=attributes,
        toxic=toxic_type(attributes),
    )


def updated_toxic(current: ToxicSpec, patch: ToxicPatch) -> ToxicSpec:
    """Return ``current`` with the patch's attributes merged in and a new version."""
    for field_name in ("name", "type", "stream"):
        requested = getattr(patch, field_name)
        if requested is not None and requested != getattr(current, field_name):
            raise ApiError(
                400,
                f"cannot change {field_name} of toxic {current.name!r} from "
                f"{getattr(current, field_name)!r} to {requested!r}: delete it and add a new one",
            )

    toxic_type = TOXIC_TYPES[current.type]
    attributes = toxic_type.validate({**current.attributes, **patch.attributes})
    toxicity = current.toxicity if patch.toxicity is None else check_toxicity(patch.toxicity)
    return ToxicSpec(
        name=current.name,
        type=current.type,
        stream=current.stream,
        toxicity=toxicity,
        attributes=attributes,
        toxic=toxic_type(attributes),
    )


def parse_body(model: type[ModelT], payload: object) -> ModelT:
    """Validate a decoded JSON body against ``model``, raising a 400 ApiError that names the
    first bad field."""
    try:
        return model.model_validate(payload)
    except ValidationError as error:
        first = error.errors()[0]
        location = ".".join(str(part) for part in first["loc"]) or "body"
        if first["type"] == "missing":
            raise ApiError(400, f"missing required field: {location}") from None

        raise ApiError(
            400, f"invalid value for field {location}: {first['msg']} (got {first.get('input')!r})"
        ) from None
