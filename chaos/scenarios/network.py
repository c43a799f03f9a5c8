"""Network faults between clients and a service, injected on the fault proxy under load.

Every scenario runs open-loop load through the service's fault proxy with a new connection per
request (a toxic acts per connection, so keep-alive would hide it). The load runs a baseline,
then the fault for a bounded window, then a tail without it; the ledger is split by the
window's times. Each fault has its own checks. Latency: the p50 shift, minus the shift of a
control load sent straight to the service meanwhile. Bandwidth: token and byte rates and the
server's in-flight gauge. Resets, cuts and blackholes: the errors clients see and the server's
cancellations. Outages: the time to recovery once the fault is removed.

What the server can see: the proxy keeps one upstream connection per client connection. A
reset or a cut on the client side reaches the server only as its upstream connection closing
(FIN, or RST for ``reset_peer``), so the server cannot tell a reset from a client that left.
A blackholed response is invisible to the server until the client gives up and the proxy
forwards the close.
"""

import asyncio
import statistics
from dataclasses import replace
from pathlib import Path
from typing import Any

from chaos.faultproxy.client import FaultProxyClient
from chaos.faults.fault_window import (
    FaultWindow,
    IdleTimeoutDriver,
    run_with_control,
    run_with_fault,
)
from chaos.faults.network_faults import SERVER_VIEW, network_fault
from chaos.ledger import Ledger, LedgerEntry, summarize, time_to_recovery
from chaos.load.config import LoadConfig
from chaos.load.driver import OpenLoopDriver
from chaos.load.mix import RequestKind, RequestMix, RequestTemplate, single
from chaos.probes.service_metrics import read_metric, wait_for_value
from chaos.scenarios.definitions import (
    BandwidthBounds,
    CutBounds,
    LatencyBounds,
    NetworkScenario,
    OutageBounds,
)
from chaos.scenarios.runner import ScenarioRun
from chaos.stack.service_handle import ServiceEndpoint
from chaos.verdicts import Check

CANCELLED = "serving_requests_cancelled_total"
ACTIVE = "http_server_active_requests"


def request_mix(scenario: NetworkScenario) -> RequestMix:
    """Return the load's single request template: an embedding call or a generation stream."""
    if scenario.request == "generate":
        template = RequestTemplate(
            RequestKind.GENERATE,
            prompt="a stream through the fault proxy",
            max_tokens=scenario.max_tokens,
            token_delay_ms=scenario.token_delay_ms,
        )
        return single(template)
    if scenario.request == "embeddings":
        return single(RequestTemplate(RequestKind.EMBEDDINGS, texts=("A proxied sentence.",)))
    message = f"unknown request {scenario.request!r} in {scenario.name}; use embeddings or generate"
    raise ValueError(message)


def read_cancelled(endpoint: ServiceEndpoint, route: str, reason: str) -> float:
    """Return the ingress's cancellation counter for ``route`` and ``reason``."""
    labels = {"http_route": route, "reason": reason}
    if endpoint.name == "ray":
        labels["deployment"] = "Ingress"
    return read_metric(endpoint, CANCELLED, **labels)


def max_concurrency(entries: list[LedgerEntry]) -> int:
    """Return the most requests the client had open at once, from send and end times."""
    events: list[tuple[float, int]] = []
    for entry in entries:
        if entry.sent_s is None or entry.end_s is None:
            continue
        events.append((entry.sent_s, 1))
        events.append((entry.end_s, -1))

    open_now = peak = 0
    for _, change in sorted(events, key=lambda item: (item[0], item[1])):
        open_now += change
        peak = max(peak, open_now)
    return peak


def export_ledger(run: ScenarioRun, ledger: Ledger, out_dir: Path) -> None:
    """Write the ledger next to the journal and record its path and summary."""
    path = out_dir / f"{run.record.scenario}-{run.record.service}.ledger.jsonl"
    ledger.export_jsonl(path)
    run.record.ledger_path = str(path)
    run.record.ledger_summary = summarize(ledger.entries).__dict__


