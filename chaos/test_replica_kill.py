"""Replica and worker kills under load: recovery time, failures only in flight, every outcome."""

from pathlib import Path

import pytest

from chaos.journal import JournalWriter, ScenarioRecord
from chaos.scenarios.catalog import KILL_SCENARIOS
from chaos.scenarios.definitions import KillScenario
from chaos.scenarios.replica_kill import run_kill_scenario
from chaos.scenarios.runner import ScenarioRun
from chaos.targets.target import ChaosTarget


@pytest.mark.parametrize(
    "scenario", KILL_SCENARIOS, ids=[f"{s.name}-{s.service}" for s in KILL_SCENARIOS]
)
def test_kill(
    scenario: KillScenario,
    chaos_target: ChaosTarget,
    chaos_journal: JournalWriter,
    chaos_out_dir: Path,
) -> None:
    fault = "replica_kill" if scenario.service == "ray" else "worker_kill"
    if not chaos_target.allows(fault):
        pytest.skip(f"the target does not allow {fault!r} faults")
    if chaos_target.stack is None:
        pytest.skip(
            "kills need the embedded stack's process and Ray drivers; a target file has none"
        )

    record = ScenarioRecord(
        scenario=scenario.name,
        service=scenario.service,
        description=scenario.description,
        bounds=scenario.bounds.to_record(),
    )
    run = ScenarioRun(chaos_journal, record)
    try:
        run_kill_scenario(run, scenario, chaos_target.stack, chaos_out_dir)
    except Exception as error:
        run.finish(error)
        raise
    run.finish()
