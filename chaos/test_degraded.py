"""Hung and slow replicas: supervisors replace hung ones, the others keep serving."""

from pathlib import Path

import pytest

from chaos.journal import JournalWriter, ScenarioRecord
from chaos.scenarios.catalog_faults import HANG_SCENARIOS, SLOW_REPLICA_SCENARIOS
from chaos.scenarios.definitions import HangScenario, SlowReplicaScenario
from chaos.scenarios.degraded import run_hang_scenario, run_slow_replica_scenario
from chaos.scenarios.runner import ScenarioRun
from chaos.targets.target import ChaosTarget


@pytest.mark.parametrize(
    "scenario", HANG_SCENARIOS, ids=[f"{s.name}-{s.service}" for s in HANG_SCENARIOS]
)
def test_hang(
    scenario: HangScenario,
    chaos_target: ChaosTarget,
    chaos_journal: JournalWriter,
    chaos_out_dir: Path,
) -> None:
    if not chaos_target.allows("hung_replica"):
        pytest.skip("the target does not allow 'hung_replica' faults")
    if chaos_target.stack is None:
        pytest.skip("hangs need the embedded stack's replica and worker probes")

    record = ScenarioRecord(
        scenario=scenario.name,
        service=scenario.service,
        description=scenario.description,
        bounds=scenario.bounds.to_record(),
    )
    run = ScenarioRun(chaos_journal, record)
    stack = chaos_target.stack
    try:
        run_hang_scenario(run, scenario, stack, stack.proxied_url(scenario.service), chaos_out_dir)
    except Exception as error:
        run.finish(error)
        raise
    run.finish()


@pytest.mark.parametrize(
    "scenario",
    SLOW_REPLICA_SCENARIOS,
    ids=[f"{s.name}-{s.service}" for s in SLOW_REPLICA_SCENARIOS],
)
def test_slow_replica(
    scenario: SlowReplicaScenario,
    chaos_target: ChaosTarget,
    chaos_journal: JournalWriter,
    chaos_out_dir: Path,
) -> None:
    if not chaos_target.allows("slow_replica"):
        pytest.skip("the target does not allow 'slow_replica' faults")
    if chaos_target.stack is None:
        pytest.skip("slow replicas need the embedded stack's replica probes and Prometheus")

    record = ScenarioRecord(
        scenario=scenario.name,
        service=scenario.service,
        description=scenario.description,
        bounds=scenario.bounds.to_record(),
    )
    run = ScenarioRun(chaos_journal, record)
    stack = chaos_target.stack
    try:
        run_slow_replica_scenario(
            run, scenario, stack, stack.proxied_url(scenario.service), chaos_out_dir
        )
    except Exception as error:
        run.finish(error)
        raise
    run.finish()
