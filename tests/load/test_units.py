"""Pure parts of the load driver: target check, config, mixes, SSE parsing, error kinds."""

import errno
from collections import Counter

import httpx
import pytest

from chaos.ledger import ErrorKind
from chaos.load import (
    LoadConfig,
    RequestKind,
    RequestMix,
    RequestTemplate,
    SseParser,
    check_local_target,
    classify_exception,
    single,
)

EMBED = RequestTemplate(RequestKind.EMBEDDINGS)


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8000", "http://127.3.0.9", "http://10.200.1.2:80", "http://localhost"]
)
def test_local_targets_accepted(url: str) -> None:
    check_local_target(url)


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://example.com", "not an IP address"),
        ("http://8.8.8.8", "neither loopback nor a private"),
        ("ftp://127.0.0.1", "not an http"),
        ("127.0.0.1:8000", "not an http"),
    ],
)
def test_remote_targets_rejected(url: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        check_local_target(url)


def test_planned_requests_capped() -> None:
    config = LoadConfig("http://127.0.0.1:1", rate_rps=20, duration_s=6, mix=single(EMBED))
    capped = LoadConfig(
        "http://127.0.0.1:1", rate_rps=20, duration_s=6, mix=single(EMBED), max_requests=50
    )

    assert config.planned_requests == 120
    assert capped.planned_requests == 50


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("rate_rps", 0.0, "rate_rps 0.0"),
        ("duration_s", -1.0, "duration_s -1.0"),
        ("max_outstanding", 0, "max_outstanding 0"),
        ("timeout_s", 0.0, "timeout_s 0.0"),
    ],
)
def test_config_rejects_bad_values(field: str, value: float, reason: str) -> None:
    settings: dict[str, object] = {"rate_rps": 10.0, "duration_s": 1.0}
    settings[field] = value

    with pytest.raises(ValueError, match=reason):
        LoadConfig("http://127.0.0.1:1", mix=single(EMBED), **settings)  # type: ignore[arg-type]


def test_mix_follows_weights() -> None:
    mix = RequestMix(
        (EMBED, RequestTemplate(RequestKind.CLASSIFY, weight=3.0)),
        seed=7,
    )

    counts = Counter(mix.choose().kind for _ in range(4000))

    assert 850 <= counts[RequestKind.EMBEDDINGS] <= 1150
    assert 2850 <= counts[RequestKind.CLASSIFY] <= 3150


def test_template_rejects_token_disconnect_on_unary() -> None:
    with pytest.raises(ValueError, match="only generate"):
        RequestTemplate(RequestKind.CLASSIFY, disconnect_after_tokens=2)


def test_template_bodies() -> None:
    generate = RequestTemplate(RequestKind.GENERATE, prompt="hi", max_tokens=4, token_delay_ms=9)

    assert generate.route == "/v1/generate"
    assert generate.body() == {"prompt": "hi", "max_tokens": 4, "token_delay_ms": 9}
    assert EMBED.body() == {"texts": list(EMBED.texts)}


def test_sse_parser_split_chunks() -> None:
    parser = SseParser()
    stream = b'event: token\r\ndata: {"index": 0}\r\n\r\n: keep-alive\n\nevent: done\ndata: {}\n\n'

    events = [event for i in range(len(stream)) for event in parser.feed(stream[i : i + 1])]

    assert [e.event for e in events] == ["token", "done"]
    assert events[0].data == '{"index": 0}'


def test_sse_parser_split_utf8() -> None:
    parser = SseParser()
    stream = "data: café\n\n".encode()

    events = [event for i in range(len(stream)) for event in parser.feed(stream[i : i + 1])]

    assert [e.data for e in events] == ["café"]


def test_sse_parser_default_event_type() -> None:
    events = SseParser().feed(b"data: a\ndata: b\n\n")

    assert len(events) == 1
    assert events[0].event == "message"
    assert events[0].data == "a\nb"


def test_classify_exceptions() -> None:
    request = httpx.Request("POST", "http://127.0.0.1:1/v1/embeddings")
    refused = httpx.ConnectError("[Errno 111] Connection refused", request=request)
    reset = httpx.ReadError("read failed", request=request)
    reset.__cause__ = ConnectionResetError(errno.ECONNRESET, "Connection reset by peer")

    assert classify_exception(refused) == ErrorKind.CONNECT_REFUSED
    assert classify_exception(reset) == ErrorKind.RESET
    assert classify_exception(httpx.ReadTimeout("t", request=request)) == ErrorKind.READ_TIMEOUT
    assert classify_exception(httpx.ConnectTimeout("t")) == ErrorKind.CONNECT_TIMEOUT
    assert classify_exception(httpx.RemoteProtocolError("x")) == ErrorKind.REMOTE_PROTOCOL
    assert classify_exception(httpx.ReadError("eof")) == ErrorKind.READ_ERROR
    assert classify_exception(RuntimeError("other")) == ErrorKind.OTHER
