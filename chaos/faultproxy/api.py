"""The Toxiproxy 2.x HTTP API on Starlette.

Status codes follow the real server: 201 for a created proxy and for populate, 200 (not 201)
for a created toxic, 204 for deletes and reset. Errors are ``{"error": ..., "status": N}``.
"""

import asyncio
import json
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import structlog
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from chaos.faultproxy.collection import PopulateError, ProxyCollection
from chaos.faultproxy.errors import ApiError
from chaos.faultproxy.models import (
    ProxyConfig,
    ProxyPatch,
    ToxicCreate,
    ToxicPatch,
    new_toxic,
    parse_body,
)

log = structlog.get_logger(__name__)

VERSION = "2.12.0-compatible"
REQUEST_ID_HEADER = "X-Toxiproxy-Request-Id"
# The real server cancels a handler after 25 s and returns 503 with an empty body.
HANDLER_TIMEOUT_S = 25.0

Handler = Callable[[Request], Awaitable[Response]]


def error_response(status: int, message: str, **extra: Any) -> JSONResponse:
    """Return the Toxiproxy error body for ``status``."""
    return JSONResponse({"error": message, "status": status, **extra}, status_code=status)


async def read_json(request: Request) -> object:
    """Decode the request body as JSON or raise a 400 ApiError."""
    body = await request.body()
    try:
        return json.loads(body)
    except ValueError as error:
        raise ApiError(400, f"bad request body: invalid JSON ({error})") from None


def require_name(config: ProxyConfig) -> ProxyConfig:
    """Reject an empty proxy name the way the real server rejects a missing one."""
    if not config.name:
        raise ApiError(400, "missing required field: name")

    if not config.upstream:
        raise ApiError(400, "missing required field: upstream")

    return config


def build_app(collection: ProxyCollection) -> ASGIApp:
    """Return the API application for ``collection``, wrapped in the request-id middleware."""

    async def version(_: Request) -> Response:
        return Response(json.dumps({"version": VERSION}) + "\n", media_type="application/json")

    async def list_proxies(_: Request) -> Response:
        return JSONResponse({name: p.to_json() for name, p in collection.proxies.items()})

    async def create_proxy(request: Request) -> Response:
        config = require_name(parse_body(ProxyConfig, await read_json(request)))
        proxy = await collection.create(config)
        return JSONResponse(proxy.to_json(), status_code=201)

    async def populate(request: Request) -> Response:
        payload = await read_json(request)
        if not isinstance(payload, list):
            raise ApiError(400, "bad request body: expected a JSON array of proxies")

        try:
            configs = [require_name(parse_body(ProxyConfig, item)) for item in payload]
        except ApiError as error:
            return error_response(error.status, error.message, proxies=[])

        try:
            proxies = await collection.populate(configs)
        except PopulateError as error:
            created = [proxy.to_json() for proxy in error.created]
            return error_response(error.status, error.message, proxies=created)

        return JSONResponse({"proxies": [p.to_json() for p in proxies]}, status_code=201)

    async def get_proxy(request: Request) -> Response:
        return JSONResponse(collection.get(request.path_params["proxy"]).to_json())

    async def update_proxy(request: Request) -> Response:
        patch = parse_body(ProxyPatch, await read_json(request))
        proxy = await collection.update(request.path_params["proxy"], patch)
        return JSONResponse(proxy.to_json())

    async def delete_proxy(request: Request) -> Response:
        await collection.delete(request.path_params["proxy"])
        return Response(status_code=204)

    async def list_toxics(request: Request) -> Response:
        return JSONResponse(collection.get(request.path_params["proxy"]).toxics_json())

    async def create_toxic(request: Request) -> Response:
        proxy = collection.get(request.path_params["proxy"])
        spec = new_toxic(parse_body(ToxicCreate, await read_json(request)))
        async with proxy.lock:
            await proxy.add_toxic(spec)
        return JSONResponse(spec.to_json())

    async def get_toxic(request: Request) -> Response:
        proxy = collection.get(request.path_params["proxy"])
        return JSONResponse(proxy.find_toxic(request.path_params["toxic"]).to_json())

    async def update_toxic(request: Request) -> Response:
        proxy = collection.get(request.path_params["proxy"])
        patch = parse_body(ToxicPatch, await read_json(request))
        async with proxy.lock:
            spec = await proxy.update_toxic(request.path_params["toxic"], patch)
        return JSONResponse(spec.to_json())

    async def delete_toxic(request: Request) -> Response:
        proxy = collection.get(request.path_params["proxy"])
        async with proxy.lock:
            await proxy.remove_toxic(request.path_params["toxic"])
        return Response(status_code=204)

    async def reset(_: Request) -> Response:
        await collection.reset()
        return Response(status_code=204)

    routes = [
        Route("/version", guarded(version), methods=["GET"]),
        Route("/reset", guarded(reset), methods=["POST"]),
        Route("/populate", guarded(populate), methods=["POST"]),
        Route("/proxies", guarded(list_proxies), methods=["GET"]),
        Route("/proxies", guarded(create_proxy), methods=["POST"]),
        Route("/proxies/{proxy}", guarded(get_proxy), methods=["GET"]),
        # POST for updates is deprecated in Toxiproxy 2.6.0 but still accepted there.
        Route("/proxies/{proxy}", guarded(update_proxy), methods=["PATCH", "POST"]),
        Route("/proxies/{proxy}", guarded(delete_proxy), methods=["DELETE"]),
        Route("/proxies/{proxy}/toxics", guarded(list_toxics), methods=["GET"]),
        Route("/proxies/{proxy}/toxics", guarded(create_toxic), methods=["POST"]),
        Route("/proxies/{proxy}/toxics/{toxic}", guarded(get_toxic), methods=["GET"]),
        Route("/proxies/{proxy}/toxics/{toxic}", guarded(update_toxic), methods=["PATCH", "POST"]),
        Route("/proxies/{proxy}/toxics/{toxic}", guarded(delete_toxic), methods=["DELETE"]),
    ]
    app = Starlette(routes=routes, exception_handlers={404: not_found, 405: not_allowed})
    return RequestIdMiddleware(app)


