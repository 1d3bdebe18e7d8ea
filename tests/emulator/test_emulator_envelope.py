"""Malformed input on the current dialect: each answered as JSON-RPC 2.0 says, nothing breaks."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from mediamtx_camera_sdk.testing import CameraServiceEmulator

from .helpers import RawClient

Clients = Callable[..., RawClient]


@pytest.mark.parametrize(
    ("frame", "rid", "code", "data_field"),
    [
        ("{not json", None, -32700, None),
        ("", None, -32700, None),
        ('[{"jsonrpc":"2.0","id":1,"method":"ping"}]', None, -32600, "hint"),
        ("[]", None, -32600, "hint"),
        ("42", None, -32600, "hint"),
        ("null", None, -32600, "hint"),
        ('{"id":7,"method":"ping"}', 7, -32600, "hint"),
        ('{"jsonrpc":"1.0","id":"a","method":"ping"}', "a", -32600, "hint"),
        ('{"jsonrpc":"2.0","id":8}', 8, -32600, "hint"),
        ('{"jsonrpc":"2.0","id":8,"method":["ping"]}', 8, -32600, "hint"),
        ('{"jsonrpc":"2.0","id":{"a":1},"method":"ping"}', None, -32600, "hint"),
        ('{"jsonrpc":"2.0","id":true,"method":"ping"}', None, -32600, "hint"),
        ('{"jsonrpc":"2.0","id":9,"method":"nope"}', 9, -32601, "hint"),
        ('{"jsonrpc":"2.0","id":10,"method":"ping","params":[1]}', 10, -32602, "param"),
        ('{"jsonrpc":"2.0","id":11,"method":"ping","params":{"x":1}}', 11, -32602, "rule"),
    ],
)
def test_malformed_frames(
    emu: CameraServiceEmulator,
    clients: Clients,
    frame: str,
    rid: Any,
    code: int,
    data_field: str | None,
) -> None:
    client = clients(emu)
    bystander = clients(emu, "viewer")
    client.send(frame)
    reply = client.recv()
    assert reply["jsonrpc"] == "2.0"
    assert reply["id"] == rid
    assert reply["error"]["code"] == code
    assert isinstance(reply["error"]["message"], str)
    if data_field is not None:
        assert data_field in reply["error"]["data"]
    # The connection and the server both keep working.
    assert client.result("ping") == "pong"
    assert bystander.result("get_camera_list")["total"] == 2


def test_binary_frames_are_refused(emu: CameraServiceEmulator, clients: Clients) -> None:
    client = clients(emu)
    client.send(b'{"jsonrpc":"2.0","id":1,"method":"ping"}')
    reply = client.recv()
    assert (reply["id"], reply["error"]["code"]) == (None, -32600)
    assert client.result("ping") == "pong"


def test_notifications_get_no_reply(emu: CameraServiceEmulator, clients: Clients) -> None:
    client = clients(emu)
    client.send({"jsonrpc": "2.0", "method": "ping"})
    client.send({"jsonrpc": "2.0", "method": "nope"})
    client.send({"jsonrpc": "2.0", "method": "get_camera_list"})
    client.send({"jsonrpc": "2.0", "id": "last", "method": "ping"})
    assert client.recv() == {"jsonrpc": "2.0", "id": "last", "result": "pong"}


@pytest.mark.parametrize("rid", ["abc", 0, -1, 2**53, 1.5, None])
def test_ids_are_echoed(emu: CameraServiceEmulator, clients: Clients, rid: Any) -> None:
    client = clients(emu)
    client.send({"jsonrpc": "2.0", "id": rid, "method": "ping"})
    assert client.recv() == {"jsonrpc": "2.0", "id": rid, "result": "pong"}


def test_garbage_flood_does_not_disturb_other_connections(
    emu: CameraServiceEmulator, clients: Clients
) -> None:
    noisy = clients(emu)
    quiet = clients(emu, "viewer")
    junk = ["{", "[1,2", "\x00", '{"jsonrpc":"2.0","id":1,"method":"ping","params":"x"}', "[]"]
    for frame in junk * 20:
        noisy.send(frame)
    for _ in range(len(junk) * 20):
        assert "error" in noisy.recv()
    assert quiet.result("get_camera_list")["total"] == 2
    assert noisy.result("ping") == "pong"
