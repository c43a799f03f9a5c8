"""Service overview: RED signals, in-flight requests and cancellations of both services."""

from dashboards.selectors import FASTAPI_HTTP, FASTAPI_JOB, RAY_DEPLOYMENT, RAY_HTTP, RAY_JOB
from dashboards.spec import DashboardSpec, PanelSpec, QueryVariableSpec, RowSpec, TargetSpec

_FASTAPI_COUNT = "http_server_request_duration_seconds_count"
_FASTAPI_BUCKET = "http_server_request_duration_seconds_bucket"
_RAY_COUNT = "ray_serve_num_http_requests_total"
_RAY_BUCKET = "ray_serve_http_request_latency_ms_bucket"

_QUANTILES = (0.5, 0.95, 0.99)


def _error_ratio(counter: str, selector: str, status_label: str) -> str:
    # "or vector(0)" keeps the ratio at 0 instead of empty while no 5xx series exists yet.
    errors = f'sum(rate({counter}{{{selector}, {status_label}=~"5.."}}[$__rate_interval]))'
    total = f"sum(rate({counter}{{{selector}}}[$__rate_interval]))"

    return f"({errors} or vector(0)) / {total}"


def _latency_targets(bucket: str, selector: str, divisor: str) -> tuple[TargetSpec, ...]:
    targets = []

    for quantile in _QUANTILES:
        expr = (
            f"histogram_quantile({quantile}, sum by (le) "
            f"(rate({bucket}{{{selector}}}[$__rate_interval]))){divisor}"
        )
        targets.append(TargetSpec(expr, f"p{round(quantile * 100)}"))

    return tuple(targets)


_TRAFFIC = RowSpec(
    "Traffic and errors",
    (
        PanelSpec(
            "FastAPI: request rate",
            "Requests per second by route, from the server duration histogram's count.",
            "reqps",
            (
                TargetSpec(
                    f"sum by (http_route) (rate({_FASTAPI_COUNT}{{{FASTAPI_HTTP}}}"
                    "[$__rate_interval]))",
                    "{{http_route}}",
                ),
            ),
        ),
        PanelSpec(
            "Ray Serve: request rate",
            "Requests per second by route, counted at the Ray Serve HTTP proxy.",
            "reqps",
            (
                TargetSpec(
                    f"sum by (route) (rate({_RAY_COUNT}{{{RAY_HTTP}}}[$__rate_interval]))",
                    "{{route}}",
                ),
            ),
        ),
        PanelSpec(
            "FastAPI: error ratio (5xx)",
            "Share of requests answered with a 5xx status. 4xx responses are not errors here.",
            "percentunit",
            (
                TargetSpec(
                    _error_ratio(_FASTAPI_COUNT, FASTAPI_HTTP, "http_response_status_code"),
                    "5xx ratio",
                ),
            ),
            min_value=0,
        ),
        PanelSpec(
            "Ray Serve: error ratio (5xx)",
            "Share of proxy requests answered with a 5xx status. 4xx responses are not errors "
            "here, unlike in ray_serve_num_http_error_requests_total.",
            "percentunit",
            (TargetSpec(_error_ratio(_RAY_COUNT, RAY_HTTP, "status_code"), "5xx ratio"),),
            min_value=0,
        ),
    ),
)

_LATENCY = RowSpec(
    "Latency",
    (
        PanelSpec(
            "FastAPI: latency p50, p95, p99",
            "Server-side request duration quantiles over all selected routes.",
            "s",
            _latency_targets(_FASTAPI_BUCKET, FASTAPI_HTTP, ""),
        ),
        PanelSpec(
            "Ray Serve: latency p50, p95, p99",
            "End-to-end latency at the Ray Serve proxy, queueing included. Ray records it in "
            "milliseconds; the queries divide by 1000 to show seconds.",
            "s",
            _latency_targets(_RAY_BUCKET, RAY_HTTP, " / 1000"),
        ),
    ),
)

_SATURATION = RowSpec(
    "In-flight requests and cancellations",
    (
        PanelSpec(
            "FastAPI: in-flight requests",
            "Requests being handled right now, by route.",
            "short",
            (
                TargetSpec(
                    f'sum by (http_route) (http_server_active_requests{{job="{FASTAPI_JOB}", '
                    'http_route=~"$route"})',
                    "{{http_route}}",
                ),
            ),
            min_value=0,
        ),
        PanelSpec(
            "Ray Serve: in-flight requests",
            "Requests open at the HTTP proxies, and requests executing in the replicas by "
            "deployment.",
            "short",
            (
                TargetSpec(f'sum(ray_serve_num_ongoing_http_requests{{job="{RAY_JOB}"}})', "proxy"),
                TargetSpec(
                    "sum by (deployment) "
                    f"(ray_serve_replica_processing_queries{{{RAY_DEPLOYMENT}}})",
                    "{{deployment}} processing",
                ),
            ),
            min_value=0,
        ),
        PanelSpec(
            "FastAPI: cancellations by reason",
            "Requests whose handler was cancelled, per second, by reason (client_disconnect or "
            "timeout). The series appear at the first cancellation.",
            "reqps",
            (
                TargetSpec(
                    f'sum by (reason) (rate(serving_requests_cancelled_total{{job="{FASTAPI_JOB}", '
                    'http_route=~"$route"}[$__rate_interval]))',
                    "{{reason}}",
                    needs_fault=True,
                ),
            ),
            min_value=0,
        ),
        PanelSpec(
            "Ray Serve: cancellations by reason",
            "Requests whose handler was cancelled in a replica, per second, by reason. The series "
            "appear at the first cancellation.",
            "reqps",
            (
                TargetSpec(
                    "sum by (reason) "
                    f"(rate(ray_serving_requests_cancelled_total{{{RAY_DEPLOYMENT}, "
                    'http_route=~"$route"}[$__rate_interval]))',
                    "{{reason}}",
                    needs_fault=True,
                ),
            ),
            min_value=0,
        ),
    ),
)

SPEC = DashboardSpec(
    title="Serving service overview",
    description=(
        "Rate, errors, latency, in-flight requests and cancellations of the FastAPI service "
        "(left) and the Ray Serve service (right)."
    ),
    tags=("overview", "fastapi", "ray-serve"),
    variables=(
        QueryVariableSpec(
            "route",
            "Route",
            f'label_values(http_server_request_duration_seconds_count{{job="{FASTAPI_JOB}"}}, '
            "http_route)",
        ),
        QueryVariableSpec(
            "deployment",
            "Deployment",
            f'label_values(ray_serve_deployment_replica_healthy{{job="{RAY_JOB}"}}, deployment)',
        ),
    ),
    rows=(_TRAFFIC, _LATENCY, _SATURATION),
)
