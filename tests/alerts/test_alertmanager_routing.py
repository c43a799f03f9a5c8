"""Validate the Alertmanager configuration, its routes (amtool) and its inhibition (live)."""

import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from alerts.alertmanager_config import DEFAULT_WEBHOOK_BASE_URL, load_config, render
from tests.alerts.alerting_tools import (
    ALERTMANAGER_CONFIG,
    SEVERITY_RECEIVERS,
    alert_rules,
    require_tool,
)


def amtool_check(path: Path) -> subprocess.CompletedProcess[str]:
    amtool = require_tool("amtool")
    return subprocess.run(
        [amtool, "check-config", str(path)],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def route_receivers(labels: dict[str, str]) -> str:
    """Return the receiver list amtool resolves for an alert with ``labels``."""
    amtool = require_tool("amtool")
    pairs = [f"{key}={value}" for key, value in sorted(labels.items())]
    result = subprocess.run(
        [amtool, "config", "routes", "test", f"--config.file={ALERTMANAGER_CONFIG}", *pairs],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout.strip()


def test_committed_config_valid() -> None:
    result = amtool_check(ALERTMANAGER_CONFIG)

    assert result.returncode == 0, result.stdout + result.stderr


def test_rendered_config_valid(tmp_path: Path) -> None:
    rendered = tmp_path / "alertmanager.yml"
    rendered.write_text(render("http://127.0.0.1:18080/hooks/"))

    result = amtool_check(rendered)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "http://127.0.0.1:18080/hooks/pager" in rendered.read_text()
    assert "http://127.0.0.1:18080/hooks/heartbeat" in rendered.read_text()


def test_committed_config_uses_default_base() -> None:
    urls = [hook["url"] for r in load_config()["receivers"] for hook in r["webhook_configs"]]

    assert urls
    assert all(url.startswith(DEFAULT_WEBHOOK_BASE_URL + "/") for url in urls), urls


@pytest.mark.parametrize("bad", ["127.0.0.1:9099", "ftp://127.0.0.1/x", "http://h/?a=1", ""])
def test_render_rejects_invalid_base(bad: str) -> None:
    with pytest.raises(ValueError, match="invalid webhook base URL"):
        render(bad)


@pytest.mark.parametrize(
    ("labels", "receiver"),
    [
        (
            {"alertname": "AvailabilityBudgetBurnPage", "severity": "page", "service": "ray"},
            "pager",
        ),
        ({"alertname": "LatencyBudgetBurnTicket", "severity": "ticket", "service": "x"}, "ticket"),
        ({"alertname": "Watchdog", "severity": "none"}, "heartbeat"),
        ({"alertname": "Watchdog", "severity": "page"}, "heartbeat"),
        ({"alertname": "SomethingNew", "severity": "unknown"}, "ticket"),
        ({"alertname": "SomethingNew"}, "ticket"),
    ],
)
def test_route_table(labels: dict[str, str], receiver: str) -> None:
    assert route_receivers(labels) == receiver


def test_every_alert_routes_by_severity() -> None:
    for rule in alert_rules():
        labels = {"alertname": rule["alert"], **rule["labels"]}
        expected = SEVERITY_RECEIVERS[rule["labels"]["severity"]]
        assert route_receivers(labels) == expected, rule["alert"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def alertmanager(tmp_path: Path) -> Iterator[str]:
    """Run Alertmanager on loopback with the committed config; yield its base URL."""
    binary = require_tool("prometheus-alertmanager")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log_path = tmp_path / "alertmanager.log"
    with log_path.open("w") as log_file:
        process = subprocess.Popen(
            [
                binary,
                f"--config.file={ALERTMANAGER_CONFIG}",
                f"--storage.path={tmp_path / 'data'}",
                f"--web.listen-address=127.0.0.1:{port}",
                "--cluster.listen-address=",
            ],
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                if httpx.get(f"{url}/-/ready", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert process.poll() is None, log_path.read_text()
            assert time.monotonic() < deadline, f"not ready in 20 s:\n{log_path.read_text()}"
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def inhibited_by(url: str, alerts: list[dict[str, str]], target: str) -> dict[str, list[str]]:
    """Post alerts; return, per ``alertname/service``, the fingerprints of the alerts muting it.

    Polls until ``target`` is muted or 10 s have passed.
    """
    body = [{"labels": labels} for labels in alerts]
    response = httpx.post(f"{url}/api/v2/alerts", json=body, timeout=5)
    assert response.status_code == 200, response.text

    deadline = time.monotonic() + 10
    while True:
        listed = httpx.get(f"{url}/api/v2/alerts", timeout=5).json()
        result = {
            f"{a['labels']['alertname']}/{a['labels']['service']}": a["status"]["inhibitedBy"]
            for a in listed
        }
        if result.get(target) or time.monotonic() > deadline:
            return result
        time.sleep(0.2)


def test_inhibition_live(alertmanager: str) -> None:
    page = {"alertname": "LatencyBudgetBurnPage", "severity": "page", "slo": "latency"}
    ticket = {"alertname": "LatencyBudgetBurnTicket", "severity": "ticket", "slo": "latency"}
    alerts = [
        {**page, "service": "ray"},
        {**ticket, "service": "ray"},
        {**ticket, "service": "fastapi"},
        {
            **ticket,
            "alertname": "AvailabilityBudgetBurnTicket",
            "slo": "availability",
            "service": "ray",
        },
        {"alertname": "RayNodeLost", "severity": "page", "service": "ray"},
        {"alertname": "RayServeReplicaUnhealthy", "severity": "ticket", "service": "ray"},
        {"alertname": "ScrapeTargetDown", "severity": "page", "service": "fastapi"},
        {"alertname": "FastAPIWorkerRestarts", "severity": "ticket", "service": "fastapi"},
    ]

    status = inhibited_by(alertmanager, alerts, "LatencyBudgetBurnTicket/ray")

    assert status["LatencyBudgetBurnTicket/ray"], "page of the same SLO and service must mute it"
    assert status["RayServeReplicaUnhealthy/ray"], "a lost Ray node must mute replica alerts"
    assert not status["LatencyBudgetBurnTicket/fastapi"], "another service must stay unmuted"
    assert not status["AvailabilityBudgetBurnTicket/ray"], "another SLO must stay unmuted"
    assert not status["FastAPIWorkerRestarts/fastapi"], "symptom tickets carry no slo label"
    assert not status["LatencyBudgetBurnPage/ray"], "pages are never muted"
