"""Every panel's PromQL, with Grafana's variables replaced so plain Prometheus can run it.

The chaos suite runs each expression against its own Prometheus during a live run and checks
that it returns data; ``needs_fault`` marks the ones that return data only while a fault is active.
"""

import re
from dataclasses import dataclass

from dashboards.catalog import DASHBOARDS
from dashboards.render import DATASOURCE_VARIABLE

#: Range that replaces ``$__rate_interval``. Grafana makes it at least four scrape intervals, so
#: 1m suits scrape intervals up to 15 s.
DEFAULT_RATE_INTERVAL = "1m"

#: Value that replaces ``$__range`` (the dashboard's time range).
DEFAULT_RANGE = "30m"

#: Value that every template variable is replaced with; it is the variables' "All" value, and
#: the dashboards use template variables only in regex matchers.
ALL_VALUE = ".*"

_VARIABLE = re.compile(r"\$\{(\w+)(?::\w+)?\}|\[\[(\w+)\]\]|\$(\w+)")


@dataclass(frozen=True)
class PanelQuery:
    """One target of one panel, as Prometheus can run it."""

    dashboard: str
    panel_title: str
    expr: str
    needs_fault: bool


def substitute_variables(
    expr: str,
    rate_interval: str = DEFAULT_RATE_INTERVAL,
    time_range: str = DEFAULT_RANGE,
) -> str:
    """Replace Grafana variables in ``expr`` with values plain Prometheus accepts.

    ``$__rate_interval`` and ``$__interval`` become ``rate_interval``, ``$__range`` becomes
    ``time_range``, the data source variable is removed, and every other template variable
    (``$name``, ``${name}``, ``${name:format}`` or ``[[name]]``) becomes ``.*``.
    """

    def replace(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(2) or match.group(3)

        if name in ("__rate_interval", "__interval"):
            return rate_interval
        if name == "__range":
            return time_range
        if name == DATASOURCE_VARIABLE:
            return ""
        if name.startswith("__"):
            message = (
                f"Grafana variable ${name} in {expr!r} has no Prometheus equivalent; expected "
                "$__rate_interval, $__interval, $__range or a template variable. Add a "
                "replacement in dashboards.queries.substitute_variables."
            )
            raise ValueError(message)
        return ALL_VALUE

    return _VARIABLE.sub(replace, expr)


def all_panel_queries(
    rate_interval: str = DEFAULT_RATE_INTERVAL,
    time_range: str = DEFAULT_RANGE,
) -> list[PanelQuery]:
    """Return every target of every panel of every dashboard, with variables substituted."""

    queries = []

    for spec in DASHBOARDS:
        for row in spec.rows:
            for panel in row.panels:
                for target in panel.targets:
                    queries.append(
                        PanelQuery(
                            dashboard=spec.title,
                            panel_title=panel.title,
                            expr=substitute_variables(target.expr, rate_interval, time_range),
                            needs_fault=target.needs_fault,
                        )
                    )

    return queries
