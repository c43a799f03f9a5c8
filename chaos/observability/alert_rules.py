"""Hold durations of the shipped alert rules and the detection-latency floor they imply.

The floor is the shortest time from a fault to the first notification that the stack's timers
allow: one scrape interval until Prometheus sees the change, one evaluation interval until a
rule reads it, the rule's ``for`` duration, and Alertmanager's ``group_wait`` before the first
notification of a new group.
"""

import re
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from chaos.stack.timers import StackTimers

ALERT_RULES_DIR = Path(__file__).resolve().parents[2] / "alerts" / "rules"

_DURATION = re.compile(r"(\d+)(ms|s|m|h|d)")
_UNIT_S = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}


def parse_duration_s(text: str) -> float:
    """Return the seconds of a Prometheus duration such as ``2m`` or ``1h30m``."""
    parts = _DURATION.findall(text)
    if not parts or "".join(value + unit for value, unit in parts) != text:
        message = f"invalid Prometheus duration {text!r}; expected e.g. '2m', '90s' or '1h30m'"
        raise ValueError(message)
    return sum(int(value) * _UNIT_S[unit] for value, unit in parts)


@cache
def rule_hold_durations(rules_dir: Path = ALERT_RULES_DIR) -> dict[str, tuple[float, ...]]:
    """Return the ``for`` durations in seconds of every alert rule, by alert name.

    An alert name can have several rules (one per burn-window pair or per deployment); each
    contributes its own duration, 0 when the rule has no ``for``.
    """
    durations: dict[str, list[float]] = {}
    for path in sorted(rules_dir.glob("*.yml")):
        document: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for group in document.get("groups", []):
            for rule in group.get("rules", []):
                name = rule.get("alert")
                if name is None:
                    continue
                hold = parse_duration_s(str(rule["for"])) if "for" in rule else 0.0
                durations.setdefault(name, []).append(hold)
    return {name: tuple(sorted(values)) for name, values in durations.items()}


def hold_duration_s(alert: str, rules_dir: Path = ALERT_RULES_DIR) -> float:
    """Return the shortest ``for`` of the rules named ``alert``; raise if there is none."""
    durations = rule_hold_durations(rules_dir)
    if alert not in durations:
        message = (
            f"alert {alert!r} is not defined in {rules_dir}; expected one of {sorted(durations)}"
        )
        raise KeyError(message)
    return durations[alert][0]


def detection_floor_s(alert: str, timers: StackTimers) -> float:
    """Return scrape interval + evaluation interval + the rule's ``for`` + ``group_wait``."""
    return (
        timers.prometheus_scrape_interval_s
        + timers.prometheus_evaluation_interval_s
        + hold_duration_s(alert)
        + timers.alertmanager_group_wait_s
    )
