"""Panel specifications: the single source of every dashboard's panels and PromQL.

The JSON builders and :mod:`dashboards.queries` both read these specifications, so the
expressions that the live-run check executes are exactly the ones the dashboards show.
"""

from dataclasses import dataclass, field
from enum import Enum


class PanelKind(Enum):
    """Grafana visualisation used for a panel."""

    TIMESERIES = "timeseries"
    STAT = "stat"
    STATE_TIMELINE = "state-timeline"


@dataclass(frozen=True)
class TargetSpec:
    """One PromQL query of a panel.

    ``needs_fault`` is true when the series exist only while a fault is active, such as a
    counter that Prometheus client libraries create on its first increment.
    """

    expr: str
    legend: str
    needs_fault: bool = False


@dataclass(frozen=True)
class PanelSpec:
    """One panel: its title, description, Grafana unit id, visualisation and queries.

    ``width`` is in grid columns (Grafana's grid is 24 columns wide) and ``height`` in grid rows.
    """

    title: str
    description: str
    unit: str
    targets: tuple[TargetSpec, ...]
    kind: PanelKind = PanelKind.TIMESERIES
    width: int = 12
    height: int = 8
    min_value: float | None = None
    max_value: float | None = None


@dataclass(frozen=True)
class RowSpec:
    """A titled row of panels, laid out left to right."""

    title: str
    panels: tuple[PanelSpec, ...]


@dataclass(frozen=True)
class QueryVariableSpec:
    """A multi-value template variable filled from a ``label_values`` query.

    Its "All" value is ``.*``, so expressions must use it only in regex matchers (``=~``).
    """

    name: str
    label: str
    query: str


@dataclass(frozen=True)
class DashboardSpec:
    """One dashboard: its title, description, tags, template variables and rows."""

    title: str
    description: str
    tags: tuple[str, ...]
    rows: tuple[RowSpec, ...]
    variables: tuple[QueryVariableSpec, ...] = field(default=())
