"""Client text frames written by ``_wsframe`` are what a WebSocket server expects."""

from __future__ import annotations

import itertools
import struct
import threading

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from websockets.frames import Opcode
from websockets.server import ServerProtocol

from mediamtx_camera_sdk import _wsframe


def _server_reads(data: bytes) -> list[tuple[Opcode, bytes, bool]]:
    """What the websockets server protocol parses from ``data`` (after a handshake)."""
    server = ServerProtocol()
    request = (
        b"GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
    )
    server.receive_data(request)
    (handshake,) = server.events_received()
    server.send_response(server.accept(handshake))
    server.receive_data(data)
    return [(f.opcode, f.data, f.fin) for f in server.events_received()]


@pytest.mark.parametrize("size", [0, 1, 125, 126, 127, 65535, 65536, 70000])
def test_every_length_encoding_is_read_back(size: int) -> None:
    payload = bytes(i % 251 for i in range(size))
    frame = _wsframe.text_frame(payload, b"\x01\x02\x03\x04")
    # The text opcode asks for UTF-8; the bytes here are about framing, so
    # compare what the parser saw before any decoding.
    assert _server_reads(frame) == [(Opcode.TEXT, payload, True)]


@settings(max_examples=200)
@given(st.text(max_size=300), st.binary(min_size=4, max_size=4))
def test_any_text_with_any_key(text: str, key: bytes) -> None:
    payload = text.encode("utf-8", "surrogatepass")
    frame = _wsframe.text_frame(payload, key)
    assert frame[-len(payload) - 4 :][:4] == key  # the key comes right before the payload
    assert _server_reads(frame) == [(Opcode.TEXT, payload, True)]


@settings(max_examples=200)
@given(st.binary(max_size=600), st.binary(min_size=4, max_size=4))
def test_portable_masking_matches_the_c_extension(payload: bytes, key: bytes) -> None:
    assert _wsframe._mask_with_ints(payload, key) == _wsframe.apply_mask(payload, key)
    assert _wsframe.apply_mask(_wsframe.apply_mask(payload, key), key) == payload


def test_keys_are_never_handed_out_twice_across_threads_and_refills(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A pool source whose every 4-byte key is distinct, so a repeat can only
    # come from handing one slot out twice.
    counter = itertools.count()

    def distinct(n: int) -> bytes:
        return b"".join(struct.pack(">I", next(counter)) for _ in range(n // 4))

    monkeypatch.setattr(_wsframe.os, "urandom", distinct)
    keys = _wsframe.MaskKeys()
    taken: list[list[bytes]] = [[] for _ in range(8)]
    start = threading.Barrier(8)

    def take(out: list[bytes]) -> None:
        start.wait()
        for _ in range(1000):
            out.append(keys.take())

    threads = [threading.Thread(target=take, args=(out,)) for out in taken]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    every = [key for out in taken for key in out]
    assert len(every) == 8000 > 7 * _wsframe.KEYS_PER_POOL  # several refills happened
    assert len(set(every)) == len(every)
    assert all(len(key) == 4 for key in every)
