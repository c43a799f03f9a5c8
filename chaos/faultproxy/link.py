"""One direction of one proxied connection: socket reader, toxic chain and socket writer.

Items flow reader -> head channel -> noop stage -> one stage per toxic -> tail channel ->
writer. Each stage owns the channel it reads from. Adding, updating or removing a toxic
interrupts every stage (each hands back the item it holds), rewires the channels and
restarts the stages, so toxic changes reach live connections without losing or reordering
bytes.
"""

import asyncio
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import structlog

from chaos.faultproxy.channel import Channel, Chunk, CloseConnection, EndOfStream
from chaos.faultproxy.models import ToxicSpec
from chaos.faultproxy.toxics import NoopToxic, Toxic, ToxicStub

log = structlog.get_logger(__name__)

READ_SIZE = 64 * 1024
# Bound of each channel. A link has (toxics + 2) channels plus one read buffer.
CHANNEL_MAX_BYTES = 1024 * 1024


class LinkOwner(Protocol):
    """The connection a link belongs to."""

    def close_connection(self, *, reset: bool) -> None:
        """Close both sockets, with a TCP RST when ``reset`` is True."""

    def link_finished(self) -> None:
        """Record that this link forwarded the end of its stream (FIN sent)."""


@dataclass
class _Stage:
    spec: ToxicSpec | None
    source: Channel
    stub: ToxicStub | None = None
    task: asyncio.Task[None] | None = None


class Link:
    """Carry bytes from ``reader`` to ``writer`` through the toxics of one stream."""

    def __init__(
        self,
        *,
        stream: str,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        owner: LinkOwner,
        rng: random.Random,
    ) -> None:
        self.stream = stream
        self._reader = reader
        self._writer = writer
        self._owner = owner
        self._rng = rng
        self._head = Channel(CHANNEL_MAX_BYTES)
        self._tail = Channel(CHANNEL_MAX_BYTES)
        self._stages: list[_Stage] = []
        # Toxicity roll per toxic name: (version rolled for, whether the toxic is active).
        self._rolls: dict[str, tuple[int, bool]] = {}
        self._states: dict[str, dict[str, float]] = {}
        self._lock = asyncio.Lock()
        self._io_tasks: list[asyncio.Task[None]] = []
        self._closed = False

    def start(self, specs: Sequence[ToxicSpec]) -> None:
        """Start the chain for ``specs`` and the socket reader and writer."""
        self._stages = self._build_stages(specs, {})
        self._start_stages()
        self._io_tasks = [
            asyncio.create_task(self._read_source()),
            asyncio.create_task(self._write_sink()),
        ]

    async def update_toxics(self, specs: Sequence[ToxicSpec]) -> None:
        """Restart the chain with ``specs``, keeping queued bytes in order."""
        async with self._lock:
            if self._closed:
                return

            old_stages = self._stages
            await self._interrupt(old_stages)
            if self._closed:
                return

            new_names = {spec.name for spec in specs}
            self._move_items_of_removed_stages(old_stages, new_names)
            removed = [s.spec for s in old_stages if s.spec and s.spec.name not in new_names]

            self._stages = self._build_stages(specs, {s.spec.name: s for s in old_stages if s.spec})
            self._start_stages()

            for spec in removed:
                was_active = self._rolls.pop(spec.name, (0, False))[1]
                self._states.pop(spec.name, None)
                if was_active and spec.toxic.closes_connection_on_removal:
                    log.info("toxic_removal_closes_connection", toxic=spec.name, stream=self.stream)
                    self._owner.close_connection(reset=False)

    async def stop(self) -> None:
        """Cancel the reader, writer and every stage, and wait for them to end."""
        self._closed = True
        tasks = [*self._io_tasks, *(stage.task for stage in self._stages if stage.task)]
        for task in tasks:
            task.cancel()

        await asyncio.gather(*tasks, return_exceptions=True)

    def _build_stages(
        self, specs: Sequence[ToxicSpec], previous: dict[str, _Stage]
    ) -> list[_Stage]:
        stages = [_Stage(None, self._head)]
        for spec in specs:
            previous_stage = previous.get(spec.name)
            source = previous_stage.source if previous_stage else Channel(CHANNEL_MAX_BYTES)
            stages.append(_Stage(spec, source))

        return stages

    def _move_items_of_removed_stages(self, old_stages: list[_Stage], kept: set[str]) -> None:
        # Items waiting in front of a removed toxic go to the end of the next surviving
        # stage's queue. Walking backwards keeps them in stream order, because a queue
        # further down the chain contains older bytes.
        for index in range(len(old_stages) - 1, 0, -1):
            stage = old_stages[index]
            if stage.spec is None or stage.spec.name in kept:
                continue

            target = self._tail
            for later in old_stages[index + 1 :]:
                if later.spec and later.spec.name in kept:
                    target = later.source
                    break

            for item in stage.source.take_all():
                target.force_append(item)

    def _start_stages(self) -> None:
        for index, stage in enumerate(self._stages):
            is_last = index + 1 == len(self._stages)
            sink = self._tail if is_last else self._stages[index + 1].source
            toxic = self._toxic_for(stage.spec)
            state = self._states.setdefault(stage.spec.name, {}) if stage.spec else {}
            stage.stub = ToxicStub(stage.source, sink, state, self._owner, self._rng)
            stage.task = asyncio.create_task(self._run_stage(toxic, stage.stub))

    def _toxic_for(self, spec: ToxicSpec | None) -> Toxic:
        if spec is None:
            return NoopToxic({})

        # Roll once per toxic version: a restart caused by another toxic keeps the roll, an
        # update of this toxic rolls again.
        roll = self._rolls.get(spec.name)
        if roll is None or roll[0] != spec.version:
            roll = (spec.version, self._rng.random() < spec.toxicity)
            self._rolls[spec.name] = roll

        return spec.toxic if roll[1] else NoopToxic({})

    async def _run_stage(self, toxic: Toxic, stub: ToxicStub) -> None:
        try:
            await toxic.pipe(stub)
        except (ConnectionError, OSError) as error:
            log.warning("toxic_failed", toxic=toxic.type_name, stream=self.stream, error=str(error))
            self._owner.close_connection(reset=False)

    @staticmethod
    async def _interrupt(stages: list[_Stage]) -> None:
        for stage in stages:
            if stage.stub:
                stage.stub.interrupt.set()

        await asyncio.gather(*(s.task for s in stages if s.task), return_exceptions=True)

    async def _read_source(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            while True:
                data = await self._reader.read(READ_SIZE)
                if not data:
                    await self._head.put(EndOfStream())
                    return

                await self._head.put(Chunk(data, loop.time()))
        except ConnectionResetError:
            self._owner.close_connection(reset=True)
        except OSError as error:
            log.info("link_read_failed", stream=self.stream, error=str(error))
            self._owner.close_connection(reset=False)

    async def _write_sink(self) -> None:
        try:
            while True:
                item = await self._tail.get()
                if isinstance(item, Chunk):
                    self._writer.write(item.data)
                    await self._writer.drain()
                elif isinstance(item, EndOfStream):
                    if self._writer.can_write_eof():
                        self._writer.write_eof()
                    self._owner.link_finished()
                    return
                elif isinstance(item, CloseConnection):
                    self._owner.close_connection(reset=False)
                    return
        except OSError as error:
            log.info("link_write_failed", stream=self.stream, error=str(error))
            self._owner.close_connection(reset=False)
