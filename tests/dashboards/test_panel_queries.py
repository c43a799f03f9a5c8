"""Variable substitution of the panel queries, and a promtool parse of every expression."""

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from dashboards.catalog import DASHBOARDS
from dashboards.queries import all_panel_queries, substitute_variables


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("rate(a[$__rate_interval])", "rate(a[1m])"),
        ("rate(a[$__interval])", "rate(a[1m])"),
        ("avg_over_time(a[$__range])", "avg_over_time(a[30m])"),
        ('a{route=~"$route"}', 'a{route=~".*"}'),
        ('a{route=~"${route}"}', 'a{route=~".*"}'),
        ('a{route=~"${route:regex}"}', 'a{route=~".*"}'),
        ('a{route=~"[[route]]"}', 'a{route=~".*"}'),
        ('a{d=~"$deployment", r=~"$route"}', 'a{d=~".*", r=~".*"}'),
        ("a$datasource", "a"),
        ("a${datasource}", "a"),
        ("sum(a)", "sum(a)"),
    ],
)
def test_substitute_variables(expr: str, expected: str) -> None:
    assert substitute_variables(expr) == expected


def test_substitute_custom_intervals() -> None:
    result = substitute_variables("rate(a[$__rate_interval]) + b[$__range]", "2m", "1h")

    assert result == "rate(a[2m]) + b[1h]"


def test_substitute_rejects_unknown_builtin() -> None:
    with pytest.raises(ValueError, match=r"\$__from"):
        substitute_variables("a > $__from")


def test_all_panel_queries_cover_every_target() -> None:
    queries = all_panel_queries()
    targets = [
        (spec.title, panel.title)
        for spec in DASHBOARDS
        for row in spec.rows
        for panel in row.panels
        for _ in panel.targets
    ]

    assert [(query.dashboard, query.panel_title) for query in queries] == targets
    assert len({query.dashboard for query in queries}) == len(DASHBOARDS)
    for query in queries:
        assert "$" not in query.expr, query.expr
        assert "[1m]" in query.expr or "rate(" not in query.expr, query.expr


def test_needs_fault_marks_fault_only_series() -> None:
    queries = all_panel_queries()
    fault_only = [query for query in queries if query.needs_fault]

    assert any("chaos_fault_active" in query.expr for query in fault_only)
    assert any("serving_requests_cancelled_total" in query.expr for query in fault_only)
    assert 0 < len(fault_only) < len(queries) / 2


@pytest.mark.skipif(shutil.which("promtool") is None, reason="promtool is not installed")
def test_expressions_parse_with_promtool(tmp_path: Path) -> None:
    queries = all_panel_queries()
    rules = [
        {"record": f"dashboards:panel_query_{index}:check", "expr": query.expr}
        for index, query in enumerate(queries)
    ]
    rules_file = tmp_path / "panel_queries.yml"
    rules_file.write_text(
        yaml.safe_dump({"groups": [{"name": "panel-queries", "rules": rules}]}), encoding="utf-8"
    )

    result = subprocess.run(
        ["promtool", "check", "rules", str(rules_file)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert f"SUCCESS: {len(queries)} rules found" in result.stdout
