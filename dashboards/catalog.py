"""Every dashboard the package generates, in a fixed order."""

from dashboards.boards import (
    client_server,
    fault_windows,
    ray_deployments,
    ray_nodes,
    service_overview,
    slo,
)
from dashboards.render import render_json, uid_for
from dashboards.spec import DashboardSpec

DASHBOARDS: tuple[DashboardSpec, ...] = (
    service_overview.SPEC,
    client_server.SPEC,
    slo.SPEC,
    ray_deployments.SPEC,
    ray_nodes.SPEC,
    fault_windows.SPEC,
)


def render_all() -> dict[str, str]:
    """Render every dashboard, keyed by file name (``<uid>.json``)."""

    return {f"{uid_for(spec.title)}.json": render_json(spec) for spec in DASHBOARDS}
