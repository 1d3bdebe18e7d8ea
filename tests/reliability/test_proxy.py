"""FaultProxy on its own: each fault, with plain sockets against a small echo server.

The proxy's effect on the SDK's clients is the subject of ``test_faults.py``;
here every command is checked at the TCP level: what the client socket sees
(data, RST, FIN, refusal, silence) and what the proxy counts.
"""

from __future__ import annotations

import socket
import socketserver
import threading
import time
from collections.abc import Iterator

import anyio
import pytest

from mediamtx_camera_sdk.testing import FaultProxy


class _Echo(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        while True:
            try:
                data = self.request.recv(65536)
            except OSError:
                return
            if not data:
                return  # the client half-closed: close too
            self.request.sendall(data)


class _EchoServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


@pytest.fixture
def echo() -> Iterator[tuple[str, int]]:
    server = _EchoServer(("127.0.0.1", 0), _Echo)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield server.server_address[0], server.server_address[1]
    server.shutdown()
    server.server_close()
    thread.join(5)


@pytest.fixture
def proxy(echo: tuple[str, int]) -> Iterator[FaultProxy]:
    with FaultProxy(*echo) as proxy:
        yield proxy


def connect(proxy: FaultProxy) -> socket.socket:
    sock = socket.create_connection((proxy.host, proxy.port), timeout=5)
    sock.settimeout(5)
    return sock


def expect_reset(proxy: FaultProxy) -> None:
    """Connect and expect a reset (on a busy machine it may come before connect() returns)."""
    with pytest.raises(ConnectionResetError), connect(proxy) as sock:
        sock.recv(1)


def recv_exactly(sock: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            raise AssertionError(f"EOF after {len(data)} of {size} bytes")
        data += chunk
    return data


def test_forwards_both_ways_and_counts(proxy: FaultProxy) -> None:
    with connect(proxy) as sock:
        proxy.wait_for_connections(1)
        sock.sendall(b"hello")
        assert recv_exactly(sock, 5) == b"hello"
        stats = proxy.stats()
        assert stats["accepted"] == 1 and stats["open"] == 1
        assert stats["bytes_to_server"] == 5 and stats["bytes_to_client"] == 5
    proxy.wait_for_connections(0)
    assert proxy.url == f"ws://127.0.0.1:{proxy.port}/ws"
    assert proxy.http_url == f"http://127.0.0.1:{proxy.port}"


def test_reset_sends_rst(proxy: FaultProxy) -> None:
    with connect(proxy) as sock:
        sock.sendall(b"x")
        assert recv_exactly(sock, 1) == b"x"
        assert proxy.reset_connections() == 1
        with pytest.raises(ConnectionResetError):
            sock.recv(1)
    assert proxy.open_connections == 0
    assert proxy.stats()["resets"] == 1
    with connect(proxy) as sock:  # new connections still work
        sock.sendall(b"y")
        assert recv_exactly(sock, 1) == b"y"


def test_close_sends_fin(proxy: FaultProxy) -> None:
    with connect(proxy) as sock:
        sock.sendall(b"x")
        assert recv_exactly(sock, 1) == b"x"
        assert proxy.close_connections() == 1
        assert sock.recv(1) == b""  # a clean end of stream, not a reset
    assert proxy.stats()["closes"] == 1 and proxy.open_connections == 0


def test_blackhole_holds_everything_until_resume(proxy: FaultProxy) -> None:
    with connect(proxy) as old:
        old.sendall(b"a")
        assert recv_exactly(old, 1) == b"a"
        proxy.blackhole()
        old.sendall(b"held")
        with connect(proxy) as new:  # accepted, but nothing goes anywhere
            new.sendall(b"new")
            proxy.wait_for_connections(2)
            for sock in (old, new):
                sock.settimeout(0.3)
                with pytest.raises(TimeoutError):  # silence, and the socket stays open
                    sock.recv(1)
                sock.settimeout(5)
            proxy.resume()
            assert recv_exactly(old, 4) == b"held"
            assert recv_exactly(new, 3) == b"new"


def test_latency_delays_and_keeps_order(proxy: FaultProxy) -> None:
    with connect(proxy) as sock:
        proxy.set_latency(0.15)
        started = time.monotonic()
        for n in range(5):
            sock.sendall(b"%d" % n)
        assert recv_exactly(sock, 5) == b"01234"
        # A lower bound only: the proxy must hold each chunk at least that long,
        # both ways. (How much longer depends on the machine.)
        assert time.monotonic() - started >= 0.3
        proxy.resume()
        sock.sendall(b"z")
        assert recv_exactly(sock, 1) == b"z"


def test_bandwidth_throttles_without_losing_bytes(proxy: FaultProxy) -> None:
    payload = bytes(range(256)) * 16  # 4 KiB
    with connect(proxy) as sock:
        proxy.set_bandwidth(10_000)
        started = time.monotonic()
        sock.sendall(payload)
        assert recv_exactly(sock, len(payload)) == payload
        # At least 0.4 s at 10 kB/s (the way back overlaps the way there).
        assert time.monotonic() - started >= 0.4
    with pytest.raises(ValueError, match="bandwidth"):
        proxy.set_bandwidth(0)


def test_refuse_closes_the_port_and_keeps_open_connections(proxy: FaultProxy) -> None:
    port = proxy.port
    with connect(proxy) as kept:
        proxy.wait_for_connections(1)  # accepted, not just queued in the backlog
        proxy.refuse_connections()
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection((proxy.host, port), timeout=5)
        kept.sendall(b"still")
        assert recv_exactly(kept, 5) == b"still"
        proxy.resume()
        assert proxy.port == port
        with connect(proxy) as sock:
            sock.sendall(b"back")
            assert recv_exactly(sock, 4) == b"back"


def test_refuse_with_reset_counts_the_attempts(proxy: FaultProxy) -> None:
    proxy.refuse_connections(reset=True)
    for _ in range(3):
        expect_reset(proxy)
    assert proxy.stats()["refused"] == 3 and proxy.stats()["accepted"] == 0
    proxy.refuse_connections()  # switch to a closed port
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection((proxy.host, proxy.port), timeout=5)
    proxy.refuse_connections(reset=True)  # and back
    expect_reset(proxy)
    proxy.resume()
    with connect(proxy) as sock:
        sock.sendall(b"ok")
        assert recv_exactly(sock, 2) == b"ok"


def test_half_close_is_passed_on(proxy: FaultProxy) -> None:
    with connect(proxy) as sock:
        sock.sendall(b"bye")
        sock.shutdown(socket.SHUT_WR)
        assert recv_exactly(sock, 3) == b"bye"
        assert sock.recv(1) == b""  # the server closed in turn
    proxy.wait_for_connections(0)


def test_unreachable_target_resets_the_client() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        dead_port = probe.getsockname()[1]  # nothing listens once closed
    with FaultProxy("127.0.0.1", dead_port) as proxy:
        expect_reset(proxy)
        assert proxy.stats()["upstream_failures"] == 1


def test_misuse_is_refused(echo: tuple[str, int]) -> None:
    with pytest.raises(ValueError, match=r"1\.\.65535"):
        FaultProxy("127.0.0.1", 0)
    with pytest.raises(TypeError):
        FaultProxy("127.0.0.1", "80")  # type: ignore[arg-type]
    proxy = FaultProxy(*echo)
    with pytest.raises(RuntimeError, match="not been started"):
        _ = proxy.port
    with pytest.raises(RuntimeError, match="not running"):
        proxy.reset_connections()
    with pytest.raises(RuntimeError, match="not running"):
        proxy.resume()
    proxy.stop()  # harmless before start
    with proxy:
        with pytest.raises(RuntimeError, match="already running"):
            proxy.start()
        with pytest.raises(ValueError, match="latency"):
            proxy.set_latency(-1)
        with pytest.raises(TimeoutError):
            proxy.wait_for_connections(1, timeout=0.05)
        with pytest.raises(TimeoutError):
            proxy.wait_for_accepted(1, timeout=0.05)
    assert not proxy.running
    proxy.stop()


def test_stop_resets_connections_and_start_keeps_the_port(echo: tuple[str, int]) -> None:
    proxy = FaultProxy(*echo)
    proxy.start()
    port = proxy.port
    sock = connect(proxy)
    proxy.wait_for_accepted(1)
    proxy.stop()
    with sock, pytest.raises((ConnectionResetError, ConnectionAbortedError)):
        sock.recv(1)
    proxy.start()
    try:
        assert proxy.port == port
        with connect(proxy) as again:
            again.sendall(b"1")
            assert recv_exactly(again, 1) == b"1"
    finally:
        proxy.stop()


@pytest.mark.anyio
async def test_async_with_on_both_backends(echo: tuple[str, int]) -> None:
    async with FaultProxy(*echo) as proxy:
        stream = await anyio.connect_tcp(proxy.host, proxy.port)
        async with stream:
            await stream.send(b"async")
            received = b""
            with anyio.fail_after(5):
                while len(received) < 5:
                    received += await stream.receive()
            assert received == b"async"
    assert not proxy.running


def test_record_keeps_the_traffic_of_each_connection(echo: tuple[str, int]) -> None:
    with FaultProxy(*echo, record=True) as proxy:
        for payload in (b"first", b"second"):
            with connect(proxy) as sock:
                sock.sendall(payload)
                assert recv_exactly(sock, len(payload)) == payload
        assert proxy.traffic() == [(b"first", b"first"), (b"second", b"second")]
    with FaultProxy(*echo) as proxy, pytest.raises(RuntimeError, match="record=True"):
        proxy.traffic()
