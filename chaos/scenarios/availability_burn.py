"""Availability burn: the shipped page alert fires end to end, then resolves.

Steps: steady state (good traffic that Prometheus records), fault (the admin ``fail`` fault on
every FastAPI worker under open-loop load, held until the recorded 5 m and 1 h error ratios
pass ``min_error_ratio``), rollback (the fault is cleared in any case), alert checks
(``AvailabilityBudgetBurnPage`` must reach the webhook receiver within its detection floor
plus slack) and recovery (good traffic until the alert's resolved notification arrives).

The rules stay as shipped, with ``for: 2m`` and 5 m/1 h windows. The fault does not need to
last through the ``for`` duration: once the 5 m window holds enough errors, the burn stays
above the threshold until those errors leave the window. Resolving needs enough good requests
to bring the 30 m/6 h ratio under its 3 % threshold, which the recovery load provides.
"""

import asyncio
import time
from dataclasses import asdict, dataclass, field
from typing import Any

import httpx

from chaos.ledger import Ledger, summarize
from chaos.load.config import LoadConfig
from chaos.load.driver import OpenLoopDriver
from chaos.observability.alert_checks import check_alerts, check_resolved
from chaos.probes.prometheus import PrometheusClient
from chaos.scenarios.definitions import AlertExpectation
from chaos.scenarios.load_runs import EMBEDDING_MIX, run_load, steady_state_config
from chaos.scenarios.runner import ScenarioRun
from chaos.stack.embedded import EmbeddedStack
from chaos.stack.service_handle import ServiceEndpoint
from chaos.verdicts import Check

_POLL_S = 0.5
_RATIO_QUERY = 'slo:sli_error:ratio_rate{window}{{service="{service}", slo="availability"}}'


@dataclass(frozen=True)
class BurnBounds:
    """Bounds of an availability-burn scenario.

    The fault is held until both recorded error ratios (5 m and 1 h) exceed
    ``min_error_ratio``, but no longer than ``max_fault_s``. The page alert must fire within
    its detection floor plus ``fire_slack_s`` of the fault start and resolve within
    ``resolve_deadline_s`` of the fault's end.
    """

    min_error_ratio: float
    max_fault_s: float
    fire_slack_s: float
    resolve_deadline_s: float
    min_steady_success_ratio: float = 0.95

    def to_record(self) -> dict[str, Any]:
        """Return the bounds as a JSON-ready dictionary."""
        return asdict(self)


@dataclass(frozen=True)
class BurnScenario:
    """Fail every request of a service for a short time and follow the page alert."""

    name: str
    service: str
    rate_rps: float
    steady_state_s: float
    recovery_rate_rps: float
    bounds: BurnBounds
    description: str
    alerts: AlertExpectation = field(default_factory=AlertExpectation)


#: 12 % errors in both windows is 1.7 times the page threshold (14.4 x 0.5 % budget = 7.2 %),
#: so the rule stays true through its 2 m hold while no further requests arrive.
AVAILABILITY_BURN = BurnScenario(
    name="availability_burn_page",
    service="fastapi",
    rate_rps=5,
    steady_state_s=20,
    recovery_rate_rps=20,
    bounds=BurnBounds(
        min_error_ratio=0.12, max_fault_s=30.0, fire_slack_s=30.0, resolve_deadline_s=150.0
    ),
    description="admin fail fault on every FastAPI worker until the page burn rate is reached",
    alerts=AlertExpectation(
        fire=("AvailabilityBudgetBurnPage",),
        silent=("LatencyBudgetBurnPage", "ScrapeTargetDown", "MetricsAbsent"),
    ),
)


