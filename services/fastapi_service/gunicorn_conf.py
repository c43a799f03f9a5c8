"""Gunicorn settings for the FastAPI service; every value can be overridden from the environment.

``GUNICORN_TIMEOUT`` is the hung-worker bound: a worker whose event loop sends no heartbeat for
that many seconds is killed and replaced. ``PROMETHEUS_MULTIPROC_DIR`` is emptied when the
arbiter starts, and the files of each dead worker's live gauges are removed when it exits.
"""

import os
import shutil
from pathlib import Path
from typing import Any

from prometheus_client import multiprocess

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8001")
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
worker_class = "uvicorn_worker.UvicornWorker"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "10"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "10"))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
preload_app = False
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")


def on_starting(server: Any) -> None:
    """Start every run with an empty metrics directory, so old samples cannot leak in."""
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not directory:
        message = "PROMETHEUS_MULTIPROC_DIR is not set; set it to an empty directory for metrics"
        raise RuntimeError(message)
    path = Path(directory)
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True)


def child_exit(server: Any, worker: Any) -> None:
    """Drop the dead worker's live-gauge files so its in-flight count leaves the sum."""
    multiprocess.mark_process_dead(worker.pid)  # type: ignore[no-untyped-call]
