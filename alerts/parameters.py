"""Every tunable number of the alert rules: SLO targets, burn-rate windows and symptom thresholds.

Change a value here, run ``python -m alerts.generate`` and commit the regenerated files under
``alerts/rules/`` and ``alerts/tests/``. The test suite regenerates them and fails on any
difference.
"""

from dataclasses import dataclass

#: Length of the SLO period in days; the burn-rate factors below assume 30 days.
SLO_PERIOD_DAYS = 30

#: Availability objective: share of requests on the SLO routes that do not end in a 5xx status.
AVAILABILITY_TARGET = 0.995

#: Latency objective: share of requests on the SLO routes that finish within the threshold.
LATENCY_TARGET = 0.99

#: Latency threshold in seconds. It must be a bucket boundary of both histograms the latency SLI
#: reads: 0.5 s in the services' seconds histogram and 500 ms in Ray Serve's proxy histogram.
LATENCY_THRESHOLD_SECONDS = 0.5

#: Routes that serve probes, metrics and fault injection rather than users; no SLI counts them.
NON_SLO_ROUTES = ("/metrics", "/healthz", "/readyz", "/admin/faults")

#: Every window a recording rule computes the SLI error ratio over, in Prometheus duration syntax.
SLI_WINDOWS = ("5m", "30m", "1h", "2h", "6h", "1d", "3d")


@dataclass(frozen=True)
class BurnWindow:
    """One multi-window pair: fire when both windows burn faster than ``factor`` times budget."""

    severity: str
    long_window: str
    short_window: str
    factor: float


#: The multi-window multi-burn-rate table for a 30-day SLO. A factor of 14.4 over 1 h spends 2 %
#: of the 30-day budget in that hour; 6 over 6 h spends 5 %; 3 over 1 d and 1 over 3 d spend 10 %.
BURN_WINDOWS = (
    BurnWindow("page", "1h", "5m", 14.4),
    BurnWindow("page", "6h", "30m", 6.0),
    BurnWindow("ticket", "1d", "2h", 3.0),
    BurnWindow("ticket", "3d", "6h", 1.0),
)

#: ``for`` duration of the burn-rate alerts per severity. A short hold absorbs one late scrape.
BURN_FOR = {"page": "2m", "ticket": "10m"}

#: Path prefix of the runbooks; each alert links ``<prefix><AlertName>.md``.
RUNBOOK_PREFIX = "docs/runbooks/"

#: The Ray Serve application, as the Ray service deploys it.
RAY_APPLICATION = "serving"

#: ``max_replicas`` of each deployment's autoscaling config, one alert rule per deployment.
#: NOTE: these values are not read from the Ray service; keep them in step with its config.
AUTOSCALING_MAX_REPLICAS = {
    "Ingress": 2,
    "Embedder": 3,
    "Classifier": 2,
    "Generator": 2,
}


@dataclass(frozen=True)
class SymptomThresholds:
    """Thresholds and hold durations of the alerts that watch causes rather than the SLIs."""

    replica_unhealthy_for: str = "5m"
    crash_loop_window: str = "15m"
    crash_loop_max_starts: int = 3
    node_lost_for: str = "2m"
    node_count_lookback: str = "1h"
    queue_backlog_max: int = 20
    queue_backlog_for: str = "5m"
    autoscaler_at_max_for: str = "15m"
    worker_restart_window: str = "30m"
    worker_restart_max_loads: int = 3
    target_down_for: str = "3m"
    metrics_absent_for: str = "10m"


SYMPTOMS = SymptomThresholds()


def error_budget(target: float) -> float:
    """Return the error budget of an objective: the share of requests allowed to fail it."""
    if not 0.0 < target < 1.0:
        message = f"SLO target {target!r} is outside (0, 1); give it as a ratio such as 0.995"
        raise ValueError(message)

    return round(1.0 - target, 12)


def days_to_exhaustion(factor: float) -> float:
    """Return how many days a constant burn at ``factor`` takes to spend the whole budget."""
    return SLO_PERIOD_DAYS / factor