def run_burn_scenario(run: ScenarioRun, scenario: BurnScenario, stack: EmbeddedStack) -> None:
    """Run ``scenario`` against the stack and record the checks in ``run``."""
    endpoint = stack.services()[scenario.service]
    bounds = scenario.bounds
    prometheus = stack.prometheus_client()

    try:
        with run.step("steady_state", rate_rps=scenario.rate_rps) as step:
            config = steady_state_config(
                endpoint.base_url, scenario.rate_rps, scenario.steady_state_s
            )
            _, summary = asyncio.run(run_load(config))
            step.details.update(ledger=summary.__dict__)
        run.check(
            Check.at_least(
                "steady_state.success_ratio",
                summary.success_ratio,
                bounds.min_steady_success_ratio,
                "steady-state ledger",
            )
        )
        if not run.verdict.passed:
            return

        fault_started_at = time.time()
        try:
            with run.fault_window("fail"), run.step("fault", kind="fail", scope="all") as step:
                ratios, load_summary = asyncio.run(
                    _fail_until_burning(scenario, endpoint, prometheus)
                )
                step.details.update(error_ratios=ratios, ledger=load_summary)
        finally:
            with run.step("rollback", action="DELETE /admin/faults on every worker"):
                _clear_fault(endpoint)
            fault_ended_at = time.time()
        run.record.fault = {
            "kind": "fail",
            "scope": "all",
            "started_at_unix_s": fault_started_at,
            "ended_at_unix_s": fault_ended_at,
        }
        run.check(
            Check.at_least(
                "fault.error_ratio_5m",
                ratios.get("5m"),
                bounds.min_error_ratio,
                "recorded slo:sli_error:ratio_rate5m when the fault was cleared",
            )
        )
        run.check(
            Check.at_least(
                "fault.error_ratio_1h",
                ratios.get("1h"),
                bounds.min_error_ratio,
                "recorded slo:sli_error:ratio_rate1h when the fault was cleared",
            )
        )

        with run.step("alert_checks"):
            results = check_alerts(
                run, stack, scenario.alerts, fault_started_at, fire_slack_s=bounds.fire_slack_s
            )

        with run.step("recovery", rate_rps=scenario.recovery_rate_rps) as step:
            deadline = fault_ended_at + bounds.resolve_deadline_s
            recovery = asyncio.run(
                _recover(run, stack, scenario, endpoint, results, fault_ended_at, deadline)
            )
            step.details.update(ledger=recovery)
    finally:
        prometheus.close()


async def _fail_until_burning(
    scenario: BurnScenario, endpoint: ServiceEndpoint, prometheus: PrometheusClient
) -> tuple[dict[str, float | None], dict[str, Any]]:
    bounds = scenario.bounds
    await asyncio.to_thread(_set_fault, endpoint, bounds.max_fault_s)

    config = LoadConfig(
        base_url=endpoint.base_url,
        rate_rps=scenario.rate_rps,
        duration_s=bounds.max_fault_s,
        mix=EMBEDDING_MIX,
        timeout_s=5.0,
        new_connection_per_request=True,
        phase="fault",
    )
    driver = OpenLoopDriver(config, Ledger())
    load = asyncio.create_task(driver.run())
    ratios: dict[str, float | None] = {}
    while not load.done():
        ratios = await asyncio.to_thread(_error_ratios, prometheus, scenario.service)
        if all(value is not None and value > bounds.min_error_ratio for value in ratios.values()):
            driver.stop()
            break
        await asyncio.sleep(_POLL_S)

    ledger = await load
    return ratios, summarize(ledger.entries).__dict__


async def _recover(
    run: ScenarioRun,
    stack: EmbeddedStack,
    scenario: BurnScenario,
    endpoint: ServiceEndpoint,
    results: dict[str, Any],
    fault_ended_at: float,
    deadline: float,
) -> dict[str, Any]:
    """Send good traffic until every fired alert has resolved or the deadline has passed."""
    config = LoadConfig(
        base_url=endpoint.base_url,
        rate_rps=scenario.recovery_rate_rps,
        duration_s=max(1.0, deadline - time.time()),
        mix=EMBEDDING_MIX,
        timeout_s=5.0,
        new_connection_per_request=True,
        phase="recovery",
    )
    driver = OpenLoopDriver(config, Ledger())
    load = asyncio.create_task(driver.run())
    try:
        for result in results.values():
            if result.expected == "fire" and result.fired:
                await asyncio.to_thread(
                    check_resolved, run, stack, result, fault_ended_at, deadline
                )
    finally:
        driver.stop()
        ledger = await load
    return summarize(ledger.entries).__dict__


def _error_ratios(prometheus: PrometheusClient, service: str) -> dict[str, float | None]:
    return {
        window: prometheus.query_value(_RATIO_QUERY.format(window=window, service=service))
        for window in ("5m", "1h")
    }


def _set_fault(endpoint: ServiceEndpoint, duration_s: float) -> None:
    body = {"kind": "fail", "duration_s": duration_s, "target": "ingress", "scope": "all"}
    headers = {"Authorization": f"Bearer {endpoint.admin_token}"}
    with httpx.Client(base_url=endpoint.base_url, headers=headers, timeout=30) as client:
        client.post("/admin/faults", json=body).raise_for_status()


def _clear_fault(endpoint: ServiceEndpoint) -> None:
    headers = {"Authorization": f"Bearer {endpoint.admin_token}"}
    with httpx.Client(base_url=endpoint.base_url, headers=headers, timeout=30) as client:
        client.delete("/admin/faults", params={"target": "ingress"}).raise_for_status()