def check_cancellations(
    run: ScenarioRun,
    endpoint: ServiceEndpoint,
    route: str,
    reason: str,
    before: float,
    expected: tuple[int, int],
    settle_s: float,
) -> dict[str, Any]:
    """Check that the cancellation counter rose by ``expected`` (minimum, maximum) and that the
    in-flight gauge is back to zero.

    A range, because a request already cut or reset when the fault began may have finished on
    the server before the cut: the client failed but the server had nothing to cancel.
    """
    minimum, maximum = expected
    target = before + minimum
    counted, counted_s = wait_for_value(
        lambda: read_cancelled(endpoint, route, reason), lambda value: value >= target, settle_s
    )
    active, active_s = wait_for_value(
        lambda: read_metric(endpoint, ACTIVE, http_route=route), lambda value: value == 0, settle_s
    )
    run.record.cancellations = counted - before
    evidence = f"{CANCELLED}{{http_route={route!r}, reason={reason!r}}} against ledger failures"
    run.check(Check.at_least("cancelled_counter_delta_min", counted - before, minimum, evidence))
    run.check(Check.at_most("cancelled_counter_delta_max", counted - before, maximum, evidence))
    run.check(Check.equals("in_flight_after", active, 0.0, f"{ACTIVE}{{http_route={route!r}}}"))
    return {
        "cancelled_delta": counted - before,
        "cancelled_settled_s": round(counted_s, 3),
        "in_flight_after": active,
        "in_flight_zero_after_s": round(active_s, 3),
    }


def run_network_scenario(
    run: ScenarioRun,
    scenario: NetworkScenario,
    endpoint: ServiceEndpoint,
    proxied_url: str,
    fault_proxy_api: str,
    out_dir: Path,
) -> None:
    """Run ``scenario`` through the proxy in front of ``endpoint`` and record the checks."""
    mix = request_mix(scenario)
    route = mix.templates[0].route

    with run.step("steady_state", proxied_url=proxied_url) as step:
        disconnect_before = read_cancelled(endpoint, route, "client_disconnect")
        active_before = read_metric(endpoint, ACTIVE, http_route=route)
        step.details.update(cancelled_before=disconnect_before, in_flight_before=active_before)
    run.check(Check.equals("steady_state.in_flight", active_before, 0.0, f"{ACTIVE} before load"))

    config = LoadConfig(
        base_url=proxied_url,
        rate_rps=scenario.rate_rps,
        duration_s=scenario.before_fault_s + scenario.fault_s + scenario.after_fault_s,
        mix=mix,
        timeout_s=scenario.timeout_s,
        new_connection_per_request=True,
        phase="before_fault",
    )
    driver = (
        OpenLoopDriver(config)
        if scenario.read_timeout_s is None
        else IdleTimeoutDriver(config, scenario.read_timeout_s)
    )
    attributes = dict(scenario.attributes)
    sample = None
    if isinstance(scenario.bounds, BandwidthBounds):

        def sample() -> float:
            return read_metric(endpoint, ACTIVE, http_route=route)

    with run.step(
        "load",
        rate_rps=config.rate_rps,
        duration_s=config.duration_s,
        route=route,
        fault_at_s=scenario.before_fault_s,
        fault_s=scenario.fault_s,
    ) as step:
        faulted_load = run_with_fault(
            driver,
            scenario.before_fault_s,
            scenario.fault_s,
            lambda: network_fault(
                fault_proxy_api, endpoint.name, scenario.toxic, attributes, scenario.stream
            ),
            sample,
        )
        control: list[LedgerEntry] = []
        if isinstance(scenario.bounds, LatencyBounds):
            # Same load straight to the service, so the shift can be corrected for the
            # service's own latency changes during the window.
            direct = replace(config, base_url=endpoint.base_url, phase="control")
            (ledger, window), control_ledger = asyncio.run(
                run_with_control(faulted_load, OpenLoopDriver(direct))
            )
            control = list(control_ledger.entries)
        else:
            ledger, window = asyncio.run(faulted_load)
        run.record.fault = window.to_record(ledger.clock_offset_s)
        step.details.update(fault=run.record.fault)
    with run.step(
        "rollback", action="toxic removed or proxy re-enabled at the window's end"
    ) as step:
        with FaultProxyClient(fault_proxy_api) as client:
            state = client.get_proxy(endpoint.name).state
        step.details.update(
            toxics_left=[toxic.name for toxic in state.toxics], enabled=state.enabled
        )
    run.check(Check.equals("rollback.toxics_left", len(state.toxics), 0, f"toxics on {state.name}"))
    run.check(Check.equals("rollback.proxy_enabled", state.enabled, True, f"proxy {state.name}"))

    export_ledger(run, ledger, out_dir)
    entries = list(ledger.entries)
    with run.step("checks", toxic=scenario.toxic) as step:
        bounds = scenario.bounds
        if isinstance(bounds, LatencyBounds):
            step.details.update(_judge_latency(run, bounds, entries, control, window))
        elif isinstance(bounds, BandwidthBounds):
            step.details.update(_judge_bandwidth(run, bounds, attributes, entries, window))
        elif isinstance(bounds, CutBounds):
            failed = _judge_failures(run, bounds.error_kinds, None, bounds.min_cut, entries, window)
            step.details.update(failed_by_fault=failed[1], failed_sent_during_fault=failed[0])
            step.details.update(
                check_cancellations(
                    run,
                    endpoint,
                    route,
                    "client_disconnect",
                    disconnect_before,
                    failed,
                    bounds.settle_s,
                )
            )
        else:
            step.details.update(
                _judge_outage(run, bounds, endpoint, route, disconnect_before, entries, window)
            )
        step.details.update(server_view=SERVER_VIEW.get(scenario.toxic, "not recorded"))

    run.check(
        Check.equals("requests_without_outcome", len(ledger.unfinished()), 0, "every ledger entry")
    )


