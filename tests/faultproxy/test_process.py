"""The server as a subprocess: start from a config file, stop on SIGTERM, clean exit."""

import json
import os
import signal
from pathlib import Path

from chaos.faultproxy.client import FaultProxyClient
from chaos.faultproxy.process import start_fault_proxy
from tests.faultproxy.upstreams import connect, is_refused, round_trip_s


def test_config_start_and_sigterm_stop(tmp_path: Path, echo_address: str) -> None:
    config = tmp_path / "populate.json"
    config.write_text(json.dumps([{"name": "from_config", "upstream": echo_address}]))
    log_path = tmp_path / "server.log"

    process = start_fault_proxy(config=config, log_path=log_path)
    try:
        with FaultProxyClient(process.api_url) as client:
            proxy = client.get_proxy("from_config")
            address = proxy.listen_address
            assert proxy.state.enabled is True

            with connect(address) as sock:
                assert round_trip_s(sock) < 0.5
    finally:
        status = process.stop()

    events = [json.loads(line)["event"] for line in log_path.read_text().splitlines()]
    assert status == 0
    assert "shutdown_requested" in events
    assert "server_stopped" in events
    assert is_refused(address)


def test_stop_kills_after_grace(tmp_path: Path) -> None:
    process = start_fault_proxy(log_path=tmp_path / "server.log")
    # A stopped (SIGSTOP) process cannot handle SIGTERM, so only SIGKILL ends it.
    os.kill(process.pid, signal.SIGSTOP)

    status = process.stop(grace_s=0.5)

    assert status == -signal.SIGKILL
