"""Validate the rule files and run their unit tests with promtool."""

import subprocess
from pathlib import Path

import pytest

from alerts.generate import generated_files, stale_files
from tests.alerts.alerting_tools import PROMTOOL_TESTS_DIR, require_tool, rule_files


@pytest.mark.parametrize("path", rule_files(), ids=lambda path: path.name)
def test_promtool_check_rules(path: Path) -> None:
    promtool = require_tool("promtool")

    result = subprocess.run(
        [promtool, "check", "rules", "--lint-fatal", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr


def test_promtool_test_rules() -> None:
    promtool = require_tool("promtool")
    test_files = sorted(path.name for path in PROMTOOL_TESTS_DIR.glob("*.test.yml"))

    result = subprocess.run(
        [promtool, "test", "rules", *test_files],
        cwd=PROMTOOL_TESTS_DIR,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-6000:]
    assert result.stdout.count("SUCCESS") == len(test_files), result.stdout


def test_generated_files_up_to_date() -> None:
    stale = stale_files()

    assert not stale, f"stale generated files {stale}; run python -m alerts.generate and commit"


def test_generated_files_cover_rules() -> None:
    generated = set(generated_files())

    assert set(rule_files()) <= generated, "a rule file is not produced by alerts.generate"
