"""structlog configuration: one JSON object per line on standard output."""

import logging
import sys

import structlog
import structlog.tracebacks


def configure_logging(level: str = "info", **bound: object) -> None:
    """Configure structlog for JSON lines and bind ``bound`` (service, replica id) to every event.

    Standard-library loggers (Uvicorn, Gunicorn) keep their own handlers; only this project's
    events go through structlog.
    """
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            # Locals stay out: a frame's locals include the ASGI scope with every request
            # header, bearer tokens among them.
            structlog.processors.ExceptionRenderer(
                structlog.tracebacks.ExceptionDictTransformer(show_locals=False)
            ),
            structlog.processors.JSONRenderer(),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(
            logging.getLevelNamesMapping()[level.upper()]
        ),
        logger_factory=structlog.PrintLoggerFactory(sys.stdout),
        cache_logger_on_first_use=False,
    )
    structlog.contextvars.clear_contextvars()
    structlog.contextvars.bind_contextvars(**bound)
