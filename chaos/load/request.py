"""Send one contract request and record its timings and outcome in a ledger entry."""

import asyncio
import json
import time
from typing import Any

import httpx

from chaos.ledger import ErrorKind, LedgerEntry
from chaos.load.errors import classify_exception
from chaos.load.mix import RequestKind, RequestTemplate
from chaos.load.sse import SseParser

#: Bytes of a non-2xx body that are read before the connection is closed.
MAX_ERROR_BODY_BYTES = 65_536


class _Progress:
    """How far the request got, from httpcore trace events, to name a deadline expiry."""

    def __init__(self) -> None:
        self.connected = False

    async def trace(self, name: str, info: dict[str, Any]) -> None:
        if name == "connection.connect_tcp.complete" or name.startswith(("http11.", "http2.")):
            self.connected = True


async def send_request(
    client: httpx.AsyncClient,
    template: RequestTemplate,
    entry: LedgerEntry,
    timeout_s: float,
    close_connection: bool,
) -> None:
    """Send ``template`` with ``client`` and fill in ``entry``; every path sets an outcome.

    ``timeout_s`` bounds the whole request from its send time, streams included. On expiry the
    kind is ``connect_timeout`` if no TCP connection was made, else ``read_timeout``. The
    template's ``disconnect_after_s``, when shorter, ends the request as ``client_disconnected``
    instead. Task cancellation is recorded as ``client_cancelled`` and re-raised.
    """
    headers = {"X-Request-ID": entry.request_id}
    if close_connection:
        headers["Connection"] = "close"

    progress = _Progress()
    planned_s = template.disconnect_after_s
    limit_s = timeout_s if planned_s is None else min(timeout_s, planned_s)
    entry.sent_s = time.monotonic()

    try:
        async with asyncio.timeout(limit_s):
            await _exchange(client, template, entry, headers, progress)
    except TimeoutError:
        if planned_s is not None and planned_s <= timeout_s:
            entry.error_kind = ErrorKind.CLIENT_DISCONNECTED
        elif progress.connected:
            entry.error_kind = ErrorKind.READ_TIMEOUT
        else:
            entry.error_kind = ErrorKind.CONNECT_TIMEOUT
    except asyncio.CancelledError:
        entry.error_kind = ErrorKind.CLIENT_CANCELLED
        raise
    except (httpx.HTTPError, OSError) as error:
        entry.error_kind = classify_exception(error)
    finally:
        entry.end_s = time.monotonic()


async def _exchange(
    client: httpx.AsyncClient,
    template: RequestTemplate,
    entry: LedgerEntry,
    headers: dict[str, str],
    progress: _Progress,
) -> None:
    request = client.build_request(
        "POST",
        template.route,
        json=template.body(),
        headers=headers,
        extensions={"trace": progress.trace},
    )
    response = await client.send(request, stream=True)

    try:
        entry.first_byte_s = time.monotonic()
        entry.status = response.status_code
        if not response.is_success:
            await _read_error_body(response, entry)
        elif template.kind == RequestKind.GENERATE:
            await _read_stream(response, entry, template)
        else:
            await _read_json_body(response, entry)
    finally:
        await response.aclose()


async def _read_error_body(response: httpx.Response, entry: LedgerEntry) -> None:
    async for chunk in response.aiter_raw():
        entry.bytes_received += len(chunk)
        if entry.bytes_received >= MAX_ERROR_BODY_BYTES:
            return


async def _read_json_body(response: httpx.Response, entry: LedgerEntry) -> None:
    chunks = []
    async for chunk in response.aiter_raw():
        entry.bytes_received += len(chunk)
        chunks.append(chunk)

    try:
        body = json.loads(b"".join(chunks))
    except ValueError:
        entry.error_kind = ErrorKind.INVALID_RESPONSE
        return

    replica = body.get("replica_id") if isinstance(body, dict) else None
    if isinstance(replica, str):
        entry.replica_id = replica


async def _read_stream(
    response: httpx.Response, entry: LedgerEntry, template: RequestTemplate
) -> None:
    parser = SseParser()

    async for chunk in response.aiter_raw():
        entry.bytes_received += len(chunk)
        for event in parser.feed(chunk):
            if event.event == "done":
                return

            if event.event != "token":
                continue

            entry.tokens_received += 1
            _take_replica(entry, event.data)
            limit = template.disconnect_after_tokens
            if limit is not None and entry.tokens_received >= limit:
                entry.error_kind = ErrorKind.CLIENT_DISCONNECTED
                return

    entry.error_kind = ErrorKind.STREAM_INCOMPLETE


def _take_replica(entry: LedgerEntry, data: str) -> None:
    if entry.replica_id is not None:
        return

    try:
        payload = json.loads(data)
    except ValueError:
        return

    replica = payload.get("replica_id") if isinstance(payload, dict) else None
    if isinstance(replica, str):
        entry.replica_id = replica
