"""Shared paths and loaders of the alerting tests: rule files, test files and runbooks."""

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
RULES_DIR = REPO_ROOT / "alerts" / "rules"
PROMTOOL_TESTS_DIR = REPO_ROOT / "alerts" / "tests"
RUNBOOKS_DIR = REPO_ROOT / "docs" / "runbooks"
ALERTMANAGER_CONFIG = REPO_ROOT / "alerts" / "alertmanager.yml"

#: Every value the ``severity`` label may take, and the receiver Alertmanager routes it to.
SEVERITY_RECEIVERS = {"page": "pager", "ticket": "ticket", "none": "heartbeat"}


def require_tool(name: str) -> str:
    """Return the path of a command-line tool, or skip the calling test when it is missing."""
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not installed; install Debian's prometheus/alertmanager packages")

    return path


def rule_files() -> list[Path]:
    """Return the committed rule files."""
    files = sorted(RULES_DIR.glob("*.yml"))
    assert files, f"no rule files under {RULES_DIR}; run python -m alerts.generate"
    return files


def promtool_test_files() -> list[Path]:
    """Return the committed ``promtool test rules`` files."""
    files = sorted(PROMTOOL_TESTS_DIR.glob("*.test.yml"))
    assert files, f"no promtool test files under {PROMTOOL_TESTS_DIR}"
    return files


def alert_rules() -> list[dict[str, Any]]:
    """Return every alerting rule of every rule file."""
    rules: list[dict[str, Any]] = []

    for path in rule_files():
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        for group in document["groups"]:
            rules.extend(rule for rule in group["rules"] if "alert" in rule)

    return rules


def alert_names() -> set[str]:
    """Return the distinct alert names of the rule files."""
    return {rule["alert"] for rule in alert_rules()}
