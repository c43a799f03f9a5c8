"""Upload the generated dashboards to Grafana through its HTTP API, with grafana-client.

``python -m dashboards.publish --url http://localhost:3000 --token-env GRAFANA_TOKEN`` creates
the folder when it is missing, then creates or overwrites every dashboard in it.
"""

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

import structlog
from grafana_client.api import GrafanaApi
from grafana_client.client import GrafanaClientError, GrafanaException, TokenAuth

from dashboards.generate import GENERATED_DIR

DEFAULT_FOLDER_TITLE = "Serving chaos"
DEFAULT_FOLDER_UID = "serving-chaos"
DEFAULT_TIMEOUT_S = 10.0

log = structlog.get_logger(__name__)


class PublishError(Exception):
    """Publishing stopped; the message names the failed step and what to do next."""


def load_dashboards(source: Path) -> list[dict[str, Any]]:
    """Read every ``*.json`` dashboard in ``source``, sorted by file name."""

    paths = sorted(source.glob("*.json"))

    if not paths:
        message = (
            f"no dashboard JSON files found in {source}; run `python -m dashboards.generate` "
            "or pass --source with the folder that contains them"
        )
        raise PublishError(message)

    return [json.loads(path.read_text(encoding="utf-8")) for path in paths]


def ensure_folder(api: GrafanaApi, title: str, uid: str) -> None:
    """Create the folder ``uid`` unless Grafana already has it."""

    try:
        api.folder.get_folder(uid)  # type: ignore[no-untyped-call]
        return
    except GrafanaClientError as error:
        if error.status_code != 404:
            raise

    api.folder.create_folder(title=title, uid=uid)  # type: ignore[no-untyped-call]
    log.info("grafana_folder_created", folder_uid=uid, title=title)


def publish(api: GrafanaApi, dashboards: list[dict[str, Any]], folder_uid: str) -> list[str]:
    """Create or overwrite each dashboard in the folder; return the UIDs in upload order."""

    published = []

    for dashboard in dashboards:
        payload = {
            "dashboard": {**dashboard, "id": None},
            "folderUid": folder_uid,
            "overwrite": True,
            "message": "Published by python -m dashboards.publish",
        }
        api.dashboard.update_dashboard(payload)  # type: ignore[no-untyped-call]
        published.append(str(dashboard["uid"]))
        log.info("grafana_dashboard_published", uid=dashboard["uid"], folder_uid=folder_uid)

    return published


def _parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Upload the generated dashboards to Grafana.")
    parser.add_argument("--url", help="Grafana base URL, for example http://localhost:3000")
    parser.add_argument(
        "--token-env",
        help="name of the environment variable that contains a Grafana service-account token",
    )
    parser.add_argument("--folder-title", default=DEFAULT_FOLDER_TITLE, help="folder title")
    parser.add_argument("--folder-uid", default=DEFAULT_FOLDER_UID, help="folder UID")
    parser.add_argument(
        "--source", type=Path, default=GENERATED_DIR, help="folder with the dashboard JSON files"
    )
    parser.add_argument(
        "--timeout", type=float, default=DEFAULT_TIMEOUT_S, help="HTTP timeout per request, in s"
    )

    return parser.parse_args(argv)


def _read_token(variable: str | None) -> str:
    if not variable:
        message = "missing --token-env; pass the name of the variable that contains the token"
        raise PublishError(message)

    token = os.environ.get(variable, "")
    if not token:
        message = (
            f"environment variable {variable} is missing or empty; expected a Grafana "
            "service-account token. Export it or pass another name with --token-env."
        )
        raise PublishError(message)

    return token


def run(argv: list[str] | None = None) -> list[str]:
    """Publish as the command line asks; return the published UIDs or raise PublishError."""

    arguments = _parse_arguments(argv)

    if not arguments.url:
        message = "missing --url; pass the Grafana base URL, for example http://localhost:3000"
        raise PublishError(message)

    token = _read_token(arguments.token_env)
    dashboards = load_dashboards(arguments.source)
    credential = TokenAuth(token)  # type: ignore[no-untyped-call]
    api = GrafanaApi.from_url(arguments.url, credential=credential, timeout=arguments.timeout)

    try:
        ensure_folder(api, arguments.folder_title, arguments.folder_uid)
        return publish(api, dashboards, arguments.folder_uid)
    except GrafanaException as error:
        message = (
            f"Grafana at {arguments.url} rejected the request with status {error.status_code}: "
            f"{error.message}. Check the URL and that the token may write dashboards and folders."
        )
        raise PublishError(message) from error


def main(argv: list[str] | None = None) -> None:
    try:
        published = run(argv)
    except PublishError as error:
        log.error("dashboards_publish_failed", error=str(error))
        print(f"error: {error}", file=sys.stderr)
        raise SystemExit(2) from error

    log.info("dashboards_published", count=len(published))


if __name__ == "__main__":
    main()
