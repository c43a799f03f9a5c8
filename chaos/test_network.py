"""Latency, bandwidth, resets, cuts and an outage on the fault proxy in front of each service."""

from pathlib import Path

import pytest

from chaos.journal import JournalWriter, ScenarioRecord
from chaos.scenarios.catalog_faults import CUT_SCENARIOS, NETWORK_SCENARIOS
from chaos.scenarios.definitions import NetworkScenario
from chaos.scenarios.network import run_network_scenario
from chaos.scenarios.runner import ScenarioRun
from chaos.targets.target import ChaosTarget

CASES = [
    (scenario, service)
    for scenario in (*NETWORK_SCENARIOS, *CUT_SCENARIOS)
    for service in ("fastapi", "ray")
]


def run_proxied(
    scenario: NetworkScenario,
    service: str,
    target: ChaosTarget,
    journal: JournalWriter,
    out_dir: Path,
) -> None:
    """Run one network scenario through the embedded stack's fault proxy and judge it."""
    if not target.allows("network"):
        pytest.skip("the target does not allow 'network' faults")
    stack = target.stack
    if stack is None or stack.fault_proxy is None:
        pytest.skip("network faults need the embedded stack's fault proxy; a target file has none")
    fault_proxy_api = stack.fault_proxy.api_url
    record = ScenarioRecord(
        scenario=scenario.name,
        service=service,
        description=scenario.description,
        bounds=scenario.bounds.to_record(),
    )
    run = ScenarioRun(journal, record)
    try:
        run_network_scenario(
            run,
            scenario,
            stack.services()[service],
            stack.proxied_url(service),
            fault_proxy_api,
            out_dir,
        )
    except Exception as error:
        run.finish(error)
        raise
    run.finish()


@pytest.mark.parametrize(
    ("scenario", "service"), CASES, ids=[f"{s.name}-{svc}" for s, svc in CASES]
)
def test_network_fault(
    scenario: NetworkScenario,
    service: str,
    chaos_target: ChaosTarget,
    chaos_journal: JournalWriter,
    chaos_out_dir: Path,
) -> None:
    run_proxied(scenario, service, chaos_target, chaos_journal, chaos_out_dir)
