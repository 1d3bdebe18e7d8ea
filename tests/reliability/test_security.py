"""Security: TLS verification, plain ws:// warnings, credentials, limits, the file routes.

- TLS through both clients: a certificate from an unknown CA is refused, a
  certificate for another host name is refused, the right CA is accepted.
- ``ws://`` to a host other than this machine logs a warning, once.
- Credentials: never in a URL (checked on the wire, through a recording
  FaultProxy: request lines of the WebSocket handshake and of downloads), never
  in any log record (DEBUG, captured by the autouse check of the harness), repr,
  str, exception or event, also while faults strike.
- Limits: an event iterator that falls behind keeps the newest events, counts
  what it dropped and says so in order (the oversized frame is in
  ``test_faults.py``).
- The emulator's HTTP file routes refuse every traversal attempt and every
  unknown credential (raw HTTP requests, so no client normalises the path).
"""

from __future__ import annotations

import inspect
import json
import logging
import socket
import ssl
import time
import uuid
from typing import Any

import anyio
import anyio.to_thread
import jwt
import pytest
import trustme
from _client_harness import JWT_SECRET, Recorder

from mediamtx_camera_sdk import AuthenticationError, ConnectionError
from mediamtx_camera_sdk._tls import _reset_warning_state
from mediamtx_camera_sdk.protocol import RpcProtocol
from mediamtx_camera_sdk.testing import FaultProxy

pytestmark = pytest.mark.anyio


# ----------------------------------------------------------------------------- TLS


@pytest.fixture(scope="module")
def authority() -> trustme.CA:
    return trustme.CA()


def server_context(authority: trustme.CA, hostname: str) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert(hostname).configure_cert(context)
    return context


