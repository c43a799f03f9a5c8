"""Network namespaces joined to the host by veth pairs, managed with ``ip`` from iproute2.

Each namespace gets a /30 of its own: the host side of its veth pair takes the first address
and the namespace side the second, and the namespace routes everything through the host side.
The default route matters to Ray, which picks its node address from the route towards a public
address. The host forwards packets from a namespace only towards the project's own network.
Forwarding is switched on for the host-side veth alone, not with the global
``net.ipv4.ip_forward``. A policy-routing rule drops everything else that enters through that
veth, so nothing the namespace sends leaves the machine.

Every name the module creates starts with a prefix the project owns, so leftovers of a crashed
run can be found and removed by that prefix.
"""

import ipaddress
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass

import structlog

logger = structlog.get_logger("chaos.stack.netns")

DEFAULT_PREFIX = "chaosns-"
DEFAULT_NETWORK = ipaddress.IPv4Network("10.213.0.0/16")
_NAMESPACE_VETH = "veth0"
#: Policy-routing priorities of the two rules per namespace (allow the project network, drop
#: the rest). They sit between the ``local`` (0) and ``main`` (32766) rules.
_RULE_ALLOW_PRIORITY = 4213
_RULE_DROP_PRIORITY = 4214
_MAX_INDEX = 255
#: Seconds between SIGTERM and SIGKILL, and after SIGKILL, when a namespace is emptied.
STOP_GRACE_S = 5.0


class NetnsError(RuntimeError):
    """A namespace operation failed; the message names the command and its output."""


@dataclass(frozen=True)
class Namespace:
    """A network namespace with its veth pair and addresses."""

    name: str
    index: int
    host_veth: str
    host_address: str
    address: str
    network: str

    def exec_prefix(self) -> list[str]:
        """Return the argv prefix that runs a command inside this namespace."""
        return ["ip", "netns", "exec", self.name]


def check_prerequisites() -> None:
    """Raise ``NetnsError`` unless this process is root and ``ip`` from iproute2 is installed."""
    if shutil.which("ip") is None:
        message = "the 'ip' command was not found on PATH; install iproute2 (apt install iproute2)"
        raise NetnsError(message)

    if os.geteuid() != 0:
        message = (
            f"network namespaces need root, but this process runs as uid {os.geteuid()}; "
            "run the suite as root or use a target file that points at an existing cluster"
        )
        raise NetnsError(message)


def _run_ip(arguments: list[str], *, check: bool = True) -> subprocess.CompletedProcess[str]:
    command = ["ip", *arguments]
    completed = subprocess.run(command, capture_output=True, text=True, timeout=30, check=False)
    if check and completed.returncode != 0:
        message = (
            f"command {' '.join(command)!r} failed with exit status {completed.returncode}: "
            f"{completed.stderr.strip() or completed.stdout.strip()}"
        )
        raise NetnsError(message)
    return completed


def _write_sysctl(path: str, value: str) -> None:
    with open(path, "w", encoding="ascii") as handle:
        handle.write(value)


def plan_namespace(
    index: int, *, prefix: str = DEFAULT_PREFIX, network: ipaddress.IPv4Network = DEFAULT_NETWORK
) -> Namespace:
    """Return the names and addresses namespace number ``index`` gets, without creating it.

    Namespace ``index`` takes the /30 that starts at ``network`` plus ``index * 256``, so with
    the default network namespace 3 is 10.213.3.0/30 (host side .1, namespace side .2).
    """
    if not 0 <= index <= _MAX_INDEX:
        message = f"invalid namespace index {index}: expected an integer from 0 to {_MAX_INDEX}"
        raise ValueError(message)

    if network.prefixlen > 16:
        message = f"invalid network {network}: expected a /16 or larger, one /24 per namespace"
        raise ValueError(message)

    host_veth = f"{prefix}{index}h"
    if len(host_veth) > 15:
        message = (
            f"interface name {host_veth!r} is longer than the kernel's 15 characters; "
            "use a shorter prefix"
        )
        raise ValueError(message)

    base = network.network_address + index * 256
    return Namespace(
        name=f"{prefix}{index}",
        index=index,
        host_veth=host_veth,
        host_address=str(base + 1),
        address=str(base + 2),
        network=str(network),
    )


