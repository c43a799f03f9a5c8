"""Client disconnects mid-request, proven cancelled on the server from its own metrics.

For each moment (mid stream, mid unary call, while queued for a batch) the load closes every
request on purpose; the ledger counts those disconnects. The service's cancellation counter
must rise by that count, its in-flight gauge must return to zero, no tokens may be produced
after the streams are gone, and under Ray Serve the downstream deployment must count the same
cancellations (the cancellation cascaded through the deployment handle).
"""

import asyncio
import time
from dataclasses import dataclass
from typing import Any

import httpx

from chaos.ledger import ErrorKind, Ledger
from chaos.load.config import LoadConfig
from chaos.load.mix import RequestKind, RequestMix, RequestTemplate, single
from chaos.observability.alert_checks import check_alerts
from chaos.probes.service_metrics import read_metric, wait_for_value
from chaos.scenarios.definitions import DisconnectScenario
from chaos.scenarios.load_runs import run_load
from chaos.scenarios.runner import ScenarioRun
from chaos.stack.embedded import EmbeddedStack
from chaos.stack.service_handle import ServiceEndpoint
from chaos.verdicts import Check

CANCELLED = "serving_requests_cancelled_total"
ACTIVE = "http_server_active_requests"
TOKENS = "serving_generated_tokens_total"
#: A stream may produce a few tokens between the client's close and the server noticing it.
_TOKENS_AFTER_CLOSE = 5
_STREAM_TOKENS = 200
_DISCONNECT_AFTER_TOKENS = 5
_SLOW_FAULT_MS = 1500
_DISCONNECT_AFTER_S = 0.3
_MAX_FAULT_CALLS = 20
#: The slow fault outlives the load by this margin, so the last requests are still slowed.
_FAULT_MARGIN_S = 3.0


@dataclass(frozen=True)
class MomentPlan:
    """Plan of one disconnect moment on one service: route, request mix, fault and downstream."""

    route: str
    mix: RequestMix
    fault_target: str | None
    downstream: str | None


def plan(moment: str, service: str) -> MomentPlan:
    """Return the request mix, the slow fault and the downstream deployment of a moment."""
    ray = service == "ray"
    if moment == "mid_stream":
        template = RequestTemplate(
            RequestKind.GENERATE,
            prompt="a stream the client abandons",
            max_tokens=_STREAM_TOKENS,
            token_delay_ms=20,
            disconnect_after_tokens=_DISCONNECT_AFTER_TOKENS,
        )
        return MomentPlan("/v1/generate", single(template), None, "Generator" if ray else None)
    if moment == "mid_unary":
        template = RequestTemplate(
            RequestKind.CLASSIFY, texts=("slow call",), disconnect_after_s=_DISCONNECT_AFTER_S
        )
        target = "classifier" if ray else "ingress"
        return MomentPlan("/v1/classify", single(template), target, "Classifier" if ray else None)
    if moment == "in_batch":
        template = RequestTemplate(
            RequestKind.EMBEDDINGS, texts=("queued text",), disconnect_after_s=_DISCONNECT_AFTER_S
        )
        return MomentPlan("/v1/embeddings", single(template), "embedder", "Embedder")
    message = f"unknown disconnect moment {moment!r}; expected mid_stream, mid_unary or in_batch"
    raise ValueError(message)


def _cancelled(endpoint: ServiceEndpoint, route: str, deployment: str | None) -> float:
    labels = {"http_route": route, "reason": "client_disconnect"}
    if endpoint.name == "ray":
        labels["deployment"] = deployment or "Ingress"
    return read_metric(endpoint, CANCELLED, **labels)


