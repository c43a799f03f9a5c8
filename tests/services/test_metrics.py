"""Each service exports the contract's metrics; the FastAPI service stays correct across worker
restarts in Prometheus multiprocess mode."""

import json
import os
import signal
import time

import httpx
import pytest

from chaos.probes.service_metrics import exported_sample_names, read_metric, wait_for_value
from chaos.stack.fastapi_service import RunningFastAPIService
from chaos.stack.service_handle import ServiceEndpoint
from tests.services.test_disconnect import _raw_request

REQUIRED_SAMPLES = (
    "http_server_request_duration_seconds_bucket",
    "http_server_request_duration_seconds_count",
    "http_server_active_requests",
    "serving_requests_cancelled_total",
    "serving_generated_tokens_total",
    "serving_batch_size_bucket",
    "serving_model_load_seconds_count",
)


def test_contract_metrics_are_exported(service: ServiceEndpoint, client: httpx.Client) -> None:
    client.post("/v1/embeddings", json={"texts": ["metrics"]})
    client.post("/v1/generate", json={"prompt": "metrics", "max_tokens": 2})
    prefix = "ray_" if service.name == "ray" else ""

    names: set[str] = set()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        names = exported_sample_names(service)
        if all(prefix + name in names for name in REQUIRED_SAMPLES):
            break
        time.sleep(0.5)

    missing = [prefix + name for name in REQUIRED_SAMPLES if prefix + name not in names]
    assert missing == []


def test_request_counter_counts_by_route_and_status(
    service: ServiceEndpoint, client: httpx.Client
) -> None:
    def count(status: str) -> float:
        return read_metric(
            service,
            "http_server_request_duration_seconds_count",
            http_route="/v1/classify",
            http_response_status_code=status,
        )

    ok_before, bad_before = count("200"), count("422")
    for _ in range(3):
        client.post("/v1/classify", json={"texts": ["counted"]})
    client.post("/v1/classify", json={"texts": []})

    ok_after, _ = wait_for_value(lambda: count("200"), lambda value: value >= ok_before + 3, 10)
    bad_after, _ = wait_for_value(lambda: count("422"), lambda value: value >= bad_before + 1, 10)

    assert ok_after == ok_before + 3
    assert bad_after == bad_before + 1


def test_killed_worker_keeps_counters_and_drops_its_gauge(
    fastapi_service: RunningFastAPIService,
) -> None:
    endpoint = fastapi_service.endpoint
    with httpx.Client(base_url=endpoint.base_url, timeout=10) as client:
        for _ in range(4):
            client.post("/v1/embeddings", json={"texts": ["before the kill"]})
    count_name = "http_server_request_duration_seconds_count"
    total_before = read_metric(endpoint, count_name, http_route="/v1/embeddings")

    connection = _raw_request(
        endpoint, "/v1/generate", {"prompt": "victim", "max_tokens": 500, "token_delay_ms": 50}
    )
    received = b""
    while b"\n\n" not in received.split(b"\r\n\r\n", 1)[-1]:
        received += connection.recv(4096)
    first_event = received.split(b"data: ", 1)[1].split(b"\n", 1)[0]
    victim_pid = int(json.loads(first_event)["replica_id"].rsplit(":", 1)[1])
    assert read_metric(endpoint, "http_server_active_requests", http_route="/v1/generate") >= 1

    os.kill(victim_pid, signal.SIGKILL)
    connection.close()

    active, gauge_s = wait_for_value(
        lambda: read_metric(endpoint, "http_server_active_requests", http_route="/v1/generate"),
        lambda value: value == 0,
        timeout_s=10,
    )
    replaced, _ = wait_for_value(
        lambda: float(len(fastapi_service.worker_pids())),
        lambda value: value == 2 and victim_pid not in fastapi_service.worker_pids(),
        timeout_s=60,
    )
    total_after = read_metric(endpoint, count_name, http_route="/v1/embeddings")

    assert active == 0
    assert gauge_s <= 5
    assert replaced == 2
    assert victim_pid not in fastapi_service.worker_pids()
    assert total_after >= total_before, "a counter went backwards after a worker was killed"


@pytest.mark.parametrize("scrapes", [5])
def test_counters_never_decrease_between_scrapes(
    service: ServiceEndpoint, client: httpx.Client, scrapes: int
) -> None:
    values = []
    for _ in range(scrapes):
        client.post("/v1/embeddings", json={"texts": ["monotonic"]})
        values.append(
            read_metric(
                service, "http_server_request_duration_seconds_count", http_route="/v1/embeddings"
            )
        )
        time.sleep(0.2)

    assert values == sorted(values)
