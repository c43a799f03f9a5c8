"""PromQL for the availability and latency error ratios of each service, over any window.

Both SLIs are error ratios (bad requests / all requests on the SLO routes), so a burn rate is the
ratio divided by the error budget.

- FastAPI (job ``fastapi``): the services' own ``http_server_request_duration_seconds`` histogram,
  whose ``_count`` carries the status code and whose ``le="0.5"`` bucket gives the latency SLI.
- Ray Serve (job ``ray``): the proxy's ``ray_serve_num_http_requests_total`` and
  ``ray_serve_http_request_latency_ms`` (milliseconds). The proxy records every response the
  client gets, including 5xx sent while the Ingress replica is dead, overloaded or restarting,
  and the time requests wait in the router queue. The custom ``ray_http_server_*`` histogram is
  recorded inside the Ingress replica, so it misses exactly those requests. Ray's exporter
  writes bucket bounds as floats (``"500.0"``), so the bucket matcher accepts ``500`` and
  ``500.0``.
"""

from dataclasses import dataclass

from alerts.parameters import LATENCY_THRESHOLD_SECONDS, NON_SLO_ROUTES, RAY_APPLICATION


@dataclass(frozen=True)
class ServiceSli:
    """Selectors that define one service's SLIs; ``{window}`` is filled in per recording rule."""

    service: str
    requests_counter: str
    requests_selector: str
    status_label: str
    latency_bucket: str
    latency_count: str
    latency_selector: str
    latency_le: str


def _excluded_routes(label: str, extra: tuple[str, ...] = ()) -> str:
    routes = "|".join((*extra, *NON_SLO_ROUTES))
    return f'{label}!~"{routes}"'


def _ray_le(seconds: float) -> str:
    milliseconds = round(seconds * 1000)
    return f'le=~"{milliseconds}(\\\\.0)?"'


FASTAPI = ServiceSli(
    service="fastapi",
    requests_counter="http_server_request_duration_seconds_count",
    requests_selector=f'job="fastapi", {_excluded_routes("http_route")}',
    status_label="http_response_status_code",
    latency_bucket="http_server_request_duration_seconds_bucket",
    latency_count="http_server_request_duration_seconds_count",
    latency_selector=f'job="fastapi", {_excluded_routes("http_route")}',
    latency_le=f'le="{LATENCY_THRESHOLD_SECONDS:g}"',
)

RAY = ServiceSli(
    service="ray",
    requests_counter="ray_serve_num_http_requests_total",
    requests_selector=(
        f'job="ray", application="{RAY_APPLICATION}", {_excluded_routes("route", ("/-/.*",))}'
    ),
    status_label="status_code",
    latency_bucket="ray_serve_http_request_latency_ms_bucket",
    latency_count="ray_serve_http_request_latency_ms_count",
    latency_selector=(
        f'job="ray", application="{RAY_APPLICATION}", {_excluded_routes("route", ("/-/.*",))}'
    ),
    latency_le=_ray_le(LATENCY_THRESHOLD_SECONDS),
)

SERVICES = (FASTAPI, RAY)


def availability_error_ratio(sli: ServiceSli, window: str) -> str:
    """Return PromQL for the share of SLO-route requests that ended in a 5xx status.

    4xx statuses, including 499 (client closed the request) and 408, count as good requests: the
    client caused them or gave up, and slow requests are the latency SLI's concern. With traffic
    but no 5xx series yet, the ratio is 0 rather than absent, so dashboards and burn rates show
    a value from the first request on.
    """
    errors = (
        f'sum(rate({sli.requests_counter}{{{sli.requests_selector}, {sli.status_label}=~"5.."}}'
        f"[{window}]))"
    )
    total = f"sum(rate({sli.requests_counter}{{{sli.requests_selector}}}[{window}]))"
    return f"(\n  {errors}\n  or\n  vector(0)\n)\n/\n{total}\n"


def latency_error_ratio(sli: ServiceSli, window: str) -> str:
    """Return PromQL for the share of SLO-route requests slower than the latency threshold."""
    total = f"sum(rate({sli.latency_count}{{{sli.latency_selector}}}[{window}]))"
    fast = f"sum(rate({sli.latency_bucket}{{{sli.latency_selector}, {sli.latency_le}}}[{window}]))"
    return f"(\n  {total}\n  -\n  {fast}\n)\n/\n{total}\n"
