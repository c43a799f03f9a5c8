"""structlog configuration: one JSON object per line on standard output."""

import logging
import sys

import structlog


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
            structlog.processors.dict_tracebacks,
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
