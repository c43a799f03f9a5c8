"""Client-side timeouts behind a blackhole, and end-to-end request timeouts (408)."""

from pathlib import Path

import pytest

from chaos.journal import JournalWriter, ScenarioRecord
from chaos.probes.replicas import expected_members
from chaos.scenarios.catalog_faults import BLACKHOLE_SCENARIOS, TIMEOUT_SCENARIOS
from chaos.scenarios.definitions import EndToEndTimeoutScenario, NetworkScenario
from chaos.scenarios.runner import ScenarioRun
from chaos.scenarios.timeouts import run_timeout_scenario
from chaos.targets.target import ChaosTarget
from chaos.test_network import run_proxied

SERVICES = ("fastapi", "ray")
BLACKHOLE_CASES = [(scenario, service) for scenario in BLACKHOLE_SCENARIOS for service in SERVICES]
TIMEOUT_CASES = [(scenario, service) for scenario in TIMEOUT_SCENARIOS for service in SERVICES]


@pytest.mark.parametrize(
    ("scenario", "service"),
    BLACKHOLE_CASES,
    ids=[f"{s.name}-{svc}" for s, svc in BLACKHOLE_CASES],
)
def test_blackhole(
    scenario: NetworkScenario,
    service: str,
    chaos_target: ChaosTarget,
    chaos_journal: JournalWriter,
    chaos_out_dir: Path,
) -> None:
    run_proxied(scenario, service, chaos_target, chaos_journal, chaos_out_dir)


@pytest.mark.parametrize(
    ("scenario", "service"), TIMEOUT_CASES, ids=[f"{s.name}-{svc}" for s, svc in TIMEOUT_CASES]
)
def test_request_timeout(
    scenario: EndToEndTimeoutScenario,
    service: str,
    chaos_target: ChaosTarget,
    chaos_journal: JournalWriter,
    chaos_out_dir: Path,
) -> None:
    if not chaos_target.allows("slow_replica"):
        pytest.skip("the target does not allow 'slow_replica' faults")
    if chaos_target.stack is None:
        pytest.skip("the scenario runs through the embedded stack's fault proxy")

    stack = chaos_target.stack
    record = ScenarioRecord(
        scenario=scenario.name,
        service=service,
        description=scenario.description,
        bounds=scenario.bounds.to_record(),
    )
    run = ScenarioRun(chaos_journal, record)
    deployment = "Embedder" if service == "ray" else "worker"
    replicas = expected_members(stack, service, deployment)
    try:
        run_timeout_scenario(
            run,
            scenario,
            stack.services()[service],
            stack.proxied_url(service),
            replicas,
            chaos_out_dir,
        )
    except Exception as error:
        run.finish(error)
        raise
    run.finish()
