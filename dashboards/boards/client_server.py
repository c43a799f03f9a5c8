"""Client versus server SLIs: the chaos load driver's measurements next to each service's own."""

from dashboards.selectors import (
    CHAOS_JOB,
    CLIENT_DURATION_BUCKET,
    CLIENT_REQUESTS,
    FASTAPI_HTTP,
    FASTAPI_JOB,
    RAY_HTTP,
    RAY_JOB,
)
from dashboards.spec import DashboardSpec, PanelSpec, QueryVariableSpec, RowSpec, TargetSpec


def _client_selector(service: str) -> str:
    return f'job="{CHAOS_JOB}", service="{service}", route=~"$route"'


def _client_success_ratio(service: str) -> str:
    selector = _client_selector(service)
    ok = f'sum(rate({CLIENT_REQUESTS}{{{selector}, outcome="ok"}}[$__rate_interval]))'
    total = f"sum(rate({CLIENT_REQUESTS}{{{selector}}}[$__rate_interval]))"

    return f"({ok} or vector(0)) / {total}"


def _server_success_ratio(counter: str, selector: str, status_label: str) -> str:
    errors = f'sum(rate({counter}{{{selector}, {status_label}=~"5.."}}[$__rate_interval]))'
    total = f"sum(rate({counter}{{{selector}}}[$__rate_interval]))"

    return f"1 - ({errors} or vector(0)) / {total}"


def _quantile(quantile: float, bucket: str, selector: str, divisor: str = "") -> str:
    return (
        f"histogram_quantile({quantile}, sum by (le) "
        f"(rate({bucket}{{{selector}}}[$__rate_interval]))){divisor}"
    )


def _service_row(
    name: str,
    service: str,
    server_counter: str,
    server_bucket: str,
    server_selector: str,
    status_label: str,
    server_divisor: str,
) -> RowSpec:
    client = _client_selector(service)

    return RowSpec(
        name,
        (
            PanelSpec(
                f"{name}: success ratio, client vs server",
                "Client: share of load-driver requests with outcome ok (timeouts and connection "
                "errors count as errors). Server: share of requests without a 5xx status. A gap "
                "means failures the server never saw, such as dropped connections.",
                "percentunit",
                (
                    TargetSpec(_client_success_ratio(service), "client"),
                    TargetSpec(
                        _server_success_ratio(server_counter, server_selector, status_label),
                        "server",
                    ),
                ),
                max_value=1,
            ),
            PanelSpec(
                f"{name}: latency p50 and p99, client vs server",
                "Client latency includes the network path and any injected delay; server latency "
                "starts when the service receives the request.",
                "s",
                (
                    TargetSpec(_quantile(0.5, CLIENT_DURATION_BUCKET, client), "client p50"),
                    TargetSpec(_quantile(0.99, CLIENT_DURATION_BUCKET, client), "client p99"),
                    TargetSpec(
                        _quantile(0.5, server_bucket, server_selector, server_divisor),
                        "server p50",
                    ),
                    TargetSpec(
                        _quantile(0.99, server_bucket, server_selector, server_divisor),
                        "server p99",
                    ),
                ),
            ),
            PanelSpec(
                f"{name}: request rate, client vs server",
                "Requests per second sent by the load driver and received by the service. The "
                "server rate falls below the client rate when requests are lost on the way.",
                "reqps",
                (
                    TargetSpec(
                        f"sum(rate({CLIENT_REQUESTS}{{{client}}}[$__rate_interval]))", "client"
                    ),
                    TargetSpec(
                        f"sum(rate({server_counter}{{{server_selector}}}[$__rate_interval]))",
                        "server",
                    ),
                ),
                width=24,
            ),
        ),
    )


SPEC = DashboardSpec(
    title="Client vs server SLI",
    description=(
        "The chaos load driver's success ratio and latency next to the server-side SLIs of each "
        'service. The load driver labels its series with service="fastapi" or service="ray".'
    ),
    tags=("sli", "chaos", "fastapi", "ray-serve"),
    variables=(
        QueryVariableSpec(
            "route", "Route", f'label_values({CLIENT_REQUESTS}{{job="{CHAOS_JOB}"}}, route)'
        ),
    ),
    rows=(
        _service_row(
            "FastAPI",
            FASTAPI_JOB,
            "http_server_request_duration_seconds_count",
            "http_server_request_duration_seconds_bucket",
            FASTAPI_HTTP,
            "http_response_status_code",
            "",
        ),
        _service_row(
            "Ray Serve",
            RAY_JOB,
            "ray_serve_num_http_requests_total",
            "ray_serve_http_request_latency_ms_bucket",
            RAY_HTTP,
            "status_code",
            " / 1000",
        ),
    ),
)
