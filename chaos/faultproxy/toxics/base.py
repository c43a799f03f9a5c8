"""Toxic interface: attribute validation, and the stub a toxic uses to move stream items."""

import asyncio
import random
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar, Protocol

from chaos.faultproxy.channel import Channel, Chunk, Item
from chaos.faultproxy.errors import ApiError


class ConnectionControl(Protocol):
    """Operations a toxic may perform on the connection that its link belongs to."""

    def close_connection(self, *, reset: bool) -> None:
        """Close both sockets, with a TCP RST (SO_LINGER 0) when ``reset`` is True."""


@dataclass(frozen=True)
class AttributeSpec:
    """One integer attribute of a toxic: its name, unit, default and allowed range."""

    name: str
    unit: str
    default: int = 0
    minimum: int = 0
    maximum: int | None = None

    def describe_range(self) -> str:
        """Return the allowed range in words, for error messages."""
        if self.maximum is None:
            return f"an integer >= {self.minimum} ({self.unit})"

        return f"an integer from {self.minimum} to {self.maximum} ({self.unit})"


class ToxicStub:
    """The channels, interrupt flag and per-link state that one running toxic works with."""

    def __init__(
        self,
        source: Channel,
        sink: Channel,
        state: dict[str, float],
        control: ConnectionControl,
        rng: random.Random,
    ) -> None:
        self.source = source
        self.sink = sink
        self.state = state
        self.control = control
        self.rng = rng
        self.interrupt = asyncio.Event()

    @staticmethod
    def now() -> float:
        """Return the event-loop clock in seconds."""
        return asyncio.get_running_loop().time()

    async def read(self, deadline: float | None = None) -> Item | None:
        """Return the next input item, or None when interrupted.

        Raises TimeoutError when ``deadline`` (event-loop time) passes first.
        """
        if deadline is None:
            return await self.source.get(self.interrupt)

        async with asyncio.timeout_at(deadline):
            return await self.source.get(self.interrupt)

    async def write(self, item: Item) -> bool:
        """Send an item to the next stage. Return False if interrupted (the item is still sent)."""
        return await self.sink.put(item, self.interrupt)

    def unread(self, item: Item) -> None:
        """Put an item back at the head of the input, so the restarted chain handles it."""
        self.source.force_prepend(item)

    async def sleep(self, seconds: float) -> bool:
        """Sleep, returning False if interrupted first."""
        if seconds <= 0:
            return not self.interrupt.is_set()

        try:
            async with asyncio.timeout(seconds):
                await self.interrupt.wait()
        except TimeoutError:
            return True

        return False

    async def forward_until_end(self) -> None:
        """Pass every item through unchanged until the stream ends or the stage is interrupted."""
        while True:
            item = await self.read()
            if item is None:
                return

            if not await self.write(item):
                return

            if not isinstance(item, Chunk):
                return


class Toxic(ABC):
    """One toxic type. An instance stores validated attributes and is immutable."""

    type_name: ClassVar[str]
    attribute_specs: ClassVar[tuple[AttributeSpec, ...]]
    # True for toxics whose removal must close the connections they ran on, because the
    # bytes they dropped leave the stream corrupt (the timeout toxic).
    closes_connection_on_removal: ClassVar[bool] = False

    def __init__(self, attributes: Mapping[str, int]) -> None:
        self.attributes = dict(attributes)

    @classmethod
    def validate(cls, raw: Mapping[str, object]) -> dict[str, int]:
        """Return the full attribute map (defaults filled in), or raise a 400 ApiError."""
        known = {spec.name: spec for spec in cls.attribute_specs}
        unknown = sorted(set(raw) - set(known))
        if unknown:
            raise ApiError(
                400,
                f"unknown attribute {unknown[0]!r} for toxic type {cls.type_name!r}; "
                f"expected one of {sorted(known)}",
            )

        values: dict[str, int] = {}
        for spec in cls.attribute_specs:
            value = raw.get(spec.name, spec.default)
            if isinstance(value, bool) or not isinstance(value, int):
                raise ApiError(
                    400,
                    f"invalid attribute {spec.name}={value!r} for toxic type "
                    f"{cls.type_name!r}: expected {spec.describe_range()}",
                )

            too_high = spec.maximum is not None and value > spec.maximum
            if value < spec.minimum or too_high:
                raise ApiError(
                    400,
                    f"attribute {spec.name}={value} is out of range for toxic type "
                    f"{cls.type_name!r}: expected {spec.describe_range()}",
                )

            values[spec.name] = value

        cls.check_combination(values)
        return values

    @classmethod
    def check_combination(cls, values: Mapping[str, int]) -> None:
        """Raise a 400 ApiError when attributes are valid alone but not together."""
        return None

    @abstractmethod
    async def pipe(self, stub: ToxicStub) -> None:
        """Move items from ``stub.source`` to ``stub.sink`` until interrupted or the stream ends.

        On interrupt, the toxic must hand any item it holds back with ``stub.unread`` (or
        forward it) before returning, so that no byte is lost when the chain restarts.
        """


class NoopToxic(Toxic):
    """Pass-through stage: the head of every chain, and the stand-in for a toxic whose
    toxicity roll failed on a link."""

    type_name = "noop"
    attribute_specs = ()

    async def pipe(self, stub: ToxicStub) -> None:
        await stub.forward_until_end()