def _set_fault(
    endpoint: ServiceEndpoint, target: str, duration_s: float, replicas: int
) -> list[dict[str, Any]]:
    """Switch the slow fault on in every replica of ``target``.

    The FastAPI service reaches all workers with scope ``all``. Ray Serve routes each admin
    call to one replica of the target deployment, so the call repeats until ``replicas``
    distinct replicas responded (at most ``_MAX_FAULT_CALLS`` calls).
    """
    scope = "all" if endpoint.name == "fastapi" else "one"
    body = {
        "kind": "slow",
        "duration_s": duration_s,
        "delay_ms": _SLOW_FAULT_MS,
        "target": target,
        "scope": scope,
    }
    headers = {"Authorization": f"Bearer {endpoint.admin_token}"}
    applied: list[dict[str, Any]] = []
    with httpx.Client(base_url=endpoint.base_url, headers=headers, timeout=30) as client:
        for _ in range(_MAX_FAULT_CALLS):
            response = client.post("/admin/faults", json=body)
            response.raise_for_status()
            applied.append(response.json())
            if scope == "all" or len({item["replica_id"] for item in applied}) >= replicas:
                break
    return applied


def _clear_fault(endpoint: ServiceEndpoint, target: str, applied: list[dict[str, Any]]) -> float:
    """Switch the fault off, then wait until every applied fault has expired.

    A DELETE reaches one replica of a Ray Serve deployment, so the DELETE repeats as often as
    the fault was applied, and the expiry wait covers any replica it missed. Returns the
    seconds waited for expiry.
    """
    headers = {"Authorization": f"Bearer {endpoint.admin_token}"}
    with httpx.Client(base_url=endpoint.base_url, headers=headers, timeout=30) as client:
        for _ in range(max(1, len(applied))):
            client.delete("/admin/faults", params={"target": target})

    expires_at = max((float(item["expires_at_unix_s"]) for item in applied), default=0.0)
    wait_s = max(0.0, expires_at - time.time())
    time.sleep(wait_s)
    return wait_s


