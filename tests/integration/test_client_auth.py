"""Authentication and roles, both dialects, both clients.

Success with a JWT of every role and with an API key; each failure mode (a JWT
signed with another secret, an expired JWT, a wrong API key, no credentials
then a protected call); token providers (sync and async); a token that expires
while connected (the provider is asked again and the call retried once); role
errors with the dialect's code.
"""

from __future__ import annotations

import json
import time

import jwt
import pytest

from mediamtx_camera_sdk import (
    AuthenticationError,
    ClientClosedError,
    InvalidParamsError,
    PermissionDeniedError,
    SnapshotInfo,
    UnsupportedError,
)

pytestmark = pytest.mark.anyio

#: The call that needs authentication in each dialect (legacy: only camera operations do).
PROTECTED = {"current": "get_camera_list", "legacy": "take_snapshot"}
#: The code of a permission error in each dialect.
DENIED_CODE = {"current": -32002, "legacy": -32003}


async def protected_call(client, emu):
    if emu.dialect == "current":
        return await client.get_camera_list()
    return await client.take_snapshot(emu.devices[0])


def sent_count(emu, method):
    count = 0
    for record in emu.connections():
        for frame in record.sent:
            if isinstance(frame, str) and json.loads(frame).get("method") == method:
                count += 1
    return count


def foreign_token(role="admin"):
    """A well-formed JWT signed with a secret the service does not know."""
    now = int(time.time())
    claims = {"user_id": "mallory", "role": role, "iat": now, "exp": now + 3600}
    return jwt.encode(claims, "some-other-secret-that-is-long-enough-xx", algorithm="HS256")


@pytest.mark.parametrize("role", ["viewer", "operator", "admin"])
async def test_jwt_of_each_role_authenticates(emu, make_client, role):
    async with make_client(emu, role=role) as client:
        assert client.connected and client.authenticated
        assert client.role == role
        assert client.dialect == emu.dialect
        assert await client.ping() == "pong"
    assert not client.connected and not client.authenticated


async def test_api_key_authenticates(emu, make_client):
    client = make_client(emu, role=None, auth_type="api_key", api_key=emu.api_key("admin"))
    async with client:
        assert client.authenticated and client.role == "admin"
        assert isinstance(await client.take_snapshot(emu.devices[0]), SnapshotInfo)


async def test_auto_auth_type_detects_an_api_key(emu, make_client):
    client = make_client(emu, role=None, auth_type="auto", auth_token=emu.api_key("viewer"))
    async with client:
        assert client.role == "viewer"


@pytest.mark.parametrize(
    ("case", "settings"),
    [
        ("bad_jwt", lambda emu, secrets: {"auth_token": secrets.add(foreign_token())}),
        ("garbage_jwt", lambda emu, secrets: {"auth_token": secrets.add("not.a.jwt-at-all")}),
        ("expired_jwt", lambda emu, secrets: {"auth_token": emu.token("admin", expires_in=-60)}),
        (
            "wrong_api_key",
            lambda emu, secrets: {
                "auth_type": "api_key",
                "api_key": secrets.add("emu_admin_0123456789abcdef01234567"),
            },
        ),
    ],
)
async def test_refused_credentials_fail_connect(emu, make_client, secrets, case, settings):
    client = make_client(emu, role=None, max_retries=3, **settings(emu, secrets))
    with pytest.raises(AuthenticationError) as caught:
        await client.connect()
    error = caught.value
    assert error.method == "authenticate"
    if emu.dialect == "current":
        assert error.code == -32001
        assert (
            error.data["reason"] == ("token expired" if case == "expired_jwt" else "invalid token")
            or case == "wrong_api_key"
        )
    assert client.connected is False and client.authenticated is False
    # Refused credentials are final: the client did not try again.
    assert sent_count(emu, "authenticate") == 1
    with pytest.raises(ClientClosedError):
        await client.ping()


async def test_no_credentials_then_a_protected_call(emu, make_client):
    async with make_client(emu, role=None) as client:
        assert client.connected and not client.authenticated and client.role is None
        assert await client.ping() == "pong"  # ping needs no authentication
        with pytest.raises(AuthenticationError) as caught:
            await protected_call(client, emu)
        assert caught.value.code == -32001
        assert caught.value.method == PROTECTED[emu.dialect]
        if emu.dialect == "legacy":
            # The legacy service lets anyone read the camera list.
            assert len(await client.get_camera_list()) == 2
        assert await client.ping() == "pong"  # the connection survives


