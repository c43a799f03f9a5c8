"""Client disconnects mid-stream, mid-call and while queued for a batch: proof of cancellation."""

import pytest

from chaos.journal import JournalWriter, ScenarioRecord
from chaos.probes.replicas import expected_members
from chaos.scenarios.catalog import DISCONNECT_SCENARIOS
from chaos.scenarios.client_disconnect import plan, run_disconnect_scenario
from chaos.scenarios.definitions import DisconnectScenario
from chaos.scenarios.runner import ScenarioRun
from chaos.targets.target import ChaosTarget


def _replicas(target: ChaosTarget, service: str, scenario: DisconnectScenario) -> int:
    """Return how many replicas the scenario's slow fault must reach on the embedded stack."""
    deployment = plan(scenario.moment, service).downstream
    if target.stack is None or service != "ray" or deployment is None:
        return 1
    return expected_members(target.stack, service, deployment)


CASES = [
    (scenario, service)
    for scenario in DISCONNECT_SCENARIOS
    for service in ("fastapi", "ray")
    if scenario.service in ("both", service)
]


@pytest.mark.parametrize(
    ("scenario", "service"), CASES, ids=[f"{s.name}-{svc}" for s, svc in CASES]
)
def test_disconnect(
    scenario: DisconnectScenario,
    service: str,
    chaos_target: ChaosTarget,
    chaos_journal: JournalWriter,
) -> None:
    if not chaos_target.allows("client_disconnect"):
        pytest.skip("the target does not allow 'client_disconnect' faults")
    endpoint = chaos_target.endpoints.get(service)
    if endpoint is None:
        pytest.skip(f"the target has no {service!r} service")

    record = ScenarioRecord(
        scenario=scenario.name,
        service=service,
        description=scenario.description,
        bounds=scenario.bounds.to_record(),
    )
    run = ScenarioRun(chaos_journal, record)
    try:
        replicas = _replicas(chaos_target, service, scenario)
        run_disconnect_scenario(run, scenario, endpoint, replicas, stack=chaos_target.stack)
    except Exception as error:
        run.finish(error)
        raise
    run.finish()
