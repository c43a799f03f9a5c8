"""Generate the ``promtool test rules`` cases of the burn-rate alerts from the parameters.

Each case feeds a constant (or stepped) share of bad requests at 10 000 requests per minute and
states which window pairs must fire. The shares sit about 4 % above and below every burn-rate
threshold, so a wrong factor, budget, window or comparison fails a case. Noise series on excluded
routes, 4xx statuses and Serve's own ``/-/`` routes check that the SLI selectors drop them.
"""

from dataclasses import dataclass
from typing import Any

from alerts.parameters import BURN_FOR, BURN_WINDOWS, RAY_APPLICATION, SLI_WINDOWS, BurnWindow
from alerts.sli import SERVICES
from alerts.slo_rules import (
    BURN_ALERT_NAMES,
    RECORD_PREFIX,
    SLOS,
    burn_alert,
    burn_threshold,
    slo_groups,
)

TestGroup = dict[str, Any]

REQUESTS_PER_MINUTE = 10_000

#: Relative distance of the "just above" and "just below" cases from each threshold.
MARGIN = 0.04


@dataclass(frozen=True)
class Segment:
    """``minutes`` of traffic in which ``bad`` of every ``REQUESTS_PER_MINUTE`` requests fail."""

    bad: int
    minutes: int


def _counter_values(increments: list[tuple[int, int]]) -> str:
    """Expand (increment per minute, minutes) steps into promtool's series notation."""
    parts: list[str] = []
    value = 0

    for index, (increment, minutes) in enumerate(increments):
        if index == 0:
            parts.append(f"0+{increment}x{minutes}")
        else:
            parts.append(f"{value + increment}+{increment}x{minutes - 1}")
        value += increment * minutes

    return " ".join(parts)


def _availability_series(service: str, segments: list[Segment]) -> list[dict[str, str]]:
    client_errors = 400
    good = _counter_values(
        [(REQUESTS_PER_MINUTE - s.bad - client_errors, s.minutes) for s in segments]
    )
    bad = _counter_values([(s.bad, s.minutes) for s in segments])
    minutes = sum(s.minutes for s in segments)
    noise = f"0+5000x{minutes}"
    client = f"0+{client_errors // 2}x{minutes}"

    if service == "fastapi":
        base = (
            'http_server_request_duration_seconds_count{job="fastapi", http_request_method="POST"'
        )
        rows = [
            (f'{base}, http_route="/v1/embeddings", http_response_status_code="200"}}', good),
            (f'{base}, http_route="/v1/classify", http_response_status_code="500"}}', bad),
            (f'{base}, http_route="/v1/generate", http_response_status_code="422"}}', client),
            (f'{base}, http_route="/v1/generate", http_response_status_code="499"}}', client),
            (f'{base}, http_route="/healthz", http_response_status_code="500"}}', noise),
            (f'{base}, http_route="/readyz", http_response_status_code="503"}}', noise),
            (f'{base}, http_route="/admin/faults", http_response_status_code="500"}}', noise),
            (f'{base}, http_route="/metrics", http_response_status_code="500"}}', noise),
        ]
    else:
        base = f'ray_serve_num_http_requests_total{{job="ray", application="{RAY_APPLICATION}"'
        rows = [
            (f'{base}, route="/v1/embeddings", method="POST", status_code="200"}}', good),
            (f'{base}, route="/v1/classify", method="POST", status_code="500"}}', bad),
            (f'{base}, route="/v1/generate", method="POST", status_code="408"}}', client),
            (f'{base}, route="/v1/generate", method="POST", status_code="499"}}', client),
            (f'{base}, route="/-/healthz", method="GET", status_code="500"}}', noise),
            (f'{base}, route="/readyz", method="GET", status_code="503"}}', noise),
        ]

    return [{"series": series, "values": values} for series, values in rows]


def _latency_series(service: str, segments: list[Segment]) -> list[dict[str, str]]:
    minutes = sum(s.minutes for s in segments)
    total = f"0+{REQUESTS_PER_MINUTE}x{minutes}"
    fast = _counter_values([(REQUESTS_PER_MINUTE - s.bad, s.minutes) for s in segments])
    slow_noise_total = f"0+5000x{minutes}"
    slow_noise_fast = f"0+0x{minutes}"

    if service == "fastapi":
        name = "http_server_request_duration_seconds"
        labels = 'job="fastapi", http_request_method="POST", http_response_status_code="200"'
        route_label, le, noise_route = "http_route", 'le="0.5"', "/healthz"
    else:
        name = "ray_serve_http_request_latency_ms"
        labels = f'job="ray", application="{RAY_APPLICATION}", method="POST", status_code="200"'
        route_label, le, noise_route = "route", 'le="500.0"', "/-/healthz"

    route = f'{route_label}="/v1/embeddings"'
    noise = f'{route_label}="{noise_route}"'
    rows = [
        (f"{name}_count{{{labels}, {route}}}", total),
        (f"{name}_bucket{{{labels}, {route}, {le}}}", fast),
        (f"{name}_count{{{labels}, {noise}}}", slow_noise_total),
        (f"{name}_bucket{{{labels}, {noise}, {le}}}", slow_noise_fast),
    ]
    return [{"series": series, "values": values} for series, values in rows]


