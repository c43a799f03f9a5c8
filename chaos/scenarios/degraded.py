"""Degraded replicas: one hung (event loop blocked, process alive) and one slow.

Hung: the admin ``hang`` fault blocks one replica's event loop. Ray Serve's health check
(``check_health`` runs on that loop) then times out; after 3 consecutive failures Serve stops
the replica and starts a new one. Gunicorn kills a worker whose heartbeat is older than its
``timeout`` and forks a new one. Detection (hang to the victim leaving the serving set) is
compared with the supervisor's theoretical bound plus a stated margin.

Slow: the admin ``slow`` fault on one replica of a two-replica deployment (or one of two
FastAPI workers). Latency must rise in the ledger and in the service's own histogram in
Prometheus while the other replica keeps serving.
"""

import asyncio
import math
import statistics
import time
from pathlib import Path
from typing import Any

from chaos.faults.admin_faults import admin_fault, apply_fault, wait_for_expiry
from chaos.faults.fault_window import FaultWindow, run_with_fault
from chaos.faults.hang import detection_bound, is_victim
from chaos.ledger import Ledger, LedgerEntry, percentile
from chaos.load.config import LoadConfig
from chaos.load.driver import OpenLoopDriver
from chaos.probes.prometheus import PrometheusClient
from chaos.probes.replicas import expected_members, serving_members
from chaos.scenarios.definitions import HangScenario, SlowReplicaScenario
from chaos.scenarios.load_runs import EMBEDDING_MIX
from chaos.scenarios.network import export_ledger
from chaos.scenarios.runner import ScenarioRun
from chaos.stack.embedded import EmbeddedStack
from chaos.verdicts import Check

ROUTE = "/v1/embeddings"
_POLL_S = 0.25
#: Prometheus scrapes every 1 s and Ray's metrics agent exports every 0.5 s, so after this wait
#: the window's last samples are stored before the query.
_SCRAPE_LAG_S = 3.0


def run_hang_scenario(
    run: ScenarioRun,
    scenario: HangScenario,
    stack: EmbeddedStack,
    proxied_url: str,
    out_dir: Path,
) -> None:
    """Hang one replica or worker under load and measure detection and replacement."""
    service = scenario.service
    endpoint = stack.services()[service]
    expected = expected_members(stack, service, scenario.deployment)
    bound = detection_bound(stack, service, scenario.deployment)
    bounds = scenario.bounds

    with run.step("steady_state", expected_replicas=expected, detection_bound=bound) as step:
        members = serving_members(stack, service, scenario.deployment)
        step.details.update(replicas=members)
    run.check(Check.equals("steady_state.replicas", len(members), expected, "serving members"))
    if len(members) != expected:
        return

    config = LoadConfig(
        base_url=proxied_url,
        rate_rps=scenario.rate_rps,
        duration_s=scenario.before_fault_s + scenario.after_fault_s,
        mix=EMBEDDING_MIX,
        timeout_s=endpoint.request_timeout_s + 2.0,
        new_connection_per_request=True,
        phase="before_fault",
    )
    trace: dict[str, Any] = {}
    with run.step("load", rate_rps=config.rate_rps, duration_s=config.duration_s):
        ledger = asyncio.run(_drive_hang(run, scenario, stack, config, expected, trace))

    with run.step("rollback", action="wait for the replacement or the hang's expiry") as step:
        _watch(stack, scenario, trace, expected, trace["hung_at"] + bounds.replacement_deadline_s)
        if trace.get("detected_at") is None:
            step.details.update(waited_for_expiry_s=wait_for_expiry(trace["applied"]))
        step.details.update(replaced_after_s=_after(trace, "replaced_at"))

    export_ledger(run, ledger, out_dir)
    with run.step("recovery") as step:
        step.details.update(_judge_hang(run, scenario, bound, ledger, trace))


async def _drive_hang(
    run: ScenarioRun,
    scenario: HangScenario,
    stack: EmbeddedStack,
    config: LoadConfig,
    expected: int,
    trace: dict[str, Any],
) -> Ledger:
    driver = OpenLoopDriver(config)
    load = asyncio.create_task(driver.run())
    try:
        await asyncio.sleep(scenario.before_fault_s)
        endpoint = stack.services()[scenario.service]
        target = "embedder" if scenario.service == "ray" else "ingress"
        with run.step("fault", kind="hang", target=target, duration_s=scenario.hang_s) as step:
            applied = await asyncio.to_thread(
                apply_fault, endpoint, "hang", target, scenario.hang_s
            )
            trace.update(applied=applied, victim=applied[0]["replica_id"], hung_at=time.time())
            driver.set_phase("fault")
            run.record.fault = {"kind": "hang", "target": target, "victim": trace["victim"]}
            step.details.update(applied=applied)

        with run.step("checks_during_fault") as step:
            while not load.done():
                await asyncio.to_thread(_observe, stack, scenario, trace, expected)
                await asyncio.sleep(_POLL_S)
            step.details.update(
                detected_after_s=_after(trace, "detected_at"),
                replaced_after_s=_after(trace, "replaced_at"),
            )
    except BaseException:
        driver.stop()
        await asyncio.gather(load, return_exceptions=True)
        raise
    return await load