def trusting(authority: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context()
    authority.configure_trust(context)
    return context


@pytest.mark.parametrize("case", ["unknown_ca", "wrong_hostname", "right_ca"])
async def test_tls_is_verified_by_default(emulator_factory, make_client, authority, case):
    hostname = "camera.example" if case == "wrong_hostname" else "127.0.0.1"
    emu = emulator_factory(ssl_context=server_context(authority, hostname))
    assert emu.url.startswith("wss://")
    settings: dict[str, Any] = {"url": emu.url, "max_retries": 0}
    if case != "unknown_ca":
        settings["ssl_context"] = trusting(authority)
    client = make_client(emu, **settings)
    if case == "right_ca":
        async with client:
            assert await client.ping() == "pong"
            assert len(await client.get_camera_list()) == 2
        return
    with pytest.raises(ConnectionError, match=r"(?i)certificate") as caught:
        await client.connect()
    if case == "wrong_hostname":
        assert "127.0.0.1" in str(caught.value) or "hostname" in str(caught.value).lower()
    assert emu.connections() == []  # refused before any WebSocket exchange
    assert not client.connected


async def test_plain_ws_to_a_remote_host_warns_once(client_class, caplog):
    caplog.set_level(logging.WARNING, logger="mediamtx_camera_sdk")
    _reset_warning_state()
    try:
        # 192.0.2.0/24 is reserved for documentation: nothing answers there.
        for url in ("ws://192.0.2.1:9/ws", "ws://192.0.2.1:9/ws", "ws://127.0.0.1:9/ws"):
            client = client_class(url=url, open_timeout=0.2, max_retries=0)
            with pytest.raises(ConnectionError):
                await connect(client)
    finally:
        _reset_warning_state()
    warnings = [r.getMessage() for r in caplog.records if "unencrypted" in r.getMessage()]
    assert len(warnings) == 1, warnings
    assert "192.0.2.1" in warnings[0]


# ------------------------------------------------------------------------- credentials


async def connect(client: Any) -> None:
    """``client.connect()``, for either client."""
    if inspect.iscoroutinefunction(client.connect):
        await client.connect()
    else:
        await anyio.to_thread.run_sync(client.connect)


def request_heads(stream: bytes) -> list[bytes]:
    """The HTTP request heads at the start of a client->server byte stream."""
    head, found, _ = stream.partition(b"\r\n\r\n")
    return [head] if found else []


@pytest.mark.parametrize("credential", ["jwt", "api_key"])
async def test_credentials_never_go_into_a_url(emu, make_client, tmp_path, credential):
    with FaultProxy(emu.host, emu.port, record=True) as proxy:
        if credential == "jwt":
            secret = emu.token("operator")
            settings = {"auth_type": "jwt", "auth_token": secret}
        else:
            secret = emu.api_key("operator")
            settings = {"auth_type": "api_key", "api_key": secret}
        client = make_client(emu, role=None, url=proxy.url, **settings)
        async with client:
            snapshot = await client.take_snapshot(emu.devices[0])
            path = await client.download_snapshot(snapshot.filename, tmp_path)
            assert path.endswith(snapshot.filename)
            assert secret not in client.url and secret not in client.http_url
        traffic = proxy.traffic()
    heads = [head for sent, _ in traffic for head in request_heads(sent)]
    assert len(heads) == 2  # the WebSocket handshake and the download
    token = secret.encode()
    for head in heads:
        request_line = head.split(b"\r\n", 1)[0]
        assert token not in request_line, request_line
    upgrade = next(h for h in heads if b"Upgrade: websocket" in h or b"upgrade: websocket" in h)
    assert token not in upgrade  # sent after the handshake, inside a (masked) frame
    download = next(h for h in heads if b"/files/" in h)
    header = b"X-API-Key: " if credential == "api_key" else b"Authorization: Bearer "
    assert header + token in download  # in a header, where it belongs


async def test_credentials_stay_out_of_logs_events_and_errors_under_faults(
    emu, proxy, proxied_client, secrets
):
    # The autouse check of the harness searches every client-side log record
    # (DEBUG) and every exception that went through the harness; this scenario
    # makes sure there is plenty of both, and searches the events too.
    issued: list[str] = []

    def provider() -> str:
        issued.append(emu.token("operator"))
        return issued[-1]

    seen = Recorder()
    client = proxied_client(emu, proxy, role=None, token_provider=provider, max_retries=2)
    client.on("*", seen)
    errors: list[BaseException] = []
    async with client:
        events = client.events("sdk.reconnected")
        emu.expire_tokens()  # the next call re-authenticates with a fresh token
        assert len(await client.get_camera_list()) == 2
        proxy.reset_connections()
        await events.next_matching(timeout=10)
        for _ in range(3):
            try:
                await client.call("authenticate", {"auth_token": issued[0]}, timeout=5)
            except Exception as exc:
                errors.append(exc)
        assert await client.ping() == "pong"
    assert len(issued) >= 2  # the first connect, the reconnect (current: and the expiry)
    for exc in errors:
        secrets.check_exception(exc, "an exception")
    for event in seen.snapshot():
        secrets.check(repr(event), "an event's repr")
        secrets.check(str(getattr(event, "params", "")), "an event's params")
    secrets.check(repr(client.stats), "the client's stats")


async def test_a_server_echoing_the_token_does_not_make_it_leak(emu, make_client):
    # A server may quote what it was sent: in an error message or data, or in a
    # frame the client cannot even parse. The client's own credentials must not
    # reach its logs (checked at DEBUG by the autouse fixture) or its exceptions
    # (checked by the harness) that way.
    client = make_client(emu)
    token = client.raw.settings.auth_token
    async with client:
        emu.broadcast_raw(f"not JSON, but the token {token}")
        emu.broadcast_raw(json.dumps({"jsonrpc": "2.0", "id": None, "result": token}))
        echo = {"code": -32001, "message": f"token {token} expired", "data": {"token": token}}
        emu.broadcast_raw(json.dumps({"jsonrpc": "2.0", "id": 9999, "error": echo}))
        emu.broadcast_raw(json.dumps({"jsonrpc": "1.0", "id": 9998, "result": [token]}))
        assert await client.ping() == "pong"
        assert client.stats["violations"]["invalid_json"] == 1

    other = make_client(emu, max_retries=0)
    refused = other.raw.settings.auth_token
    emu.fail_next("authenticate", -32001, message=f"token {refused} refused", data={"t": refused})
    with pytest.raises(AuthenticationError) as caught:
        await other.connect()
    assert "<redacted>" in str(caught.value)


def test_the_core_scrubs_an_echoed_credential_from_what_it_logs_and_raises(caplog):
    # The same, driven with strings through the sans-IO core.
    caplog.set_level(logging.DEBUG, logger="mediamtx_camera_sdk")
    token = "tok-" + "x" * 40
    protocol = RpcProtocol()
    protocol.connection_made()
    call = protocol.start_authenticate(token, timeout=10.0)
    echo = {"message": f"bad {token}", "data": {token: [token, 1, None]}}
    reply = {"jsonrpc": "2.0", "id": call.id, "error": {"code": -32001, **echo}}
    protocol.receive_text(json.dumps(reply))
    assert isinstance(call.error, AuthenticationError)
    shown = [str(call.error), repr(call.error), repr(call.error.data)]
    for frame in (f"{token} is not JSON", json.dumps({"id": None, "result": token})):
        (violation,) = protocol.receive_text(frame)
        shown.append(repr(violation))
    shown += [record.getMessage() for record in caplog.records]
    assert all(token not in text for text in shown), shown
    assert "<redacted>" in str(call.error)
    # A short credential is not scrubbed: it could be a word of the data.
    short = RpcProtocol()
    short.connection_made()
    call = short.start_authenticate("admin", timeout=10.0)
    refused = {"code": -32001, "message": "role admin refused"}
    short.receive_text(json.dumps({"jsonrpc": "2.0", "id": call.id, "error": refused}))
    assert str(call.error).startswith("role admin refused")


# ------------------------------------------------------------------------------ limits


async def test_a_slow_event_consumer_loses_the_oldest_events_counted(emu, make_client, caplog):
    device = emu.devices[0]
    async with make_client(emu) as client:
        small = client.events("camera_status_update", buffer=5)
        everything = client.events("camera_status_update", buffer=100)
        for n in range(20):
            emu.notify("camera_status_update", {"device": device, "status": "CONNECTED", "n": n})
        await everything.take(20)  # all 20 arrived (and were offered to both iterators)
        marker = await small.next_matching()
        assert marker.method == "sdk.events_dropped" and marker.params["count"] == 15
        kept = await small.take(5)
        assert [event.params["n"] for event in kept] == list(range(15, 20))  # the newest
        assert small.stream.dropped == 15 and everything.stream.dropped == 0
        assert await client.ping() == "pong"
    behind = [r for r in caplog.records if "fell behind" in r.getMessage()]
    assert len(behind) == 1  # logged once per overflow, not once per dropped event


# ---------------------------------------------------------------------- HTTP routes


def http_get(emu: Any, target: str, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    """A raw HTTP/1.1 GET (nothing normalises ``target``); returns (status, body)."""
    lines = [f"GET {target} HTTP/1.1", f"Host: {emu.host}:{emu.port}", "Connection: close"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    request = ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8", "surrogateescape")
    with socket.create_connection((emu.host, emu.port), timeout=5) as sock:
        sock.sendall(request)
        chunks = []
        while True:
            try:
                chunk = sock.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            chunks.append(chunk)
    response = b"".join(chunks)
    if not response:
        return 0, b""  # the server hung up on the request: nothing was served
    status = int(response.split(b" ", 2)[1])
    return status, response.partition(b"\r\n\r\n")[2]


TRAVERSALS = [
    "/files/snapshots/../secret.txt",
    "/files/snapshots/../../{outside}",
    "/files/snapshots/..%2Fsecret.txt",
    "/files/snapshots/%2e%2e%2fsecret.txt",
    "/files/snapshots/%2E%2E%2F%2E%2E%2F{outside}",
    "/files/snapshots/%252e%252e%252fsecret.txt",
    "/files/snapshots/%25252e%25252e%25252f{outside}",
    "/files/snapshots/..%5csecret.txt",
    "/files/snapshots/..%255csecret.txt",
    "/files/snapshots/..\\secret.txt",
    "/files/snapshots//etc/passwd",
    "/files/snapshots/%2Fetc%2Fpasswd",
    "/files/snapshots/{media}/secret.txt",
    "/files/snapshots/C:%5Cwindows%5Cwin.ini",
    "/files/../secret.txt",
    "/files/%2e%2e/secret.txt",
    "/files/snapshots/%c0%ae%c0%ae/secret.txt",
    "/files/snapshots/%uff0e%uff0e/secret.txt",
    "/files/snapshots/\uff0e\uff0e/secret.txt",
    "/files/snapshots/....//secret.txt",
    "/files/snapshots/..;/secret.txt",
    "/files/snapshots/secret.txt%00.jpg",
    "http://127.0.0.1/files/snapshots/../secret.txt",
    "http://127.0.0.1/files/snapshots/%2e%2e%2fsecret.txt",
]


async def test_file_routes_refuse_every_traversal(emu):
    media = emu.media_dir
    assert media is not None
    (media / "secret.txt").write_text("TOP-SECRET-IN-MEDIA")
    outside = media.parent / f"outside-{uuid.uuid4().hex}.txt"
    outside.write_text("TOP-SECRET-OUTSIDE")
    key = {"X-API-Key": emu.api_key("admin")}
    try:
        for template in TRAVERSALS:
            target = template.format(outside=outside.name, media=str(media).lstrip("/"))
            status, body = http_get(emu, target, key)
            assert status in (0, 400, 404), (target, status)
            assert b"TOP-SECRET" not in body and b"root:" not in body, target
    finally:
        outside.unlink()
    # The control: the same request for a real file is served.
    (media / "snapshots" / "known.jpg").write_bytes(b"\xff\xd8 a snapshot")
    assert http_get(emu, "/files/snapshots/known.jpg", key) == (200, b"\xff\xd8 a snapshot")


def foreign_jwt(role: str = "admin", expires_in: float = 3600) -> str:
    now = int(time.time())
    claims = {"user_id": "mallory", "role": role, "iat": now, "exp": now + int(expires_in)}
    return jwt.encode(claims, "another-secret-that-is-long-enough-0123456789", algorithm="HS256")


async def test_file_routes_refuse_unknown_credentials(emu, secrets):
    (emu.media_dir / "snapshots" / "known.jpg").write_bytes(b"\xff\xd8 a snapshot")
    path = "/files/snapshots/known.jpg"
    valid = emu.token("viewer")
    expired = emu.token("viewer", expires_in=-60)
    forged = secrets.add(foreign_jwt())
    refused: list[tuple[str, dict[str, str]]] = [
        ("no credentials", {}),
        ("garbage bearer", {"Authorization": "Bearer not-a-token"}),
        ("empty bearer", {"Authorization": "Bearer "}),
        ("JWT signed with another secret", {"Authorization": f"Bearer {forged}"}),
        ("expired JWT", {"Authorization": f"Bearer {expired}"}),
        ("unknown API key", {"X-API-Key": "no-such-key"}),
        ("empty API key", {"X-API-Key": ""}),
        ("basic auth", {"Authorization": "Basic dXNlcjpwYXNzd29yZA=="}),
        ("the JWT secret as a key", {"X-API-Key": JWT_SECRET}),
    ]
    for what, headers in refused:
        status, body = http_get(emu, path, headers)
        assert status == 401, what
        assert b"\xff\xd8" not in body, what
    # Credentials in the URL are not accepted either.
    for query in (f"?token={valid}", f"?auth_token={valid}", f"?api_key={valid}"):
        assert http_get(emu, path + query)[0] == 401, query
    # The controls: the valid token and a revoked one.
    assert http_get(emu, path, {"Authorization": f"Bearer {valid}"})[0] == 200
    emu.expire_tokens()
    assert http_get(emu, path, {"Authorization": f"Bearer {valid}"})[0] == 401
