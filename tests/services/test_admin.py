"""The admin fault route checks its token and its faults act on calls for a bounded time."""

import time

import httpx

from chaos.stack.service_handle import ServiceEndpoint

FAULTS = "/admin/faults"


def _fault_scope(service: ServiceEndpoint) -> str:
    # Gunicorn spreads requests over several workers; scope "all" reaches every one of them.
    # The Ray Serve ingress of the test stack runs one replica, so "one" reaches it.
    return "all" if service.name == "fastapi" else "one"


def test_admin_without_token_is_401(client: httpx.Client) -> None:
    response = client.post(FAULTS, json={"kind": "slow", "duration_s": 1, "delay_ms": 10})

    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


def test_admin_with_wrong_token_is_403(client: httpx.Client) -> None:
    response = client.post(
        FAULTS,
        json={"kind": "slow", "duration_s": 1, "delay_ms": 10},
        headers={"Authorization": "Bearer not-the-token-at-all"},
    )

    assert response.status_code == 403


def test_admin_rejects_invalid_fault(client: httpx.Client, admin_headers: dict[str, str]) -> None:
    response = client.post(FAULTS, json={"kind": "melt", "duration_s": 1}, headers=admin_headers)

    assert response.status_code == 422
    assert "kind" in [detail["field"] for detail in response.json()["details"]]


def test_slow_fault_delays_calls_until_it_expires(
    client: httpx.Client, admin_headers: dict[str, str], service: ServiceEndpoint
) -> None:
    body = {"kind": "slow", "duration_s": 3, "delay_ms": 400, "scope": _fault_scope(service)}
    applied = client.post(FAULTS, json=body, headers=admin_headers)
    assert applied.status_code == 200, applied.text
    assert applied.json()["kind"] == "slow"

    started = time.monotonic()
    slowed = client.post("/v1/embeddings", json={"texts": ["slow"]})
    slowed_s = time.monotonic() - started

    time.sleep(max(0.0, applied.json()["expires_at_unix_s"] - time.time()) + 0.5)
    started = time.monotonic()
    normal = client.post("/v1/embeddings", json={"texts": ["fast again"]})
    normal_s = time.monotonic() - started

    assert slowed.status_code == 200
    assert slowed_s >= 0.4
    assert normal.status_code == 200
    assert normal_s < 0.4


def test_fail_fault_answers_500_then_clears(
    client: httpx.Client, admin_headers: dict[str, str], service: ServiceEndpoint
) -> None:
    body = {"kind": "fail", "duration_s": 30, "scope": _fault_scope(service)}
    assert client.post(FAULTS, json=body, headers=admin_headers).status_code == 200

    failed = client.post("/v1/embeddings", json={"texts": ["fails"]})
    cleared = client.delete(FAULTS, headers=admin_headers)
    time.sleep(0.5)
    recovered = client.post("/v1/embeddings", json={"texts": ["works"]})

    assert failed.status_code == 500
    assert failed.json()["error"] == "injected_fault"
    assert cleared.status_code == 204
    assert recovered.status_code == 200
