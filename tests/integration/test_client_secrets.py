"""Tokens and API keys never appear in logs, reprs or exception messages.

Every scenario of this folder is already checked after it ran (see the
``_no_secret_in_logs`` fixture and the harness); this file drives the paths
where a credential is most likely to slip out, and checks the checker.
"""

from __future__ import annotations

import logging

import pytest
from _client_harness import SERVER_LOGGERS, SecretRegistry

from mediamtx_camera_sdk import AuthenticationError, ConnectionError

pytestmark = pytest.mark.anyio


def test_the_leak_check_catches_a_planted_secret():
    registry = SecretRegistry()
    token = registry.add("eyJhbGciOiJIUzI1NiJ9.planted.signature")
    registry.check("nothing here", "a clean text")
    with pytest.raises(pytest.fail.Exception, match="leaked"):
        registry.check(f"Authorization: Bearer {token}", "a log line")
    error = ConnectionError("wrapper")
    error.__cause__ = ValueError(f"token={token}")
    with pytest.raises(pytest.fail.Exception, match="leaked"):
        registry.check_exception(error, "an exception chain")


async def test_credentials_stay_out_of_logs_reprs_and_errors(
    emu, make_client, caplog, secrets, tmp_path
):
    token = emu.token("operator")
    key = emu.api_key("viewer")
    jwt_client = make_client(emu, role=None, auth_type="jwt", auth_token=token)
    key_client = make_client(emu, role=None, auth_type="api_key", api_key=key)
    for client in (jwt_client, key_client):
        for text in (repr(client.raw), str(client.raw), repr(client.settings)):
            secrets.check(text, "a repr before connecting")
        async with client:
            for text in (repr(client.raw), str(client.raw), repr(client.settings)):
                secrets.check(text, "a repr while connected")

    # Refusals: the exception texts and their causes are checked by the harness.
    bad = make_client(emu, role=None, auth_token=secrets.add("wrong." + token[6:]))
    with pytest.raises(AuthenticationError) as caught:
        await bad.connect()
    secrets.check_exception(caught.value, "a refused JWT")
    bad_key = make_client(
        emu, role=None, auth_type="api_key", api_key=secrets.add("emu_admin_" + "0" * 24)
    )
    with pytest.raises(AuthenticationError):
        await bad_key.connect()

    # A download with the credential in a header, then a refused one.
    async with make_client(emu, role=None, auth_type="jwt", auth_token=token) as client:
        snapshot = await client.take_snapshot(emu.devices[0])
        emu.expire_tokens()
        with pytest.raises(AuthenticationError):
            await client.download_snapshot(snapshot.filename, tmp_path)

    # The logs were captured at DEBUG (so the check above them means something).
    client_records = [r for r in caplog.records if r.name.startswith("mediamtx_camera_sdk")]
    assert any(r.levelno == logging.INFO and "connected" in r.message for r in client_records)
    assert any(r.levelno == logging.DEBUG for r in caplog.records)
    # The client side only: the emulator (the server) sees the credentials by design.
    text = "\n".join(
        r.getMessage() for r in caplog.records if not r.name.startswith(SERVER_LOGGERS)
    )
    assert "authenticate" in text  # the frames are logged (their credentials redacted)
    assert token not in text and key not in text
