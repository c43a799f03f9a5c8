"""Fixtures: one fault proxy server subprocess for the session, and a client per test."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from chaos.faultproxy.client import FaultProxyClient
from chaos.faultproxy.process import FaultProxyProcess, start_fault_proxy
from tests.faultproxy.upstreams import echo_server


@pytest.fixture(scope="session")
def fault_proxy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FaultProxyProcess]:
    """The server under test, as a real subprocess on 127.0.0.1 with a free port."""
    log_path = Path(tmp_path_factory.mktemp("faultproxy")) / "server.log"
    process = start_fault_proxy(log_path=log_path)
    yield process
    assert process.stop() == 0, f"server did not exit cleanly; see {log_path}"


@pytest.fixture
def client(fault_proxy: FaultProxyProcess) -> Iterator[FaultProxyClient]:
    """A client; every proxy is deleted after the test."""
    with FaultProxyClient(fault_proxy.api_url, timeout_s=10.0) as api_client:
        yield api_client
        api_client.delete_all()


@pytest.fixture(scope="session")
def echo_address() -> Iterator[str]:
    """``host:port`` of an echo server shared by the session."""
    with echo_server() as address:
        yield address
