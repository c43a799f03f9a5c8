"""Network faults between clients and a service: one toxic on its fault proxy, or the proxy down.

Both are context managers that remove what they added on every exit path, through the fault
proxy client's own context managers.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from chaos.faultproxy.client import FaultProxyClient

#: Pseudo toxic type that disables the proxy (``enabled: false``) instead of adding a toxic.
DOWN = "down"

#: The service's own view of each fault, recorded next to the verdict.
SERVER_VIEW = {
    "latency": "nothing: the delay is added after the response left the server",
    "bandwidth": "a slow reader, only as TCP backpressure once the proxy's buffers are full",
    "reset_peer": (
        "its upstream connection reset by the proxy (RST), which it cannot tell apart from a "
        "client that left"
    ),
    "limit_data": "its upstream connection closed (FIN) mid-stream, like a client that left",
    "timeout": (
        "nothing while responses are dropped; the client's close arrives only when the client "
        "gives up and the proxy forwards it"
    ),
    "down": "no requests at all: clients get connection refused from the proxy",
}


@contextmanager
def network_fault(
    api_url: str,
    proxy: str,
    toxic: str,
    attributes: dict[str, int],
    stream: str = "downstream",
) -> Iterator[dict[str, Any]]:
    """Add ``toxic`` (or take the proxy down for ``DOWN``) for the ``with`` block.

    Yields a description of the fault for the journal.
    """
    with FaultProxyClient(api_url) as client:
        handle = client.get_proxy(proxy)
        if toxic == DOWN:
            # Not ``handle.down()``: a disable that fails half-way must still be undone.
            try:
                handle.disable()
                yield {"proxy": proxy, "toxic": DOWN, "enabled": False}
            finally:
                handle.enable()
            return

        name = f"chaos_{toxic}_{stream}"
        with handle.toxic(toxic, attributes, stream=stream, name=name) as added:
            yield {
                "proxy": proxy,
                "toxic": added.type,
                "name": added.name,
                "stream": added.stream,
                "toxicity": added.toxicity,
                "attributes": added.attributes,
            }