def _percentage(ratio: float) -> str:
    """Format a ratio as Prometheus' ``humanizePercentage`` does (Go ``%.4g`` of percent)."""
    return f"{ratio * 100:.4g}%"


def _expected_alert(slo: str, service: str, window: BurnWindow, value: float) -> dict[str, Any]:
    rule = burn_alert(slo, service, window)
    annotations = {
        key: text.replace("{{ $labels.service }}", service).replace(
            "{{ $value | humanizePercentage }}", _percentage(value)
        )
        for key, text in rule["annotations"].items()
    }
    return {"exp_labels": dict(rule["labels"]), "exp_annotations": annotations}


def _minutes(duration: str) -> int:
    if not duration.endswith("m"):
        message = f"hold duration {duration!r} is not in minutes; write it as, for example, '10m'"
        raise ValueError(message)

    return int(duration[:-1])


def _alert_checks(
    slo: str, service: str, eval_minute: int, firing: dict[BurnWindow, float]
) -> list[dict[str, Any]]:
    checks = []

    for severity in ("page", "ticket"):
        expected = [
            _expected_alert(slo, service, window, value)
            for window, value in firing.items()
            if window.severity == severity
        ]
        checks.append(
            {
                "eval_time": f"{eval_minute}m",
                "alertname": BURN_ALERT_NAMES[(slo, severity)],
                "exp_alerts": expected,
            }
        )

    return checks


def _steady_group(slo: str, service: str, bad: int, title: str) -> TestGroup:
    ratio = bad / REQUESTS_PER_MINUTE
    minutes = 40
    segments = [Segment(bad, minutes)]
    build = _availability_series if slo == "availability" else _latency_series
    firing = {w: ratio for w in BURN_WINDOWS if ratio > burn_threshold(slo, w.factor)}
    checks = _alert_checks(slo, service, 30, firing)

    # The ratio exists from the second sample (minute 1) on. The alert must stay pending for
    # its whole ``for`` duration and fire on the evaluation that completes it.
    for severity, hold in BURN_FOR.items():
        pairs = {w: v for w, v in firing.items() if w.severity == severity}
        if pairs:
            fire_minute = 1 + _minutes(hold)
            before = _alert_checks(slo, service, fire_minute - 1, {})
            at = _alert_checks(slo, service, fire_minute, pairs)
            checks.extend(c for c in before if c["alertname"] == BURN_ALERT_NAMES[(slo, severity)])
            checks.extend(c for c in at if c["alertname"] == BURN_ALERT_NAMES[(slo, severity)])

    # promtool 2.42 compares sample values exactly, so each recorded ratio is checked to be
    # within 1e-9 of the expected one and the check reads 1 (true) or 0 (false).
    expression_checks = [
        {
            "expr": (
                f'abs({RECORD_PREFIX}{window}{{service="{service}", slo="{slo}"}} - {ratio:g})'
                " < bool 1e-9"
            ),
            "eval_time": "30m",
            "exp_samples": [{"labels": f'{{service="{service}", slo="{slo}"}}', "value": 1}],
        }
        for window in SLI_WINDOWS
    ]
    return {
        "name": f"{service} {slo}: {title} ({ratio:g} bad)",
        "interval": "1m",
        "input_series": build(service, segments),
        "alert_rule_test": checks,
        "promql_expr_test": expression_checks,
    }


def _short_window_group(slo: str, service: str) -> TestGroup:
    """A burst that stopped: the long windows still exceed 14.4x, the 5m window is clean."""
    bad = 2000
    segments = [Segment(bad, 60), Segment(0, 20)]
    build = _availability_series if slo == "availability" else _latency_series
    six_hour_ratio = bad * 60 / (REQUESTS_PER_MINUTE * 70)
    page_six_hours = next(w for w in BURN_WINDOWS if w.long_window == "6h")
    checks = _alert_checks(slo, service, 70, {page_six_hours: six_hour_ratio})
    return {
        "name": f"{service} {slo}: stopped burst leaves the 5m window clean",
        "interval": "1m",
        "input_series": build(service, segments),
        "alert_rule_test": [c for c in checks if c["alertname"].endswith("Page")],
    }


def slo_test_groups() -> list[TestGroup]:
    """Return every test group for the burn-rate alerts of both SLOs and both services."""
    groups: list[TestGroup] = []

    for slo in SLOS:
        for sli in SERVICES:
            for window in BURN_WINDOWS:
                threshold = burn_threshold(slo, window.factor)
                above = round(threshold * (1 + MARGIN) * REQUESTS_PER_MINUTE)
                below = round(threshold * (1 - MARGIN) * REQUESTS_PER_MINUTE)
                factor = f"{window.factor:g}x"
                groups.append(_steady_group(slo, sli.service, above, f"just above {factor}"))
                groups.append(_steady_group(slo, sli.service, below, f"just below {factor}"))

            groups.append(_short_window_group(slo, sli.service))

    return groups


def slo_test_file(rule_file: str) -> dict[str, Any]:
    """Return the whole promtool test document for ``rule_file``, relative to the test file."""
    # Recording groups go first so that an alert at time t reads the ratios recorded at t.
    # Without an order, promtool evaluates the groups in an unspecified order.
    return {
        "rule_files": [rule_file],
        "evaluation_interval": "1m",
        "group_eval_order": [group["name"] for group in slo_groups()],
        "tests": slo_test_groups(),
    }
