"""The shared HTTP layer: admin switch, request timeout and body limits, without a model."""

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest

from services.contract.limits import DEFAULT_LIMITS
from services.contract.schemas import TokenEvent
from services.http.app import build_app
from services.runtime.faults import InjectedFaultError
from tests.http.fakes import RecordingMetrics, SlowBackend


def _client(
    backend: SlowBackend, metrics: RecordingMetrics, **options: object
) -> httpx.AsyncClient:
    app = build_app(
        backend,
        metrics,
        limits=DEFAULT_LIMITS,
        admin_token=options.get("admin_token"),  # type: ignore[arg-type]
        request_timeout_s=float(options.get("timeout_s", 5.0)),  # type: ignore[arg-type]
    )
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://service")


def test_admin_route_is_404_without_configured_token() -> None:
    async def scenario() -> httpx.Response:
        async with _client(SlowBackend(), RecordingMetrics()) as client:
            return await client.post(
                "/admin/faults",
                json={"kind": "fail", "duration_s": 1},
                headers={"Authorization": "Bearer anything-at-all-here"},
            )

    response = asyncio.run(scenario())

    assert response.status_code == 404


def test_admin_call_is_counted_by_kind() -> None:
    metrics = RecordingMetrics()
    token = "t" * 24

    async def scenario() -> httpx.Response:
        async with _client(SlowBackend(), metrics, admin_token=token) as client:
            return await client.post(
                "/admin/faults",
                json={"kind": "slow", "duration_s": 1, "delay_ms": 5},
                headers={"Authorization": f"Bearer {token}"},
            )

    response = asyncio.run(scenario())

    assert response.status_code == 200
    assert metrics.faults["slow"] == 1


def test_scope_all_is_rejected_for_hang() -> None:
    token = "t" * 24

    async def scenario() -> httpx.Response:
        async with _client(SlowBackend(), RecordingMetrics(), admin_token=token) as client:
            return await client.post(
                "/admin/faults",
                json={"kind": "hang", "duration_s": 1, "scope": "all"},
                headers={"Authorization": f"Bearer {token}"},
            )

    response = asyncio.run(scenario())

    assert response.status_code == 422
    assert "scope 'all'" in response.json()["message"]


@pytest.mark.parametrize("timeout_s", [0.3, 0.6])
def test_slow_call_times_out_with_408(timeout_s: float) -> None:
    metrics = RecordingMetrics()

    async def scenario() -> tuple[httpx.Response, float]:
        async with _client(SlowBackend(delay_s=5.0), metrics, timeout_s=timeout_s) as client:
            loop = asyncio.get_running_loop()
            started = loop.time()
            response = await client.post("/v1/embeddings", json={"texts": ["slow"]})
            return response, loop.time() - started

    response, elapsed = asyncio.run(scenario())

    assert response.status_code == 408
    assert response.json()["error"] == "request_timeout"
    assert abs(elapsed - timeout_s) <= 0.1 * timeout_s + 0.05
    assert metrics.cancelled[("/v1/embeddings", "timeout")] == 1
    assert metrics.active["/v1/embeddings"] == 0
    assert metrics.requests[-1][2] == 408


def test_unknown_path_is_labelled_unmatched() -> None:
    metrics = RecordingMetrics()

    async def scenario() -> httpx.Response:
        async with _client(SlowBackend(), metrics) as client:
            return await client.get("/users/12345/profile")

    response = asyncio.run(scenario())

    assert response.status_code == 404
    assert metrics.requests[-1][1] == "unmatched"


def test_chunked_body_over_limit_is_413() -> None:
    metrics = RecordingMetrics()
    chunk = b"x" * 65_536

    async def body() -> object:
        for _ in range(DEFAULT_LIMITS.max_body_bytes // len(chunk) + 2):
            yield chunk

    async def scenario() -> httpx.Response:
        async with _client(SlowBackend(), metrics) as client:
            return await client.post(
                "/v1/embeddings", content=body(), headers={"content-type": "application/json"}
            )

    response = asyncio.run(scenario())

    assert response.status_code == 413
    assert response.json()["error"] == "body_too_large"


class FailingStreamBackend(SlowBackend):
    """Fails before the first token, as an injected ``fail`` fault does."""

    async def generate(
        self, prompt: str, max_tokens: int, token_delay_ms: int
    ) -> AsyncIterator[TokenEvent]:
        message = "injected fault: failing every call"
        raise InjectedFaultError(message)
        yield TokenEvent(index=0, token="never", replica_id="fake")  # pragma: no cover


def test_stream_failing_before_first_token_is_500() -> None:
    metrics = RecordingMetrics()

    async def scenario() -> httpx.Response:
        async with _client(FailingStreamBackend(), metrics) as client:
            return await client.post("/v1/generate", json={"prompt": "x", "max_tokens": 3})

    response = asyncio.run(scenario())

    assert response.status_code == 500
    assert response.json()["error"] == "injected_fault"
    assert metrics.requests[-1][2] == 500


def test_stream_cut_by_timeout_ends_with_error_event() -> None:
    metrics = RecordingMetrics()

    async def scenario() -> httpx.Response:
        async with _client(SlowBackend(delay_s=0.2), metrics, timeout_s=0.5) as client:
            return await client.post("/v1/generate", json={"prompt": "x", "max_tokens": 50})

    response = asyncio.run(scenario())

    assert response.status_code == 200
    assert "event: token" in response.text
    assert "event: error" in response.text
    assert "request_timeout" in response.text
    assert "event: done" not in response.text
    assert metrics.cancelled[("/v1/generate", "timeout")] == 1


def test_delete_with_unknown_target_is_422() -> None:
    token = "t" * 24

    async def scenario() -> httpx.Response:
        async with _client(SlowBackend(), RecordingMetrics(), admin_token=token) as client:
            return await client.delete(
                "/admin/faults",
                params={"target": "nothing"},
                headers={"Authorization": f"Bearer {token}"},
            )

    response = asyncio.run(scenario())

    assert response.status_code == 422
    assert "query.target" in [detail["field"] for detail in response.json()["details"]]


def test_head_on_probes_is_allowed() -> None:
    async def scenario() -> tuple[int, int]:
        async with _client(SlowBackend(), RecordingMetrics()) as client:
            live = await client.head("/healthz")
            ready = await client.head("/readyz")
            return live.status_code, ready.status_code

    assert asyncio.run(scenario()) == (200, 200)
