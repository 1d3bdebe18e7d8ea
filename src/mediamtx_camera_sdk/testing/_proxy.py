"""``FaultProxy``: a TCP proxy that breaks the network between a client and a server on command.

Put it between a client and the emulator (or any TCP server) and the client
talks to the proxy's port instead of the server's. By default the proxy
forwards every byte both ways, unchanged. On command it injects the network
faults a long-running client meets in the field:

==========================  ==================================================
``reset_connections()``     every open connection is reset (TCP RST, both sides)
``close_connections()``     every open connection is closed cleanly (FIN, both sides)
``blackhole()``             nothing is forwarded any more, but every socket stays
                            open (a pulled cable, a stateful firewall that forgot
                            the flow); new connections are accepted and stall
``set_latency(seconds)``    every chunk is delayed, in both directions
``set_bandwidth(bps)``      both directions are throttled to ``bps`` bytes/second
``refuse_connections()``    new connections are refused (the listening socket is
                            closed: ``ECONNREFUSED``), or with ``reset=True``
                            accepted and reset at once (and counted)
``resume()``                back to normal: all of the above is undone (and what a
                            blackhole held back is delivered, as TCP would)
==========================  ==================================================

The proxy runs on its own thread with its own asyncio loop, like the emulator,
so the same object serves sync tests, asyncio tests and trio tests. The control
methods may be called from any thread (not from inside the proxy's own loop);
each takes effect before it returns.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
import threading
from collections.abc import Callable, Coroutine
from types import TracebackType
from typing import Any, Final, TypeVar

import anyio.to_thread

from ._loop_thread import LoopThread

__all__ = ["FaultProxy"]

T = TypeVar("T")

#: Bytes read from a socket at a time.
_CHUNK: Final = 64 * 1024
#: A throttled direction writes slices worth this many seconds of its bandwidth.
_SLICE_SECONDS: Final = 0.02
# SO_LINGER on, zero seconds: close() then sends RST instead of FIN.
_LINGER_RST: Final = struct.pack("ii", 1, 0)
# Errors that mean "this socket is gone"; the proxy passes the news on.
_GONE: Final = (ConnectionError, OSError, asyncio.IncompleteReadError)


def _rst(writer: asyncio.StreamWriter) -> None:
    """Close ``writer``'s socket with a TCP reset (nothing buffered is sent)."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, _LINGER_RST)
    writer.transport.abort()


class _Link:
    """One proxied connection: the client's socket, the server's, and the pumps between."""

    def __init__(self, link_id: int, client: asyncio.StreamWriter) -> None:
        self.id = link_id
        self.client = client
        self.server: asyncio.StreamWriter | None = None
        self.tasks: set[asyncio.Task[None]] = set()
        self.ended = False
        # What went each way (only filled when the proxy records traffic).
        self.traffic: dict[str, bytearray] = {
            "bytes_to_server": bytearray(),
            "bytes_to_client": bytearray(),
        }

    def over(self) -> bool:
        """Whether a command (or a broken side) ended the link; it may change at any await."""
        return self.ended

    def writers(self) -> list[asyncio.StreamWriter]:
        return [w for w in (self.client, self.server) if w is not None]

    def reset(self) -> None:
        if not self.ended:
            self.ended = True
            for writer in self.writers():
                _rst(writer)
        self._cancel()

    def close(self) -> None:
        if not self.ended:
            self.ended = True
            for writer in self.writers():
                writer.close()
        self._cancel()

    def _cancel(self) -> None:
        current = asyncio.current_task()
        for task in list(self.tasks):
            if task is not current:
                task.cancel()


