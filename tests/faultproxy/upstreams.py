"""Small TCP servers on 127.0.0.1 that the proxy under test forwards to, and socket helpers."""

import socket
import socketserver
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

SOCKET_TIMEOUT_S = 5.0


class _EchoHandler(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        sock: socket.socket = self.request
        while True:
            try:
                data = sock.recv(65536)
            except OSError:
                return

            if not data:
                sock.shutdown(socket.SHUT_WR)
                return

            sock.sendall(data)


class _SendHandler(socketserver.BaseRequestHandler):
    """Send the server's payload in ``piece_size`` writes, pausing between them, then close."""

    server: "SendServer"

    def handle(self) -> None:
        sock: socket.socket = self.request
        payload = self.server.payload
        for start in range(0, len(payload), self.server.piece_size):
            try:
                sock.sendall(payload[start : start + self.server.piece_size])
            except OSError:
                return

            if self.server.pause_s:
                time.sleep(self.server.pause_s)


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    block_on_close = False

    @property
    def address(self) -> str:
        host = str(self.server_address[0])
        port = int(self.server_address[1])
        return f"{host}:{port}"


class SendServer(_Server):
    """Server that sends a fixed payload to every client and closes."""

    def __init__(self, payload: bytes, piece_size: int = 65536, pause_s: float = 0.0) -> None:
        self.payload = payload
        self.piece_size = piece_size
        self.pause_s = pause_s
        super().__init__(("127.0.0.1", 0), _SendHandler)


@contextmanager
def running(server: _Server) -> Iterator[str]:
    """Serve in a thread for the ``with`` block and yield the ``host:port`` address."""
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield server.address
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@contextmanager
def echo_server() -> Iterator[str]:
    """Run an echo server and yield its address."""
    with running(_Server(("127.0.0.1", 0), _EchoHandler)) as address:
        yield address


@contextmanager
def send_server(payload: bytes, piece_size: int = 65536, pause_s: float = 0.0) -> Iterator[str]:
    """Run a server that sends ``payload`` to each client and closes; yield its address."""
    with running(SendServer(payload, piece_size, pause_s)) as address:
        yield address


def connect(address: tuple[str, int], timeout_s: float = SOCKET_TIMEOUT_S) -> socket.socket:
    """Open a TCP connection with a timeout on every socket operation."""
    return socket.create_connection(address, timeout=timeout_s)


def recv_exactly(sock: socket.socket, size: int) -> bytes:
    """Read exactly ``size`` bytes; fail on EOF before that."""
    parts: list[bytes] = []
    received = 0
    while received < size:
        data = sock.recv(min(65536, size - received))
        if not data:
            msg = f"EOF after {received} of {size} bytes"
            raise AssertionError(msg)

        parts.append(data)
        received += len(data)

    return b"".join(parts)


def recv_until_eof(sock: socket.socket) -> bytes:
    """Read until the peer closes."""
    parts: list[bytes] = []
    while data := sock.recv(65536):
        parts.append(data)

    return b"".join(parts)


def round_trip_s(sock: socket.socket, message: bytes = b"ping") -> float:
    """Send ``message`` through an echo path and return the seconds until it came back."""
    started = time.monotonic()
    sock.sendall(message)
    assert recv_exactly(sock, len(message)) == message
    return time.monotonic() - started


def wait_for(predicate: Callable[[], bool], timeout_s: float, description: str) -> None:
    """Poll ``predicate`` until it is true or fail after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return

        time.sleep(0.02)

    msg = f"timed out after {timeout_s} s waiting for {description}"
    raise AssertionError(msg)


def is_refused(address: tuple[str, int]) -> bool:
    """Return True if a connect to ``address`` is refused."""
    try:
        with socket.create_connection(address, timeout=1.0):
            return False
    except ConnectionRefusedError:
        return True
