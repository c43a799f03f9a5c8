"""Fault windows: when each chaos fault was active, and what the services and client saw."""

from dashboards.selectors import CHAOS_JOB, CLIENT_REQUESTS, FASTAPI_JOB, FAULT_ACTIVE, RAY_JOB
from dashboards.spec import DashboardSpec, PanelKind, PanelSpec, RowSpec, TargetSpec

SPEC = DashboardSpec(
    title="Chaos fault windows",
    description=(
        "Active chaos faults as a state timeline, next to in-service fault activations and the "
        "load driver's errors. Every dashboard overlays the same windows as the 'Fault windows' "
        "annotation."
    ),
    tags=("chaos",),
    rows=(
        RowSpec(
            "Faults",
            (
                PanelSpec(
                    "Active faults",
                    f"{FAULT_ACTIVE} per scenario, service and fault: 1 while the fault is "
                    "active, 0 or no data otherwise.",
                    "bool_on_off",
                    (
                        TargetSpec(
                            f"max by (scenario, service, fault) "
                            f'({FAULT_ACTIVE}{{job="{CHAOS_JOB}"}})',
                            "{{scenario}} {{service}} {{fault}}",
                            needs_fault=True,
                        ),
                    ),
                    kind=PanelKind.STATE_TIMELINE,
                    width=24,
                ),
                PanelSpec(
                    "In-service fault activations",
                    "Faults switched on through a service's admin route, per rate interval, by "
                    "kind.",
                    "short",
                    (
                        TargetSpec(
                            "sum by (kind) (increase(serving_fault_injections_total"
                            f'{{job="{FASTAPI_JOB}"}}[$__rate_interval]))',
                            "fastapi {{kind}}",
                            needs_fault=True,
                        ),
                        TargetSpec(
                            "sum by (kind) (increase(ray_serving_fault_injections_total"
                            f'{{job="{RAY_JOB}"}}[$__rate_interval]))',
                            "ray {{kind}}",
                            needs_fault=True,
                        ),
                    ),
                    min_value=0,
                ),
                PanelSpec(
                    "Client errors by service",
                    "Load-driver requests per second that ended in an error (5xx, timeout or "
                    "connection failure).",
                    "reqps",
                    (
                        TargetSpec(
                            f"sum by (service) (rate({CLIENT_REQUESTS}"
                            f'{{job="{CHAOS_JOB}", outcome="error"}}[$__rate_interval]))',
                            "{{service}}",
                            needs_fault=True,
                        ),
                    ),
                    min_value=0,
                ),
            ),
        ),
    ),
)
