"""Typed client for the Toxiproxy 2.x HTTP API, for this fault proxy or a real Toxiproxy.

It is written here instead of using the PyPI ``toxiproxy-python`` package because that
package (0.1.1, last commit February 2019) sets no HTTP timeouts, cannot update a toxic,
keeps its API address in class-level global state so one process cannot drive two servers,
and never raises on 5xx responses. This client sets a timeout on every call, raises
``FaultProxyError`` with the status and the server's message, and its context managers
always remove what they added.
"""

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx

DEFAULT_TIMEOUT_S = 5.0


class FaultProxyError(Exception):
    """Error status from the API, with the server's ``error`` text as ``message``."""

    def __init__(self, status: int, message: str, method: str, path: str) -> None:
        super().__init__(f"{method} {path} failed with HTTP {status}: {message}")
        self.status = status
        self.message = message


@dataclass(frozen=True)
class Toxic:
    """A toxic as the API returns it."""

    name: str
    type: str
    stream: str
    toxicity: float
    attributes: dict[str, int]

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "Toxic":
        """Build from the API's JSON object."""
        return cls(
            name=str(data["name"]),
            type=str(data["type"]),
            stream=str(data["stream"]),
            toxicity=float(data["toxicity"]),
            attributes={str(k): int(v) for k, v in dict(data.get("attributes") or {}).items()},
        )


@dataclass(frozen=True)
class ProxyState:
    """A proxy as the API returned it at one moment."""

    name: str
    listen: str
    upstream: str
    enabled: bool
    toxics: tuple[Toxic, ...]

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "ProxyState":
        """Build from the API's JSON object."""
        return cls(
            name=str(data["name"]),
            listen=str(data["listen"]),
            upstream=str(data["upstream"]),
            enabled=bool(data["enabled"]),
            toxics=tuple(Toxic.from_json(t) for t in data.get("toxics") or []),
        )

    @property
    def listen_host(self) -> str:
        """Host part of ``listen``."""
        return self.listen.rpartition(":")[0].strip("[]")

    @property
    def listen_port(self) -> int:
        """Port part of ``listen``."""
        return int(self.listen.rpartition(":")[2])


