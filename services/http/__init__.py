"""The FastAPI application both services serve: routes, middleware, errors and the admin route."""

from services.http.app import build_app
from services.http.backend import Backend

__all__ = ["Backend", "build_app"]
