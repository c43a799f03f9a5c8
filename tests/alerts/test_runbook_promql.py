"""Parse every PromQL block of the runbooks with promtool and check the runbook sections."""

import re
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.alerts.alerting_tools import RUNBOOKS_DIR, alert_names, require_tool

PROMQL_BLOCK = re.compile(r"```promql\n(.*?)```", re.DOTALL)

#: Sections every runbook has, in this order.
SECTIONS = (
    "## Meaning",
    "## Impact",
    "## Dashboards",
    "## Diagnosis",
    "## Mitigation",
    "## Escalation",
    "## Verification",
)


def runbook_expressions(text: str) -> list[str]:
    """Split the ```promql blocks of a runbook into expressions, one per blank-line paragraph.

    Lines starting with ``#`` are PromQL comments and are dropped.
    """
    expressions = []

    for block in PROMQL_BLOCK.findall(text):
        for paragraph in re.split(r"\n\s*\n", block):
            lines = [line for line in paragraph.splitlines() if not line.lstrip().startswith("#")]
            expression = "\n".join(lines).strip()
            if expression:
                expressions.append(expression)

    return expressions


def runbooks() -> list[Path]:
    return sorted(RUNBOOKS_DIR.glob("*.md"))


def test_runbook_per_alert() -> None:
    present = {path.stem for path in runbooks()}

    assert alert_names() <= present, f"missing runbooks: {sorted(alert_names() - present)}"


@pytest.mark.parametrize("path", runbooks(), ids=lambda path: path.stem)
def test_runbook_sections(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    positions = [text.find(section) for section in SECTIONS]

    assert text.startswith(f"# {path.stem}\n"), f"{path.name}: title must be '# {path.stem}'"
    assert -1 not in positions, f"{path.name}: missing {SECTIONS[positions.index(-1)]}"
    assert positions == sorted(positions), f"{path.name}: sections out of order"


@pytest.mark.parametrize("path", runbooks(), ids=lambda path: path.stem)
def test_runbook_promql_parses(path: Path, tmp_path: Path) -> None:
    promtool = require_tool("promtool")
    expressions = runbook_expressions(path.read_text(encoding="utf-8"))
    rules = [
        {"record": f"runbook:expression_{index}:check", "expr": expression}
        for index, expression in enumerate(expressions)
    ]
    rule_file = tmp_path / "runbook.rules.yml"
    rule_file.write_text(yaml.safe_dump({"groups": [{"name": path.stem, "rules": rules}]}))

    result = subprocess.run(
        [promtool, "check", "rules", str(rule_file)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert len(expressions) >= 3, f"{path.name}: {len(expressions)} PromQL expressions, want 3+"
    assert result.returncode == 0, f"{path.name}:\n{result.stdout}{result.stderr}"
