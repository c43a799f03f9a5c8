"""The alert coverage table of a run: each fault (scenario and service) by each alert.

A cell says whether the alert fired or stayed silent as the scenario expected, with the
detection latency next to its floor. The table is built from the ``alerts`` record that
``check_alerts`` stores in every scenario, so it is exactly what the verdicts were based on.
"""

from pathlib import Path
from typing import Any

from chaos.journal import RunJournal

COVERAGE_FILE = "alert-coverage.md"


def coverage_rows(journal: RunJournal) -> list[dict[str, Any]]:
    """Return one row per scenario and alert that the scenario declared."""
    rows: list[dict[str, Any]] = []
    for scenario in journal.scenarios:
        results: dict[str, dict[str, Any]] = scenario.alerts.get("results", {})
        for alert, result in sorted(results.items()):
            rows.append(
                {
                    "scenario": scenario.scenario,
                    "service": scenario.service,
                    "alert": alert,
                    "expected": result["expected"],
                    "fired": result["fired"],
                    "detection_latency_s": result.get("detection_latency_s"),
                    "floor_s": result.get("floor_s"),
                    "resolved_after_fault_end_s": result.get("resolved_after_fault_end_s"),
                    "as_expected": result["fired"] == (result["expected"] == "fire"),
                }
            )
    return rows


def render_cell(row: dict[str, Any]) -> str:
    """Return the text of one cell: outcome, latency and floor."""
    if row["expected"] == "silent":
        return "silent" if not row["fired"] else "FIRED (expected silent)"
    if not row["fired"]:
        return f"NOT FIRED (floor {row['floor_s']} s)"
    text = f"fired {row['detection_latency_s']} s (floor {row['floor_s']} s)"
    if row["resolved_after_fault_end_s"] is not None:
        text += f", resolved {row['resolved_after_fault_end_s']} s after the fault ended"
    return text


def render_coverage(journal: RunJournal) -> str:
    """Return the coverage table as Markdown: faults as rows, alerts as columns."""
    rows = coverage_rows(journal)
    alerts = sorted({row["alert"] for row in rows})
    faults = list(dict.fromkeys((row["scenario"], row["service"]) for row in rows))
    cells = {(row["scenario"], row["service"], row["alert"]): render_cell(row) for row in rows}

    lines = [
        f"# Alert coverage of run {journal.run_id}",
        "",
        "Detection latency runs from the fault start to the first firing notification at the "
        "webhook receiver. The floor is scrape interval + evaluation interval + the rule's `for` "
        "+ Alertmanager `group_wait`. An empty cell means the scenario declared nothing about "
        "that alert.",
        "",
    ]
    if not rows:
        lines.append("No scenario of this run declared alert expectations.")
        return "\n".join(lines) + "\n"

    lines.append("| fault (scenario / service) | " + " | ".join(alerts) + " |")
    lines.append("|---" * (len(alerts) + 1) + "|")
    for scenario, service in faults:
        row_cells = [cells.get((scenario, service, alert), "") for alert in alerts]
        lines.append(f"| {scenario} / {service} | " + " | ".join(row_cells) + " |")
    return "\n".join(lines) + "\n"


def write_coverage(journal: RunJournal, out_dir: Path) -> Path:
    """Write ``alert-coverage.md`` into ``out_dir`` and return its path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / COVERAGE_FILE
    path.write_text(render_coverage(journal), encoding="utf-8")
    return path