def _latencies(entries: list[LedgerEntry]) -> list[float]:
    return [entry.latency_s for entry in entries if entry.ok and entry.latency_s is not None]


def _judge_latency(
    run: ScenarioRun,
    bounds: LatencyBounds,
    entries: list[LedgerEntry],
    control: list[LedgerEntry],
    window: FaultWindow,
) -> dict[str, Any]:
    """Check the p50 shift of the proxied load, corrected by the direct control load.

    Corrected shift = (proxied p50 - direct p50 in the window) - (the same before the fault).
    """
    proxied = _p50_by_phase(entries, window)
    direct = _p50_by_phase(control, window)
    raw_shift = _difference(proxied["fault"], proxied["baseline"])
    direct_shift = _difference(direct["fault"], direct["baseline"])
    shift = _difference(raw_shift, direct_shift)
    error = None if shift is None else abs(shift - bounds.expected_shift_s)
    failed = sum(1 for entry in [*entries, *control] if entry.finished and not entry.ok)

    run.check(
        Check.at_most(
            "p50_shift_error_s",
            error,
            bounds.tolerance_s,
            f"|p50 shift - {bounds.expected_shift_s} s|, fault window vs baseline, proxied load "
            "minus the shift of a direct control load",
        )
    )
    run.check(Check.at_most("failed_requests", failed, bounds.max_failed, "both ledgers"))
    run.record.failed_requests = failed
    return {
        "baseline_p50_s": proxied["baseline"],
        "fault_p50_s": proxied["fault"],
        "raw_p50_shift_s": raw_shift,
        "control_p50_shift_s": direct_shift,
        "p50_shift_s": shift,
    }


def _p50_by_phase(entries: list[LedgerEntry], window: FaultWindow) -> dict[str, float | None]:
    """Return the p50 latency of successful requests before the fault and inside its window."""
    assert window.added_s is not None
    added_s = window.added_s
    before = _latencies([e for e in entries if e.end_s is not None and e.end_s < added_s])
    inside = _latencies([e for e in entries if window.contains(e)])
    return {
        "baseline": statistics.median(before) if before else None,
        "fault": statistics.median(inside) if inside else None,
    }


def _difference(minuend: float | None, subtrahend: float | None) -> float | None:
    return None if minuend is None or subtrahend is None else minuend - subtrahend


def _rates(entries: list[LedgerEntry]) -> tuple[list[float], list[float]]:
    tokens: list[float] = []
    byte_rates: list[float] = []
    for entry in entries:
        if not entry.ok or entry.first_byte_s is None or entry.end_s is None:
            continue
        seconds = entry.end_s - entry.first_byte_s
        if seconds <= 0:
            continue
        tokens.append(entry.tokens_received / seconds)
        byte_rates.append(entry.bytes_received / seconds)
    return tokens, byte_rates


