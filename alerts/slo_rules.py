"""Recording rules for the SLI error ratios and the multi-window multi-burn-rate alerts."""

from collections.abc import Callable
from typing import Any

from alerts.parameters import (
    AVAILABILITY_TARGET,
    BURN_FOR,
    BURN_WINDOWS,
    LATENCY_TARGET,
    LATENCY_THRESHOLD_SECONDS,
    RUNBOOK_PREFIX,
    SLI_WINDOWS,
    BurnWindow,
    days_to_exhaustion,
    error_budget,
)
from alerts.sli import SERVICES, ServiceSli, availability_error_ratio, latency_error_ratio

Rule = dict[str, Any]

#: Name of the recorded error ratio over ``window``, following ``level:metric:operations``.
RECORD_PREFIX = "slo:sli_error:ratio_rate"

#: SLO name -> (objective, builder of the error-ratio expression, wording of a bad request).
SLOS: dict[str, tuple[float, Callable[[ServiceSli, str], str], str]] = {
    "availability": (AVAILABILITY_TARGET, availability_error_ratio, "5xx ratio"),
    "latency": (
        LATENCY_TARGET,
        latency_error_ratio,
        f"share of requests slower than {LATENCY_THRESHOLD_SECONDS:g}s",
    ),
}

#: Alert name per SLO and severity; one alert name covers both services and both window pairs.
BURN_ALERT_NAMES = {
    ("availability", "page"): "AvailabilityBudgetBurnPage",
    ("availability", "ticket"): "AvailabilityBudgetBurnTicket",
    ("latency", "page"): "LatencyBudgetBurnPage",
    ("latency", "ticket"): "LatencyBudgetBurnTicket",
}


def recording_rules(slo: str) -> list[Rule]:
    """Build one recording rule per service and window for the error ratio of ``slo``."""
    _, build_expression, _ = SLOS[slo]
    rules: list[Rule] = []

    for sli in SERVICES:
        for window in SLI_WINDOWS:
            rules.append(
                {
                    "record": f"{RECORD_PREFIX}{window}",
                    "expr": build_expression(sli, window),
                    "labels": {"service": sli.service, "slo": slo},
                }
            )

    return rules


def _format_factor(factor: float) -> str:
    return f"{factor:g}"


def burn_threshold(slo: str, factor: float) -> float:
    """Return the error ratio above which ``slo`` burns its budget ``factor`` times too fast."""
    target, _, _ = SLOS[slo]
    return round(factor * error_budget(target), 12)


def burn_alert(slo: str, service: str, window: BurnWindow) -> Rule:
    """Build the alert for one SLO, service and window pair of the burn-rate table."""
    target, _, bad_request = SLOS[slo]
    threshold = burn_threshold(slo, window.factor)
    matcher = f'{{service="{service}", slo="{slo}"}}'
    name = BURN_ALERT_NAMES[(slo, window.severity)]
    factor = _format_factor(window.factor)
    budget_percent = f"{error_budget(target) * 100:g}%"
    days = f"{days_to_exhaustion(window.factor):.1f}"

    expression = (
        f"{RECORD_PREFIX}{window.long_window}{matcher} > {threshold:g}\n"
        f"and\n"
        f"{RECORD_PREFIX}{window.short_window}{matcher} > {threshold:g}\n"
    )
    description = (
        f"Service {{{{ $labels.service }}}}: the {bad_request} over the last "
        f"{window.long_window} is {{{{ $value | humanizePercentage }}}} and the "
        f"{window.short_window} ratio is above the threshold as well. The threshold is "
        f"{threshold * 100:g}%, {factor}x the {budget_percent} error budget of the "
        f"{target * 100:g}% {slo} SLO; at this rate the 30-day budget is spent in about "
        f"{days} days."
    )
    return {
        "alert": name,
        "expr": expression,
        "for": BURN_FOR[window.severity],
        "labels": {
            "severity": window.severity,
            "service": service,
            "slo": slo,
            "long_window": window.long_window,
            "short_window": window.short_window,
            "burn_rate": factor,
        },
        "annotations": {
            "summary": (
                f"{{{{ $labels.service }}}} is burning its {slo} error budget over {factor}x "
                f"the sustainable rate ({window.long_window} and {window.short_window} windows)."
            ),
            "description": description,
            "runbook_url": f"{RUNBOOK_PREFIX}{name}.md",
        },
    }


def burn_alerts(slo: str) -> list[Rule]:
    """Build every burn-rate alert of ``slo``: each window pair for each service."""
    return [burn_alert(slo, sli.service, window) for sli in SERVICES for window in BURN_WINDOWS]


def slo_groups() -> list[Rule]:
    """Return the rule groups of ``alerts/rules/slo.yml``: recordings first, then alerts."""
    recordings = [{"name": f"slo-{slo}-recordings", "rules": recording_rules(slo)} for slo in SLOS]
    alerts = [{"name": f"slo-{slo}-alerts", "rules": burn_alerts(slo)} for slo in SLOS]
    return recordings + alerts
