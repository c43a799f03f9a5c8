"""Runs dashboard panel queries against a live Prometheus and records which return data.

A query has data when its instant vector has at least one series. Each query is retried until
it has data or the deadline passes, because rates need two scrapes of a new series and Ray's
metrics agents export on their own period.
"""

import json
import math
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from chaos.probes.prometheus import PrometheusClient, PrometheusQueryError
from dashboards.queries import PanelQuery

PANEL_RESULTS_FILE = "dashboard-queries"

_POLL_S = 1.0


@dataclass
class PanelResult:
    """Outcome of one panel query: series returned, how many are numbers, and any error."""

    dashboard: str
    panel_title: str
    expr: str
    needs_fault: bool
    series: int = 0
    finite_values: int = 0
    checked_at_unix_s: float = 0.0
    error: str | None = None

    @property
    def has_data(self) -> bool:
        """Whether the query returned at least one series."""
        return self.series > 0

    def to_record(self) -> dict[str, object]:
        """Return the result as a JSON-ready dictionary, with ``has_data``."""
        return {**asdict(self), "has_data": self.has_data}


def run_panel_queries(
    prometheus: PrometheusClient, queries: list[PanelQuery], timeout_s: float
) -> list[PanelResult]:
    """Run every query until it returns data or ``timeout_s`` has passed for the whole batch."""
    results = [PanelResult(q.dashboard, q.panel_title, q.expr, q.needs_fault) for q in queries]
    deadline = time.monotonic() + timeout_s
    while True:
        for result in results:
            if not result.has_data:
                _run_one(prometheus, result)
        if all(result.has_data for result in results) or time.monotonic() >= deadline:
            return results
        time.sleep(_POLL_S)


def write_panel_results(results: list[PanelResult], out_dir: Path) -> tuple[Path, Path]:
    """Write the results as JSON and as a Markdown table; return both paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    json_path = out_dir / f"{PANEL_RESULTS_FILE}.json"
    json_path.write_text(
        json.dumps([result.to_record() for result in results], indent=2), encoding="utf-8"
    )

    lines = [
        "# Dashboard panel queries against the live stack",
        "",
        "| dashboard | panel | needs fault | series | numeric | data | query |",
        "|---|---|---|---|---|---|---|",
    ]
    for result in results:
        data = "yes" if result.has_data else f"NO {result.error or ''}".strip()
        expr = result.expr.replace("|", "\\|")
        lines.append(
            f"| {result.dashboard} | {result.panel_title} | {result.needs_fault} | "
            f"{result.series} | {result.finite_values} | {data} | `{expr}` |"
        )
    markdown_path = out_dir / f"{PANEL_RESULTS_FILE}.md"
    markdown_path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return json_path, markdown_path


def _run_one(prometheus: PrometheusClient, result: PanelResult) -> None:
    result.checked_at_unix_s = time.time()
    try:
        samples = prometheus.query(result.expr)
    except PrometheusQueryError as error:
        result.error = str(error)
        return
    result.error = None
    result.series = len(samples)
    result.finite_values = sum(1 for sample in samples if math.isfinite(sample.value))
