"""A proxy: its listener, its toxics and its live connections."""

import asyncio
import random
import socket
from typing import Any

import structlog

from chaos.faultproxy.connection import Connection
from chaos.faultproxy.errors import ApiError
from chaos.faultproxy.models import STREAMS, Stream, ToxicPatch, ToxicSpec, updated_toxic

log = structlog.get_logger(__name__)

UPSTREAM_CONNECT_TIMEOUT_S = 10.0


def split_host_port(address: str, field_name: str) -> tuple[str, int]:
    """Split ``host:port`` (or ``[v6]:port``) or raise a 400 ApiError naming the field."""
    host, separator, port_text = address.rpartition(":")
    host = host.strip("[]")
    if not separator or not port_text.isdigit() or not 0 <= int(port_text) <= 65535:
        raise ApiError(
            400, f"invalid {field_name} address {address!r}: expected host:port, port 0-65535"
        )

    return host, int(port_text)


def format_host_port(host: str, port: int) -> str:
    """Return ``host:port``, with brackets around an IPv6 host."""
    if ":" in host:
        return f"[{host}]:{port}"

    return f"{host}:{port}"


class Proxy:
    """A listener that forwards each accepted connection to ``upstream`` through the toxics."""

    def __init__(self, name: str, listen: str, upstream: str, rng: random.Random) -> None:
        split_host_port(listen, "listen")
        split_host_port(upstream, "upstream")
        self.name = name
        self.listen = listen
        self.upstream = upstream
        self.enabled = False
        self.lock = asyncio.Lock()
        self._rng = rng
        self._server: asyncio.Server | None = None
        self._toxics: list[ToxicSpec] = []
        self._connections: set[Connection] = set()

    def to_json(self) -> dict[str, Any]:
        """Return the Toxiproxy JSON form of the proxy, toxics included."""
        return {
            "name": self.name,
            "listen": self.listen,
            "upstream": self.upstream,
            "enabled": self.enabled,
            "toxics": self.toxics_json(),
        }

    def toxics_json(self) -> list[dict[str, Any]]:
        """Return the toxics, upstream first then downstream, each in chain order."""
        return [spec.to_json() for stream in STREAMS for spec in self._chain(stream)]

    async def start(self) -> None:
        """Open the listener and store the bound address (the real port for 0) in ``listen``."""
        if self._server is not None:
            return

        host, port = split_host_port(self.listen, "listen")
        try:
            # Resolve first and bind one address, so a name such as "localhost" with port 0
            # does not bind IPv4 and IPv6 to two different ephemeral ports.
            loop = asyncio.get_running_loop()
            infos = await loop.getaddrinfo(host or None, port, type=socket.SOCK_STREAM)
            bind_host = str(infos[0][4][0])
            self._server = await asyncio.start_server(
                self._accept, bind_host, port, reuse_address=True
            )
        except OSError as error:
            raise ApiError(
                500, f"failed to listen on {self.listen} for proxy {self.name!r}: {error}"
            ) from None

        bound = self._server.sockets[0].getsockname()
        self.listen = format_host_port(str(bound[0]), int(bound[1]))
        self.enabled = True
        log.info("proxy_started", proxy=self.name, listen=self.listen, upstream=self.upstream)

    async def stop(self) -> None:
        """Close the listener and every live connection, so new connects are refused."""
        self.enabled = False
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

        connections = list(self._connections)
        await asyncio.gather(*(connection.close() for connection in connections))
        log.info("proxy_stopped", proxy=self.name, closed_connections=len(connections))

    def find_toxic(self, name: str) -> ToxicSpec:
        """Return the toxic called ``name`` or raise a 404 ApiError."""
        for spec in self._toxics:
            if spec.name == name:
                return spec

        raise ApiError(404, f"toxic not found: no toxic {name!r} on proxy {self.name!r}")

    async def add_toxic(self, spec: ToxicSpec) -> ToxicSpec:
        """Append a toxic to its stream's chain and push it into live connections."""
        if any(existing.name == spec.name for existing in self._toxics):
            raise ApiError(
                409,
                f"toxic already exists: {spec.name!r} on proxy {self.name!r}; "
                "names are unique across both streams, so pick another name",
            )

        self._toxics.append(spec)
        await self._push(spec.stream)
        log.info("toxic_added", proxy=self.name, toxic=spec.name, type=spec.type)
        return spec

    async def update_toxic(self, name: str, patch: ToxicPatch) -> ToxicSpec:
        """Merge a patch into a toxic and restart it on live connections."""
        current = self.find_toxic(name)
        updated = updated_toxic(current, patch)
        self._toxics[self._toxics.index(current)] = updated
        await self._push(updated.stream)
        log.info("toxic_updated", proxy=self.name, toxic=name)
        return updated

    async def remove_toxic(self, name: str) -> None:
        """Remove a toxic from its chain and from live connections."""
        spec = self.find_toxic(name)
        self._toxics.remove(spec)
        await self._push(spec.stream)
        log.info("toxic_removed", proxy=self.name, toxic=name)

    async def remove_all_toxics(self) -> None:
        """Remove every toxic from both streams."""
        self._toxics.clear()
        for stream in STREAMS:
            await self._push(stream)

    def _chain(self, stream: Stream) -> list[ToxicSpec]:
        return [spec for spec in self._toxics if spec.stream == stream]

    async def _push(self, stream: Stream) -> None:
        chain = self._chain(stream)
        connections = list(self._connections)
        await asyncio.gather(*(c.update_toxics(stream, chain) for c in connections))

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        host, port = split_host_port(self.upstream, "upstream")
        try:
            upstream = await asyncio.wait_for(
                asyncio.open_connection(host, port), UPSTREAM_CONNECT_TIMEOUT_S
            )
        except (OSError, TimeoutError) as error:
            log.warning(
                "upstream_connect_failed", proxy=self.name, upstream=self.upstream, error=str(error)
            )
            writer.close()
            return

        if self._server is None:
            # The proxy was disabled while this connection waited for its upstream.
            upstream[1].close()
            writer.close()
            return

        connection = Connection(
            proxy_name=self.name,
            client=(reader, writer),
            upstream=upstream,
            rng=self._rng,
            on_closed=self._connections.discard,
        )
        self._connections.add(connection)
        connection.start({stream: self._chain(stream) for stream in STREAMS})
        log.info("connection_opened", proxy=self.name, peer=connection.peer)
