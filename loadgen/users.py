"""Locust users for the serving contract: steady unary calls and streaming generation.

Locust users are closed-loop: a user sends its next request only after the previous one
ended, so a stalled target also stalls the load and hides its own latency.
"""

import json
import uuid
from typing import Any

from locust import FastHttpUser, HttpUser, constant_throughput, tag, task

from loadgen import options  # noqa: F401  (registers the command-line options)

SAMPLE_TEXTS = (
    "The service returned an embedding for every sentence.",
    "Replica restarts should not drop requests.",
    "A slow network link delays the first byte.",
    "Chaos tests measure recovery, not only failure.",
)


def _texts(user: Any) -> list[str]:
    count = max(1, int(user.environment.parsed_options.texts_per_request))
    return [SAMPLE_TEXTS[i % len(SAMPLE_TEXTS)] for i in range(count)]


def _pace(user: Any) -> float:
    rate = float(user.environment.parsed_options.user_rps)
    wait: float = constant_throughput(rate)(user)
    return wait


def _request_id() -> dict[str, str]:
    return {"X-Request-ID": uuid.uuid4().hex}


class SteadyUser(FastHttpUser):
    """Embeddings and classify calls in a 3:1 mix, paced by ``--user-rps``."""

    weight = 3

    def wait_time(self) -> float:
        return _pace(self)

    @tag("embeddings")
    @task(3)
    def embeddings(self) -> None:
        self.client.post("/v1/embeddings", json={"texts": _texts(self)}, headers=_request_id())

    @tag("classify")
    @task(1)
    def classify(self) -> None:
        self.client.post("/v1/classify", json={"texts": _texts(self)}, headers=_request_id())


class StreamingUser(HttpUser):
    """Streamed generation: reads token events until ``done`` or ``--disconnect-after-tokens``.

    A stream that ends without ``done`` counts as a failure; a planned early close counts as
    a success.
    """

    weight = 1

    def wait_time(self) -> float:
        return _pace(self)

    @tag("stream")
    @task
    def generate(self) -> None:
        parsed = self.environment.parsed_options
        body = {
            "prompt": "Once upon a time",
            "max_tokens": parsed.max_tokens,
            "token_delay_ms": parsed.token_delay_ms,
        }
        limit = int(parsed.disconnect_after_tokens)

        with self.client.post(
            "/v1/generate",
            json=body,
            headers=_request_id(),
            stream=True,
            catch_response=True,
        ) as response:
            if response.status_code != 200:
                response.failure(f"status {response.status_code}")
                return

            tokens, done = _read_tokens(response, limit)
            if done or (limit and tokens >= limit):
                response.success()
            else:
                response.failure(f"stream ended after {tokens} tokens without a done event")


def _read_tokens(response: Any, limit: int) -> tuple[int, bool]:
    """Count token events of an SSE response; stop after ``limit`` tokens when it is positive."""
    tokens = 0
    event = ""

    for raw in response.iter_lines():
        line = raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else raw
        if line.startswith("event:"):
            event = line.partition(":")[2].strip()
        elif line.startswith("data:") and event == "done":
            return tokens, True
        elif line.startswith("data:") and event == "token":
            json.loads(line.partition(":")[2])
            tokens += 1
            if limit and tokens >= limit:
                response.close()
                return tokens, False

    return tokens, False
