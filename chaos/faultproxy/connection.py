"""One proxied TCP connection: the client socket, the upstream socket and a link each way."""

import asyncio
import random
import socket
import struct
from collections.abc import Callable, Mapping, Sequence

import structlog

from chaos.faultproxy.link import Link
from chaos.faultproxy.models import Stream, ToxicSpec

log = structlog.get_logger(__name__)

# How long a graceful close waits for unsent data to flush before it aborts the socket.
CLOSE_FLUSH_TIMEOUT_S = 2.0


class Connection:
    """Two links (client to upstream and back) that close together."""

    def __init__(
        self,
        *,
        proxy_name: str,
        client: tuple[asyncio.StreamReader, asyncio.StreamWriter],
        upstream: tuple[asyncio.StreamReader, asyncio.StreamWriter],
        rng: random.Random,
        on_closed: Callable[["Connection"], None],
    ) -> None:
        self.proxy_name = proxy_name
        self._writers = (client[1], upstream[1])
        self._on_closed = on_closed
        self._finished_links = 0
        self._close_task: asyncio.Task[None] | None = None
        self.links: dict[Stream, Link] = {
            "upstream": Link(
                stream="upstream", reader=client[0], writer=upstream[1], owner=self, rng=rng
            ),
            "downstream": Link(
                stream="downstream", reader=upstream[0], writer=client[1], owner=self, rng=rng
            ),
        }
        self.peer = str(client[1].get_extra_info("peername"))

    def start(self, toxics: Mapping[Stream, Sequence[ToxicSpec]]) -> None:
        """Start both links with the proxy's current toxics."""
        for stream, link in self.links.items():
            link.start(toxics[stream])

    async def update_toxics(self, stream: Stream, specs: Sequence[ToxicSpec]) -> None:
        """Push a stream's new toxic list into the live link of that stream."""
        await self.links[stream].update_toxics(specs)

    def link_finished(self) -> None:
        """Close the connection once both directions have forwarded their FIN."""
        self._finished_links += 1
        if self._finished_links == len(self.links):
            self.close_connection(reset=False)

    def close_connection(self, *, reset: bool) -> None:
        """Start closing both sockets (once), with a TCP RST when ``reset`` is True."""
        if self._close_task is None:
            self._close_task = asyncio.create_task(self._close(reset=reset))

    async def close(self, *, reset: bool = False) -> None:
        """Close the connection and wait until both sockets are closed."""
        self.close_connection(reset=reset)
        assert self._close_task is not None
        await asyncio.shield(self._close_task)

    async def _close(self, *, reset: bool) -> None:
        try:
            await asyncio.gather(*(link.stop() for link in self.links.values()))

            for writer in self._writers:
                if reset:
                    _set_linger_zero(writer)
                    writer.transport.abort()
                else:
                    writer.close()

            for writer in self._writers:
                try:
                    await asyncio.wait_for(writer.wait_closed(), CLOSE_FLUSH_TIMEOUT_S)
                except (TimeoutError, OSError):
                    writer.transport.abort()

            log.info("connection_closed", proxy=self.proxy_name, peer=self.peer, reset=reset)
        finally:
            # Always forget the connection, or a proxy keeps it and a later disable fails.
            self._on_closed(self)


def _set_linger_zero(writer: asyncio.StreamWriter) -> None:
    """Make the next close send RST instead of FIN (SO_LINGER on, zero timeout).

    The peer may already have closed the socket, which then raises ``OSError`` (EBADF); the
    connection is closing either way, so that is logged and ignored.
    """
    sock = writer.get_extra_info("socket")
    if sock is None:
        return
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError as error:
        log.info("linger_not_set", error=str(error))
