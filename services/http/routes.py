"""Route paths of the contract; the metrics middleware labels requests with these templates."""

EMBEDDINGS = "/v1/embeddings"
CLASSIFY = "/v1/classify"
GENERATE = "/v1/generate"
HEALTHZ = "/healthz"
READYZ = "/readyz"
METRICS = "/metrics"
ADMIN_FAULTS = "/admin/faults"

ALL_ROUTES = frozenset({EMBEDDINGS, CLASSIFY, GENERATE, HEALTHZ, READYZ, METRICS, ADMIN_FAULTS})

#: ``http_route`` label of requests that match no route, so unknown paths add no label values.
UNMATCHED_ROUTE = "unmatched"


def route_label(path: str) -> str:
    """Return the route template of ``path`` for metric labels."""
    return path if path in ALL_ROUTES else UNMATCHED_ROUTE