class FaultProxyClient:
    """Client for one API server. Use it as a context manager or call ``close``."""

    def __init__(
        self,
        base_url: str = "http://127.0.0.1:8474",
        *,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._http = httpx.Client(base_url=base_url, timeout=timeout_s, transport=transport)

    def __enter__(self) -> "FaultProxyClient":
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the HTTP connection pool."""
        self._http.close()

    def request(self, method: str, path: str, body: object = None) -> Any:
        """Send one request and return the decoded JSON (None for 204), or raise FaultProxyError."""
        response = self._http.request(method, path, json=body)
        if response.status_code >= 400:
            raise FaultProxyError(response.status_code, _error_message(response), method, path)

        if response.status_code == 204 or not response.content:
            return None

        return response.json()

    def version(self) -> str:
        """Return the server version string."""
        return str(self.request("GET", "/version")["version"])

    def proxies(self) -> dict[str, "Proxy"]:
        """Return every proxy by name."""
        data = self.request("GET", "/proxies")
        return {name: Proxy(self, ProxyState.from_json(item)) for name, item in data.items()}

    def get_proxy(self, name: str) -> "Proxy":
        """Return one proxy, or raise FaultProxyError with status 404 if it does not exist."""
        return Proxy(self, ProxyState.from_json(self.request("GET", f"/proxies/{name}")))

    def create_proxy(
        self, name: str, upstream: str, listen: str = "127.0.0.1:0", *, enabled: bool = True
    ) -> "Proxy":
        """Create a proxy. With port 0 in ``listen``, the returned proxy carries the real port."""
        body = {"name": name, "upstream": upstream, "listen": listen, "enabled": enabled}
        return Proxy(self, ProxyState.from_json(self.request("POST", "/proxies", body)))

    def populate(self, proxies: Sequence[Mapping[str, Any]]) -> list["Proxy"]:
        """Create or replace proxies in one call (``POST /populate``), keeping unchanged ones."""
        data = self.request("POST", "/populate", list(proxies))
        return [Proxy(self, ProxyState.from_json(item)) for item in data["proxies"]]

    def reset(self) -> None:
        """Enable every proxy and remove every toxic."""
        self.request("POST", "/reset")

    def delete_all(self) -> None:
        """Delete every proxy."""
        for proxy in self.proxies().values():
            proxy.delete()


class Proxy:
    """Handle on one proxy. ``state`` is the last state the API returned."""

    def __init__(self, client: FaultProxyClient, state: ProxyState) -> None:
        self.client = client
        self.state = state
        self.name = state.name
        self._path = f"/proxies/{state.name}"

    @property
    def listen_address(self) -> tuple[str, int]:
        """``(host, port)`` that clients connect to."""
        return self.state.listen_host, self.state.listen_port

    def refresh(self) -> ProxyState:
        """Fetch and store the current state."""
        self.state = ProxyState.from_json(self.client.request("GET", self._path))
        return self.state

    def update(
        self, *, listen: str | None = None, upstream: str | None = None, enabled: bool | None = None
    ) -> ProxyState:
        """Change some fields. A new listen or upstream restarts the proxy."""
        body = {"listen": listen, "upstream": upstream, "enabled": enabled}
        changes = {key: value for key, value in body.items() if value is not None}
        self.state = ProxyState.from_json(self.client.request("PATCH", self._path, changes))
        return self.state

    def enable(self) -> ProxyState:
        """Start listening again."""
        return self.update(enabled=True)

    def disable(self) -> ProxyState:
        """Close the listener and every live connection."""
        return self.update(enabled=False)

    def delete(self) -> None:
        """Delete the proxy."""
        self.client.request("DELETE", self._path)

    def toxics(self) -> list[Toxic]:
        """Return the toxics of both streams."""
        return [Toxic.from_json(t) for t in self.client.request("GET", f"{self._path}/toxics")]

    def get_toxic(self, name: str) -> Toxic:
        """Return one toxic, or raise FaultProxyError with status 404 if it does not exist."""
        return Toxic.from_json(self.client.request("GET", f"{self._path}/toxics/{name}"))

    def add_toxic(
        self,
        type: str,
        attributes: Mapping[str, int] | None = None,
        *,
        stream: str = "downstream",
        name: str | None = None,
        toxicity: float = 1.0,
    ) -> Toxic:
        """Add a toxic, which reaches live connections before the call returns."""
        body: dict[str, Any] = {
            "type": type,
            "stream": stream,
            "toxicity": toxicity,
            "attributes": dict(attributes or {}),
        }
        if name is not None:
            body["name"] = name

        return Toxic.from_json(self.client.request("POST", f"{self._path}/toxics", body))

    def update_toxic(
        self,
        name: str,
        attributes: Mapping[str, int] | None = None,
        *,
        toxicity: float | None = None,
    ) -> Toxic:
        """Merge ``attributes`` into a toxic and optionally change its toxicity."""
        body: dict[str, Any] = {"attributes": dict(attributes or {})}
        if toxicity is not None:
            body["toxicity"] = toxicity

        path = f"{self._path}/toxics/{name}"
        return Toxic.from_json(self.client.request("PATCH", path, body))

    def remove_toxic(self, name: str) -> None:
        """Remove a toxic."""
        self.client.request("DELETE", f"{self._path}/toxics/{name}")

    @contextmanager
    def toxic(
        self,
        type: str,
        attributes: Mapping[str, int] | None = None,
        *,
        stream: str = "downstream",
        name: str | None = None,
        toxicity: float = 1.0,
    ) -> Iterator[Toxic]:
        """Add a toxic for the ``with`` block and remove it afterwards, also on exceptions."""
        added = self.add_toxic(type, attributes, stream=stream, name=name, toxicity=toxicity)
        try:
            yield added
        finally:
            self._remove_if_present(added.name)

    @contextmanager
    def down(self) -> Iterator[None]:
        """Disable the proxy for the ``with`` block and enable it afterwards, also on exceptions."""
        self.disable()
        try:
            yield
        finally:
            self.enable()

    def _remove_if_present(self, name: str) -> None:
        try:
            self.remove_toxic(name)
        except FaultProxyError as error:
            # A reset or a delete inside the block already removed it.
            if error.status != 404:
                raise


def _error_message(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text or response.reason_phrase

    if isinstance(body, dict) and "error" in body:
        return str(body["error"])

    return response.text
