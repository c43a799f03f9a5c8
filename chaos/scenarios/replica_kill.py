"""Replica and worker kills under open-loop load.

Steps: steady state (replica count and a short load judged against the SLA), load, fault
(one kill), checks during the fault (the victim leaves and a replacement arrives), rollback
(nothing the suite added; the supervisor replaces the victim, which the step waits for) and
recovery (time to recovery from the ledger and the replica count, failures only among
requests in flight at the kill, every request with an outcome).
"""

import asyncio
import time
from dataclasses import dataclass, field
from pathlib import Path

from chaos.faults.process_kill import kill_worker
from chaos.faults.ray_replica import kill_replica
from chaos.faults.record import InjectedFault
from chaos.ledger import Ledger, summarize, time_to_recovery
from chaos.load.config import LoadConfig
from chaos.load.driver import OpenLoopDriver
from chaos.observability.alert_checks import check_alerts
from chaos.probes.replicas import APPLICATION, expected_members, serving_members
from chaos.scenarios.definitions import KillScenario
from chaos.scenarios.load_runs import EMBEDDING_MIX, run_load, steady_state_config
from chaos.scenarios.runner import ScenarioRun
from chaos.stack.embedded import EmbeddedStack
from chaos.verdicts import Check

_POLL_S = 0.5
_STEADY_STATE_S = 4.0


@dataclass
class MembershipTrace:
    """When the victim left the serving set and when the full count came back without it."""

    victim_gone_at: float | None = None
    restored_at: float | None = None
    samples: list[tuple[float, int]] = field(default_factory=list)


def run_kill_scenario(
    run: ScenarioRun, scenario: KillScenario, stack: EmbeddedStack, out_dir: Path
) -> None:
    """Run ``scenario`` against the stack and record the checks in ``run``."""
    endpoint = stack.services()[scenario.service]
    expected = expected_members(stack, scenario.service, scenario.deployment)
    sla = scenario.bounds.sla

    with run.step("steady_state", expected_replicas=expected) as step:
        members = serving_members(stack, scenario.service, scenario.deployment)
        _, summary = asyncio.run(
            run_load(steady_state_config(endpoint.base_url, scenario.rate_rps, _STEADY_STATE_S))
        )
        step.details.update(replicas=len(members), ledger=summary.__dict__)
    run.check(
        Check.equals(
            "steady_state.replicas", len(members), expected, "serving replicas before the fault"
        )
    )
    run.check(
        Check.at_least(
            "steady_state.success_ratio",
            summary.success_ratio,
            sla.min_success_ratio,
            "steady-state ledger",
        )
    )
    run.check(
        Check.at_most(
            "steady_state.p95_s", summary.latency_p95_s, sla.max_p95_s, "steady-state ledger"
        )
    )
    if not run.verdict.passed:
        return

    config = LoadConfig(
        base_url=endpoint.base_url,
        rate_rps=scenario.rate_rps,
        duration_s=scenario.before_fault_s + scenario.after_fault_s,
        mix=EMBEDDING_MIX,
        timeout_s=5.0,
        new_connection_per_request=True,
        phase="before_fault",
    )
    ledger = Ledger()
    trace = MembershipTrace()
    with run.step("load", rate_rps=config.rate_rps, duration_s=config.duration_s, mix="embeddings"):
        fault = asyncio.run(_drive(run, scenario, stack, config, ledger, trace, members))
    run.record.fault = fault.to_record()

    with run.step(
        "rollback",
        action="none added by the suite; waited for the supervisor to restore the replica count",
    ) as step:
        _wait_restored(
            stack,
            scenario,
            fault,
            trace,
            members,
            expected,
            deadline_s=scenario.bounds.recovery_deadline_s,
        )
        step.details.update(restored_after_kill_s=_after(trace.restored_at, fault))

    with run.step("recovery") as step:
        _judge(run, scenario, fault, ledger, trace, out_dir)
        step.details.update(time_to_recovery_s=run.record.time_to_recovery_s)

    # A replica that heals within its bound must not page: the scenario's page alerts are silent.
    with run.step("alert_checks"):
        check_alerts(run, stack, scenario.alerts, fault.injected_at_unix_s)


