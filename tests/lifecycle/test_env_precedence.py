"""Explicit constructor arguments beat ``MEDIAMTX_*`` variables (issue 15, point 12).

Field by field; ``url`` against ``host``/``port``/``use_ssl`` as one group; and
``MEDIAMTX_VERIFY_SSL=false`` can never turn certificate checks off when the
application passed ``verify_ssl=True``. Checked on both clients through the
``url`` property and ``settings``, without connecting.
"""

from __future__ import annotations

import pytest

from mediamtx_camera_sdk import CameraClient, SyncCameraClient

CLIENTS = [
    pytest.param(CameraClient, id="async"),
    pytest.param(SyncCameraClient, id="sync"),
]

#: An environment that disagrees with every argument the tests pass.
HOSTILE_ENV = {
    "MEDIAMTX_URL": "wss://other:443/ws",
    "MEDIAMTX_HOST": "env-host",
    "MEDIAMTX_PORT": "9999",
    "MEDIAMTX_USE_SSL": "true",
    "MEDIAMTX_VERIFY_SSL": "false",
    "MEDIAMTX_AUTH_TYPE": "api_key",
    "MEDIAMTX_AUTH_TOKEN": "env-token",
    "MEDIAMTX_API_KEY": "env-key",
    "MEDIAMTX_TIMEOUT": "77",
    "MEDIAMTX_DIALECT": "legacy",
}


@pytest.fixture
def hostile_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in HOSTILE_ENV.items():
        monkeypatch.setenv(name, value)


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [*HOSTILE_ENV, "MEDIAMTX_AUTH_TOKEN_FILE", "MEDIAMTX_API_KEY_FILE"]:
        monkeypatch.delenv(name, raising=False)


@pytest.mark.parametrize("cls", CLIENTS)
def test_the_issues_example(cls, hostile_env):
    client = cls(host="camera.local", port=8002, use_ssl=False, verify_ssl=True)
    assert client.url == "ws://camera.local:8002/ws"
    assert client.settings.verify_ssl is True


@pytest.mark.parametrize("cls", CLIENTS)
def test_explicit_verify_ssl_true_beats_the_environment(cls, monkeypatch):
    monkeypatch.setenv("MEDIAMTX_VERIFY_SSL", "false")
    monkeypatch.setenv("MEDIAMTX_URL", "wss://other:443/ws")
    client = cls(verify_ssl=True)
    assert client.settings.verify_ssl is True
    assert client.url == "wss://other:443/ws"  # the URL was not passed: the environment's


@pytest.mark.parametrize("cls", CLIENTS)
def test_the_environment_applies_when_nothing_is_passed(cls, hostile_env):
    client = cls()
    assert client.url == "wss://other:443/ws"
    assert client.settings.verify_ssl is False
    assert client.settings.timeout == 77.0
    assert client.settings.dialect == "legacy"
    assert client.settings.auth_type == "api_key"


@pytest.mark.parametrize("cls", CLIENTS)
@pytest.mark.parametrize(
    ("arguments", "url"),
    [
        # Passing any of host/port/use_ssl ignores MEDIAMTX_URL; among those
        # three, the environment still fills the ones not passed.
        pytest.param({"host": "camera.local"}, "wss://camera.local:9999/ws", id="host"),
        pytest.param({"port": 8002}, "wss://env-host:8002/ws", id="port"),
        pytest.param({"use_ssl": False}, "ws://env-host:9999/ws", id="use_ssl-false"),
        pytest.param({"use_ssl": True}, "wss://env-host:9999/ws", id="use_ssl-true"),
        pytest.param({"host": "localhost"}, "wss://localhost:9999/ws", id="host-equal-to-default"),
        pytest.param({"port": 8080}, "wss://env-host:8080/ws", id="port-equal-to-default"),
        pytest.param(
            {"url": "ws://given:1234/ws"}, "ws://given:1234/ws", id="url-beats-host-port-ssl"
        ),
    ],
)
def test_where_to_connect_is_one_group(cls, hostile_env, arguments, url):
    client = cls(**arguments)
    assert client.url == url


@pytest.mark.parametrize("cls", CLIENTS)
@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("timeout", 10.0),  # the default value, passed explicitly
        ("timeout", 3.5),
        ("dialect", "auto"),
        ("dialect", "current"),
        ("auth_type", "jwt"),
        ("auth_type", "auto"),
        ("auth_token", "given-token"),
        ("api_key", "given-key"),
        ("verify_ssl", True),
    ],
)
def test_each_field_passed_beats_its_variable(cls, hostile_env, name, value):
    client = cls(**{name: value})
    assert getattr(client.settings, name) == value


@pytest.mark.parametrize("cls", CLIENTS)
def test_from_env_overrides_win_too(cls, hostile_env):
    client = cls.from_env(host="camera.local", verify_ssl=True, timeout=10.0)
    # MEDIAMTX_URL is ignored once host is passed; port and use_ssl still come
    # from the environment (field by field within host/port/use_ssl).
    assert client.url == "wss://camera.local:9999/ws"
    assert client.settings.verify_ssl is True
    assert client.settings.timeout == 10.0