class FaultProxy:
    """A TCP proxy on ``host:port`` (127.0.0.1, a free port) that forwards to ``target``.

    Use it as ``with FaultProxy(emu.host, emu.port) as proxy:`` (or ``async with``,
    or ``start()`` / ``stop()``), and point the client at ``proxy.url`` (or
    ``proxy.port``). See the module docstring for the faults it injects.

    Args:
        target_host: the host of the server to forward to.
        target_port: the port of the server to forward to.
        host: the address the proxy listens on.
        port: the port the proxy listens on; 0 picks a free port, which is
            kept across :meth:`refuse_connections` / :meth:`resume` and
            ``stop()`` / ``start()``.
        record: keep a copy of every byte forwarded, for :meth:`traffic` (to
            check what went over the wire, e.g. that no credential is in a URL).

    Raises:
        TypeError: for a target port that is not an int.
        ValueError: for a target port outside 1..65535.
    """

    def __init__(
        self,
        target_host: str,
        target_port: int,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        record: bool = False,
    ) -> None:
        if isinstance(target_port, bool) or not isinstance(target_port, int):
            raise TypeError(f"target_port must be an int, not {target_port!r}")
        if not 0 < target_port < 65536:
            raise ValueError(f"target_port must be 1..65535, not {target_port}")
        self.target_host = target_host
        self.target_port = target_port
        self._host = host
        self._port = port
        self._lock = threading.Lock()  # start/stop
        self._changed = threading.Condition()  # counters and the open-connection count
        self._loop_thread = LoopThread("fault-proxy", "the proxy")
        self._server: asyncio.AbstractServer | None = None
        self._links: dict[int, _Link] = {}
        self._record = record
        self._recorded: list[_Link] = []
        self._next_id = 0
        # Fault state; only touched on the proxy's loop.
        self._flowing: asyncio.Event | None = None  # cleared while blackholed
        self._latency = 0.0
        self._bandwidth: float | None = None
        self._refusing = False
        self._reset_new = False
        self._counters = {
            "accepted": 0,
            "refused": 0,
            "resets": 0,
            "closes": 0,
            "upstream_failures": 0,
            "bytes_to_server": 0,
            "bytes_to_client": 0,
        }

    # ------------------------------------------------------------- addresses

    @property
    def host(self) -> str:
        """The address the proxy listens on."""
        return self._host

    @property
    def port(self) -> int:
        """The proxy's TCP port (known once started).

        Raises:
            RuntimeError: before the first start with port 0.
        """
        if self._port == 0:
            raise RuntimeError("the proxy has not been started yet: no port chosen")
        return self._port

    @property
    def url(self) -> str:
        """``ws://HOST:PORT/ws`` through the proxy (the camera service's WebSocket path)."""
        return f"ws://{self._netloc()}/ws"

    @property
    def http_url(self) -> str:
        """``http://HOST:PORT`` through the proxy."""
        return f"http://{self._netloc()}"

    def _netloc(self) -> str:
        host = f"[{self._host}]" if ":" in self._host else self._host
        return f"{host}:{self.port}"

    @property
    def running(self) -> bool:
        """True between start() and stop()."""
        return self._loop_thread.running

    @property
    def open_connections(self) -> int:
        """How many client connections the proxy holds open right now."""
        with self._changed:
            return len(self._links)

    def stats(self) -> dict[str, int]:
        """Counters since creation: ``accepted``, ``refused`` (with ``reset=True``),
        ``resets``, ``closes`` (connections ended by a command), ``upstream_failures``
        (the target could not be reached), ``bytes_to_server``, ``bytes_to_client``,
        and ``open`` (connections open now)."""
        with self._changed:
            counters = dict(self._counters)
            counters["open"] = len(self._links)
        return counters

    def traffic(self) -> list[tuple[bytes, bytes]]:
        """With ``record=True``: for every connection so far, in order of arrival,
        ``(bytes the client sent, bytes the client received)``.

        Raises:
            RuntimeError: the proxy was made without ``record=True``.
        """
        if not self._record:
            raise RuntimeError("make the proxy with record=True to keep its traffic")
        with self._changed:
            return [
                (bytes(link.traffic["bytes_to_server"]), bytes(link.traffic["bytes_to_client"]))
                for link in self._recorded
            ]

    def wait_for_connections(self, count: int, timeout: float = 5.0) -> None:
        """Block until exactly ``count`` client connections are open.

        Raises:
            TimeoutError: if that does not happen within ``timeout`` seconds.
        """
        with self._changed:
            ok = self._changed.wait_for(lambda: len(self._links) == count, timeout)
            if not ok:
                raise TimeoutError(
                    f"expected {count} open connections through the proxy, have {len(self._links)}"
                )

    def wait_for_accepted(self, count: int, timeout: float = 5.0) -> None:
        """Block until at least ``count`` connections were accepted since creation.

        Raises:
            TimeoutError: if that does not happen within ``timeout`` seconds.
        """
        with self._changed:
            ok = self._changed.wait_for(lambda: self._counters["accepted"] >= count, timeout)
            if not ok:
                raise TimeoutError(
                    f"expected {count} accepted connections, have {self._counters['accepted']}"
                )

    # ------------------------------------------------------------- lifecycle

    def start(self) -> None:
        """Start listening on a background thread.

        Raises:
            RuntimeError: if already running.
            OSError: if the address cannot be bound.
        """
        with self._lock:
            self._loop_thread.start()
            try:
                self._run(self._open())
            except BaseException:
                self._end_thread()
                raise

    def stop(self) -> None:
        """Stop: reset every connection, stop listening, end the thread. Idempotent."""
        with self._lock:
            if not self._loop_thread.running:
                return
            try:
                self._run(self._close())
            finally:
                self._end_thread()

    def __enter__(self) -> FaultProxy:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    async def astart(self) -> None:
        """:meth:`start` from async code (asyncio or trio) without blocking the loop."""
        await anyio.to_thread.run_sync(self.start)

    async def astop(self) -> None:
        """:meth:`stop` from async code without blocking the loop."""
        await anyio.to_thread.run_sync(self.stop)

    async def __aenter__(self) -> FaultProxy:
        await self.astart()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.astop()

    # ------------------------------------------------------------- faults

    def reset_connections(self) -> int:
        """Reset (TCP RST) both sides of every open connection; returns how many.

        Raises:
            RuntimeError: if the proxy is not running.
        """

        def apply() -> int:
            links = list(self._links.values())
            for link in links:
                link.reset()
                self._forget(link, "resets")
            return len(links)

        return self._on_loop(apply)

    def close_connections(self) -> int:
        """Close (TCP FIN) both sides of every open connection; returns how many.

        Raises:
            RuntimeError: if the proxy is not running.
        """

        def apply() -> int:
            links = list(self._links.values())
            for link in links:
                link.close()
                self._forget(link, "closes")
            return len(links)

        return self._on_loop(apply)

    def blackhole(self) -> None:
        """Stop forwarding, both ways, keeping every socket open.

        Bytes sent meanwhile are held (the sockets' buffers fill up, then the
        senders block, as on a dead link) and delivered on :meth:`resume`. New
        connections are accepted but go nowhere until then.

        Raises:
            RuntimeError: if the proxy is not running.
        """
        self._on_loop(lambda: self._require_flowing().clear())

    def set_latency(self, seconds: float) -> None:
        """Delay every chunk by ``seconds`` in each direction (0: no delay). Order is kept.

        Raises:
            ValueError: for a negative delay. RuntimeError: if not running.
        """
        if not seconds >= 0:
            raise ValueError(f"latency must be >= 0 seconds, not {seconds!r}")

        def apply() -> None:
            self._latency = float(seconds)

        self._on_loop(apply)

    def set_bandwidth(self, bytes_per_second: float | None) -> None:
        """Throttle each direction to ``bytes_per_second`` (None: unlimited).

        Raises:
            ValueError: for a rate that is not positive. RuntimeError: if not running.
        """
        if bytes_per_second is not None and not bytes_per_second > 0:
            raise ValueError(f"bandwidth must be > 0 bytes/s or None, not {bytes_per_second!r}")

        def apply() -> None:
            self._bandwidth = None if bytes_per_second is None else float(bytes_per_second)

        self._on_loop(apply)

    def refuse_connections(self, *, reset: bool = False) -> None:
        """Refuse new connections; the open ones are kept.

        ``reset=False``: the listening socket is closed, so connecting fails with
        "connection refused", as when nothing listens. ``reset=True``: new
        connections are accepted and reset at once (counted in ``stats()``).

        Raises:
            RuntimeError: if not running.
        """

        async def apply() -> None:
            self._reset_new = reset
            if self._refusing:
                if reset and self._server is None:
                    await self._listen()
                elif not reset and self._server is not None:
                    self._unlisten()
                return
            self._refusing = True
            if not reset:
                self._unlisten()

        self._run(apply())

    def resume(self) -> None:
        """End every fault: forward again (delivering what was held), accept again,
        no latency, no throttle.

        Raises:
            RuntimeError: if not running. OSError: if the port was taken meanwhile.
        """

        async def apply() -> None:
            self._latency = 0.0
            self._bandwidth = None
            self._refusing = self._reset_new = False
            if self._server is None:
                await self._listen()
            self._require_flowing().set()

        self._run(apply())

    # ------------------------------------------------------------- the loop

    def _require_flowing(self) -> asyncio.Event:
        if self._flowing is None:  # pragma: no cover - created by _open()
            raise RuntimeError("the proxy is not running")
        return self._flowing

    def _end_thread(self) -> None:
        self._loop_thread.stop()

    def _run(self, coro: Coroutine[Any, Any, T], timeout: float = 30.0) -> T:
        return self._loop_thread.run(coro, timeout)

    def _on_loop(self, fn: Callable[[], T]) -> T:
        async def call() -> T:
            return fn()

        return self._run(call())

    async def _open(self) -> None:
        self._flowing = asyncio.Event()
        self._flowing.set()
        self._latency = 0.0
        self._bandwidth = None
        self._refusing = self._reset_new = False
        await self._listen()

    async def _listen(self) -> None:
        server = await asyncio.start_server(self._accept, self._host, self._port)
        self._server = server
        self._port = int(server.sockets[0].getsockname()[1])

    def _unlisten(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            # Closes the listening socket at once. (Not wait_closed(): from
            # Python 3.12 it also waits for the accepted connections.)
            server.close()

    async def _close(self) -> None:
        self._unlisten()
        for link in list(self._links.values()):
            link.reset()
            self._forget(link, None)
        tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def _forget(self, link: _Link, counter: str | None) -> None:
        with self._changed:
            if self._links.pop(link.id, None) is not None and counter is not None:
                self._counters[counter] += 1
            self._changed.notify_all()

    def _count(self, counter: str, amount: int = 1) -> None:
        with self._changed:
            self._counters[counter] += amount
            self._changed.notify_all()

    # ------------------------------------------------------------- forwarding

    async def _accept(
        self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter
    ) -> None:
        if self._refusing:
            # Only reached with reset=True (otherwise nothing listens).
            _rst(client_writer)
            self._count("refused")
            return
        task = asyncio.current_task()
        with self._changed:
            self._next_id += 1
            link = _Link(self._next_id, client_writer)
            self._links[link.id] = link
            if self._record:
                self._recorded.append(link)
            self._counters["accepted"] += 1
            self._changed.notify_all()
        if task is not None:
            link.tasks.add(task)
        try:
            await self._serve(link, client_reader)
        except asyncio.CancelledError:
            # A command ended the link (it reset or closed the sockets already),
            # or the proxy is stopping. Not re-raised: this is the connection's
            # top-level task, and on Python 3.11 asyncio's stream server logs
            # an error for a connection task that ends cancelled.
            link.reset()
            self._forget(link, None)

    async def _serve(self, link: _Link, client_reader: asyncio.StreamReader) -> None:
        flowing = self._require_flowing()
        # A blackhole also swallows new connections: nothing reaches the server.
        await flowing.wait()
        try:
            server_reader, server_writer = await asyncio.open_connection(
                self.target_host, self.target_port
            )
        except OSError:
            # The server is down: the client sees its connection reset.
            self._count("upstream_failures")
            link.reset()
            self._forget(link, None)
            return
        link.server = server_writer
        if link.over():  # a command ended the link while it was connecting
            _rst(server_writer)
            return
        loop = asyncio.get_running_loop()
        pumps = [
            loop.create_task(
                self._pump(link, client_reader, server_writer, "bytes_to_server"),
                name=f"fault-proxy-{link.id}-up",
            ),
            loop.create_task(
                self._pump(link, server_reader, link.client, "bytes_to_client"),
                name=f"fault-proxy-{link.id}-down",
            ),
        ]
        link.tasks.update(pumps)
        # Both directions end by themselves after end-of-stream on each side (a
        # half-close is passed on); a broken side ends the link at once.
        done, _ = await asyncio.wait(pumps, return_when=asyncio.FIRST_EXCEPTION)
        if link.over():
            return
        if any(not t.cancelled() and t.exception() is not None for t in done):
            # One side broke: pass the breakage on to the other, as a reset.
            link.reset()
        else:
            link.close()
        self._forget(link, None)

    async def _pump(
        self,
        link: _Link,
        source: asyncio.StreamReader,
        dest: asyncio.StreamWriter,
        counter: str,
    ) -> None:
        """Forward one direction: a reader feeding a queue, this task writing it out."""
        loop = asyncio.get_running_loop()
        flowing = self._require_flowing()
        queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()
        failure: list[BaseException] = []

        async def read() -> None:
            try:
                while True:
                    await flowing.wait()
                    data = await source.read(_CHUNK)
                    await queue.put((loop.time(), data))
                    if not data:
                        return
            except _GONE as exc:
                failure.append(exc)
                await queue.put((loop.time(), b""))

        reader = loop.create_task(read())
        link.tasks.add(reader)
        try:
            while True:
                stamp, data = await queue.get()
                left = stamp + self._latency - loop.time()
                if left > 0:
                    await asyncio.sleep(left)
                if not data:
                    if failure:
                        raise failure[0]
                    # End of stream: half-close towards the other side (TCP FIN).
                    await flowing.wait()
                    if dest.can_write_eof():
                        dest.write_eof()
                    return
                await self._write(dest, data, flowing, counter, link)
        finally:
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reader

    async def _write(
        self,
        dest: asyncio.StreamWriter,
        data: bytes,
        flowing: asyncio.Event,
        counter: str,
        link: _Link,
    ) -> None:
        # Counted before writing, so a test that received the bytes sees them counted.
        if self._record:
            with self._changed:
                link.traffic[counter] += data
        view = memoryview(data)
        while view:
            await flowing.wait()
            rate = self._bandwidth
            if rate is None:
                self._count(counter, len(view))
                dest.write(view)
                await dest.drain()
                return
            size = max(1, int(rate * _SLICE_SECONDS))
            piece, view = view[:size], view[size:]
            self._count(counter, len(piece))
            dest.write(piece)
            await dest.drain()
            await asyncio.sleep(len(piece) / rate)