@pytest.mark.parametrize("provider_kind", ["sync", "async"])
async def test_token_provider_supplies_the_token(emu, make_client, client_kind, provider_kind):
    calls = []

    def sync_provider():
        calls.append(time.monotonic())
        return emu.token("operator")

    async def async_provider():
        return sync_provider()

    provider = sync_provider if provider_kind == "sync" else async_provider
    if client_kind == "sync" and provider_kind == "async":
        # The blocking client cannot await: it refuses one at once, clearly.
        with pytest.raises(InvalidParamsError, match="sync"):
            make_client(emu, role=None, token_provider=provider)
        return
    client = make_client(emu, role=None, token_provider=provider)
    async with client:
        assert client.role == "operator"
        assert len(calls) == 1
        assert await protected_call(client, emu) is not None


async def test_failing_token_provider_is_an_authentication_error(emu, make_client):
    def provider():
        raise RuntimeError("vault unreachable")

    client = make_client(emu, role=None, token_provider=provider)
    with pytest.raises(AuthenticationError, match="token provider"):
        await client.connect()
    assert not client.connected


async def test_expired_token_fetches_a_fresh_one_and_retries_once(emu, make_client):
    issued = []

    def provider():
        issued.append(emu.token("operator"))
        return issued[-1]

    async with make_client(emu, role=None, token_provider=provider) as client:
        assert len(issued) == 1
        emu.expire_tokens()
        result = await protected_call(client, emu)
        assert result is not None
        assert len(issued) == 2, "the provider was asked once more"
        assert client.authenticated
        # Sent twice in all: the refused attempt and the one retry.
        assert sent_count(emu, PROTECTED[emu.dialect]) == 2
        assert sent_count(emu, "authenticate") == 2
        assert client.pending_count == 0


async def test_expired_token_without_provider_surfaces(emu, make_client):
    async with make_client(emu) as client:
        emu.expire_tokens()
        with pytest.raises(AuthenticationError) as caught:
            await protected_call(client, emu)
        assert caught.value.code == -32001
        assert sent_count(emu, PROTECTED[emu.dialect]) == 1


async def test_token_revoked_for_good_is_retried_only_once(emu, make_client):
    token = emu.token("operator")

    def provider():
        return token  # always the same (soon revoked) token

    async with make_client(emu, role=None, token_provider=provider) as client:
        emu.expire_tokens()
        with pytest.raises(AuthenticationError):
            await protected_call(client, emu)
        # One refused call, one refused re-authentication, no second retry.
        assert sent_count(emu, PROTECTED[emu.dialect]) == 1
        assert sent_count(emu, "authenticate") == 2


async def test_viewer_cannot_take_a_snapshot(emu, make_client):
    async with make_client(emu, role="viewer") as client:
        with pytest.raises(PermissionDeniedError) as caught:
            await client.take_snapshot(emu.devices[0])
        assert caught.value.code == DENIED_CODE[emu.dialect]
        assert caught.value.method == "take_snapshot"
        if emu.dialect == "current":
            assert caught.value.required_role == "operator"
            assert caught.value.have_role == "viewer"
        assert len(await client.get_camera_list()) == 2  # reading is allowed


async def test_viewer_api_key_cannot_start_recording(emu, make_client):
    client = make_client(emu, role=None, auth_type="api_key", api_key=emu.api_key("viewer"))
    async with client:
        with pytest.raises(PermissionDeniedError) as caught:
            await client.start_recording(emu.devices[0])
        assert caught.value.code == DENIED_CODE[emu.dialect]


async def test_operator_cannot_delete_a_recording(emu, make_client):
    async with make_client(emu, role="operator") as client:
        if emu.dialect == "legacy":
            # The legacy service has no delete call at all: refused before sending.
            with pytest.raises(UnsupportedError):
                await client.delete_recording("camera0.mp4")
            assert sent_count(emu, "delete_recording") == 0
            return
        started = await client.start_recording(emu.devices[0])
        await client.stop_recording(emu.devices[0])
        with pytest.raises(PermissionDeniedError) as caught:
            await client.delete_recording(started.filename)
        assert caught.value.code == -32002
        assert caught.value.required_role == "admin"
        assert caught.value.have_role == "operator"
        assert (emu.media_dir / "recordings" / started.filename).exists()
