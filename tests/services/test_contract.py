"""The routes of the HTTP contract answer the same way on both services."""

import json
import math

import httpx
import pytest

from chaos.stack.service_handle import ServiceEndpoint
from services.model.classifier import LABELS
from services.model.embedder import EMBEDDING_DIMENSIONS, MODEL_NAME


def test_embeddings_are_unit_vectors(client: httpx.Client) -> None:
    response = client.post("/v1/embeddings", json={"texts": ["the cat sat", "a dog barked"]})

    assert response.status_code == 200
    body = response.json()
    assert body["model"] == MODEL_NAME
    assert body["dimensions"] == EMBEDDING_DIMENSIONS
    assert body["replica_id"]
    assert len(body["embeddings"]) == 2
    for vector in body["embeddings"]:
        assert len(vector) == EMBEDDING_DIMENSIONS
        assert math.isclose(math.sqrt(sum(value * value for value in vector)), 1.0, abs_tol=1e-3)


def test_similar_texts_embed_closer(client: httpx.Client) -> None:
    texts = ["How do I reset my password?", "I forgot my password", "The weather is sunny"]
    vectors = client.post("/v1/embeddings", json={"texts": texts}).json()["embeddings"]

    def cosine(a: list[float], b: list[float]) -> float:
        return sum(x * y for x, y in zip(a, b, strict=True))

    assert cosine(vectors[0], vectors[1]) > cosine(vectors[0], vectors[2]) + 0.2


def test_classify_returns_one_label_per_text(client: httpx.Client) -> None:
    response = client.post("/v1/classify", json={"texts": ["refund please", "great app", "crash"]})

    assert response.status_code == 200
    body = response.json()
    assert len(body["results"]) == 3
    for result in body["results"]:
        assert result["label"] in LABELS
        assert 1 / len(LABELS) <= result["score"] <= 1.0
    assert body["replica_id"]


def test_generate_streams_requested_tokens(client: httpx.Client) -> None:
    events = []
    with client.stream(
        "POST", "/v1/generate", json={"prompt": "hello", "max_tokens": 7, "token_delay_ms": 1}
    ) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        for line in response.iter_lines():
            if line.startswith("data: "):
                events.append(json.loads(line.removeprefix("data: ")))

    tokens, done = events[:-1], events[-1]
    assert [event["index"] for event in tokens] == list(range(7))
    assert all(event["token"] and event["replica_id"] for event in tokens)
    assert done == {"tokens": 7}


def test_generate_is_deterministic_per_prompt(client: httpx.Client) -> None:
    def tokens() -> list[str]:
        response = client.post("/v1/generate", json={"prompt": "same prompt", "max_tokens": 5})
        return [
            json.loads(line.removeprefix("data: "))["token"]
            for line in response.text.splitlines()
            if line.startswith("data: ") and '"token"' in line
        ]

    assert tokens() == tokens()


def test_health_probes_report_ready(client: httpx.Client) -> None:
    live = client.get("/healthz")
    ready = client.get("/readyz")

    assert live.status_code == 200
    assert live.json()["status"] == "alive"
    assert ready.status_code == 200
    assert ready.json()["ready"] is True
    assert ready.json()["model"] == MODEL_NAME


def test_request_id_is_echoed(client: httpx.Client) -> None:
    response = client.post(
        "/v1/embeddings", json={"texts": ["x"]}, headers={"X-Request-ID": "req-123.abc"}
    )

    assert response.headers["x-request-id"] == "req-123.abc"


def test_malformed_request_id_is_replaced(client: httpx.Client, service: ServiceEndpoint) -> None:
    if service.name == "ray":
        pytest.skip("the Serve proxy echoes the client's X-Request-ID as sent, spaces included")
    response = client.get("/healthz", headers={"X-Request-ID": "bad id with spaces"})

    echoed = response.headers["x-request-id"]
    assert echoed != "bad id with spaces"
    assert len(echoed) == 32


def test_metrics_route_serves_exposition(client: httpx.Client, service: ServiceEndpoint) -> None:
    response = client.get("/metrics")

    assert response.status_code == 200
    assert "# TYPE" in response.text