def _judge_bandwidth(
    run: ScenarioRun,
    bounds: BandwidthBounds,
    attributes: dict[str, int],
    entries: list[LedgerEntry],
    window: FaultWindow,
) -> dict[str, Any]:
    base_tokens, _ = _rates([e for e in entries if e.phase == "before_fault"])
    fault_tokens, fault_bytes = _rates([e for e in entries if window.contains(e)])
    base_rate = statistics.median(base_tokens) if base_tokens else None
    fault_rate = statistics.median(fault_tokens) if fault_tokens else None
    ratio = None if not base_rate or fault_rate is None else fault_rate / base_rate
    limit_bytes = attributes["rate"] * 1000
    byte_ratio = statistics.median(fault_bytes) / limit_bytes if fault_bytes else None
    # NOTE: the fault proxy reads the response at full speed and buffers what the toxic holds
    # back, so the server ends each stream in well under a second and this bound is loose.
    in_flight = max((value for _, value in window.samples), default=None)
    streams = max_concurrency(entries)
    failed = sum(1 for entry in entries if entry.finished and not entry.ok)

    run.check(
        Check.at_most(
            "token_rate_ratio",
            ratio,
            bounds.max_token_rate_ratio,
            "median tokens per second of streams inside the window over the baseline's",
        )
    )
    run.check(
        Check.at_most(
            "byte_rate_ratio",
            byte_ratio,
            bounds.max_byte_rate_ratio,
            f"median bytes per second inside the window over the limit of {limit_bytes} B/s",
        )
    )
    run.check(
        Check.at_most(
            "server_in_flight_max",
            in_flight,
            float(streams),
            f"{ACTIVE} sampled during the window against the client's peak open streams",
        )
    )
    run.check(Check.at_most("failed_requests", failed, bounds.max_failed, "ledger"))
    run.record.failed_requests = failed
    return {
        "baseline_tokens_per_s": base_rate,
        "fault_tokens_per_s": fault_rate,
        "fault_bytes_per_s": statistics.median(fault_bytes) if fault_bytes else None,
        "server_in_flight_samples": [value for _, value in window.samples],
        "client_peak_open_streams": streams,
        "streams_inside_window": len(fault_tokens),
    }


def _judge_failures(
    run: ScenarioRun,
    allowed: tuple[str, ...],
    required: str | None,
    minimum: int,
    entries: list[LedgerEntry],
    window: FaultWindow,
) -> tuple[int, int]:
    """Check the failures the fault caused.

    Returns the failed requests that were sent while the fault was in place, and all failed
    requests whose life overlapped it.
    """
    failed = [entry for entry in entries if entry.finished and not entry.ok]
    caused = [entry for entry in failed if window.overlaps(entry)]
    unplanned = [entry for entry in failed if not window.overlaps(entry)]
    kinds = sorted({str(entry.error_kind) for entry in caused})
    unexpected = [kind for kind in kinds if kind not in allowed]
    counted = [e for e in caused if required is None or e.error_kind == required]

    run.check(
        Check.at_least(
            "failed_by_fault",
            len(counted),
            minimum,
            f"ledger failures overlapping the window, kind {required or 'any of ' + str(allowed)}",
        )
    )
    run.check(Check.equals("unexpected_error_kinds", unexpected, [], f"allowed: {allowed}"))
    run.check(
        Check.equals(
            "failed_outside_window", len(unplanned), 0, "failures that did not overlap the fault"
        )
    )
    run.record.failed_requests = len(failed)
    return sum(1 for entry in caused if window.sent_during(entry)), len(caused)


def _judge_outage(
    run: ScenarioRun,
    bounds: OutageBounds,
    endpoint: ServiceEndpoint,
    route: str,
    disconnect_before: float,
    entries: list[LedgerEntry],
    window: FaultWindow,
) -> dict[str, Any]:
    caused = _judge_failures(
        run, bounds.error_kinds, bounds.required_kind, bounds.min_failed, entries, window
    )
    details: dict[str, Any] = {"failed_by_fault": caused[1], "failed_sent_during_fault": caused[0]}
    if bounds.expect_cancelled:
        details.update(
            check_cancellations(
                run,
                endpoint,
                route,
                "client_disconnect",
                disconnect_before,
                caused,
                bounds.settle_s,
            )
        )

    assert window.removed_s is not None
    recovery = time_to_recovery(entries, window.removed_s, bounds.sla)
    run.record.time_to_recovery_s = None if recovery is None else round(recovery, 3)
    run.check(
        Check.at_most(
            "time_to_recovery_s",
            recovery,
            bounds.recovery_deadline_s,
            "SLA met again after the fault was removed (ledger windows)",
        )
    )
    details["time_to_recovery_s"] = recovery
    return details