async def _drive(
    run: ScenarioRun,
    scenario: KillScenario,
    stack: EmbeddedStack,
    config: LoadConfig,
    ledger: Ledger,
    trace: MembershipTrace,
    members_before: list[str],
) -> InjectedFault:
    driver = OpenLoopDriver(config, ledger)
    load = asyncio.create_task(driver.run())
    await asyncio.sleep(scenario.before_fault_s)

    driver.set_phase("fault")
    with run.step("fault", method=scenario.method, deployment=scenario.deployment) as step:
        fault = await asyncio.to_thread(_inject, scenario, stack)
        step.details.update(fault.to_record())

    with run.step("checks_during_fault") as step:
        while not load.done():
            now = time.time()
            members = await asyncio.to_thread(
                serving_members, stack, scenario.service, scenario.deployment
            )
            trace.samples.append((now, len(members)))
            _update_trace(
                trace,
                members,
                fault,
                members_before,
                expected_members(stack, scenario.service, scenario.deployment),
                now,
            )
            await asyncio.sleep(_POLL_S)
        step.details.update(
            victim_gone_after_kill_s=_after(trace.victim_gone_at, fault),
            restored_after_kill_s=_after(trace.restored_at, fault),
            replica_count_samples=[count for _, count in trace.samples],
        )

    await load
    return fault


def _inject(scenario: KillScenario, stack: EmbeddedStack) -> InjectedFault:
    if scenario.service == "ray":
        assert stack.ray is not None
        return kill_replica(stack.ray.cluster, APPLICATION, scenario.deployment, scenario.method)
    assert stack.fastapi is not None
    return kill_worker(stack.fastapi.worker_pids())


def _victim_id(fault: InjectedFault) -> str:
    return fault.victim


def _update_trace(
    trace: MembershipTrace,
    members: list[str],
    fault: InjectedFault,
    members_before: list[str],
    expected: int,
    now: float,
) -> None:
    victim = _victim_id(fault)
    if trace.victim_gone_at is None and victim not in members:
        trace.victim_gone_at = now
    replaced = victim not in members and len(members) >= expected
    if trace.restored_at is None and trace.victim_gone_at is not None and replaced:
        trace.restored_at = now


def _wait_restored(
    stack: EmbeddedStack,
    scenario: KillScenario,
    fault: InjectedFault,
    trace: MembershipTrace,
    members_before: list[str],
    expected: int,
    deadline_s: float,
) -> None:
    deadline = fault.injected_at_unix_s + deadline_s + 30.0
    while trace.restored_at is None and time.time() < deadline:
        now = time.time()
        members = serving_members(stack, scenario.service, scenario.deployment)
        _update_trace(trace, members, fault, members_before, expected, now)
        time.sleep(_POLL_S)


def _after(moment: float | None, fault: InjectedFault) -> float | None:
    return None if moment is None else round(moment - fault.injected_at_unix_s, 3)


def _judge(
    run: ScenarioRun,
    scenario: KillScenario,
    fault: InjectedFault,
    ledger: Ledger,
    trace: MembershipTrace,
    out_dir: Path,
) -> None:
    bounds = scenario.bounds
    entries = list(ledger.entries)
    offset = ledger.clock_offset_s
    kill_monotonic = fault.injected_at_unix_s - offset

    ledger_path = out_dir / f"{scenario.name}-{scenario.service}.ledger.jsonl"
    ledger.export_jsonl(ledger_path)
    run.record.ledger_path = str(ledger_path)
    summary = summarize(entries)
    run.record.ledger_summary = summary.__dict__

    ledger_recovery = time_to_recovery(entries, kill_monotonic, bounds.sla)
    restored = _after(trace.restored_at, fault)
    recovery = (
        None if ledger_recovery is None or restored is None else max(ledger_recovery, restored)
    )
    run.record.time_to_recovery_s = None if recovery is None else round(recovery, 3)

    failed = [entry for entry in entries if entry.finished and not entry.ok]
    late = [
        entry
        for entry in failed
        if entry.sent_s is None or entry.sent_s > kill_monotonic + bounds.in_flight_grace_s
    ]
    early = [entry for entry in failed if entry.end_s is not None and entry.end_s < kill_monotonic]
    run.record.failed_requests = len(failed)

    run.check(
        Check.at_most(
            "time_to_recovery_s",
            recovery,
            bounds.recovery_deadline_s,
            f"SLA met again {ledger_recovery} s and replicas restored {restored} s after the kill",
        )
    )
    run.check(
        Check.at_most(
            "failed_requests", len(failed), bounds.max_failed, "ledger entries that failed"
        )
    )
    run.check(
        Check.equals(
            "failed_after_kill_grace",
            len(late),
            0,
            f"failures sent over {bounds.in_flight_grace_s} s after the kill (not in flight on it)",
        )
    )
    run.check(
        Check.equals("failed_before_kill", len(early), 0, "failures that ended before the kill")
    )
    run.check(
        Check.equals(
            "requests_without_outcome",
            len(ledger.unfinished()),
            0,
            "every ledger entry must have an outcome",
        )
    )
