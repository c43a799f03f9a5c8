"""Label selectors and metric names shared by the dashboards.

The job names match the Prometheus scrape jobs: ``fastapi`` for the FastAPI service, ``ray`` for
the Ray metrics agents and ``chaos`` for the chaos suite's load driver and fault windows.
"""

from alerts.parameters import NON_SLO_ROUTES, RAY_APPLICATION

FASTAPI_JOB = "fastapi"
RAY_JOB = "ray"
CHAOS_JOB = "chaos"

#: Routes that serve probes, metrics and fault injection; the dashboards leave them out.
_NON_USER_ROUTES = "|".join(NON_SLO_ROUTES)

#: FastAPI user traffic, filtered by the ``route`` template variable.
FASTAPI_HTTP = f'job="{FASTAPI_JOB}", http_route!~"{_NON_USER_ROUTES}", http_route=~"$route"'

#: Ray Serve proxy traffic of the application. ``/-/.*`` are Serve's own routes
#: (``/-/healthz``, ``/-/routes``).
RAY_HTTP = (
    f'job="{RAY_JOB}", application="{RAY_APPLICATION}", '
    f'route!~"/-/.*|{_NON_USER_ROUTES}", route=~"$route"'
)

#: Series that Ray Serve labels with the application and deployment.
RAY_DEPLOYMENT = f'job="{RAY_JOB}", application="{RAY_APPLICATION}", deployment=~"$deployment"'

#: Ray node metrics (``ray_node_*``), one series set per node.
RAY_NODE = f'job="{RAY_JOB}"'

#: Load-driver request counter: labels ``service``, ``route`` and ``outcome`` ("ok" or "error").
CLIENT_REQUESTS = "chaos_client_requests_total"

#: Load-driver latency histogram, with the same buckets as the server-side histogram.
CLIENT_DURATION_BUCKET = "chaos_client_request_duration_seconds_bucket"

#: 1 while a fault is active, labelled ``scenario``, ``service`` and ``fault``; 0 or absent
#: otherwise.
FAULT_ACTIVE = "chaos_fault_active"

#: Expression of the fault-window annotation that every dashboard carries.
FAULT_ANNOTATION_EXPR = (
    f'max by (scenario, service, fault) ({FAULT_ACTIVE}{{job="{CHAOS_JOB}"}}) > 0'
)
