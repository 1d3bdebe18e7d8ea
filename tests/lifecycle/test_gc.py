"""A client dropped without ``disconnect()`` (issue 15, point 9).

Like asyncio transports and httpx clients: collecting an open client emits a
``ResourceWarning``, and its resources are released (the service sees the
connection close, the SDK's threads end).
"""

from __future__ import annotations

import gc

import anyio
import anyio.lowlevel
import anyio.to_thread
import pytest
from _client_harness import FAST_CLIENT_SETTINGS
from _lifecycle import HANG, sdk_threads, wait_until

pytestmark = pytest.mark.anyio


async def _open_client(client_class, emu, client_kind):
    client = client_class(
        host="127.0.0.1",
        port=emu.port,
        auth_type="jwt",
        auth_token=emu.token(),
        **FAST_CLIENT_SETTINGS,
    )
    with anyio.fail_after(HANG):
        if client_kind == "async":
            await client.connect()
        else:
            await anyio.to_thread.run_sync(client.connect)
    return client


async def drop_and_collect(holder: list) -> None:
    """Forget the only reference to the client, then collect (a few rounds, yielding between)."""
    holder.clear()
    for _ in range(3):
        gc.collect()
        await anyio.lowlevel.checkpoint()


async def test_open_client_collected_warns_and_closes(emulator_factory, client_class, client_kind):
    emu = emulator_factory(dialect="current")
    client = await _open_client(client_class, emu, client_kind)
    assert client.connected
    await wait_until(lambda: any(r.open for r in emu.connections()), "the connection is open")
    holder = [client]
    del client
    with pytest.warns(ResourceWarning):
        await drop_and_collect(holder)
    await wait_until(
        lambda: not any(r.open for r in emu.connections()), "the service sees the connection close"
    )
    await wait_until(lambda: not sdk_threads(), f"SDK threads left: {sdk_threads()}")


async def test_closed_client_collected_does_not_warn(emulator_factory, client_class, client_kind):
    import warnings

    emu = emulator_factory(dialect="current")
    client = await _open_client(client_class, emu, client_kind)
    with anyio.fail_after(HANG):
        if client_kind == "async":
            await client.disconnect()
        else:
            await anyio.to_thread.run_sync(client.disconnect)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        del client
        gc.collect()
    assert not [w for w in caught if issubclass(w.category, ResourceWarning)]
