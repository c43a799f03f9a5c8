"""Ray nodes: node count, CPU and memory per node, from the Ray metrics agents."""

from dashboards.selectors import RAY_NODE
from dashboards.spec import DashboardSpec, PanelKind, PanelSpec, RowSpec, TargetSpec

SPEC = DashboardSpec(
    title="Ray nodes",
    description="Nodes of the Ray cluster and their CPU and memory use, one series per node.",
    tags=("ray",),
    rows=(
        RowSpec(
            "Nodes",
            (
                PanelSpec(
                    "Node count",
                    "Nodes whose metrics agent Prometheus scrapes.",
                    "short",
                    (
                        TargetSpec(
                            f"count(count by (instance) (ray_node_cpu_utilization{{{RAY_NODE}}}))",
                            "nodes",
                        ),
                    ),
                    kind=PanelKind.STAT,
                    width=6,
                ),
                PanelSpec(
                    "CPU utilisation per node",
                    "ray_node_cpu_utilization: CPU use of the whole node, 0 to 100 %.",
                    "percent",
                    (
                        TargetSpec(
                            f"avg by (instance) (ray_node_cpu_utilization{{{RAY_NODE}}})",
                            "{{instance}}",
                        ),
                    ),
                    width=18,
                    min_value=0,
                    max_value=100,
                ),
                PanelSpec(
                    "Memory used per node",
                    "ray_node_mem_used: memory in use on the node, in bytes.",
                    "bytes",
                    (
                        TargetSpec(
                            f"sum by (instance) (ray_node_mem_used{{{RAY_NODE}}})",
                            "{{instance}}",
                        ),
                    ),
                    min_value=0,
                ),
                PanelSpec(
                    "Memory used share per node",
                    "ray_node_mem_used divided by ray_node_mem_total.",
                    "percentunit",
                    (
                        TargetSpec(
                            f"sum by (instance) (ray_node_mem_used{{{RAY_NODE}}}) / "
                            f"sum by (instance) (ray_node_mem_total{{{RAY_NODE}}})",
                            "{{instance}}",
                        ),
                    ),
                    min_value=0,
                    max_value=1,
                ),
            ),
        ),
    ),
)
