"""Effect of each toxic on real TCP connections through the fault proxy, against bounds.

Timing bounds leave room for a loaded two-core machine: lower bounds are close to the
configured value (a toxic must never be early), upper bounds are generous.
"""

import os
import socket
import time

import pytest

from chaos.faultproxy.client import FaultProxyClient
from tests.faultproxy.upstreams import (
    connect,
    is_refused,
    recv_exactly,
    recv_until_eof,
    round_trip_s,
    send_server,
    wait_for,
)


def median_round_trip_s(sock: socket.socket, count: int = 3) -> float:
    """Median of ``count`` echo round trips, in seconds."""
    samples = sorted(round_trip_s(sock) for _ in range(count))
    return samples[len(samples) // 2]


def test_latency_shifts_round_trip(client: FaultProxyClient, echo_address: str) -> None:
    proxy = client.create_proxy("tox_latency", echo_address)

    with connect(proxy.listen_address) as sock:
        baseline = median_round_trip_s(sock)
        proxy.add_toxic("latency", {"latency": 200})
        delayed = median_round_trip_s(sock)

    shift = delayed - baseline
    assert 0.19 <= shift <= 0.35, f"latency shift {shift:.3f} s for a 200 ms toxic"


def test_latency_in_both_streams_adds_up(client: FaultProxyClient, echo_address: str) -> None:
    proxy = client.create_proxy("tox_latency_both", echo_address)
    proxy.add_toxic("latency", {"latency": 100}, stream="upstream")
    proxy.add_toxic("latency", {"latency": 100}, stream="downstream")
    proxy.add_toxic("latency", {"latency": 50}, name="extra_downstream")

    with connect(proxy.listen_address) as sock:
        delayed = median_round_trip_s(sock)

    assert 0.245 <= delayed <= 0.45, f"round trip {delayed:.3f} s for 100+100+50 ms"


def test_latency_jitter_stays_in_band(client: FaultProxyClient, echo_address: str) -> None:
    proxy = client.create_proxy("tox_jitter", echo_address)
    proxy.add_toxic("latency", {"latency": 100, "jitter": 50})

    with connect(proxy.listen_address) as sock:
        samples = [round_trip_s(sock) for _ in range(6)]

    assert min(samples) >= 0.049, f"samples {samples}"
    assert max(samples) <= 0.3, f"samples {samples}"


def test_bandwidth_paces_to_rate(client: FaultProxyClient) -> None:
    payload = os.urandom(400_000)
    with send_server(payload) as upstream:
        proxy = client.create_proxy("tox_bandwidth", upstream)
        proxy.add_toxic("bandwidth", {"rate": 400})

        started = time.monotonic()
        with connect(proxy.listen_address) as sock:
            received = recv_until_eof(sock)
        elapsed = time.monotonic() - started

    rate_kb_s = len(received) / 1000 / elapsed
    assert received == payload
    assert 320 <= rate_kb_s <= 440, f"measured {rate_kb_s:.0f} KB/s for rate 400"


def test_timeout_blackholes_then_closes(client: FaultProxyClient, echo_address: str) -> None:
    proxy = client.create_proxy("tox_timeout", echo_address)
    proxy.add_toxic("timeout", {"timeout": 300}, stream="upstream")

    started = time.monotonic()
    with connect(proxy.listen_address) as sock:
        sock.sendall(b"dropped")
        received = recv_until_eof(sock)
    elapsed = time.monotonic() - started

    assert received == b""
    assert 0.29 <= elapsed <= 1.0, f"closed after {elapsed:.3f} s for a 300 ms timeout"


def test_timeout_zero_removal_closes(client: FaultProxyClient, echo_address: str) -> None:
    proxy = client.create_proxy("tox_timeout_zero", echo_address)
    proxy.add_toxic("timeout", {"timeout": 0}, stream="upstream")

    with connect(proxy.listen_address, timeout_s=0.5) as sock:
        sock.sendall(b"dropped")
        with pytest.raises(TimeoutError):
            sock.recv(16)

        proxy.remove_toxic("timeout_upstream")
        sock.settimeout(2.0)
        assert recv_until_eof(sock) == b""


def test_reset_peer_resets_connection(client: FaultProxyClient, echo_address: str) -> None:
    proxy = client.create_proxy("tox_reset", echo_address)
    proxy.add_toxic("reset_peer", {"timeout": 100}, stream="upstream")

    started = time.monotonic()
    with connect(proxy.listen_address) as sock:
        sock.sendall(b"trigger")
        with pytest.raises(ConnectionResetError):
            sock.recv(16)
    elapsed = time.monotonic() - started

    assert 0.09 <= elapsed <= 1.0, f"reset after {elapsed:.3f} s for a 100 ms timeout"


def test_limit_data_cuts_exactly(client: FaultProxyClient) -> None:
    payload = os.urandom(200_000)
    with send_server(payload, piece_size=7_000) as upstream:
        proxy = client.create_proxy("tox_limit", upstream)
        proxy.add_toxic("limit_data", {"bytes": 12_345})

        with connect(proxy.listen_address) as sock:
            received = recv_until_eof(sock)

    assert len(received) == 12_345
    assert received == payload[:12_345]


def test_slicer_preserves_bytes(client: FaultProxyClient) -> None:
    payload = os.urandom(30_000)
    with send_server(payload) as upstream:
        proxy = client.create_proxy("tox_slicer", upstream)
        attributes = {"average_size": 1000, "size_variation": 200, "delay": 10_000}
        proxy.add_toxic("slicer", attributes)

        started = time.monotonic()
        with connect(proxy.listen_address) as sock:
            received = recv_until_eof(sock)
        elapsed = time.monotonic() - started

    # At most 1200-byte slices with 10 ms after each: at least 24 delays.
    assert received == payload
    assert elapsed >= 0.24, f"30 kB arrived in {elapsed:.3f} s, slicer delays missing"


def test_slow_close_delays_close(client: FaultProxyClient) -> None:
    with send_server(b"hello") as upstream:
        proxy = client.create_proxy("tox_slow_close", upstream)
        proxy.add_toxic("slow_close", {"delay": 400})

        started = time.monotonic()
        with connect(proxy.listen_address) as sock:
            data = recv_exactly(sock, 5)
            data_at = time.monotonic() - started
            assert sock.recv(16) == b""
            closed_at = time.monotonic() - started

    assert data == b"hello"
    assert data_at < 0.3, f"data took {data_at:.3f} s; slow_close must not delay data"
    assert 0.39 <= closed_at <= 1.2, f"close after {closed_at:.3f} s for a 400 ms delay"


@pytest.mark.parametrize(("toxicity", "affected"), [(0.0, False), (1.0, True)])
def test_toxicity_bounds(
    client: FaultProxyClient, echo_address: str, toxicity: float, affected: bool
) -> None:
    proxy = client.create_proxy("tox_toxicity", echo_address)
    proxy.add_toxic("latency", {"latency": 300}, toxicity=toxicity)

    with connect(proxy.listen_address) as sock:
        elapsed = round_trip_s(sock)

    if affected:
        assert elapsed >= 0.29, f"round trip {elapsed:.3f} s with toxicity {toxicity}"
    else:
        assert elapsed < 0.15, f"round trip {elapsed:.3f} s with toxicity {toxicity}"


def test_toxic_reaches_live_connection(client: FaultProxyClient, echo_address: str) -> None:
    proxy = client.create_proxy("tox_live", echo_address)

    with connect(proxy.listen_address) as sock:
        before = median_round_trip_s(sock)
        proxy.add_toxic("latency", {"latency": 150}, stream="upstream")
        added = median_round_trip_s(sock)
        proxy.update_toxic("latency_upstream", {"latency": 300})
        updated = median_round_trip_s(sock)
        proxy.remove_toxic("latency_upstream")
        removed = median_round_trip_s(sock)

    assert before < 0.1, f"baseline {before:.3f} s"
    assert 0.14 <= added - before <= 0.3, f"after add {added:.3f} s"
    assert 0.29 <= updated - before <= 0.45, f"after update {updated:.3f} s"
    assert removed < 0.1, f"after remove {removed:.3f} s"


def test_disable_refuses_and_enable_restores(client: FaultProxyClient, echo_address: str) -> None:
    proxy = client.create_proxy("tox_down", echo_address)
    address = proxy.listen_address

    with connect(address) as live:
        assert round_trip_s(live) < 0.5
        proxy.disable()
        assert recv_until_eof(live) == b""

    assert is_refused(address)
    proxy.enable()
    assert proxy.listen_address == address
    wait_for(lambda: not is_refused(address), 2.0, "the re-enabled listener")
    with connect(address) as fresh:
        assert round_trip_s(fresh) < 0.5
