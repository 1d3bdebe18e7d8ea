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


def test_disconnect_in_a_blackhole_ends_the_reader(emulator_factory, proxy_for, secrets):
    """No answer to the close frame ever comes: the reader must still be woken and end.

    (websocket-client's ``abort()`` does nothing once ``send_close()`` has run,
    so the reader stayed blocked in ``recv`` for as long as the blackhole lasted;
    the lifecycle state machine found it.)
    """
    emu = emulator_factory(dialect="current")
    proxy = proxy_for(emu)
    client = SyncCameraClient(
        url=proxy.url, auth_token=secrets.add(emu.token("viewer")), heartbeat_interval=None
    )
    client.connect()
    readers_before = {t for t in threading.enumerate() if t.name == "mediamtx-sdk-reader"}
    assert readers_before
    proxy.blackhole()
    client.disconnect()  # bounded by close_timeout (2 s) for the missing answer
    for thread in readers_before:
        thread.join(5)
        assert not thread.is_alive(), "the reader is still blocked after disconnect()"
