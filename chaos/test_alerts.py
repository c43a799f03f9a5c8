"""Alerts under chaos: the Watchdog heartbeat, and a page alert that fires and resolves."""

import pytest

from chaos.journal import JournalWriter, ScenarioRecord
from chaos.observability.alert_checks import wait_for_watchdog
from chaos.scenarios.availability_burn import AVAILABILITY_BURN, run_burn_scenario
from chaos.scenarios.runner import ScenarioRun
from chaos.targets.target import ChaosTarget

#: Seconds the Watchdog may take to reach the receiver once the stack is up. Its rule has no
#: ``for``, yet the first heartbeat arrived about 61 s after Prometheus was ready in a run of
#: Prometheus and Alertmanager 0.25 from Debian with the stack's timers.
# NOTE: the cause of that minute is not pinned down; the deadline leaves room for it.
WATCHDOG_DEADLINE_S = 120.0


def test_watchdog_heartbeat(chaos_target: ChaosTarget) -> None:
    if chaos_target.stack is None or chaos_target.stack.receiver is None:
        pytest.skip("the Watchdog check needs the embedded stack's webhook receiver")

    notification = wait_for_watchdog(chaos_target.stack.receiver, WATCHDOG_DEADLINE_S)

    assert notification is not None, (
        f"no heartbeat notification naming Watchdog reached the webhook receiver within "
        f"{WATCHDOG_DEADLINE_S} s; check the Alertmanager log in the stack's workdir"
    )
    assert notification.receiver == "heartbeat"


def test_availability_burn_page(chaos_target: ChaosTarget, chaos_journal: JournalWriter) -> None:
    scenario = AVAILABILITY_BURN
    if chaos_target.stack is None:
        pytest.skip("the burn scenario follows alerts through the embedded stack's receiver")
    if not chaos_target.allows("fail"):
        pytest.skip("the target does not allow 'fail' faults")

    record = ScenarioRecord(
        scenario=scenario.name,
        service=scenario.service,
        description=scenario.description,
        bounds=scenario.bounds.to_record(),
    )
    run = ScenarioRun(chaos_journal, record)
    try:
        run_burn_scenario(run, scenario, chaos_target.stack)
    except Exception as error:
        run.finish(error)
        raise
    run.finish()
