"""Turn a :class:`~dashboards.spec.DashboardSpec` into Grafana dashboard JSON.

The JSON is the classic dashboard model at schemaVersion 42, the default of
grafana-foundation-sdk 0.0.21.
"""

import json
import re
import warnings
from typing import Any

from dashboards.selectors import FAULT_ANNOTATION_EXPR
from dashboards.spec import DashboardSpec, PanelKind, PanelSpec, QueryVariableSpec

# The SDK warns at import that dashboard v2 supersedes the classic dashboard model. The classic
# model is kept because classic file provisioning and /api/dashboards/db take it, while the v2
# model was experimental or in public preview through Grafana 12.
with warnings.catch_warnings():
    warnings.filterwarnings(
        "ignore", message="Prefer using dashboardv2", category=DeprecationWarning
    )
    from grafana_foundation_sdk.builders import common as common_builders
    from grafana_foundation_sdk.builders import (
        dashboard,
        prometheus,
        stat,
        statetimeline,
        timeseries,
    )
    from grafana_foundation_sdk.cog.encoder import JSONEncoder
    from grafana_foundation_sdk.models import common
    from grafana_foundation_sdk.models import dashboard as dashboard_models

#: Every panel, target and variable reads from the data source chosen in this variable.
DATASOURCE_VARIABLE = "datasource"

DATASOURCE = common.DataSourceRef(type_val="prometheus", uid="${" + DATASOURCE_VARIABLE + "}")

#: Tag on every dashboard, so Grafana search and the publish command can find them all.
COMMON_TAG = "serving-chaos"

#: Grafana rejects dashboard UIDs longer than 40 characters.
MAX_UID_LENGTH = 40

PanelBuilder = timeseries.Panel | stat.Panel | statetimeline.Panel


def uid_for(title: str) -> str:
    """Derive a stable dashboard UID from its title: lower-case words joined by hyphens."""

    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")

    if not slug or len(slug) > MAX_UID_LENGTH:
        message = (
            f"dashboard title {title!r} gives the UID {slug!r}; expected 1 to "
            f"{MAX_UID_LENGTH} characters. Shorten the title."
        )
        raise ValueError(message)

    return slug


def _panel_builder(spec: PanelSpec) -> PanelBuilder:
    builder: PanelBuilder

    if spec.kind is PanelKind.STAT:
        builder = stat.Panel()
    elif spec.kind is PanelKind.STATE_TIMELINE:
        builder = statetimeline.Panel()
    else:
        builder = (
            timeseries.Panel()
            .legend(
                common_builders.VizLegendOptions()
                .show_legend(True)
                .display_mode(common.LegendDisplayMode.LIST)
                .placement(common.LegendPlacement.BOTTOM)
            )
            .tooltip(
                common_builders.VizTooltipOptions()
                .mode(common.TooltipDisplayMode.MULTI)
                .sort(common.SortOrder.DESCENDING)
            )
        )

    return builder


def _panel(spec: PanelSpec, panel_id: int) -> PanelBuilder:
    builder = (
        _panel_builder(spec)
        .id(panel_id)
        .title(spec.title)
        .description(spec.description)
        .unit(spec.unit)
        .datasource(DATASOURCE)
        .span(spec.width)
        .height(spec.height)
    )

    if spec.min_value is not None:
        builder = builder.min(spec.min_value)
    if spec.max_value is not None:
        builder = builder.max(spec.max_value)

    for index, target in enumerate(spec.targets):
        query = (
            prometheus.Dataquery()
            .datasource(DATASOURCE)
            .expr(target.expr)
            .legend_format(target.legend)
            .ref_id(chr(ord("A") + index))
        )
        builder = builder.with_target(query)

    return builder


def _query_variable(spec: QueryVariableSpec) -> dashboard.QueryVariable:
    return (
        dashboard.QueryVariable(spec.name)
        .label(spec.label)
        .datasource(DATASOURCE)
        .query(spec.query)
        .refresh(dashboard_models.VariableRefresh.ON_TIME_RANGE_CHANGED)
        .multi(True)
        .include_all(True)
        .all_value(".*")
        .current(dashboard_models.VariableOption(selected=True, text="All", value="$__all"))
    )


def _fault_annotation() -> dashboard.AnnotationQuery:
    return (
        dashboard.AnnotationQuery()
        .name("Fault windows")
        .datasource(DATASOURCE)
        .enable(True)
        .icon_color("red")
        .expr(FAULT_ANNOTATION_EXPR)
        .title_format("{{scenario}}: {{fault}} on {{service}}")
        .tag_keys("scenario,service,fault")
        .step("15s")
        .use_value_for_time(False)
    )


def build_dashboard(spec: DashboardSpec) -> dashboard.Dashboard:
    """Build the SDK dashboard for ``spec``, numbering panels (rows included) from 1."""

    builder = (
        dashboard.Dashboard(spec.title)
        .uid(uid_for(spec.title))
        .description(spec.description)
        .tags([COMMON_TAG, *spec.tags])
        .editable()
        .tooltip(dashboard_models.DashboardCursorSync.CROSSHAIR)
        .time("now-30m", "now")
        .refresh("30s")
        .timezone("browser")
        .annotation(_fault_annotation())
        .with_variable(
            dashboard.DatasourceVariable(DATASOURCE_VARIABLE)
            .label("Data source")
            .type("prometheus")
        )
    )

    for variable in spec.variables:
        builder = builder.with_variable(_query_variable(variable))

    panel_id = 0
    for row in spec.rows:
        panel_id += 1
        builder = builder.with_row(dashboard.Row(row.title).id(panel_id))

        for panel in row.panels:
            panel_id += 1
            builder = builder.with_panel(_panel(panel, panel_id))

    return builder


def render_json(spec: DashboardSpec) -> str:
    """Render ``spec`` as indented JSON with sorted keys and a trailing newline."""

    built = build_dashboard(spec).build()
    encoded = JSONEncoder(sort_keys=True, indent=2).encode(built)
    parsed: dict[str, Any] = json.loads(encoded)

    return json.dumps(parsed, sort_keys=True, indent=2) + "\n"
