"""Byte equality through the fault proxy: what goes in comes out, in order."""

import hashlib
import os
import socket
import threading

from chaos.faultproxy.client import FaultProxyClient, Proxy
from tests.faultproxy.upstreams import connect, recv_until_eof, send_server


def echo_through(address: tuple[str, int], payload: bytes) -> bytes:
    """Send ``payload`` from one thread, half-close, and read the echo until EOF."""
    errors: list[BaseException] = []

    with connect(address, timeout_s=20.0) as sock:

        def send_all() -> None:
            try:
                sock.sendall(payload)
                sock.shutdown(socket.SHUT_WR)
            except OSError as error:
                errors.append(error)

        sender = threading.Thread(target=send_all)
        sender.start()
        received = recv_until_eof(sock)
        sender.join(timeout=20)

    assert not errors, errors
    return received


def test_large_payload_echo_is_identical(client: FaultProxyClient, echo_address: str) -> None:
    payload = os.urandom(8 * 1024 * 1024)
    proxy = client.create_proxy("bytes_large", echo_address)

    received = echo_through(proxy.listen_address, payload)

    assert len(received) == len(payload)
    assert hashlib.sha256(received).digest() == hashlib.sha256(payload).digest()


def test_streamed_payload_is_identical(client: FaultProxyClient) -> None:
    payload = os.urandom(1024 * 1024)
    with send_server(payload, piece_size=4096, pause_s=0.0005) as upstream:
        proxy = client.create_proxy("bytes_streamed", upstream)

        with connect(proxy.listen_address, timeout_s=20.0) as sock:
            received = recv_until_eof(sock)

    assert len(received) == len(payload)
    assert received == payload


def churn_toxics(proxy: Proxy, stop: threading.Event, changes: list[int]) -> None:
    """Add, update and remove toxics until ``stop`` is set, counting changes in ``changes``."""
    slicer = {"average_size": 3000, "size_variation": 1000}
    for _ in range(40):
        if stop.is_set():
            return

        proxy.add_toxic("latency", {"latency": 2}, name="churn_latency")
        proxy.add_toxic("slicer", slicer, stream="upstream", name="churn_slicer")
        proxy.add_toxic("bandwidth", {"rate": 100_000}, name="churn_bandwidth")
        proxy.update_toxic("churn_latency", {"latency": 1})
        proxy.remove_toxic("churn_latency")
        proxy.remove_toxic("churn_slicer")
        proxy.remove_toxic("churn_bandwidth")
        changes.append(7)


def test_bytes_survive_toxic_changes(client: FaultProxyClient, echo_address: str) -> None:
    payload = os.urandom(4 * 1024 * 1024)
    proxy = client.create_proxy("bytes_churn", echo_address)
    # 4 MiB at 10 MB/s takes about 0.4 s, long enough for several rounds of changes.
    proxy.add_toxic("bandwidth", {"rate": 10_000}, stream="upstream", name="pace")
    stop = threading.Event()
    changes: list[int] = []
    churner = threading.Thread(target=churn_toxics, args=(proxy, stop, changes))

    churner.start()
    try:
        received = echo_through(proxy.listen_address, payload)
        changes_during_transfer = sum(changes)
    finally:
        stop.set()
        churner.join(timeout=30)

    assert changes_during_transfer >= 14, "fewer than two rounds of toxic changes overlapped"
    assert len(received) == len(payload)
    assert received == payload
