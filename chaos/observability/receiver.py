"""An Alertmanager webhook receiver inside the suite, recording every notification.

Alertmanager posts one JSON document per notification to ``<base>/<receiver name>``. Each is
kept with the time it arrived, so a scenario can tell which alerts fired and resolved, and
how long after the fault each notification came.
"""

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import structlog

logger = structlog.get_logger("chaos.receiver")

_MAX_BODY_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True)
class Notification:
    """One webhook call: receiver path, arrival time and Alertmanager's payload."""

    receiver: str
    received_at_unix_s: float
    payload: dict[str, Any] = field(repr=False)

    def alerts(self) -> list[dict[str, Any]]:
        """Return the alerts of the notification (each with status, labels, startsAt)."""
        alerts: list[dict[str, Any]] = self.payload.get("alerts", [])
        return alerts


class WebhookReceiver:
    """A threaded HTTP server on 127.0.0.1 that stores the notifications it receives."""

    def __init__(self, port: int = 0) -> None:
        self._lock = threading.Lock()
        self._notifications: list[Notification] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                if length > _MAX_BODY_BYTES:
                    self.send_error(413, "notification larger than 4 MiB")
                    return
                try:
                    payload = json.loads(self.rfile.read(length))
                except json.JSONDecodeError as error:
                    self.send_error(400, f"invalid JSON: {error}")
                    return
                receiver.record(self.path.strip("/") or "default", payload)
                self.send_response(200)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        """Return the base URL Alertmanager's receivers post under."""
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> "WebhookReceiver":
        """Serve in a background thread."""
        self._thread.start()
        logger.info("webhook_receiver_started", url=self.base_url)
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self._server.shutdown()
        self._server.server_close()

    def record(self, receiver: str, payload: dict[str, Any]) -> None:
        """Store one notification."""
        notification = Notification(
            receiver=receiver, received_at_unix_s=time.time(), payload=payload
        )
        with self._lock:
            self._notifications.append(notification)
        names = sorted(
            {alert.get("labels", {}).get("alertname", "?") for alert in notification.alerts()}
        )
        logger.info(
            "alert_notification", receiver=receiver, status=payload.get("status"), alerts=names
        )

    def notifications(self, since_unix_s: float = 0.0) -> list[Notification]:
        """Return the notifications received at or after ``since_unix_s``."""
        with self._lock:
            return [item for item in self._notifications if item.received_at_unix_s >= since_unix_s]
