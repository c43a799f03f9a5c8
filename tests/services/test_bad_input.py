"""Bad input gets a 4xx that names the field and the limit, and the service keeps serving."""

from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from services.contract.limits import DEFAULT_LIMITS as LIMITS


@dataclass(frozen=True)
class BadRequest:
    name: str
    path: str
    status: int
    field: str
    limit: str | None = None
    method: str = "POST"
    body: Any = None
    content: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)


CASES = [
    BadRequest(
        "malformed_json",
        "/v1/embeddings",
        400,
        "",
        content=b'{"texts": ["a",',
        headers={"content-type": "application/json"},
    ),
    BadRequest("texts_not_a_list", "/v1/embeddings", 422, "texts", body={"texts": "hello"}),
    BadRequest("text_not_a_string", "/v1/embeddings", 422, "texts.0", body={"texts": [42]}),
    BadRequest(
        "empty_text_list", "/v1/embeddings", 422, "texts", "min_length=1", body={"texts": []}
    ),
    BadRequest(
        "empty_text", "/v1/embeddings", 422, "texts.0", "min_length=1", body={"texts": [""]}
    ),
    BadRequest(
        "too_many_texts",
        "/v1/classify",
        422,
        "texts",
        f"max_length={LIMITS.max_texts}",
        body={"texts": ["a"] * (LIMITS.max_texts + 1)},
    ),
    BadRequest(
        "text_too_long",
        "/v1/embeddings",
        422,
        "texts.0",
        f"max_length={LIMITS.max_text_chars}",
        body={"texts": ["x" * (LIMITS.max_text_chars + 1)]},
    ),
    BadRequest("missing_field", "/v1/classify", 422, "texts", body={}),
    BadRequest(
        "unknown_field", "/v1/embeddings", 422, "model", body={"texts": ["a"], "model": "x"}
    ),
    BadRequest(
        "body_too_large",
        "/v1/embeddings",
        413,
        "body",
        f"max_bytes={LIMITS.max_body_bytes}",
        body={"texts": ["y" * 1000] * 300},
    ),
    BadRequest(
        "zero_tokens",
        "/v1/generate",
        422,
        "max_tokens",
        "ge=1",
        body={"prompt": "hi", "max_tokens": 0},
    ),
    BadRequest(
        "negative_tokens",
        "/v1/generate",
        422,
        "max_tokens",
        "ge=1",
        body={"prompt": "hi", "max_tokens": -5},
    ),
    BadRequest(
        "huge_tokens",
        "/v1/generate",
        422,
        "max_tokens",
        f"le={LIMITS.max_generate_tokens}",
        body={"prompt": "hi", "max_tokens": 10**9},
    ),
    BadRequest(
        "tokens_as_string",
        "/v1/generate",
        422,
        "max_tokens",
        body={"prompt": "hi", "max_tokens": "5"},
    ),
    BadRequest(
        "delay_too_long",
        "/v1/generate",
        422,
        "token_delay_ms",
        f"le={LIMITS.max_token_delay_ms}",
        body={"prompt": "hi", "token_delay_ms": LIMITS.max_token_delay_ms + 1},
    ),
    BadRequest("unknown_route", "/v1/nothing-here", 404, "", body={"texts": ["a"]}),
    BadRequest("wrong_method", "/v1/embeddings", 405, "", method="GET"),
]


def _send(client: httpx.Client, case: BadRequest) -> httpx.Response:
    if case.content is not None:
        return client.request(case.method, case.path, content=case.content, headers=case.headers)
    if case.body is None:
        return client.request(case.method, case.path, headers=case.headers)
    return client.request(case.method, case.path, json=case.body, headers=case.headers)


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_bad_request_gets_clear_4xx(client: httpx.Client, case: BadRequest) -> None:
    response = _send(client, case)

    assert response.status_code == case.status, response.text
    body = response.json()
    assert body["error"]
    assert body["message"]
    if case.field:
        fields = [detail["field"] for detail in body["details"]]
        assert case.field in fields, body
    if case.limit:
        limits = [detail["limit"] for detail in body["details"]]
        assert case.limit in limits, body


def test_service_serves_after_bad_input(client: httpx.Client) -> None:
    for case in CASES:
        assert _send(client, case).status_code < 500, case.name

    response = client.post("/v1/embeddings", json={"texts": ["still serving"]})
    assert response.status_code == 200
    assert client.get("/readyz").status_code == 200
