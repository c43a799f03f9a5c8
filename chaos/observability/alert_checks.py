"""Checks that a scenario fired the alerts it expects, and only those.

``check_alerts`` is the one call a scenario makes after its fault: it waits (with a deadline)
for a firing notification of every alert in ``expectation.fire``, measures the detection
latency from the fault start next to its floor, checks that no alert in
``expectation.silent`` fired during the scenario, and stores the results in
``run.record.alerts``. ``check_resolved`` waits for the resolved notification of one alert.
Evidence comes from the suite's webhook receiver, which sees what an on-call person would.
"""

import re
import time
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

import structlog

from chaos.observability.alert_rules import detection_floor_s, hold_duration_s
from chaos.observability.receiver import Notification, WebhookReceiver
from chaos.scenarios.definitions import AlertExpectation
from chaos.scenarios.runner import ScenarioRun
from chaos.stack.embedded import EmbeddedStack
from chaos.verdicts import Check

logger = structlog.get_logger("chaos.alerts")

#: Seconds between two looks at the receiver's notifications.
POLL_S = 0.5

#: Extra seconds over the floor that a fired alert may take by default: Prometheus sends
#: alerts to Alertmanager on the evaluation after the rule fires, and two cores running the
#: services can delay a scrape or an evaluation by a few seconds.
DEFAULT_FIRE_SLACK_S = 30.0

_RFC3339 = re.compile(r"(?P<base>[^.Z+]+?)(?P<fraction>\.\d+)?(?P<zone>Z|[+-]\d\d:\d\d)")


@dataclass
class AlertResult:
    """What the receiver saw of one alert during one scenario."""

    alert: str
    expected: str
    floor_s: float
    fired: bool = False
    first_fired_at_unix_s: float | None = None
    detection_latency_s: float | None = None
    resolved_at_unix_s: float | None = None
    resolved_after_fault_end_s: float | None = None


def alert_events(
    receiver: WebhookReceiver,
    alert: str,
    status: str,
    since_unix_s: float,
    service: str | None = None,
) -> list[tuple[Notification, dict[str, Any]]]:
    """Return the notifications since ``since_unix_s`` that carry ``alert`` with ``status``.

    ``status`` is an alert's own status, ``firing`` or ``resolved``. ``service`` keeps only
    alerts whose ``service`` label matches; ``None`` keeps every service. A firing alert
    counts only when it started after ``since_unix_s``, so a repeat of an older alert does
    not count against a later scenario.
    """
    events: list[tuple[Notification, dict[str, Any]]] = []
    for notification in receiver.notifications(since_unix_s):
        for item in notification.alerts():
            labels = item.get("labels", {})
            if labels.get("alertname") != alert or item.get("status") != status:
                continue
            if service is not None and labels.get("service") not in (None, service):
                continue
            if status == "firing" and _starts_at_unix_s(item) < since_unix_s - 1.0:
                continue
            events.append((notification, item))
    return events


def check_alerts(
    run: ScenarioRun,
    stack: EmbeddedStack,
    expectation: AlertExpectation,
    fault_started_at: float,
    *,
    service: str | None = None,
    fire_slack_s: float = DEFAULT_FIRE_SLACK_S,
) -> dict[str, AlertResult]:
    """Wait for every expected alert, check the silent ones, and record both in ``run``.

    ``service`` filters alerts by their ``service`` label (default: the scenario's service;
    ``both`` checks every service). An expected alert must fire within its detection floor
    plus ``fire_slack_s`` of ``fault_started_at`` and no sooner than its rule's ``for``
    duration. A silent alert must have no firing notification since the scenario started.
    """
    receiver = _receiver(stack)
    label = _service_filter(service or run.record.service)
    results: dict[str, AlertResult] = {}

    for alert in expectation.fire:
        floor = detection_floor_s(alert, stack.timers)
        result = AlertResult(alert=alert, expected="fire", floor_s=floor)
        deadline = fault_started_at + floor + fire_slack_s
        first = _wait_first(receiver, alert, "firing", fault_started_at, label, deadline)
        if first is not None:
            result.fired = True
            result.first_fired_at_unix_s = first.received_at_unix_s
            result.detection_latency_s = round(first.received_at_unix_s - fault_started_at, 3)
        results[alert] = result
        _check_fired(run, result, fire_slack_s)

    window_start = run.record.started_at_unix_s
    for alert in expectation.silent:
        floor = detection_floor_s(alert, stack.timers)
        result = AlertResult(alert=alert, expected="silent", floor_s=floor)
        fired = alert_events(receiver, alert, "firing", window_start, label)
        if fired:
            result.fired = True
            result.first_fired_at_unix_s = fired[0][0].received_at_unix_s
            result.detection_latency_s = round(result.first_fired_at_unix_s - fault_started_at, 3)
        results[alert] = result
        run.check(
            Check.equals(
                f"alert.{alert}.silent",
                len(fired),
                0,
                f"firing notifications naming {alert} (service {label or 'any'}) since the "
                "scenario started",
            )
        )

    _record(run, expectation, fault_started_at, label, results)
    return results