def create_namespace(
    index: int, *, prefix: str = DEFAULT_PREFIX, network: ipaddress.IPv4Network = DEFAULT_NETWORK
) -> Namespace:
    """Create namespace ``index`` with its veth pair, addresses, routes and forwarding rules.

    A leftover namespace of the same name is removed first. On failure the partly created
    namespace is removed again before the error propagates.
    """
    check_prerequisites()
    namespace = plan_namespace(index, prefix=prefix, network=network)
    remove_namespace(namespace)

    peer = f"{prefix}{index}n"
    try:
        _run_ip(["netns", "add", namespace.name])
        _run_ip(["link", "add", namespace.host_veth, "type", "veth", "peer", "name", peer])
        _run_ip(["link", "set", peer, "netns", namespace.name])
        _run_ip(["addr", "add", f"{namespace.host_address}/30", "dev", namespace.host_veth])
        _run_ip(["link", "set", namespace.host_veth, "up"])

        inside = ["-n", namespace.name]
        _run_ip([*inside, "link", "set", peer, "name", _NAMESPACE_VETH])
        _run_ip([*inside, "addr", "add", f"{namespace.address}/30", "dev", _NAMESPACE_VETH])
        _run_ip([*inside, "link", "set", _NAMESPACE_VETH, "up"])
        _run_ip([*inside, "link", "set", "lo", "up"])
        _run_ip([*inside, "route", "add", "default", "via", namespace.host_address])

        _run_ip(_rule(namespace, _RULE_ALLOW_PRIORITY, ["to", namespace.network, "lookup", "main"]))
        _run_ip(_rule(namespace, _RULE_DROP_PRIORITY, ["blackhole"]))
        _write_sysctl(f"/proc/sys/net/ipv4/conf/{namespace.host_veth}/forwarding", "1")
    except (NetnsError, OSError):
        remove_namespace(namespace)
        raise

    logger.info(
        "netns_created",
        namespace=namespace.name,
        address=namespace.address,
        host_address=namespace.host_address,
    )
    return namespace


def _rule(namespace: Namespace, priority: int, selector_and_action: list[str]) -> list[str]:
    return [
        "rule",
        "add",
        "priority",
        str(priority),
        "iif",
        namespace.host_veth,
        *selector_and_action,
    ]


def remove_namespace(namespace: Namespace) -> None:
    """Remove the namespace, its veth pair and its routing rules; absent parts are skipped."""
    if namespace.name in list_namespaces(prefix=namespace.name):
        _run_ip(["netns", "delete", namespace.name])
        logger.info("netns_removed", namespace=namespace.name)

    _run_ip(["link", "delete", namespace.host_veth], check=False)
    _remove_rules(lambda iif: iif == namespace.host_veth)


def _remove_rules(matches: Callable[[str], bool]) -> None:
    listing = _run_ip(["rule", "show"]).stdout.splitlines()
    for line in listing:
        fields = line.replace(":", " ").split()
        if "iif" not in fields:
            continue
        iif = fields[fields.index("iif") + 1]
        if matches(iif):
            _run_ip(["rule", "delete", "priority", fields[0], "iif", iif], check=False)


def list_namespaces(*, prefix: str = DEFAULT_PREFIX) -> list[str]:
    """Return the names of existing namespaces whose name starts with ``prefix``."""
    listing = _run_ip(["netns", "list"]).stdout.splitlines()
    names = [line.split()[0] for line in listing if line.strip()]
    return sorted(name for name in names if name.startswith(prefix))


def pids(name: str) -> list[int]:
    """Return the process ids running inside namespace ``name`` (empty if it does not exist)."""
    completed = _run_ip(["netns", "pids", name], check=False)
    if completed.returncode != 0:
        return []
    return [int(token) for token in completed.stdout.split() if token.isdigit()]


def stop_processes(name: str, grace_s: float = STOP_GRACE_S) -> list[int]:
    """Send SIGTERM to every process in namespace ``name``, then SIGKILL to what is left.

    Returns the process ids that were signalled. Polls ``ip netns pids`` until the namespace
    is empty or the grace period ends; processes still there after SIGKILL are logged.
    """
    signalled = pids(name)
    _signal_all(signalled, signal.SIGTERM)
    if not _wait_until_empty(name, grace_s):
        _signal_all(pids(name), signal.SIGKILL)
        if not _wait_until_empty(name, grace_s):
            logger.error("netns_processes_survived_sigkill", namespace=name, pids=pids(name))
    return signalled


def _signal_all(targets: list[int], signum: signal.Signals) -> None:
    for pid in targets:
        try:
            os.kill(pid, signum)
        except ProcessLookupError:
            continue


def _wait_until_empty(name: str, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if not pids(name):
            return True
        time.sleep(0.1)
    return not pids(name)


def remove_leftovers(*, prefix: str = DEFAULT_PREFIX) -> list[str]:
    """Remove every namespace, host veth and routing rule whose name starts with ``prefix``.

    Processes still running inside a leftover namespace are not touched here: end them first
    with ``stop_processes``. Returns the names of the removed namespaces.
    """
    check_prerequisites()
    removed = list_namespaces(prefix=prefix)
    for name in removed:
        _run_ip(["netns", "delete", name], check=False)

    links = _run_ip(["-o", "link", "show"]).stdout.splitlines()
    for line in links:
        link = line.split(":")[1].strip().split("@")[0]
        if link.startswith(prefix):
            _run_ip(["link", "delete", link], check=False)

    _remove_rules(lambda iif: iif.startswith(prefix))
    if removed:
        logger.warning("netns_leftovers_removed", namespaces=removed)
    return removed