def _observe(
    stack: EmbeddedStack, scenario: HangScenario, trace: dict[str, Any], expected: int
) -> None:
    now = time.time()
    members = serving_members(stack, scenario.service, scenario.deployment)
    victim_serving = any(is_victim(m, trace["victim"], scenario.service) for m in members)
    if trace.get("detected_at") is None and not victim_serving:
        trace["detected_at"] = now
    replaced = not victim_serving and len(members) >= expected
    if trace.get("detected_at") is not None and trace.get("replaced_at") is None and replaced:
        trace["replaced_at"] = now
        trace["members_after"] = members


def _watch(
    stack: EmbeddedStack,
    scenario: HangScenario,
    trace: dict[str, Any],
    expected: int,
    deadline: float,
) -> None:
    while trace.get("replaced_at") is None and time.time() < deadline:
        _observe(stack, scenario, trace, expected)
        time.sleep(_POLL_S)


def _after(trace: dict[str, Any], key: str) -> float | None:
    moment = trace.get(key)
    return None if moment is None else round(moment - trace["hung_at"], 3)


def _judge_hang(
    run: ScenarioRun,
    scenario: HangScenario,
    bound: dict[str, Any],
    ledger: Ledger,
    trace: dict[str, Any],
) -> dict[str, Any]:
    bounds = scenario.bounds
    detected = _after(trace, "detected_at")
    replaced = _after(trace, "replaced_at")
    offset = ledger.clock_offset_s
    entries = list(ledger.entries)
    failed = [entry for entry in entries if entry.finished and not entry.ok]
    delayed = [
        entry
        for entry in entries
        if entry.ok and entry.latency_s is not None and entry.latency_s > bounds.delayed_after_s
    ]
    late_limit = (
        None if trace.get("detected_at") is None else trace["detected_at"] + bounds.failure_grace_s
    )
    late = [
        entry for entry in failed if late_limit is None or entry.intended_s + offset > late_limit
    ]
    run.record.failed_requests = len(failed)
    run.record.time_to_recovery_s = replaced

    run.check(
        Check.at_most(
            "detection_s",
            detected,
            bound["bound_s"] + bounds.detection_margin_s,
            f"hang to the victim leaving the serving set; theoretical bound {bound['bound_s']} s "
            f"plus margin {bounds.detection_margin_s} s",
        )
    )
    run.check(
        Check.at_most(
            "replacement_s",
            replaced,
            bounds.replacement_deadline_s,
            "hang to the full serving count without the victim",
        )
    )
    run.check(Check.at_most("failed_requests", len(failed), bounds.max_failed, "ledger"))
    run.check(
        Check.equals(
            "failed_after_detection",
            len(late),
            0,
            f"failures sent over {bounds.failure_grace_s} s after the detection",
        )
    )
    run.check(Check.equals("requests_without_outcome", len(ledger.unfinished()), 0, "every entry"))
    return {
        "detection_s": detected,
        "theoretical_bound_s": bound["bound_s"],
        "replacement_s": replaced,
        "failed": len(failed),
        "failed_by_kind": _kinds(failed),
        "delayed": len(delayed),
        "members_after": trace.get("members_after"),
    }


