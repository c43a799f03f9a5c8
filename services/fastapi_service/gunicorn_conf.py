"""Gunicorn settings for the FastAPI service; every value can be overridden from the environment.

``GUNICORN_TIMEOUT`` is the hung-worker bound: a worker whose event loop sends no heartbeat for
that many seconds is killed and replaced. ``PROMETHEUS_MULTIPROC_DIR`` is emptied when the
arbiter starts, and the files of each dead worker's live gauges are removed when it exits.
"""

import os
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
# Gunicorn 27's control socket sits at a fixed path under $HOME, shared by every arbiter of the
# user; a second arbiter would take it over and delete it on exit. The service needs none.
control_socket_disable = True
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")


def on_starting(server: Any) -> None:
    """Start every run with no old samples: remove the metric files of an earlier run.

    Only prometheus_client's ``*.db`` files are removed; a directory holding anything else is
    rejected, so a mistyped path cannot wipe unrelated files.
    """
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not directory:
        message = "PROMETHEUS_MULTIPROC_DIR is not set; set it to an empty directory for metrics"
        raise RuntimeError(message)
    path = Path(directory)
    path.mkdir(parents=True, exist_ok=True)
    others = sorted(item.name for item in path.iterdir() if item.suffix != ".db")
    if others:
        message = (
            f"PROMETHEUS_MULTIPROC_DIR={directory!r} holds files that are not metric files "
            f"({', '.join(others[:5])}); point it at an empty directory of its own"
        )
        raise RuntimeError(message)
    for item in path.glob("*.db"):
        item.unlink()


def child_exit(server: Any, worker: Any) -> None:
    """Drop the dead worker's live-gauge files so its in-flight count leaves the sum."""
    multiprocess.mark_process_dead(worker.pid)  # type: ignore[no-untyped-call]