def check_resolved(
    run: ScenarioRun,
    stack: EmbeddedStack,
    result: AlertResult,
    fault_ended_at: float,
    deadline_unix_s: float,
    service: str | None = None,
) -> None:
    """Wait until ``deadline_unix_s`` for the resolved notification of a fired alert."""
    label = _service_filter(service or run.record.service)
    since = result.first_fired_at_unix_s or fault_ended_at
    first = _wait_first(_receiver(stack), result.alert, "resolved", since, label, deadline_unix_s)
    if first is not None:
        result.resolved_at_unix_s = first.received_at_unix_s
        result.resolved_after_fault_end_s = round(first.received_at_unix_s - fault_ended_at, 3)

    run.check(
        Check.at_most(
            f"alert.{result.alert}.resolved_after_fault_end_s",
            result.resolved_after_fault_end_s,
            round(deadline_unix_s - fault_ended_at, 3),
            "resolved notification from Alertmanager after the fault was cleared",
        )
    )
    results = run.record.alerts.get("results", {})
    results[result.alert] = asdict(result)
    run.record_alerts({**run.record.alerts, "results": results})


def wait_for_watchdog(receiver: WebhookReceiver, timeout_s: float) -> Notification | None:
    """Return the first heartbeat notification naming ``Watchdog``, waiting up to ``timeout_s``."""
    deadline = time.time() + timeout_s
    while True:
        for notification in receiver.notifications():
            names = {item.get("labels", {}).get("alertname") for item in notification.alerts()}
            if notification.receiver == "heartbeat" and "Watchdog" in names:
                return notification
        if time.time() >= deadline:
            return None
        time.sleep(POLL_S)


def _check_fired(run: ScenarioRun, result: AlertResult, fire_slack_s: float) -> None:
    evidence = (
        f"first firing notification after the fault start; floor {result.floor_s} s = scrape "
        "+ evaluation + the rule's for + Alertmanager group_wait"
    )
    run.check(
        Check.at_most(
            f"alert.{result.alert}.detection_latency_s",
            result.detection_latency_s,
            round(result.floor_s + fire_slack_s, 3),
            evidence,
        )
    )
    run.check(
        Check.at_least(
            f"alert.{result.alert}.detection_latency_vs_for_s",
            result.detection_latency_s,
            hold_duration_s(result.alert),
            "an alert cannot fire before its rule's for duration has passed",
        )
    )


def _wait_first(
    receiver: WebhookReceiver,
    alert: str,
    status: str,
    since: float,
    service: str | None,
    deadline: float,
) -> Notification | None:
    while True:
        events = alert_events(receiver, alert, status, since, service)
        if events:
            return events[0][0]
        if time.time() >= deadline:
            logger.warning("alert_not_seen", alert=alert, status=status, since=since)
            return None
        time.sleep(POLL_S)


def _record(
    run: ScenarioRun,
    expectation: AlertExpectation,
    fault_started_at: float,
    service: str | None,
    results: dict[str, AlertResult],
) -> None:
    run.record_alerts(
        {
            "expectation": expectation.to_record(),
            "fault_started_at_unix_s": fault_started_at,
            "service_label": service,
            "results": {name: asdict(result) for name, result in results.items()},
        }
    )


def _receiver(stack: EmbeddedStack) -> WebhookReceiver:
    if stack.receiver is None:
        message = "the embedded stack has no webhook receiver; alert checks need one"
        raise RuntimeError(message)
    return stack.receiver


def _service_filter(service: str) -> str | None:
    return None if service == "both" else service


def _starts_at_unix_s(item: dict[str, Any]) -> float:
    """Parse Alertmanager's ``startsAt`` (RFC 3339, up to nanoseconds) into Unix seconds."""
    match = _RFC3339.fullmatch(str(item.get("startsAt", "")))
    if match is None:
        return 0.0
    zone = "+00:00" if match["zone"] == "Z" else match["zone"]
    seconds = datetime.fromisoformat(match["base"] + zone).timestamp()
    return seconds + float("0" + (match["fraction"] or ""))
