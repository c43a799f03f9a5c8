"""What a started reference service tells the rest of the suite about itself."""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ServiceEndpoint:
    """A running reference service, as the tests and the scenarios reach it.

    ``base_url`` is where clients send contract requests. ``metrics_urls`` lists every
    Prometheus exposition that belongs to the service (one for the FastAPI service, one per
    Ray node for Ray Serve). ``admin_token`` is the bearer token of the admin fault route.
    """

    name: str
    base_url: str
    admin_token: str
    metrics_urls: tuple[str, ...]
    request_timeout_s: float
    worker_pids: tuple[int, ...] = field(default=())
    details: dict[str, str] = field(default_factory=dict)
