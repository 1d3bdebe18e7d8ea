"""Settings: defaults, environment variables, precedence and validation."""

from __future__ import annotations

from pathlib import Path

import pytest

from mediamtx_camera_sdk.config import (
    DEFAULT_HOST,
    DEFAULT_PORT,
    DEFAULT_TIMEOUT,
    ENV_VARS,
    Settings,
    is_default,
)
from mediamtx_camera_sdk.errors import InvalidParamsError


def test_defaults_without_environment() -> None:
    s = Settings.resolve({}, environ={})
    assert (s.host, s.port, s.use_ssl, s.auth_type) == ("localhost", 8080, False, "jwt")
    assert s.auth_token is None and s.api_key is None and not s.has_credentials
    assert s.max_retries == 3 and s.retry_delay == 1.0 and s.timeout == 10.0
    assert s.heartbeat_interval == 5.0 and s.dialect == "auto" and s.verify_ssl


def test_sentinel_defaults_compare_equal_to_plain_values() -> None:
    assert DEFAULT_HOST == "localhost" and DEFAULT_PORT == 8080 and DEFAULT_TIMEOUT == 10.0
    assert is_default(DEFAULT_HOST) and not is_default("localhost")
    resolved = Settings.resolve({"host": DEFAULT_HOST, "port": DEFAULT_PORT}, environ={})
    assert type(resolved.host) is str and type(resolved.port) is int


def test_environment_supplies_defaults() -> None:
    env = {
        "MEDIAMTX_HOST": "cams.example",
        "MEDIAMTX_PORT": "8002",
        "MEDIAMTX_USE_SSL": "true",
        "MEDIAMTX_AUTH_TYPE": "api_key",
        "MEDIAMTX_API_KEY": "k-123",
        "MEDIAMTX_TIMEOUT": "2.5",
        "MEDIAMTX_DIALECT": "legacy",
        "MEDIAMTX_VERIFY_SSL": "false",
    }
    s = Settings.resolve({"host": DEFAULT_HOST, "port": DEFAULT_PORT}, environ=env)
    assert (s.host, s.port, s.use_ssl, s.auth_type) == ("cams.example", 8002, True, "api_key")
    assert s.credential == "k-123" and s.timeout == 2.5 and s.dialect == "legacy"
    assert s.verify_ssl is False


def test_explicit_arguments_beat_the_environment() -> None:
    env = {"MEDIAMTX_HOST": "other", "MEDIAMTX_PORT": "9", "MEDIAMTX_AUTH_TOKEN": "env-tok"}
    s = Settings.resolve({"host": "localhost", "port": 8080, "auth_token": "arg-tok"}, env)
    assert (s.host, s.port, s.auth_token) == ("localhost", 8080, "arg-tok")


def test_token_files(tmp_path: Path) -> None:
    (tmp_path / "tok").write_text("file-token\n")
    (tmp_path / "key").write_text("file-key")
    env = {
        "MEDIAMTX_AUTH_TOKEN_FILE": str(tmp_path / "tok"),
        "MEDIAMTX_API_KEY_FILE": str(tmp_path / "key"),
    }
    s = Settings.resolve({}, env)
    assert s.auth_token == "file-token" and s.api_key == "file-key"
    with pytest.raises(InvalidParamsError, match="MEDIAMTX_AUTH_TOKEN_FILE"):
        Settings.resolve({}, {"MEDIAMTX_AUTH_TOKEN_FILE": str(tmp_path / "missing")})


def test_credential_follows_auth_type() -> None:
    assert Settings.resolve({"auth_type": "api_key", "api_key": "k"}, {}).credential == "k"
    assert Settings.resolve({"auth_type": "jwt", "auth_token": "t"}, {}).credential == "t"
    assert Settings.resolve({"token_provider": lambda: "x"}, {}).has_credentials


@pytest.mark.parametrize(
    ("arguments", "param"),
    [
        ({"port": 0}, "port"),
        ({"port": "80"}, "port"),
        ({"port": True}, "port"),
        ({"host": ""}, "host"),
        ({"host": "a/b"}, "host"),
        ({"auth_type": "basic"}, "auth_type"),
        ({"dialect": "v2"}, "dialect"),
        ({"timeout": 0}, "timeout"),
        ({"timeout": float("nan")}, "timeout"),
        ({"max_retries": -1}, "max_retries"),
        ({"retry_delay": -0.5}, "retry_delay"),
        ({"heartbeat_interval": 0}, "heartbeat_interval"),
        ({"url": "http://x/ws"}, "url"),
        ({"auth_token": "  "}, "auth_token"),
        ({"token_provider": "not callable"}, "token_provider"),
        ({"ssl_context": object()}, "ssl_context"),
        ({"max_message_size": 0}, "max_message_size"),
    ],
)
def test_invalid_settings_are_refused(arguments: dict[str, object], param: str) -> None:
    with pytest.raises(InvalidParamsError) as info:
        Settings.resolve(arguments, {})
    assert info.value.param == param and info.value.code == -32602


@pytest.mark.parametrize(
    ("env", "name"),
    [
        ({"MEDIAMTX_PORT": "eighty"}, "MEDIAMTX_PORT"),
        ({"MEDIAMTX_USE_SSL": "maybe"}, "MEDIAMTX_USE_SSL"),
    ],
)
def test_invalid_environment_is_refused(env: dict[str, str], name: str) -> None:
    with pytest.raises(InvalidParamsError, match=name):
        Settings.resolve({}, env)


def test_repr_and_errors_never_show_credentials() -> None:
    s = Settings.resolve({"auth_token": "SECRET-TOKEN", "api_key": "SECRET-KEY"}, {})
    assert "SECRET" not in repr(s)
    with pytest.raises(InvalidParamsError) as info:
        Settings.resolve({"auth_token": 12345}, {})
    assert "12345" not in str(info.value)


def test_none_means_forever_and_no_heartbeat() -> None:
    s = Settings.resolve({"max_retries": None, "heartbeat_interval": None}, {})
    assert s.max_retries is None and s.heartbeat_interval is None


def test_documented_environment_variables() -> None:
    import mediamtx_camera_sdk.config as config

    for name in ENV_VARS:
        assert name in (config.__doc__ or "")
