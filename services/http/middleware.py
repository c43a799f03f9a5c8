"""ASGI middleware that owns the life of every HTTP request.

It does five things that have to happen in one place, because each depends on how the request
ended:

* accepts or generates the request id, echoes it in ``X-Request-ID`` and binds it to logs;
* rejects bodies over the size limit with 413 before the route parses them;
* watches the connection for ``http.disconnect`` and cancels the handler when the client leaves
  before the response is complete (Uvicorn does not cancel handlers by itself);
* cancels the handler after the request timeout and returns 408 if no byte was sent yet;
* records the duration histogram, the in-flight gauge, the cancellation counter and one log
  event per request.

It never reads the body on the route's behalf: messages from the server's ``receive`` are
forwarded unchanged through a queue, so the route still sees ``http.disconnect`` itself.

Under Ray Serve the replica cancels the handler task when the proxy reports a disconnect or a
timeout. The middleware then sees ``CancelledError`` from outside and counts it: a cancellation
later than ``timeout_s`` counts as ``timeout``, an earlier one as ``client_disconnect``.
"""

import asyncio
import contextlib
import json
import time
from typing import Any

import structlog
from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.http.routes import route_label
from services.metrics.base import ServingMetrics
from services.runtime.request_id import REQUEST_ID_HEADER, resolve_request_id

logger = structlog.get_logger("services.http")

#: Status recorded for a request the client abandoned; the nginx convention that Ray also uses.
CLIENT_CLOSED_REQUEST = 499
REQUEST_TIMEOUT = 408


class _Exchange:
    """State of one request and its response, as the middleware observed them."""

    def __init__(self) -> None:
        self.status = 500
        self.response_started = False
        self.response_complete = False
        self.response_bytes = 0
        self.request_bytes = 0
        self.event_stream = False
        self.body_too_large = asyncio.Event()
        self.cancelled: str | None = None
        self.disconnected = asyncio.Event()


