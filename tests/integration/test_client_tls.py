"""TLS against an emulator with a self-signed certificate made by ``trustme``.

Refused by default (with a message saying what to do), accepted with the right
CA in ``ssl_context``, refused with another CA, accepted with an explicit
``verify_ssl=False``; file downloads go over HTTPS with the same settings.
"""

from __future__ import annotations

import ssl

import anyio
import pytest
import trustme

from mediamtx_camera_sdk import ConnectionError

pytestmark = pytest.mark.anyio


@pytest.fixture(scope="module")
def ca():
    return trustme.CA()


@pytest.fixture
def tls_emu(emulator_factory, dialect, ca):
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(server_context)
    return emulator_factory(dialect=dialect, ssl_context=server_context)


def trusting(ca):
    context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH)
    ca.configure_trust(context)
    return context


async def test_self_signed_certificate_is_refused_by_default(tls_emu, make_client):
    client = make_client(tls_emu, use_ssl=True, max_retries=0)
    assert client.url.startswith("wss://")
    with pytest.raises(ConnectionError) as caught:
        await client.connect()
    error = caught.value
    assert error.data["reason"] == "certificate_verify_failed"
    assert "certificate verification failed" in str(error)
    assert "ssl_context" in str(error)  # it says how to fix it
    assert not client.connected
    assert all(not record.open for record in tls_emu.connections())


async def test_another_ca_is_refused(tls_emu, make_client):
    client = make_client(tls_emu, use_ssl=True, ssl_context=trusting(trustme.CA()), max_retries=0)
    with pytest.raises(ConnectionError, match="certificate verification failed"):
        await client.connect()


async def test_the_right_ca_is_accepted(tls_emu, make_client, ca, tmp_path):
    client = make_client(tls_emu, use_ssl=True, ssl_context=trusting(ca))
    async with client:
        assert client.connected and client.role == "operator"
        cameras = await client.get_camera_list()
        snapshot = await client.take_snapshot(cameras[0].device_path)
        path = await client.download_snapshot(snapshot.filename, tmp_path)
    expected = (tls_emu.media_dir / "snapshots" / snapshot.filename).read_bytes()
    assert await anyio.Path(path).read_bytes() == expected


async def test_full_wss_url_with_the_right_ca(tls_emu, make_client, ca):
    url = f"wss://localhost:{tls_emu.port}/ws"
    async with make_client(tls_emu, url=url, ssl_context=trusting(ca)) as client:
        assert client.url == url
        assert await client.ping() == "pong"


async def test_verification_can_be_turned_off_explicitly(tls_emu, make_client, tmp_path):
    client = make_client(tls_emu, use_ssl=True, verify_ssl=False)
    async with client:
        assert client.authenticated
        snapshot = await client.take_snapshot(tls_emu.devices[0])
        path = await client.download_snapshot(snapshot.filename, tmp_path / "s.jpg")
    assert path == str(tmp_path / "s.jpg")
    assert (tmp_path / "s.jpg").stat().st_size == snapshot.file_size
