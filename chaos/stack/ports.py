"""Loopback port checks for the processes the stack starts."""

import socket


class PortBusyError(RuntimeError):
    """A port the stack needs is already taken by another process."""


def free_port(host: str = "127.0.0.1") -> int:
    """Return a port that was free on ``host`` at the time of the call."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def ensure_port_free(host: str, port: int, owner: str) -> None:
    """Raise ``PortBusyError`` naming ``owner`` when ``host:port`` cannot be bound."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            message = (
                f"port {host}:{port} for {owner} is busy ({error.strerror}); stop the process "
                f"that listens there (see `ss -ltnp 'sport = :{port}'`) or choose another port"
            )
            raise PortBusyError(message) from None
