"""A client that disconnects cancels the server's work: proof from the service's own metrics.

Each test reads the cancellation counter and the in-flight gauge before and after the
disconnect, and requires both to move within ``METRICS_DEADLINE_S``.
"""

import json
import socket
import time
from urllib.parse import urlsplit

import httpx

from chaos.probes.service_metrics import read_metric, wait_for_value
from chaos.stack.service_handle import ServiceEndpoint

METRICS_DEADLINE_S = 2.0
CANCELLED = "serving_requests_cancelled_total"
ACTIVE = "http_server_active_requests"
TOKENS = "serving_generated_tokens_total"


def _cancelled(service: ServiceEndpoint, route: str) -> float:
    labels = {"http_route": route, "reason": "client_disconnect"}
    if service.name == "ray":
        labels["deployment"] = "Ingress"
    return read_metric(service, CANCELLED, **labels)


def _active(service: ServiceEndpoint, route: str) -> float:
    return read_metric(service, ACTIVE, http_route=route)


def _raw_request(service: ServiceEndpoint, path: str, body: dict[str, object]) -> socket.socket:
    """Send one HTTP/1.1 request on a raw socket, so the test controls when it closes."""
    address = urlsplit(service.base_url)
    payload = json.dumps(body).encode()
    connection = socket.create_connection((address.hostname, address.port), timeout=10)
    connection.sendall(
        f"POST {path} HTTP/1.1\r\nHost: {address.hostname}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n\r\n".encode()
        + payload
    )
    return connection


def test_disconnect_mid_stream_stops_generation(service: ServiceEndpoint) -> None:
    route = "/v1/generate"
    before = _cancelled(service, route)
    connection = _raw_request(
        service, route, {"prompt": "long", "max_tokens": 400, "token_delay_ms": 50}
    )
    received = b""
    while received.count(b"event: token") < 5:
        chunk = connection.recv(4096)
        assert chunk, "the stream ended before five tokens arrived"
        received += chunk
    connection.close()
    closed_at = time.monotonic()

    cancelled, cancel_s = wait_for_value(
        lambda: _cancelled(service, route),
        lambda value: value >= before + 1,
        METRICS_DEADLINE_S + 3,
    )
    active, _ = wait_for_value(
        lambda: _active(service, route), lambda value: value == 0, METRICS_DEADLINE_S
    )
    settled_s = time.monotonic() - closed_at
    tokens_then = read_metric(service, TOKENS)
    time.sleep(1.0)
    tokens_later = read_metric(service, TOKENS)

    assert cancelled == before + 1
    assert cancel_s <= METRICS_DEADLINE_S
    assert active == 0
    assert settled_s <= METRICS_DEADLINE_S + 0.5
    assert tokens_later == tokens_then, "tokens were still generated after the disconnect"
    assert tokens_then < 400


def test_disconnect_during_unary_call_cancels_it(
    service: ServiceEndpoint, admin_headers: dict[str, str]
) -> None:
    route = "/v1/embeddings"
    scope = "all" if service.name == "fastapi" else "one"
    with httpx.Client(base_url=service.base_url, timeout=10) as client:
        applied = client.post(
            "/admin/faults",
            json={"kind": "slow", "duration_s": 6, "delay_ms": 3000, "scope": scope},
            headers=admin_headers,
        )
        assert applied.status_code == 200, applied.text
    before = _cancelled(service, route)

    connection = _raw_request(service, route, {"texts": ["cancelled while slow"]})
    time.sleep(0.5)
    connection.close()

    cancelled, cancel_s = wait_for_value(
        lambda: _cancelled(service, route),
        lambda value: value >= before + 1,
        METRICS_DEADLINE_S + 3,
    )
    active, _ = wait_for_value(
        lambda: _active(service, route), lambda value: value == 0, METRICS_DEADLINE_S
    )

    with httpx.Client(base_url=service.base_url, timeout=10) as client:
        client.delete("/admin/faults", headers=admin_headers)

    assert cancelled == before + 1
    assert cancel_s <= METRICS_DEADLINE_S
    assert active == 0
