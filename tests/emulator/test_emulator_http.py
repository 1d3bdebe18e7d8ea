"""File downloads over HTTP(S) on the WebSocket port; attempts to leave the media folder."""

from __future__ import annotations

import http.client
import ssl
from collections.abc import Callable
from pathlib import Path

import pytest
import trustme

from mediamtx_camera_sdk.testing import CameraServiceEmulator

from .helpers import WAIT, RawClient, make_emulator

Clients = Callable[..., RawClient]


def get(
    emulator: CameraServiceEmulator,
    path: str,
    headers: dict[str, str] | None = None,
    context: ssl.SSLContext | None = None,
) -> tuple[int, dict[str, str], bytes]:
    """A raw GET: http.client sends the path exactly as given (no dot-segment clean-up)."""
    if context is None:
        conn: http.client.HTTPConnection = http.client.HTTPConnection(
            emulator.host, emulator.port, timeout=WAIT
        )
    else:
        conn = http.client.HTTPSConnection(
            emulator.host, emulator.port, timeout=WAIT, context=context
        )
    try:
        conn.request("GET", path, headers=headers or {})
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


@pytest.fixture
def files(emu: CameraServiceEmulator, clients: Clients) -> dict[str, str]:
    """One snapshot and one recording on the emulator: kind -> file name."""
    client = clients(emu, "operator")
    snap = client.result("take_snapshot", {"device": "camera0"})["filename"]
    rec = client.result("start_recording", {"device": "camera1"})["filename"]
    client.result("stop_recording", {"device": "camera1"})
    return {"snapshots": snap, "recordings": rec}


def test_download_with_bearer_and_api_key(
    emu: CameraServiceEmulator, files: dict[str, str]
) -> None:
    assert emu.media_dir is not None
    for kind, content_type in (("snapshots", "image/jpeg"), ("recordings", "video/mp4")):
        name = files[kind]
        expected = (emu.media_dir / kind / name).read_bytes()
        for headers in (
            {"Authorization": f"Bearer {emu.token('viewer')}"},
            {"X-API-Key": emu.api_key("viewer")},
        ):
            status, response_headers, body = get(emu, f"/files/{kind}/{name}", headers)
            assert status == 200
            assert body == expected
            assert response_headers["content-type"] == content_type
            assert response_headers["content-length"] == str(len(expected))


def test_download_url_from_listing_works(
    emu: CameraServiceEmulator, clients: Clients, files: dict[str, str]
) -> None:
    client = clients(emu, "viewer")
    entry = client.result("list_recordings")["files"][0]
    headers = {"Authorization": f"Bearer {emu.token('viewer')}"}
    status, _, body = get(emu, entry["download_url"], headers)
    assert status == 200
    assert len(body) == entry["file_size"]


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer garbage"},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"X-API-Key": "not-a-key"},
    ],
)
def test_download_needs_valid_credentials(
    emu: CameraServiceEmulator, files: dict[str, str], headers: dict[str, str]
) -> None:
    status, response_headers, body = get(emu, f"/files/snapshots/{files['snapshots']}", headers)
    assert status == 401
    assert b"\xff\xd8" not in body
    assert "bearer" in response_headers["www-authenticate"].lower()


def test_expired_tokens_cannot_download(emu: CameraServiceEmulator, files: dict[str, str]) -> None:
    token = emu.token("viewer")
    path = f"/files/snapshots/{files['snapshots']}"
    assert get(emu, path, {"Authorization": f"Bearer {token}"})[0] == 200
    emu.expire_tokens()
    assert get(emu, path, {"Authorization": f"Bearer {token}"})[0] == 401
    assert get(emu, path, {"Authorization": f"Bearer {emu.token('viewer')}"})[0] == 200


@pytest.mark.parametrize(
    "path",
    [
        "/files/recordings/nope.mp4",
        "/files/snapshots/nope.jpg",
        "/files/other/x.jpg",
        "/files/",
        "/elsewhere",
    ],
)
def test_unknown_files_are_404(emu: CameraServiceEmulator, path: str) -> None:
    status, _, _ = get(emu, path, {"X-API-Key": emu.api_key("admin")})
    assert status == 404


TRAVERSALS = [
    "../secret.txt",
    "../../outside.txt",
    "..%2Fsecret.txt",
    "%2e%2e%2fsecret.txt",
    "%2E%2E/secret.txt",
    "%252e%252e%252fsecret.txt",
    "%25252e%25252e%25252fsecret.txt",
    "..\\secret.txt",
    "..%5Csecret.txt",
    "..%255csecret.txt",
    "/etc/passwd",
    "%2Fetc%2Fpasswd",
    "%2fetc%2fpasswd",
    "....//secret.txt",
    "..",
    "%2e%2e",
    ".",
    "",
    "snap/../../secret.txt",
    "%00secret.txt",
    "C:%5Cwindows%5Cwin.ini",
]


@pytest.mark.parametrize("name", TRAVERSALS)
@pytest.mark.parametrize("kind", ["recordings", "snapshots"])
def test_no_way_out_of_the_media_folder(
    emu: CameraServiceEmulator, files: dict[str, str], tmp_path: Path, kind: str, name: str
) -> None:
    assert emu.media_dir is not None
    (emu.media_dir / "secret.txt").write_text("TOP-SECRET-IN-MEDIA")
    (emu.media_dir.parent / "outside.txt").write_text("TOP-SECRET-OUTSIDE")
    try:
        status, _, body = get(emu, f"/files/{kind}/{name}", {"X-API-Key": emu.api_key("admin")})
    finally:
        (emu.media_dir.parent / "outside.txt").unlink()
    assert status in (400, 404)
    assert b"TOP-SECRET" not in body
    assert b"root:" not in body


def test_symlink_out_of_the_folder_is_not_followed(
    emu: CameraServiceEmulator, tmp_path: Path
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    assert emu.media_dir is not None
    (emu.media_dir / "snapshots" / "link.jpg").symlink_to(secret)
    status, _, body = get(emu, "/files/snapshots/link.jpg", {"X-API-Key": emu.api_key("admin")})
    assert status == 404
    assert b"TOP-SECRET" not in body


def test_legacy_serves_files_too(clients: Clients) -> None:
    with make_emulator(dialect="legacy") as emulator:
        client = clients(emulator, "operator")
        name = client.result("take_snapshot", {"device": "/dev/video0"})["filename"]
        status, headers, body = get(
            emulator, f"/files/snapshots/{name}", {"X-API-Key": emulator.api_key("viewer")}
        )
        assert (status, headers["content-type"]) == (200, "image/jpeg")
        assert body.startswith(b"\xff\xd8")


def test_tls_serves_wss_and_https() -> None:
    authority = trustme.CA()
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1").configure_cert(server_context)
    client_context = ssl.create_default_context()
    authority.configure_trust(client_context)
    with make_emulator(ssl_context=server_context) as emulator:
        assert emulator.url.startswith("wss://127.0.0.1:")
        assert emulator.http_url.startswith("https://127.0.0.1:")
        client = RawClient(emulator.url, ssl=client_context)
        try:
            client.result("authenticate", {"auth_token": emulator.token("operator")})
            name = client.result("take_snapshot", {"device": "camera0"})["filename"]
        finally:
            client.close()
        headers = {"Authorization": f"Bearer {emulator.token('viewer')}"}
        status, _, body = get(emulator, f"/files/snapshots/{name}", headers, client_context)
        assert status == 200
        assert body.startswith(b"\xff\xd8")
