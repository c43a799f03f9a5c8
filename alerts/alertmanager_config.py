"""Render ``alerts/alertmanager.yml`` with the webhook base URL of the stack that runs it.

Each receiver posts to ``<webhook_base_url>/<receiver name>``. The committed file uses
``DEFAULT_WEBHOOK_BASE_URL``, so ``amtool check-config`` and a stack with a sink on that port can
use it unchanged.
"""

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

CONFIG_PATH = Path(__file__).resolve().parent / "alertmanager.yml"
DEFAULT_WEBHOOK_BASE_URL = "http://127.0.0.1:9099"


def _validated_base(webhook_base_url: str) -> str:
    parts = urlsplit(webhook_base_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        message = (
            f"invalid webhook base URL {webhook_base_url!r}: expected http(s)://host[:port][/path],"
            f" for example {DEFAULT_WEBHOOK_BASE_URL!r}"
        )
        raise ValueError(message)

    if parts.query or parts.fragment:
        message = (
            f"invalid webhook base URL {webhook_base_url!r}: it must not have a query or fragment"
            " because the receiver name is appended as a path segment"
        )
        raise ValueError(message)

    return webhook_base_url.rstrip("/")


def load_config() -> dict[str, Any]:
    """Load the committed Alertmanager configuration as a dictionary."""
    document = yaml.safe_load(CONFIG_PATH.read_text(encoding="utf-8"))
    if not isinstance(document, dict):
        message = f"{CONFIG_PATH} is not a YAML mapping; restore it from version control"
        raise TypeError(message)

    return document


def render(webhook_base_url: str) -> str:
    """Return the Alertmanager configuration with every webhook under ``webhook_base_url``."""
    base = _validated_base(webhook_base_url)
    config = load_config()

    for receiver in config["receivers"]:
        for webhook in receiver.get("webhook_configs", []):
            webhook["url"] = f"{base}/{receiver['name']}"

    return str(yaml.safe_dump(config, sort_keys=False))
