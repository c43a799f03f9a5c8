"""End-to-end request timeouts: calls slowed past the services' request timeout.

A ``slow`` admin fault longer than the request timeout is switched on in every replica that
serves the route (both Embedder replicas under Ray Serve, every Gunicorn worker for FastAPI),
then load runs through the fault proxy. Ray Serve's ``http_options.request_timeout_s`` and the
FastAPI service's middleware both respond 408 and cancel the handler once the timeout passes.
So every request must end with 408 close to the configured timeout, and the service must count
one cancellation with reason ``timeout`` per request.
"""

import asyncio
from pathlib import Path
from typing import Any

from chaos.faults.admin_faults import apply_fault, clear_fault, wait_for_expiry
from chaos.ledger import Ledger
from chaos.load.config import LoadConfig
from chaos.load.mix import RequestKind, RequestTemplate, single
from chaos.scenarios.definitions import EndToEndTimeoutScenario
from chaos.scenarios.load_runs import run_load
from chaos.scenarios.network import check_cancellations, export_ledger, read_cancelled
from chaos.scenarios.runner import ScenarioRun
from chaos.stack.service_handle import ServiceEndpoint
from chaos.verdicts import Check

ROUTE = "/v1/embeddings"
#: The client waits this long past the request timeout, so the 408 arrives before it gives up.
_CLIENT_TIMEOUT_MARGIN_S = 5.0
#: The fault lasts this long past the last arrival, so every request is slowed.
_FAULT_MARGIN_S = 1.0
_SETTLE_S = 5.0


def run_timeout_scenario(
    run: ScenarioRun,
    scenario: EndToEndTimeoutScenario,
    endpoint: ServiceEndpoint,
    proxied_url: str,
    replicas: int,
    out_dir: Path,
) -> None:
    """Run ``scenario`` against ``endpoint`` through ``proxied_url`` and record the checks.

    ``replicas`` is how many replicas of the slowed deployment serve the route (Ray Serve).
    """
    timeout_s = endpoint.request_timeout_s
    target = "embedder" if endpoint.name == "ray" else "ingress"
    bounds = scenario.bounds

    with run.step("steady_state", request_timeout_s=timeout_s) as step:
        timeouts_before = read_cancelled(endpoint, ROUTE, "timeout")
        step.details.update(cancelled_timeout_before=timeouts_before)
    run.check(
        Check.at_least(
            "fault_delay_over_timeout_s",
            scenario.delay_ms / 1000 - timeout_s,
            0.5,
            "the slow fault must outlast the request timeout",
        )
    )

    config = LoadConfig(
        base_url=proxied_url,
        rate_rps=scenario.rate_rps,
        duration_s=scenario.duration_s,
        mix=single(RequestTemplate(RequestKind.EMBEDDINGS, texts=("A request that times out.",))),
        timeout_s=timeout_s + _CLIENT_TIMEOUT_MARGIN_S,
        new_connection_per_request=True,
        phase="fault",
    )
    fault_s = scenario.duration_s + _FAULT_MARGIN_S
    applied: list[dict[str, Any]] = []
    try:
        with run.step("fault", kind="slow", delay_ms=scenario.delay_ms, target=target) as step:
            applied.extend(
                apply_fault(
                    endpoint,
                    "slow",
                    target,
                    fault_s,
                    delay_ms=scenario.delay_ms,
                    replicas=replicas,
                )
            )
            run.record.fault = {"kind": "slow", "target": target, "delay_ms": scenario.delay_ms}
            step.details.update(applied=applied)

        with run.step("load", rate_rps=config.rate_rps, duration_s=config.duration_s):
            ledger, summary = asyncio.run(run_load(config, Ledger()))
    finally:
        with run.step("rollback", action="DELETE /admin/faults, then wait for expiry") as step:
            clear_fault(endpoint, target, calls=len(applied) + 1)
            step.details.update(waited_for_expiry_s=wait_for_expiry(applied))

    export_ledger(run, ledger, out_dir)
    entries = [entry for entry in ledger.entries if entry.finished]
    with run.step("checks") as step:
        timed_out = [entry for entry in entries if entry.status == bounds.status]
        durations = [
            entry.end_s - entry.sent_s
            for entry in timed_out
            if entry.end_s is not None and entry.sent_s is not None
        ]
        worst = max((abs(value - timeout_s) for value in durations), default=None)
        run.record.failed_requests = summary.failed

        run.check(Check.at_least("requests_sent", len(entries), 1, "ledger"))
        run.check(
            Check.equals(
                f"status_{bounds.status}",
                len(timed_out),
                len(entries),
                f"requests answered {bounds.status} out of all finished requests",
            )
        )
        run.check(
            Check.at_most(
                "response_time_error_s",
                worst,
                bounds.relative_tolerance * timeout_s,
                f"largest |response time - {timeout_s} s| from the client's send time",
            )
        )
        step.details.update(
            statuses=summary.failed_by_status,
            response_times_s=[round(value, 3) for value in durations],
            worst_error_s=worst,
        )
        step.details.update(
            check_cancellations(
                run,
                endpoint,
                ROUTE,
                "timeout",
                timeouts_before,
                (len(timed_out), len(timed_out)),
                _SETTLE_S,
            )
        )
