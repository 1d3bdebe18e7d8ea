"""File downloads: snapshots and recordings, streamed to disk, never a half file.

Interruptions are made deterministic three ways: the progress callback fails
half-way through a large file; a server announces more bytes than it sends and
closes the connection; the file is gone from the server (404). In every case
the destination does not exist afterwards and no temporary file is left.
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading

import anyio
import pytest

from mediamtx_camera_sdk import (
    AuthenticationError,
    ConnectionError,
    InvalidParamsError,
    NotFoundError,
)

pytestmark = pytest.mark.anyio

BIG = 1024 * 1024 + 123  # several chunks of the SDK's 64 KiB


def folder_listing(path):
    return sorted(os.listdir(path))


async def test_snapshot_download(emu, make_client, tmp_path):
    progress = []
    async with make_client(emu) as client:
        snapshot = await client.take_snapshot(emu.devices[0])
        path = await client.download_snapshot(
            snapshot.filename, tmp_path, progress=lambda done, total: progress.append((done, total))
        )
    assert path == str(tmp_path / snapshot.filename)
    expected = (emu.media_dir / "snapshots" / snapshot.filename).read_bytes()
    assert await anyio.Path(path).read_bytes() == expected
    assert progress and progress[-1] == (len(expected), len(expected))
    assert folder_listing(tmp_path) == [snapshot.filename]


async def test_recording_download_with_api_key(emu, make_client, tmp_path):
    client = make_client(emu, role=None, auth_type="api_key", api_key=emu.api_key("operator"))
    async with client:
        await client.start_recording(emu.devices[1])
        stopped = await client.stop_recording(emu.devices[1])
        dest = tmp_path / "clip.mp4"
        path = await client.download_recording(stopped.filename, dest)
    assert path == str(dest)
    expected = (emu.media_dir / "recordings" / stopped.filename).read_bytes()
    assert len(expected) == stopped.file_size
    assert await anyio.Path(dest).read_bytes() == expected
    assert folder_listing(tmp_path) == ["clip.mp4"]


async def test_large_file_is_streamed_in_chunks(emu, make_client, tmp_path):
    content = os.urandom(BIG)
    # Files put in the media folder by hand are served like recorded ones.
    (emu.media_dir / "recordings" / "big.mp4").write_bytes(content)
    progress = []
    async with make_client(emu) as client:
        path = await client.download_recording(
            "big.mp4", tmp_path, progress=lambda done, total: progress.append((done, total))
        )
    assert await anyio.Path(path).read_bytes() == content
    assert len(progress) > 2
    assert [done for done, _ in progress] == sorted(done for done, _ in progress)
    assert all(total == BIG for _, total in progress)
    assert progress[-1] == (BIG, BIG)


async def test_download_interrupted_half_way_leaves_no_file(emu, make_client, tmp_path):
    (emu.media_dir / "recordings" / "big.mp4").write_bytes(os.urandom(BIG))
    calls = []

    def progress(done, total):
        calls.append(done)
        if len(calls) == 3:
            raise OSError("disk full (simulated)")

    dest = tmp_path / "big.mp4"
    async with make_client(emu) as client:
        with pytest.raises(OSError, match="disk full"):
            await client.download_recording("big.mp4", dest, progress=progress)
        assert 0 < calls[-1] < BIG  # it really stopped part of the way through
        assert folder_listing(tmp_path) == []
        # The client is fine afterwards.
        path = await client.download_recording("big.mp4", dest)
    assert (await anyio.Path(path).stat()).st_size == BIG


@pytest.fixture
def truncating_server():
    """An HTTP server that announces a large body, sends part of it and hangs up."""
    listener = socket.create_server(("127.0.0.1", 0))
    sent = threading.Event()

    def serve():
        with contextlib.suppress(OSError):
            conn, _ = listener.accept()
            with conn:
                request = b""
                while b"\r\n\r\n" not in request:
                    chunk = conn.recv(4096)
                    if not chunk:
                        return
                    request += chunk
                conn.sendall(
                    b"HTTP/1.1 200 OK\r\nContent-Type: video/mp4\r\n"
                    + f"Content-Length: {BIG}\r\n\r\n".encode()
                    + b"\0" * (BIG // 3)
                )
                sent.set()

    thread = threading.Thread(target=serve, name="truncating-http", daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        listener.close()
        thread.join(5)


async def test_truncated_transfer_leaves_no_file(make_client, truncating_server, tmp_path):
    # Downloads are plain HTTP on the service's host and port: no WebSocket needed.
    client = make_client(
        None, host="127.0.0.1", port=truncating_server, auth_token="t" * 40, auth_type="jwt"
    )
    dest = tmp_path / "clip.mp4"
    with pytest.raises(ConnectionError) as caught:
        await client.download_recording("clip.mp4", dest)
    assert caught.value.method == "download_recording"
    assert folder_listing(tmp_path) == []


async def test_file_gone_from_the_server(emu, make_client, tmp_path):
    async with make_client(emu) as client:
        snapshot = await client.take_snapshot(emu.devices[0])
        (emu.media_dir / "snapshots" / snapshot.filename).unlink()
        with pytest.raises(NotFoundError):
            await client.download_snapshot(snapshot.filename, tmp_path)
        with pytest.raises(NotFoundError):
            await client.download_recording("never-recorded.mp4", tmp_path)
    assert folder_listing(tmp_path) == []


async def test_bad_names_and_destinations_are_refused_before_sending(emu, make_client, tmp_path):
    async with make_client(emu) as client:
        for name in ("../secret.mp4", "a/b.mp4", "a\\b.mp4", "..", ""):
            with pytest.raises(InvalidParamsError):
                await client.download_recording(name, tmp_path)
        with pytest.raises(InvalidParamsError):
            await client.download_snapshot("x.jpg", tmp_path / "missing-folder" / "x.jpg")
    assert folder_listing(tmp_path) == []


async def test_download_with_refused_credentials(emu, make_client, tmp_path):
    async with make_client(emu) as client:
        snapshot = await client.take_snapshot(emu.devices[0])
        emu.expire_tokens()
        with pytest.raises(AuthenticationError):
            await client.download_snapshot(snapshot.filename, tmp_path)
    assert folder_listing(tmp_path) == []


async def test_download_uses_a_fresh_token_from_the_provider(emu, make_client, tmp_path):
    async with make_client(emu, role=None, token_provider=lambda: emu.token("viewer")) as client:
        (emu.media_dir / "snapshots" / "manual.jpg").write_bytes(b"\xff\xd8not-really-a-jpeg")
        emu.expire_tokens()  # the token of the connection is no longer valid
        path = await client.download_snapshot("manual.jpg", tmp_path)
    assert await anyio.Path(path).read_bytes() == b"\xff\xd8not-really-a-jpeg"