def _kinds(entries: list[LedgerEntry]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for entry in entries:
        key = str(entry.error_kind or entry.status)
        counts[key] = counts.get(key, 0) + 1
    return counts


def run_slow_replica_scenario(
    run: ScenarioRun,
    scenario: SlowReplicaScenario,
    stack: EmbeddedStack,
    proxied_url: str,
    out_dir: Path,
) -> None:
    """Slow one replica or worker under load; latency rises while the others keep serving."""
    service = scenario.service
    endpoint = stack.services()[service]
    deployment = "Embedder" if service == "ray" else "worker"
    target = "embedder" if service == "ray" else "ingress"

    with run.step("steady_state") as step:
        members = serving_members(stack, service, deployment)
        step.details.update(replicas=members)
    expected = expected_members(stack, service, deployment)
    run.check(Check.equals("steady_state.replicas", len(members), expected, "serving members"))
    if len(members) != expected:
        return

    config = LoadConfig(
        base_url=proxied_url,
        rate_rps=scenario.rate_rps,
        duration_s=scenario.before_fault_s + scenario.fault_s + scenario.after_fault_s,
        mix=EMBEDDING_MIX,
        timeout_s=5.0,
        new_connection_per_request=True,
        phase="before_fault",
    )
    driver = OpenLoopDriver(config)
    with run.step("load", rate_rps=config.rate_rps, duration_s=config.duration_s) as step:
        ledger, window = asyncio.run(
            run_with_fault(
                driver,
                scenario.before_fault_s,
                scenario.fault_s,
                lambda: admin_fault(
                    endpoint, "slow", target, scenario.fault_s + 1.0, delay_ms=scenario.delay_ms
                ),
            )
        )
        run.record.fault = window.to_record(ledger.clock_offset_s)
        step.details.update(fault=run.record.fault)

    with run.step("rollback", action="DELETE /admin/faults, then wait for expiry") as step:
        step.details.update(waited_for_expiry_s=wait_for_expiry(window.details["applied"]))

    export_ledger(run, ledger, out_dir)
    with run.step("checks") as step:
        step.details.update(_judge_ledger(run, scenario, ledger, window))
        prometheus = stack.prometheus_client()
        try:
            step.details.update(
                _judge_prometheus(run, scenario, service, prometheus, ledger, window)
            )
        finally:
            prometheus.close()


def _judge_ledger(
    run: ScenarioRun, scenario: SlowReplicaScenario, ledger: Ledger, window: FaultWindow
) -> dict[str, Any]:
    bounds = scenario.bounds
    victim = str(window.details["applied"][0]["replica_id"])
    entries = list(ledger.entries)
    baseline = [e.latency_s for e in entries if e.phase == "before_fault" and e.ok and e.latency_s]
    inside = [e for e in entries if window.contains(e)]
    faulted = [e.latency_s for e in inside if e.ok and e.latency_s is not None]
    base_p99 = percentile(baseline, 0.99)
    fault_p99 = percentile(faulted, 0.99)
    increase = None if base_p99 is None or fault_p99 is None else fault_p99 - base_p99
    finished = [e for e in inside if e.finished]
    ok = [e for e in finished if e.ok]
    ratio = len(ok) / len(finished) if finished else None
    by_replica: dict[str, int] = {}
    for entry in ok:
        key = entry.replica_id or "unknown"
        by_replica[key] = by_replica.get(key, 0) + 1
    others = sum(count for replica, count in by_replica.items() if replica != victim)
    share = others / len(ok) if ok else None
    run.record.failed_requests = sum(1 for e in entries if e.finished and not e.ok)

    run.check(
        Check.at_least(
            "ledger_p99_increase_s", increase, bounds.min_p99_increase_s, "window vs baseline"
        )
    )
    run.check(
        Check.at_least(
            "success_ratio", ratio, bounds.min_success_ratio, "ledger requests in the window"
        )
    )
    run.check(
        Check.at_least(
            "other_replicas_share",
            share,
            bounds.min_other_share,
            f"successful answers in the window from replicas other than {victim}",
        )
    )
    return {
        "victim": victim,
        "baseline_p99_s": base_p99,
        "fault_p99_s": fault_p99,
        "fault_p50_s": statistics.median(faulted) if faulted else None,
        "answers_by_replica": by_replica,
    }


def _judge_prometheus(
    run: ScenarioRun,
    scenario: SlowReplicaScenario,
    service: str,
    prometheus: PrometheusClient,
    ledger: Ledger,
    window: FaultWindow,
) -> dict[str, Any]:
    assert window.added_s is not None
    assert window.removed_s is not None
    offset = ledger.clock_offset_s
    removed_unix = window.removed_s + offset
    time.sleep(max(0.0, removed_unix + _SCRAPE_LAG_S - time.time()))

    if service == "ray":
        selector = f'job="ray", deployment="Ingress", http_route="{ROUTE}"'
        name = "ray_http_server_request_duration_seconds_bucket"
    else:
        selector = f'job="fastapi", http_route="{ROUTE}"'
        name = "http_server_request_duration_seconds_bucket"

    def p99(range_s: float, at_unix_s: float) -> float | None:
        expression = (
            f"histogram_quantile(0.99, sum by (le) "
            f"(increase({name}{{{selector}}}[{max(2, round(range_s))}s])))"
        )
        value = prometheus.query_value(expression, at_unix_s)
        # histogram_quantile returns NaN when the range contains no observations.
        return None if value is None or math.isnan(value) else value

    baseline = p99(scenario.before_fault_s - 1.0, window.added_s + offset)
    faulted = p99(window.removed_s - window.added_s, removed_unix)
    increase = None if baseline is None or faulted is None else faulted - baseline
    run.check(
        Check.at_least(
            "prometheus_p99_increase_s",
            increase,
            scenario.bounds.min_p99_increase_s,
            f"histogram_quantile(0.99) of {name} over the window vs the baseline",
        )
    )
    return {"prometheus_baseline_p99_s": baseline, "prometheus_fault_p99_s": faulted}
