"""Error bodies: every rejection names the field, the rule it broke and the limit."""

from collections.abc import Mapping
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from services.contract.schemas import ErrorDetail, ErrorResponse
from services.runtime.faults import InjectedFaultError

logger = structlog.get_logger("services.http")

_LIMIT_KEYS = ("max_length", "min_length", "le", "ge", "lt", "gt", "pattern", "expected")


def error_response(
    status: int,
    error: str,
    message: str,
    request: Request | None = None,
    details: list[ErrorDetail] | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    """Build the JSON body shared by every 4xx and 5xx answer."""
    request_id = getattr(request.state, "request_id", None) if request is not None else None
    body = ErrorResponse(error=error, message=message, request_id=request_id, details=details or [])
    return JSONResponse(body.model_dump(), status_code=status, headers=headers)


def _field_of(location: tuple[Any, ...]) -> str:
    parts = [str(part) for part in location if part != "body"]
    return ".".join(parts) if parts else "body"


def _limit_of(context: dict[str, Any] | None) -> str | None:
    if not context:
        return None
    for key in _LIMIT_KEYS:
        if key in context:
            return f"{key}={context[key]}"
    return None


async def _on_validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = exc.errors()
    if any(error.get("type") == "json_invalid" for error in errors):
        return error_response(
            400,
            "invalid_json",
            "the request body is not valid JSON; send a JSON object as the contract describes",
            request,
        )

    details = [
        ErrorDetail(
            field=_field_of(tuple(error.get("loc", ()))),
            message=str(error.get("msg", "invalid value")),
            limit=_limit_of(error.get("ctx")),
        )
        for error in errors
    ]
    summary = "; ".join(f"{detail.field}: {detail.message}" for detail in details)
    return error_response(422, "invalid_request", summary, request, details)


async def _on_http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    messages = {
        404: f"no route {request.url.path!r}; see /docs for the routes this service serves",
        405: f"method {request.method} is not allowed on {request.url.path!r}",
    }
    message = messages.get(exc.status_code, str(exc.detail))
    error = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
    return error_response(exc.status_code, error, message, request, headers=exc.headers)


async def _on_injected_fault(request: Request, exc: Exception) -> JSONResponse:
    return error_response(500, "injected_fault", str(exc), request)


async def _on_unhandled(request: Request, exc: Exception) -> JSONResponse:
    logger.exception("request_failed", error=repr(exc), route=request.url.path)
    return error_response(
        500, "internal_error", f"the request failed: {type(exc).__name__}", request
    )


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers that turn exceptions into contract error bodies."""
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(StarletteHTTPException, _on_http_error)
    app.add_exception_handler(InjectedFaultError, _on_injected_fault)
    app.add_exception_handler(Exception, _on_unhandled)
