"""Network namespaces: creation, routing between namespaces, egress block and clean removal."""

import subprocess
import sys
import time

import pytest

from chaos.stack import netns

#: Away from the default index 0 of a stack started by hand or by other tests, so parallel runs
#: cannot remove each other's namespaces.
NETNS_TEST_INDEX = 40

_ECHO_SERVER = """
import socket, sys
server = socket.create_server((sys.argv[1], int(sys.argv[2])))
print("listening", flush=True)
connection, _ = server.accept()
connection.sendall(connection.recv(64))
connection.close()
"""


def _host_links() -> str:
    return subprocess.run(["ip", "-o", "link", "show"], capture_output=True, text=True).stdout


def _rules() -> str:
    return subprocess.run(["ip", "rule", "show"], capture_output=True, text=True).stdout


@pytest.fixture
def two_namespaces() -> "list[netns.Namespace]":
    created = [
        netns.create_namespace(NETNS_TEST_INDEX),
        netns.create_namespace(NETNS_TEST_INDEX + 1),
    ]
    yield created
    for namespace in created:
        netns.remove_namespace(namespace)


def test_plan_addresses_from_index() -> None:
    planned = netns.plan_namespace(7)

    assert planned.name == "chaosns-7"
    assert planned.host_veth == "chaosns-7h"
    assert planned.host_address == "10.213.7.1"
    assert planned.address == "10.213.7.2"


def test_plan_rejects_invalid_index() -> None:
    with pytest.raises(ValueError, match="invalid namespace index 300"):
        netns.plan_namespace(300)


def test_namespace_has_address_and_route(two_namespaces: "list[netns.Namespace]") -> None:
    first = two_namespaces[0]
    addresses = subprocess.run(
        ["ip", "-n", first.name, "-o", "-4", "addr", "show"], capture_output=True, text=True
    ).stdout
    routes = subprocess.run(
        ["ip", "-n", first.name, "route", "show"], capture_output=True, text=True
    ).stdout

    assert f"{first.address}/30" in addresses
    assert "127.0.0.1/8" in addresses
    assert f"default via {first.host_address}" in routes
    assert first.name in netns.list_namespaces()


def test_namespaces_reach_each_other(two_namespaces: "list[netns.Namespace]") -> None:
    server_ns, client_ns = two_namespaces
    server = subprocess.Popen(
        [*server_ns.exec_prefix(), sys.executable, "-c", _ECHO_SERVER, server_ns.address, "7007"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        assert server.stdout.readline().strip() == "listening"
        client = subprocess.run(
            [
                *client_ns.exec_prefix(),
                sys.executable,
                "-c",
                "import socket, sys; s = socket.create_connection((sys.argv[1], 7007), timeout=5);"
                "s.sendall(b'ping'); print(s.recv(64).decode())",
                server_ns.address,
            ],
            capture_output=True,
            text=True,
            timeout=20,
        )
        assert client.returncode == 0, client.stderr
        assert client.stdout.strip() == "ping"
    finally:
        server.kill()
        server.wait(timeout=5)


def test_host_forwards_only_project_network(two_namespaces: "list[netns.Namespace]") -> None:
    source, other = two_namespaces
    inside = subprocess.run(
        ["ip", "route", "get", other.address, "from", source.address, "iif", source.host_veth],
        capture_output=True,
        text=True,
    )
    outside = subprocess.run(
        ["ip", "route", "get", "192.0.2.200", "from", source.address, "iif", source.host_veth],
        capture_output=True,
        text=True,
    )

    assert inside.returncode == 0, inside.stderr
    assert other.host_veth in inside.stdout
    assert outside.returncode != 0


def test_remove_leaves_nothing_behind() -> None:
    namespace = netns.create_namespace(NETNS_TEST_INDEX + 2)
    sleeper = subprocess.Popen([*namespace.exec_prefix(), "sleep", "30"])
    try:
        deadline = time.monotonic() + 5
        while not netns.pids(namespace.name) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert netns.pids(namespace.name) == [sleeper.pid]
    finally:
        sleeper.kill()
        sleeper.wait(timeout=5)

    netns.remove_namespace(namespace)
    netns.remove_namespace(namespace)

    assert namespace.name not in netns.list_namespaces()
    assert namespace.host_veth not in _host_links()
    assert namespace.host_veth not in _rules()
    assert netns.pids(namespace.name) == []


def test_remove_leftovers_by_prefix() -> None:
    prefix = "chaostst-"
    netns.create_namespace(NETNS_TEST_INDEX + 3, prefix=prefix)

    removed = netns.remove_leftovers(prefix=prefix)

    assert removed == [f"{prefix}{NETNS_TEST_INDEX + 3}"]
    assert netns.list_namespaces(prefix=prefix) == []
    assert prefix not in _host_links()
    assert prefix not in _rules()
