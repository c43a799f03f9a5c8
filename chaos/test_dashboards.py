"""Every dashboard panel query returns data from the live stack; fault panels during a fault.

The test sends a short mixed load to both services, runs the panel queries that need no fault,
then keeps its own faults active (a ``fail`` fault on both services, a ``hang`` of one Embedder
replica so its health checks fail, and streams closed by the client) while it runs the panels
marked ``needs_fault``. Per-query results go into the journal and next to it.
"""

import asyncio
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from chaos.journal import JournalWriter, ScenarioRecord
from chaos.load.mix import RequestKind, RequestMix, RequestTemplate
from chaos.observability.panel_checks import (
    PanelResult,
    run_panel_queries,
    write_panel_results,
)
from chaos.probes.replicas import expected_members, serving_members
from chaos.scenarios.load_runs import run_load, steady_state_config
from chaos.scenarios.runner import ScenarioRun
from chaos.stack.embedded import EmbeddedStack
from chaos.stack.service_handle import ServiceEndpoint
from chaos.targets.target import ChaosTarget
from chaos.verdicts import Check
from dashboards.queries import all_panel_queries

#: Seconds each batch of panel queries may take to return data: rates need two scrapes of a
#: new series, and Ray's agents export every 0.5 s.
QUERY_TIMEOUT_S = 45.0
#: Faults expire by themselves after this long even if the rollback never runs.
FAULT_DURATION_S = 30.0
#: A hang this long outlasts three failed health checks (1 s period, 3 s timeout, so about
#: 12 s), so Serve marks the Embedder replica unhealthy and replaces it.
HANG_S = 20.0
#: Seconds the Embedder replica count may take to come back after the hang.
REPLICAS_RESTORED_S = 90.0

_MIX = RequestMix(
    (
        RequestTemplate(RequestKind.EMBEDDINGS, weight=2.0),
        RequestTemplate(RequestKind.CLASSIFY),
        RequestTemplate(RequestKind.GENERATE, max_tokens=4),
    )
)
_DISCONNECT_MIX = RequestMix(
    (
        RequestTemplate(
            RequestKind.GENERATE, max_tokens=64, token_delay_ms=50, disconnect_after_tokens=2
        ),
    )
)


def test_dashboard_panels_live(
    chaos_target: ChaosTarget, chaos_journal: JournalWriter, chaos_out_dir: Path
) -> None:
    stack = chaos_target.stack
    if stack is None:
        pytest.skip("panel queries run against the embedded stack's Prometheus")

    record = ScenarioRecord(
        scenario="dashboard_panels_live",
        service="both",
        description="every dashboard panel query returns data; fault panels during faults",
        bounds={"query_timeout_s": QUERY_TIMEOUT_S, "min_series_per_query": 1},
    )
    run = ScenarioRun(chaos_journal, record)
    try:
        results = _run(run, stack)
        json_path, _ = write_panel_results(results, chaos_out_dir)
        record.ledger_path = str(json_path)
    except Exception as error:
        run.finish(error)
        raise
    run.finish()


def _run(run: ScenarioRun, stack: EmbeddedStack) -> list[PanelResult]:
    services = stack.services()
    queries = all_panel_queries()
    prometheus = stack.prometheus_client()
    try:
        with run.step("load", rate_rps=4, duration_s=10) as step:
            summaries = asyncio.run(_load_all(services, _MIX, 4, 10))
            step.details.update(ledgers=summaries)

        with run.step("queries_without_fault") as step:
            plain = run_panel_queries(
                prometheus, [q for q in queries if not q.needs_fault], QUERY_TIMEOUT_S
            )
            step.details.update(results=[result.to_record() for result in plain])

        with run.fault_window("fail+hang+disconnect"), run.step("queries_during_fault") as step:
            try:
                asyncio.run(_load_all(services, _DISCONNECT_MIX, 4, 3))
                applied = _set_faults(services)
                step.details.update(applied=applied)
                asyncio.run(_load_all(services, _MIX, 4, 5))
                faulted = run_panel_queries(
                    prometheus, [q for q in queries if q.needs_fault], QUERY_TIMEOUT_S
                )
                step.details.update(results=[result.to_record() for result in faulted])
            finally:
                _clear_faults(services)

        with run.step("rollback", action="faults cleared; wait for the Embedder count") as step:
            step.details.update(restored_s=_wait_embedders(stack))
    finally:
        prometheus.close()

    results = plain + faulted
    for index, result in enumerate(results):
        run.check(
            Check.at_least(
                f"panel[{index}] {result.dashboard} / {result.panel_title}",
                result.series,
                1,
                f"series returned by {result.expr}"
                + (" while the faults were active" if result.needs_fault else ""),
            )
        )
    return results


async def _load_all(
    services: dict[str, ServiceEndpoint], mix: RequestMix, rate_rps: float, duration_s: float
) -> dict[str, object]:
    runs = []
    for endpoint in services.values():
        config = steady_state_config(endpoint.base_url, rate_rps, duration_s, mix)
        runs.append(run_load(config))
    done = await asyncio.gather(*runs)
    return {name: summary.__dict__ for name, (_, summary) in zip(services, done, strict=True)}


def _set_faults(services: dict[str, ServiceEndpoint]) -> list[dict[str, object]]:
    calls: list[tuple[str, dict[str, Any]]] = [
        ("fastapi", {"kind": "fail", "target": "ingress", "scope": "all"}),
        ("ray", {"kind": "fail", "target": "ingress", "scope": "one"}),
        ("ray", {"kind": "hang", "target": "embedder", "scope": "one", "duration_s": HANG_S}),
    ]
    applied: list[dict[str, object]] = []
    for name, body in calls:
        endpoint = services[name]
        headers = {"Authorization": f"Bearer {endpoint.admin_token}"}
        with httpx.Client(base_url=endpoint.base_url, headers=headers, timeout=30) as client:
            response = client.post("/admin/faults", json={"duration_s": FAULT_DURATION_S, **body})
            response.raise_for_status()
            fault: dict[str, object] = response.json()
            applied.append({"service": name, **fault})
    return applied


def _clear_faults(services: dict[str, ServiceEndpoint]) -> None:
    for name, target in (("fastapi", "ingress"), ("ray", "ingress"), ("ray", "embedder")):
        endpoint = services[name]
        headers = {"Authorization": f"Bearer {endpoint.admin_token}"}
        with httpx.Client(base_url=endpoint.base_url, headers=headers, timeout=30) as client:
            client.delete("/admin/faults", params={"target": target})


def _wait_embedders(stack: EmbeddedStack) -> float | None:
    """Wait until the Embedder runs its configured replica count; return the seconds waited."""
    started = time.monotonic()
    expected = expected_members(stack, "ray", "Embedder")
    while time.monotonic() - started < REPLICAS_RESTORED_S:
        if len(serving_members(stack, "ray", "Embedder")) >= expected:
            return round(time.monotonic() - started, 1)
        time.sleep(1.0)
    return None
