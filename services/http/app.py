"""The FastAPI application that both services serve."""

import json
from collections.abc import AsyncIterator

from fastapi import FastAPI, Response
from fastapi.responses import JSONResponse, StreamingResponse

from services.contract.limits import Limits
from services.contract.schemas import (
    ClassifyRequest,
    ClassifyResponse,
    EmbedRequest,
    EmbedResponse,
    GenerateRequest,
    HealthResponse,
    TokenEvent,
)
from services.http import routes
from services.http.admin import build_admin_router
from services.http.backend import Backend
from services.http.errors import install_error_handlers
from services.http.middleware import ServingMiddleware
from services.metrics.base import ServingMetrics


def build_app(
    backend: Backend,
    metrics: ServingMetrics,
    *,
    limits: Limits,
    admin_token: str | None,
    request_timeout_s: float,
    cancel_on_disconnect: bool = True,
    echo_request_id: bool = True,
) -> FastAPI:
    """Assemble the routes, the admin router, the error handlers and the serving middleware.

    ``cancel_on_disconnect`` and ``echo_request_id`` are off under Ray Serve: its replica
    cancels the handler itself when the proxy reports a disconnect, and its proxy echoes
    ``X-Request-ID`` (as the client sent it, or one it generated) on every response.
    """
    app = FastAPI(title="Model serving reference service", version="1.0")
    install_error_handlers(app)

    @app.api_route(routes.HEALTHZ, methods=["GET", "HEAD"], response_model=HealthResponse)
    async def healthz() -> HealthResponse:
        health = backend.health()
        return health.model_copy(update={"status": "alive"})

    @app.api_route(routes.READYZ, methods=["GET", "HEAD"], response_model=HealthResponse)
    async def readyz() -> Response:
        health = backend.health()
        return JSONResponse(health.model_dump(), status_code=200 if health.ready else 503)

    @app.post(routes.EMBEDDINGS, response_model=EmbedResponse)
    async def embeddings(request: EmbedRequest) -> EmbedResponse:
        return await backend.embed(request.texts)

    @app.post(routes.CLASSIFY, response_model=ClassifyResponse)
    async def classify(request: ClassifyRequest) -> ClassifyResponse:
        return await backend.classify(request.texts)

    @app.post(routes.GENERATE)
    async def generate(request: GenerateRequest) -> StreamingResponse:
        events = backend.generate(request.prompt, request.max_tokens, request.token_delay_ms)
        # The first token is produced before the 200 goes out, so a failure before any token
        # (an injected fault, a model that is not loaded) gets its own status code instead of
        # a stream that breaks after a 200.
        first = await anext(events)
        return StreamingResponse(
            _server_sent_events(first, events),
            media_type="text/event-stream",
            headers={"cache-control": "no-store"},
        )

    @app.get(routes.METRICS)
    async def metrics_route() -> Response:
        body, content_type = await backend.metrics_exposition()
        return Response(body, media_type=content_type)

    app.include_router(build_admin_router(backend, metrics, admin_token))
    app.add_middleware(
        ServingMiddleware,
        metrics=metrics,
        timeout_s=request_timeout_s,
        max_body_bytes=limits.max_body_bytes,
        cancel_on_disconnect=cancel_on_disconnect,
        echo_request_id=echo_request_id,
    )
    return app


async def _server_sent_events(
    first: TokenEvent, rest: AsyncIterator[TokenEvent]
) -> AsyncIterator[bytes]:
    yield f"event: token\ndata: {first.model_dump_json()}\n\n".encode()
    count = 1
    async for event in rest:
        count += 1
        yield f"event: token\ndata: {event.model_dump_json()}\n\n".encode()
    yield f"event: done\ndata: {json.dumps({'tokens': count})}\n\n".encode()