def guarded(handler: Handler) -> Handler:
    """Wrap a handler: ApiError becomes an error body, and the 25 s limit becomes a 503."""

    async def run(request: Request) -> Response:
        try:
            async with asyncio.timeout(HANDLER_TIMEOUT_S):
                return await handler(request)
        except ApiError as error:
            log.info("api_error", path=request.url.path, status=error.status, error=error.message)
            return error_response(error.status, error.message)
        except TimeoutError:
            log.error("api_handler_timed_out", path=request.url.path, limit_s=HANDLER_TIMEOUT_S)
            return Response(status_code=503)

    return run


async def not_found(request: Request, _: Exception) -> Response:
    """Return the JSON 404 for an unknown path."""
    return error_response(404, f"not found: {request.method} {request.url.path}")


async def not_allowed(request: Request, _: Exception) -> Response:
    """Return the JSON 405 for a known path with a method it does not accept."""
    return error_response(405, f"method {request.method} not allowed on {request.url.path}")


class RequestIdMiddleware:
    """Add ``X-Toxiproxy-Request-Id`` to every response and reject browser user agents.

    The real server returns 403 to a ``User-Agent`` starting with ``Mozilla/``, so a web page
    cannot drive the API through a visitor's browser.
    """

    def __init__(self, app: ASGIApp) -> None:
        self._app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return

        request_id = uuid.uuid4().hex
        status_holder: list[int] = []

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.append((REQUEST_ID_HEADER.lower().encode(), request_id.encode()))
                message = {**message, "headers": headers}
                status_holder.append(int(message["status"]))
            await send(message)

        headers = dict(scope.get("headers", []))
        user_agent = headers.get(b"user-agent", b"").decode("latin-1")
        if user_agent.startswith("Mozilla/"):
            response = error_response(403, "user agent not allowed: browsers cannot use this API")
            await response(scope, receive, send_with_id)
        else:
            await self._app(scope, receive, send_with_id)

        log.info(
            "api_request",
            method=scope["method"],
            path=scope["path"],
            status=status_holder[0] if status_holder else None,
            request_id=request_id,
        )