class ServingMiddleware:
    """Request ids, body limit, disconnect and timeout cancellation, metrics and access logs."""

    def __init__(
        self,
        app: ASGIApp,
        metrics: ServingMetrics,
        timeout_s: float,
        max_body_bytes: int,
        cancel_on_disconnect: bool = True,
        echo_request_id: bool = True,
    ) -> None:
        self.app = app
        self.metrics = metrics
        self.timeout_s = timeout_s
        self.max_body_bytes = max_body_bytes
        self.cancel_on_disconnect = cancel_on_disconnect
        self.echo_request_id = echo_request_id

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        started = time.perf_counter()
        headers = {key.decode("latin-1").lower(): value for key, value in scope.get("headers", [])}
        raw_id = headers.get(REQUEST_ID_HEADER)
        request_id = resolve_request_id(raw_id.decode("latin-1") if raw_id else None)
        if raw_id and not self.echo_request_id:
            # Behind the Serve proxy the header is the proxy's own request id; keep it as is so
            # the access log lines up with what the proxy echoed to the client.
            request_id = raw_id.decode("latin-1")
        scope.setdefault("state", {})["request_id"] = request_id
        method = scope["method"]
        route = route_label(scope["path"])
        exchange = _Exchange()

        declared = headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_body_bytes:
            await self._reject_too_large(send, request_id, int(declared))
            exchange.status = 413
            self._finish(method, route, 413, started, request_id, None, exchange)
            return

        self.metrics.add_active(method, route, 1)
        try:
            await self._run(scope, receive, send, request_id, exchange)
        finally:
            self.metrics.add_active(method, route, -1)
            status = exchange.status
            if exchange.cancelled is not None:
                self.metrics.count_cancelled(route, exchange.cancelled)
                status = {"timeout": REQUEST_TIMEOUT}.get(exchange.cancelled, CLIENT_CLOSED_REQUEST)
            self._finish(method, route, status, started, request_id, exchange.cancelled, exchange)

    async def _run(
        self, scope: Scope, receive: Receive, send: Send, request_id: str, exchange: _Exchange
    ) -> None:
        """Run the route and set ``exchange.cancelled`` when the handler had to be cancelled."""
        inbox: asyncio.Queue[Message] = asyncio.Queue()
        echo_header = (REQUEST_ID_HEADER.encode(), request_id.encode())

        async def pump() -> None:
            while True:
                message = await receive()
                if message["type"] == "http.request":
                    exchange.request_bytes += len(message.get("body", b""))
                    if exchange.request_bytes > self.max_body_bytes:
                        exchange.body_too_large.set()
                        return
                await inbox.put(message)
                if message["type"] == "http.disconnect":
                    exchange.disconnected.set()
                    return

        async def limited_receive() -> Message:
            return await inbox.get()

        async def tracked_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                exchange.status = message["status"]
                exchange.response_started = True
                exchange.event_stream = any(
                    key.lower() == b"content-type" and value.startswith(b"text/event-stream")
                    for key, value in message.get("headers", [])
                )
                if self.echo_request_id:
                    headers = [*message.get("headers", []), echo_header]
                    message = {**message, "headers": headers}
            elif message["type"] == "http.response.body":
                exchange.response_bytes += len(message.get("body", b""))
                if not message.get("more_body", False):
                    exchange.response_complete = True
            await send(message)

        pump_task = asyncio.create_task(pump())
        handler: asyncio.Task[None] = asyncio.create_task(
            _call(self.app, scope, limited_receive, tracked_send)
        )
        disconnect_wait = asyncio.create_task(exchange.disconnected.wait())
        oversized_wait = asyncio.create_task(exchange.body_too_large.wait())
        started = time.perf_counter()
        try:
            watched = {handler, oversized_wait}
            if self.cancel_on_disconnect:
                watched.add(disconnect_wait)
            done, _ = await asyncio.wait(
                watched, timeout=self.timeout_s, return_when=asyncio.FIRST_COMPLETED
            )
            if oversized_wait in done and not exchange.response_started:
                await _cancel(handler)
                await self._reject_too_large(send, request_id, exchange.request_bytes)
                exchange.status = 413
            elif handler in done:
                if not exchange.response_complete:
                    await _wait_briefly(exchange.disconnected)
                self._check_handler_result(handler, exchange)
            elif disconnect_wait in done and not exchange.response_complete:
                await _cancel(handler)
                exchange.cancelled = "client_disconnect"
            elif not done:
                await _cancel(handler)
                exchange.cancelled = "timeout"
                if not exchange.response_started:
                    await _send_timeout(send, self.timeout_s, request_id, self.echo_request_id)
                elif not exchange.response_complete:
                    await _end_cut_response(send, exchange, self.timeout_s, request_id)
            else:
                await handler
        except asyncio.CancelledError:
            # Ray Serve cancels the replica's task on disconnect or timeout.
            await _cancel(handler)
            elapsed = time.perf_counter() - started
            timed_out = elapsed >= self.timeout_s * 0.95
            exchange.cancelled = "timeout" if timed_out else "client_disconnect"
            raise
        finally:
            pump_task.cancel()
            disconnect_wait.cancel()
            oversized_wait.cancel()

    @staticmethod
    def _check_handler_result(handler: "asyncio.Task[None]", exchange: _Exchange) -> None:
        """Re-raise the handler's error unless it failed because the client went away.

        A streaming response that writes to a closed connection ends early, either with
        ``ClientDisconnect`` (or the server's ``OSError``) or silently, sometimes before the pump
        has seen ``http.disconnect``; that is the same cancellation as one the pump noticed
        first.
        """
        error = handler.exception()
        gone = exchange.disconnected.is_set() and not exchange.response_complete
        if gone or isinstance(error, ClientDisconnect | OSError):
            exchange.cancelled = "client_disconnect"
            return
        if error is not None:
            raise error

    async def _reject_too_large(self, send: Send, request_id: str, size: int) -> None:
        body = json.dumps(
            {
                "error": "body_too_large",
                "message": (
                    f"the request body is at least {size} bytes; the limit is "
                    f"{self.max_body_bytes} bytes: send fewer or shorter texts per request"
                ),
                "request_id": request_id,
                "details": [
                    {
                        "field": "body",
                        "message": "too large",
                        "limit": f"max_bytes={self.max_body_bytes}",
                    }
                ],
            }
        ).encode()
        await _send_json(send, 413, body, request_id if self.echo_request_id else None)

    def _finish(
        self,
        method: str,
        route: str,
        status: int,
        started: float,
        request_id: str,
        cancelled: str | None,
        exchange: _Exchange,
    ) -> None:
        duration = time.perf_counter() - started
        self.metrics.observe_request(method, route, status, duration)
        logger.info(
            "request",
            request_id=request_id,
            method=method,
            route=route,
            status=status,
            duration_s=round(duration, 6),
            request_bytes=exchange.request_bytes,
            response_bytes=exchange.response_bytes,
            cancelled=cancelled,
        )


async def _cancel(task: "asyncio.Task[Any]") -> None:
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        pass
    except Exception as error:  # the handler failed while being cancelled
        logger.warning("handler_failed_during_cancel", error=repr(error))


async def _call(app: ASGIApp, scope: Scope, receive: Receive, send: Send) -> None:
    await app(scope, receive, send)


async def _end_cut_response(
    send: Send, exchange: _Exchange, timeout_s: float, request_id: str
) -> None:
    """End a response the timeout cut after it started; a stream gets an ``error`` event first.

    The status line already went out as 200, so the event is the only way a streaming client
    learns that the stream did not finish.
    """
    body = b""
    if exchange.event_stream:
        data = json.dumps(
            {
                "error": "request_timeout",
                "message": f"the stream was cut at the {timeout_s} s request timeout",
                "request_id": request_id,
            }
        )
        body = f"event: error\ndata: {data}\n\n".encode()
    await send({"type": "http.response.body", "body": body, "more_body": False})


async def _wait_briefly(event: asyncio.Event, timeout_s: float = 0.1) -> None:
    """Give the receive pump a moment to report a disconnect that raced the handler's end."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(event.wait(), timeout_s)


async def _send_timeout(send: Send, timeout_s: float, request_id: str, echo: bool) -> None:
    body = json.dumps(
        {
            "error": "request_timeout",
            "message": f"the request did not finish within the {timeout_s} s request timeout",
            "request_id": request_id,
            "details": [],
        }
    ).encode()
    await _send_json(send, REQUEST_TIMEOUT, body, request_id if echo else None)


async def _send_json(send: Send, status: int, body: bytes, request_id: str | None) -> None:
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
    ]
    if request_id is not None:
        headers.append((REQUEST_ID_HEADER.encode(), request_id.encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})