def run_disconnect_scenario(
    run: ScenarioRun,
    scenario: DisconnectScenario,
    endpoint: ServiceEndpoint,
    replicas: int = 1,
    stack: EmbeddedStack | None = None,
) -> None:
    """Run ``scenario`` against ``endpoint`` and record the checks in ``run``.

    With ``stack``, the scenario's alert expectation is checked against the stack's receiver.
    """
    moment = plan(scenario.moment, endpoint.name)
    bounds = scenario.bounds

    with run.step("steady_state") as step:
        ready = httpx.get(f"{endpoint.base_url}/readyz", timeout=10).status_code
        ingress_before = _cancelled(endpoint, moment.route, None)
        downstream_before = (
            _cancelled(endpoint, moment.route, moment.downstream) if moment.downstream else 0.0
        )
        tokens_before = read_metric(endpoint, TOKENS)
        step.details.update(
            readyz=ready,
            counters_before={
                "ingress_cancelled": ingress_before,
                "downstream_cancelled": downstream_before,
                "tokens": tokens_before,
            },
        )
    run.check(Check.equals("steady_state.readyz", ready, 200, "GET /readyz"))
    if ready != 200:
        return

    fault_target = moment.fault_target
    applied: list[dict[str, Any]] = []
    try:
        if fault_target is not None:
            with run.step(
                "fault", kind="slow", delay_ms=_SLOW_FAULT_MS, target=fault_target
            ) as step:
                duration_s = scenario.duration_s + _FAULT_MARGIN_S
                applied.extend(_set_fault(endpoint, fault_target, duration_s, replicas))
                step.details.update(applied=applied)
                run.record.fault = {
                    "kind": "slow",
                    "target": fault_target,
                    "delay_ms": _SLOW_FAULT_MS,
                }
        else:
            run.record.fault = {
                "kind": "client_disconnect",
                "after_tokens": _DISCONNECT_AFTER_TOKENS,
            }

        config = LoadConfig(
            base_url=endpoint.base_url,
            rate_rps=scenario.rate_rps,
            duration_s=scenario.duration_s,
            mix=moment.mix,
            timeout_s=10.0,
            phase="disconnect",
        )
        with run.step(
            "load", rate_rps=config.rate_rps, duration_s=config.duration_s, route=moment.route
        ):
            ledger, summary = asyncio.run(run_load(config, Ledger()))
        last_end = max(
            (entry.end_s for entry in ledger.entries if entry.end_s is not None), default=None
        )
        ended_at_unix = None if last_end is None else last_end + ledger.clock_offset_s
    finally:
        if fault_target is not None:
            with run.step("rollback", action="DELETE /admin/faults", target=fault_target) as step:
                step.details.update(
                    waited_for_expiry_s=_clear_fault(endpoint, fault_target, applied)
                )

    with run.step("checks") as step:
        disconnects = _disconnects(ledger)
        unplanned = summary.failed
        expected = ingress_before + disconnects
        ingress, ingress_s = wait_for_value(
            lambda: _cancelled(endpoint, moment.route, None),
            lambda value: value >= expected,
            bounds.settle_s + 5,
        )
        active, _ = wait_for_value(
            lambda: read_metric(endpoint, ACTIVE, http_route=moment.route),
            lambda value: value == 0,
            bounds.settle_s + 5,
        )
        settled_s = None if ended_at_unix is None else time.time() - ended_at_unix
        step.details.update(
            disconnects=disconnects,
            ingress_cancelled=ingress - ingress_before,
            in_flight=active,
            settled_after_last_disconnect_s=settled_s,
        )
        run.record.ledger_summary = summary.__dict__
        run.record.cancellations = ingress - ingress_before
        run.record.failed_requests = unplanned

        run.check(
            Check.at_least(
                "disconnects_sent", disconnects, 1, "ledger entries closed by the client on purpose"
            )
        )
        run.check(
            Check.equals(
                "cancelled_counter_delta",
                ingress - ingress_before,
                float(disconnects),
                f"{CANCELLED}{{http_route={moment.route!r}}} of the service's ingress",
            )
        )
        run.check(
            Check.equals("in_flight_after", active, 0.0, f"{ACTIVE}{{http_route={moment.route!r}}}")
        )
        run.check(
            Check.at_most(
                "in_flight_zero_after_s",
                settled_s if active == 0 else None,
                bounds.settle_s + ingress_s + 2.0,
                "seconds from the last ledger entry's end to an idle gauge",
            )
        )
        run.check(
            Check.at_most("unplanned_failures", unplanned, bounds.max_unplanned_failures, "ledger")
        )

        if moment.downstream is not None:
            downstream_expected = downstream_before + disconnects
            downstream, _ = wait_for_value(
                lambda: _cancelled(endpoint, moment.route, moment.downstream),
                lambda value: value >= downstream_expected,
                bounds.settle_s + 5,
            )
            step.details.update(downstream_cancelled=downstream - downstream_before)
            run.check(
                Check.equals(
                    f"downstream_cancelled.{moment.downstream}",
                    downstream - downstream_before,
                    float(disconnects),
                    f"{CANCELLED} of deployment {moment.downstream}",
                )
            )

        if scenario.moment == "mid_stream":
            tokens_settled = read_metric(endpoint, TOKENS)
            time.sleep(1.0)
            tokens_later = read_metric(endpoint, TOKENS)
            produced = tokens_settled - tokens_before
            step.details.update(
                tokens_produced=produced, tokens_after_settle=tokens_later - tokens_settled
            )
            run.check(
                Check.equals(
                    "tokens_after_streams_closed",
                    tokens_later - tokens_settled,
                    0.0,
                    f"{TOKENS} one second after the counters settled",
                )
            )
            run.check(
                Check.at_most(
                    "tokens_per_cancelled_stream",
                    produced / max(disconnects, 1),
                    float(_DISCONNECT_AFTER_TOKENS + _TOKENS_AFTER_CLOSE),
                    f"{TOKENS} delta over disconnects; a full stream makes {_STREAM_TOKENS}",
                )
            )

    if stack is not None:
        with run.step("alert_checks"):
            check_alerts(
                run, stack, scenario.alerts, run.record.started_at_unix_s, service=endpoint.name
            )


def _disconnects(ledger: Ledger) -> int:
    """Count the requests the client closed on purpose, as the load profile planned."""
    return sum(
        1 for entry in ledger.entries if entry.error_kind == ErrorKind.CLIENT_DISCONNECTED.value
    )
