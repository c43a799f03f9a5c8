"""Byte-bounded FIFO channel that carries stream items between the stages of a link."""

import asyncio
from collections import deque
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Chunk:
    """Bytes read from a socket, with the event-loop time they were read or last delayed."""

    data: bytes
    timestamp: float


@dataclass(frozen=True, slots=True)
class EndOfStream:
    """Marker: the source half-closed its side, so the sink sends FIN after earlier data."""


@dataclass(frozen=True, slots=True)
class CloseConnection:
    """Marker: the sink closes the whole connection once every earlier item is written."""


Item = Chunk | EndOfStream | CloseConnection


def item_size(item: Item) -> int:
    """Return the payload size of an item in bytes (0 for markers)."""
    if isinstance(item, Chunk):
        return len(item.data)

    return 0


class Channel:
    """FIFO of items bounded by payload bytes, with one reader and one writer at a time.

    ``put`` waits while the channel contains ``max_bytes`` or more, so a full channel pushes back
    on the writer. The ``force`` variants ignore the bound. The chain uses them only to hand
    back the single item a stage holds when it is interrupted, so they exceed the bound by at
    most one item per stage.
    """

    def __init__(self, max_bytes: int) -> None:
        self._items: deque[Item] = deque()
        self._max_bytes = max_bytes
        self._bytes = 0
        self._readable = asyncio.Event()
        self._writable = asyncio.Event()
        self._writable.set()

    def __len__(self) -> int:
        return len(self._items)

    def _update_events(self) -> None:
        if self._items:
            self._readable.set()
        else:
            self._readable.clear()

        if self._bytes < self._max_bytes:
            self._writable.set()
        else:
            self._writable.clear()

    def force_append(self, item: Item) -> None:
        """Append an item even if the channel is full."""
        self._items.append(item)
        self._bytes += item_size(item)
        self._update_events()

    def force_prepend(self, item: Item) -> None:
        """Put an item back at the head of the channel, even if the channel is full."""
        self._items.appendleft(item)
        self._bytes += item_size(item)
        self._update_events()

    def take_all(self) -> list[Item]:
        """Remove and return every item, oldest first."""
        items = list(self._items)
        self._items.clear()
        self._bytes = 0
        self._update_events()
        return items

    async def get(self, interrupt: asyncio.Event | None = None) -> Item | None:
        """Remove and return the oldest item, or return None once ``interrupt`` is set.

        Cancelling a waiting ``get`` loses no item, because the item is removed only after
        the wait ends.
        """
        while not self._items:
            if interrupt is None:
                await self._readable.wait()
            elif not await wait_first(self._readable, interrupt):
                return None

        item = self._items.popleft()
        self._bytes -= item_size(item)
        self._update_events()
        return item

    async def put(self, item: Item, interrupt: asyncio.Event | None = None) -> bool:
        """Append an item once there is room, and return True.

        If ``interrupt`` is set first, the item is appended anyway (so no data is lost) and the
        call returns False to tell the caller to stop.
        """
        while self._bytes >= self._max_bytes:
            if interrupt is None:
                await self._writable.wait()
            elif not await wait_first(self._writable, interrupt):
                self.force_append(item)
                return False

        self.force_append(item)
        return True


async def wait_first(ready: asyncio.Event, interrupt: asyncio.Event) -> bool:
    """Wait for either event, and return True if ``ready`` is set but ``interrupt`` is not."""
    if interrupt.is_set():
        return False

    if ready.is_set():
        return True

    ready_task = asyncio.ensure_future(ready.wait())
    interrupt_task = asyncio.ensure_future(interrupt.wait())
    try:
        await asyncio.wait({ready_task, interrupt_task}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        ready_task.cancel()
        interrupt_task.cancel()

    return not interrupt.is_set()
