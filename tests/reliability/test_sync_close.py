"""SyncCameraClient: a lost connection is reported, and the reconnect started, at once.

Closing the dead connection politely (a close frame, then up to
``close_timeout`` seconds for the server's answer) must not come first: in a
blackhole no answer ever comes, and the application would hear of the loss, and
the reconnect would start, that much later. (The async client closes the old
connection in a task of its own.)
"""

from __future__ import annotations

import threading

from mediamtx_camera_sdk import SyncCameraClient


def test_loss_is_reported_while_the_old_connection_still_closes(
    emulator_factory, proxy_for, secrets
):
    emu = emulator_factory(dialect="current")
    proxy = proxy_for(emu)
    client = SyncCameraClient(
        url=proxy.url,
        auth_token=secrets.add(emu.token("viewer")),
        heartbeat_interval=0.1,
        heartbeat_timeout=0.2,
        retry_delay=0.01,
        max_retry_delay=0.05,
        max_retries=None,
        open_timeout=0.5,
    )
    released = threading.Event()
    with client:
        transport = client._transport
        close = transport.close

        def slow_close() -> None:
            # The close handshake of a dead connection: it takes its time.
            released.wait(20)
            close()

        transport.close = slow_close
        events = client.events("sdk.connection_lost", timeout=10)
        try:
            proxy.blackhole()
            lost = next(events, None)
            assert lost is not None, "the loss was not reported while the close went on"
            assert "heartbeat" in lost.params["reason"]
            assert not released.is_set()
            proxy.resume()
            assert client.ping(timeout=10) == "pong"  # reconnected meanwhile
            assert client.reconnect_count == 1
        finally:
            released.set()
