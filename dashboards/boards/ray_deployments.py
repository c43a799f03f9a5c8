"""Ray Serve deployments: replica health, queues, autoscaling, restarts and batch sizes."""

from alerts.parameters import RAY_APPLICATION
from dashboards.selectors import RAY_DEPLOYMENT, RAY_JOB
from dashboards.spec import (
    DashboardSpec,
    PanelKind,
    PanelSpec,
    QueryVariableSpec,
    RowSpec,
    TargetSpec,
)

_HEALTHY = "ray_serve_deployment_replica_healthy"

_REPLICAS = RowSpec(
    "Replicas",
    (
        PanelSpec(
            "Replicas by health",
            "Replicas per deployment whose health gauge is 1 (healthy) or 0 (unhealthy). The "
            "unhealthy series exist only while a replica fails its health check.",
            "short",
            (
                TargetSpec(
                    f"sum by (deployment) ({_HEALTHY}{{{RAY_DEPLOYMENT}}} == 1)",
                    "{{deployment}} healthy",
                ),
                TargetSpec(
                    f"count by (deployment) ({_HEALTHY}{{{RAY_DEPLOYMENT}}} == 0)",
                    "{{deployment}} unhealthy",
                    needs_fault=True,
                ),
            ),
            min_value=0,
        ),
        PanelSpec(
            "Deployment status",
            "ray_serve_deployment_status per deployment: 1 DEPLOY_FAILED, 2 UNHEALTHY, "
            "3 UPDATING, 4 UPSCALING, 5 DOWNSCALING, 6 HEALTHY.",
            "none",
            (
                TargetSpec(
                    f"max by (deployment) (ray_serve_deployment_status{{{RAY_DEPLOYMENT}}})",
                    "{{deployment}}",
                ),
            ),
            kind=PanelKind.STATE_TIMELINE,
        ),
        PanelSpec(
            "Autoscaling: target vs actual replicas",
            "Target replicas (the autoscaling policy's decision after min and max bounds), the "
            "raw desired count before the bounds, and the replicas that are healthy now.",
            "short",
            (
                TargetSpec(
                    "max by (deployment) "
                    f"(ray_serve_autoscaling_target_replicas{{{RAY_DEPLOYMENT}}})",
                    "{{deployment}} target",
                ),
                TargetSpec(
                    "max by (deployment) "
                    f"(ray_serve_autoscaling_desired_replicas{{{RAY_DEPLOYMENT}}})",
                    "{{deployment}} desired",
                ),
                TargetSpec(
                    f"sum by (deployment) ({_HEALTHY}{{{RAY_DEPLOYMENT}}})",
                    "{{deployment}} actual",
                ),
            ),
            min_value=0,
        ),
        PanelSpec(
            "Replica starts and health-check failures",
            "Replica starts (restarts included) and failed health checks per rate interval. "
            "Health-check failure series appear at the first failure.",
            "short",
            (
                TargetSpec(
                    "sum by (deployment) (increase(ray_serve_deployment_replica_starts_total"
                    f"{{{RAY_DEPLOYMENT}}}[$__rate_interval]))",
                    "{{deployment}} starts",
                ),
                TargetSpec(
                    "sum by (deployment) (increase(ray_serve_health_check_failures_total"
                    f"{{{RAY_DEPLOYMENT}}}[$__rate_interval]))",
                    "{{deployment}} health-check failures",
                    needs_fault=True,
                ),
            ),
            min_value=0,
        ),
    ),
)

_LOAD = RowSpec(
    "Requests and batching",
    (
        PanelSpec(
            "Ongoing and queued requests",
            "Requests executing in replicas, and requests waiting in the routers for a replica "
            "(a growing queue means backpressure).",
            "short",
            (
                TargetSpec(
                    "sum by (deployment) "
                    f"(ray_serve_replica_processing_queries{{{RAY_DEPLOYMENT}}})",
                    "{{deployment}} ongoing",
                ),
                TargetSpec(
                    "sum by (deployment) "
                    f"(ray_serve_deployment_queued_queries{{{RAY_DEPLOYMENT}}})",
                    "{{deployment}} queued",
                ),
            ),
            min_value=0,
        ),
        PanelSpec(
            "Batch size p50 and p95",
            "Texts per batch sent through the embedder, from the service's own batch-size "
            "histogram.",
            "short",
            tuple(
                TargetSpec(
                    f"histogram_quantile({quantile}, sum by (le, deployment) "
                    f"(rate(ray_serving_batch_size_bucket{{{RAY_DEPLOYMENT}}}[$__rate_interval])))",
                    "{{deployment}} p" + label,
                )
                for quantile, label in ((0.5, "50"), (0.95, "95"))
            ),
            min_value=0,
        ),
    ),
)

SPEC = DashboardSpec(
    title="Ray Serve deployments",
    description=(
        f"Health, load, autoscaling and batching of the deployments of the Ray Serve "
        f"application {RAY_APPLICATION!r}."
    ),
    tags=("ray-serve",),
    variables=(
        QueryVariableSpec(
            "deployment",
            "Deployment",
            f'label_values({_HEALTHY}{{job="{RAY_JOB}", application="{RAY_APPLICATION}"}}, '
            "deployment)",
        ),
    ),
    rows=(_REPLICAS, _LOAD),
)
