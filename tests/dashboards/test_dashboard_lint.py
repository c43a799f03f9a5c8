"""Lint rules over the committed dashboard JSON.

They follow grafana/dashboard-linter's rules for templated data sources, units, titles and
``$__rate_interval``, plus unique panel ids and stable, unique UIDs.
"""

import re
from typing import Any

import pytest

from dashboards.render import DATASOURCE_VARIABLE, uid_for
from tests.dashboards.dashboard_json import all_panels, data_panels, load_generated

DASHBOARDS = load_generated()

#: UIDs are part of every bookmarked and linked URL, so a change here must be deliberate.
EXPECTED_UIDS = {
    "serving-service-overview.json": "serving-service-overview",
    "client-vs-server-sli.json": "client-vs-server-sli",
    "serving-slo.json": "serving-slo",
    "ray-serve-deployments.json": "ray-serve-deployments",
    "ray-nodes.json": "ray-nodes",
    "chaos-fault-windows.json": "chaos-fault-windows",
}

DATASOURCE_UID = "${" + DATASOURCE_VARIABLE + "}"

_RATE_CALL = re.compile(r"\b(?:irate|rate|increase)\(")


def _targets(dashboard: dict[str, Any]) -> list[dict[str, Any]]:
    return [target for panel in data_panels(dashboard) for target in panel.get("targets", [])]


def _rate_ranges(expr: str) -> list[str]:
    """Return the range of every rate(, irate( and increase( call in ``expr``."""

    ranges = []

    for match in _RATE_CALL.finditer(expr):
        depth = 1
        position = match.end()
        while depth and position < len(expr):
            depth += {"(": 1, ")": -1}.get(expr[position], 0)
            position += 1

        call = expr[match.end() : position - 1]
        ranges.append(re.findall(r"\[([^\]]*)\]", call)[-1] if "[" in call else "")

    return ranges


def test_rate_range_parser() -> None:
    assert _rate_ranges('sum(rate(a{b=~"(x)"}[$__rate_interval]))') == ["$__rate_interval"]
    assert _rate_ranges("increase(a[5m]) + irate(b[1m])") == ["5m", "1m"]
    assert _rate_ranges("avg_over_time(a[30d])") == []


def test_every_dashboard_generated() -> None:
    assert sorted(DASHBOARDS) == sorted(EXPECTED_UIDS)


@pytest.mark.parametrize("name", sorted(EXPECTED_UIDS))
def test_uid_stable(name: str) -> None:
    dashboard = DASHBOARDS[name]

    assert dashboard["uid"] == EXPECTED_UIDS[name]
    assert dashboard["uid"] == uid_for(dashboard["title"])
    assert len(dashboard["uid"]) <= 40


def test_uids_and_titles_unique() -> None:
    uids = [dashboard["uid"] for dashboard in DASHBOARDS.values()]
    titles = [dashboard["title"] for dashboard in DASHBOARDS.values()]

    assert len(set(uids)) == len(uids)
    assert len(set(titles)) == len(titles)


@pytest.mark.parametrize("name", sorted(EXPECTED_UIDS))
def test_datasource_variable(name: str) -> None:
    variables = DASHBOARDS[name]["templating"]["list"]
    datasource = [variable for variable in variables if variable["name"] == DATASOURCE_VARIABLE]

    assert len(datasource) == 1
    assert datasource[0]["type"] == "datasource"
    assert datasource[0]["query"] == "prometheus"

    for variable in variables:
        if variable["type"] == "query":
            assert variable["datasource"]["uid"] == DATASOURCE_UID, variable["name"]


@pytest.mark.parametrize("name", sorted(EXPECTED_UIDS))
def test_panels_use_datasource_variable(name: str) -> None:
    for panel in data_panels(DASHBOARDS[name]):
        assert panel["datasource"] == {"type": "prometheus", "uid": DATASOURCE_UID}, panel["title"]
        assert panel["targets"], f"panel {panel['title']!r} has no targets"

        for target in panel["targets"]:
            assert target["datasource"]["uid"] == DATASOURCE_UID, panel["title"]


@pytest.mark.parametrize("name", sorted(EXPECTED_UIDS))
def test_panels_have_unit_and_title(name: str) -> None:
    for panel in data_panels(DASHBOARDS[name]):
        assert panel.get("title", "").strip(), f"panel id {panel['id']} has no title"
        title = panel["title"]
        assert panel.get("description", "").strip(), f"panel {title!r} lacks a description"
        assert panel["fieldConfig"]["defaults"].get("unit"), f"panel {title!r} lacks a unit"

    for row in all_panels(DASHBOARDS[name]):
        assert row.get("title", "").strip(), f"panel id {row['id']} has no title"


@pytest.mark.parametrize("name", sorted(EXPECTED_UIDS))
def test_rate_uses_rate_interval(name: str) -> None:
    for target in _targets(DASHBOARDS[name]):
        for window in _rate_ranges(target["expr"]):
            assert window == "$__rate_interval", target["expr"]


@pytest.mark.parametrize("name", sorted(EXPECTED_UIDS))
def test_template_variables_only_in_regex_matchers(name: str) -> None:
    # The query check replaces every template variable with ".*", which only a regex matcher
    # (=~) reads as "any value".
    for target in _targets(DASHBOARDS[name]):
        for variable in re.findall(r"\$(?!__)\w+", target["expr"]):
            assert f'=~"{variable}"' in target["expr"], target["expr"]


@pytest.mark.parametrize("name", sorted(EXPECTED_UIDS))
def test_panel_ids_unique(name: str) -> None:
    ids = [panel["id"] for panel in all_panels(DASHBOARDS[name])]

    assert all(isinstance(panel_id, int) and panel_id > 0 for panel_id in ids)
    assert len(set(ids)) == len(ids)


@pytest.mark.parametrize("name", sorted(EXPECTED_UIDS))
def test_fault_annotation(name: str) -> None:
    annotations = DASHBOARDS[name]["annotations"]["list"]
    faults = [item for item in annotations if "chaos_fault_active" in item.get("expr", "")]

    assert len(faults) == 1
    assert faults[0]["datasource"]["uid"] == DATASOURCE_UID
    assert faults[0]["enable"] is True
