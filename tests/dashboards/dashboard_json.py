"""Load the committed dashboard JSON for the tests."""

import json
from pathlib import Path
from typing import Any

from dashboards.generate import GENERATED_DIR


def load_generated() -> dict[str, dict[str, Any]]:
    """Return every committed dashboard, keyed by file name."""

    return {
        path.name: json.loads(path.read_text(encoding="utf-8"))
        for path in sorted(GENERATED_DIR.glob("*.json"))
    }


def data_panels(dashboard: dict[str, Any]) -> list[dict[str, Any]]:
    """Return the dashboard's panels that are not rows, including panels nested in rows."""

    panels = []

    for panel in dashboard["panels"]:
        if panel["type"] == "row":
            panels.extend(panel.get("panels", []))
        else:
            panels.append(panel)

    return panels


def all_panels(dashboard: dict[str, Any]) -> list[dict[str, Any]]:
    """Return every panel, rows included."""

    rows = [panel for panel in dashboard["panels"] if panel["type"] == "row"]

    return rows + data_panels(dashboard)


def generated_path(name: str) -> Path:
    return GENERATED_DIR / name
