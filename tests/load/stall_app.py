"""A small contract-shaped Starlette app on Uvicorn for the load-driver and Locust tests.

Every unary request stalls for ``stall_s`` seconds while the monotonic clock is inside the
stall window that a test sets, so a test can freeze the target at a known time.
"""

import asyncio
import json
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

REPLICA_ID = "stall-app-1"


@dataclass
class AppState:
    """What a test controls (the stall window) and what the app observed."""

    stall_start_s: float = float("inf")
    stall_end_s: float = float("inf")
    stall_s: float = 2.0
    client_ports: list[int] = field(default_factory=list)
    streams_completed: int = 0
    streams_abandoned: int = 0

    def stall_between(self, start_s: float, end_s: float) -> None:
        """Stall every unary request that arrives in ``[start_s, end_s)`` monotonic seconds."""
        self.stall_start_s = start_s
        self.stall_end_s = end_s


def build_app(state: AppState) -> Starlette:
    """Return the app, reading and writing ``state``."""

    async def unary(request: Request) -> Response:
        if request.client is not None:
            state.client_ports.append(request.client.port)

        await request.body()
        if state.stall_start_s <= time.monotonic() < state.stall_end_s:
            await asyncio.sleep(state.stall_s)

        return JSONResponse({"replica_id": REPLICA_ID, "embeddings": [[0.0, 1.0]]})

    async def generate(request: Request) -> Response:
        body = json.loads(await request.body())
        max_tokens = int(body.get("max_tokens", 16))
        delay_s = int(body.get("token_delay_ms", 0)) / 1000

        async def events() -> AsyncIterator[bytes]:
            completed = False
            try:
                for index in range(max_tokens):
                    data = {"index": index, "token": f"t{index}", "replica_id": REPLICA_ID}
                    yield f"event: token\ndata: {json.dumps(data)}\n\n".encode()
                    await asyncio.sleep(delay_s)
                yield f"event: done\ndata: {json.dumps({'tokens': max_tokens})}\n\n".encode()
                completed = True
            finally:
                if completed:
                    state.streams_completed += 1
                else:
                    state.streams_abandoned += 1

        return StreamingResponse(events(), media_type="text/event-stream")

    return Starlette(
        routes=[
            Route("/v1/embeddings", unary, methods=["POST"]),
            Route("/v1/classify", unary, methods=["POST"]),
            Route("/v1/generate", generate, methods=["POST"]),
        ]
    )


@contextmanager
def serve(state: AppState) -> Iterator[str]:
    """Serve the app on an ephemeral 127.0.0.1 port in a thread; yield its base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        build_app(state),
        lifespan="off",
        ws="none",
        log_level="warning",
        timeout_keep_alive=5,
        timeout_graceful_shutdown=1,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()

    deadline = time.monotonic() + 10.0
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            msg = "the test app did not start on 127.0.0.1 within 10 s"
            raise RuntimeError(msg)
        time.sleep(0.02)

    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10.0)
        sock.close()
