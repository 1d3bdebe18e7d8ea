"""URL rules, the TLS policy and connect-error messages (no network)."""

from __future__ import annotations

import logging
import socket
import ssl
import sys
from collections.abc import Iterator

import pytest

from mediamtx_camera_sdk import errors

if sys.version_info < (3, 11):
    from exceptiongroup import ExceptionGroup

from mediamtx_camera_sdk._tls import (
    DEFAULT_PATH,
    Endpoint,
    _reset_warning_state,
    build_url,
    connect_error,
    handshake_rejected,
    is_loopback_host,
    make_ssl_context,
    parse_url,
    resolve_endpoint,
    ssl_context_for,
)


@pytest.fixture(autouse=True)
def fresh_warnings() -> Iterator[None]:
    _reset_warning_state()
    yield
    _reset_warning_state()


@pytest.fixture
def sdk_log(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.WARNING, logger="mediamtx_camera_sdk")
    return caplog


# -- building URLs --------------------------------------------------------------


@pytest.mark.parametrize(
    ("host", "port", "use_ssl", "expected"),
    [
        ("localhost", 8080, False, "ws://localhost:8080/ws"),
        ("camera.example", 8002, True, "wss://camera.example:8002/ws"),
        ("192.168.1.20", 80, False, "ws://192.168.1.20:80/ws"),
        ("::1", 8080, False, "ws://[::1]:8080/ws"),
        ("[fe80::1]", 443, True, "wss://[fe80::1]:443/ws"),
        ("  spaced.example  ", 1, False, "ws://spaced.example:1/ws"),
    ],
)
def test_build_url(host: str, port: int, use_ssl: bool, expected: str) -> None:
    assert build_url(host, port, use_ssl) == expected
    assert DEFAULT_PATH == "/ws"


@pytest.mark.parametrize(
    "host", ["", "   ", "ws://host", "host/ws", "user@host", "ho st", "host?x=1", "host#f"]
)
def test_build_url_rejects_hosts_that_are_not_hosts(host: str) -> None:
    with pytest.raises(ValueError, match="host"):
        build_url(host, 8080)


@pytest.mark.parametrize("port", [0, -1, 65536])
def test_build_url_rejects_bad_ports(port: int) -> None:
    with pytest.raises(ValueError, match="port"):
        build_url("localhost", port)


@pytest.mark.parametrize("port", ["8080", 8080.0, True])
def test_build_url_rejects_non_int_ports(port: object) -> None:
    with pytest.raises(TypeError, match="port"):
        build_url("localhost", port)  # type: ignore[arg-type]


def test_build_url_path_must_be_absolute() -> None:
    assert build_url("h", 1, path="/other") == "ws://h:1/other"
    with pytest.raises(ValueError, match="path"):
        build_url("h", 1, path="ws")


# -- parsing URLs ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "secure", "host", "port", "resource"),
    [
        ("ws://localhost:8002/ws", False, "localhost", 8002, "/ws"),
        ("wss://Camera.Example:8443/ws", True, "camera.example", 8443, "/ws"),
        # An empty path means the service's path...
        ("ws://localhost:8002", False, "localhost", 8002, "/ws"),
        # ...an explicit one is kept, even "/".
        ("ws://localhost:8002/", False, "localhost", 8002, "/"),
        ("ws://localhost:8002/api/ws", False, "localhost", 8002, "/api/ws"),
        # No port: the scheme's standard port, as for any URL.
        ("ws://localhost/ws", False, "localhost", 80, "/ws"),
        ("wss://localhost/ws", True, "localhost", 443, "/ws"),
        ("ws://[::1]:9000/ws", False, "::1", 9000, "/ws"),
        ("WS://localhost:1/ws", False, "localhost", 1, "/ws"),
        ("ws://h:1/ws?client=lab&v=2", False, "h", 1, "/ws?client=lab&v=2"),
        ("ws://h:1?client=lab", False, "h", 1, "/ws?client=lab"),
    ],
)
def test_parse_url(url: str, secure: bool, host: str, port: int, resource: str) -> None:
    endpoint = parse_url(url)
    assert endpoint == Endpoint(secure=secure, host=host, port=port, resource=resource)


def test_endpoint_forms() -> None:
    endpoint = parse_url("wss://[::1]:9000/api/ws?client=lab")
    assert endpoint.url == "wss://[::1]:9000/api/ws?client=lab"
    assert str(endpoint) == endpoint.url
    assert endpoint.netloc == "[::1]:9000"
    assert endpoint.path == "/api/ws"
    assert endpoint.query == "client=lab"
    assert parse_url("ws://h:1/ws").query == ""
    assert parse_url(endpoint.url) == endpoint  # the canonical form round-trips


@pytest.mark.parametrize(
    ("url", "match"),
    [
        ("http://localhost:8080/ws", "ws or wss.*use ws:// or wss://"),
        ("https://localhost/ws", "ws or wss"),
        ("localhost:8080", "scheme"),
        ("ws:///ws", "no host"),
        ("ws://localhost:8080/ws#frag", "fragment"),
        ("ws://localhost:99999/ws", "(?i)port"),
        ("ws://localhost:0/ws", "port must be between"),
        ("ws://localhost:abc/ws", "invalid URL"),
    ],
)
def test_parse_url_rejects(url: str, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        parse_url(url)


@pytest.mark.parametrize(
    "url",
    [
        "ws://admin:s3cret-pass@localhost:8080/ws",
        "ws://s3cret-token@localhost:8080/ws",
    ],
)
def test_credentials_in_userinfo_are_refused_without_echoing_them(url: str) -> None:
    with pytest.raises(ValueError, match="credentials") as info:
        parse_url(url)
    assert "s3cret" not in str(info.value)


@pytest.mark.parametrize(
    "query",
    [
        "token=s3cret",
        "access_token=s3cret",
        "auth_token=s3cret",
        "api_key=s3cret",
        "apikey=s3cret",
        "X-API-Key=s3cret",
        "jwt=s3cret",
        "password=s3cret",
        "client=lab&Token=s3cret",
    ],
)
def test_token_like_query_parameters_are_refused_without_echoing_them(query: str) -> None:
    with pytest.raises(ValueError, match="credential") as info:
        parse_url(f"wss://camera.example:8443/ws?{query}")
    assert "s3cret" not in str(info.value)


def test_parse_url_rejects_non_strings() -> None:
    with pytest.raises(TypeError):
        parse_url(b"ws://localhost/ws")  # type: ignore[arg-type]


def test_resolve_endpoint_url_beats_host_port() -> None:
    assert resolve_endpoint(url="wss://a.example:1/x", host="b", port=2, use_ssl=False) == Endpoint(
        True, "a.example", 1, "/x"
    )
    assert resolve_endpoint(host="b", port=2, use_ssl=True) == Endpoint(True, "b", 2, "/ws")
    assert resolve_endpoint() == Endpoint(False, "localhost", 8080, "/ws")


# -- loopback -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("localhost", True),
        ("LOCALHOST.", True),
        ("api.localhost", True),
        ("127.0.0.1", True),
        ("127.9.9.9", True),
        ("::1", True),
        ("[::1]", True),
        ("10.0.0.1", False),
        ("192.168.1.20", False),
        ("camera.example", False),
        ("localhost.example", False),
        ("::2", False),
    ],
)
def test_is_loopback_host(host: str, loopback: bool) -> None:
    assert is_loopback_host(host) is loopback


# -- the TLS policy ---------------------------------------------------------------


def test_default_context_verifies_chain_and_hostname(sdk_log: pytest.LogCaptureFixture) -> None:
    context = make_ssl_context()
    assert context.verify_mode == ssl.CERT_REQUIRED
    assert context.check_hostname is True
    assert not sdk_log.records


def test_user_context_is_used_as_given() -> None:
    mine = ssl.create_default_context()
    mine.check_hostname = False
    mine.verify_mode = ssl.CERT_OPTIONAL
    assert make_ssl_context(ssl_context=mine) is mine
    assert mine.verify_mode == ssl.CERT_OPTIONAL  # not modified


def test_verify_off_is_explicit_and_warns_once(sdk_log: pytest.LogCaptureFixture) -> None:
    first = make_ssl_context(verify_ssl=False)
    second = make_ssl_context(verify_ssl=False)
    for context in (first, second):
        assert context.verify_mode == ssl.CERT_NONE
        assert context.check_hostname is False
    warnings = [r for r in sdk_log.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "verification is disabled" in warnings[0].getMessage()
    assert warnings[0].name == "mediamtx_camera_sdk"


def test_context_and_verify_off_together_are_ambiguous() -> None:
    with pytest.raises(ValueError, match="not both"):
        make_ssl_context(verify_ssl=False, ssl_context=ssl.create_default_context())


def test_context_must_be_an_ssl_context() -> None:
    with pytest.raises(TypeError, match="SSLContext"):
        make_ssl_context(ssl_context="/etc/ca.pem")  # type: ignore[arg-type]


def test_ssl_context_for_wss_follows_the_policy() -> None:
    endpoint = parse_url("wss://camera.example:8443/ws")
    context = ssl_context_for(endpoint)
    assert context is not None and context.verify_mode == ssl.CERT_REQUIRED
    mine = ssl.create_default_context()
    assert ssl_context_for(endpoint, ssl_context=mine) is mine


def test_ws_to_loopback_is_quiet(sdk_log: pytest.LogCaptureFixture) -> None:
    assert ssl_context_for(parse_url("ws://127.0.0.1:8002/ws")) is None
    assert ssl_context_for(parse_url("ws://localhost:8002/ws")) is None
    assert not sdk_log.records


def test_ws_to_a_remote_host_warns_once_per_host(sdk_log: pytest.LogCaptureFixture) -> None:
    for _ in range(3):
        assert ssl_context_for(parse_url("ws://camera.example:8002/ws")) is None
    ssl_context_for(parse_url("ws://10.0.0.5:8002/ws"))
    messages = [r.getMessage() for r in sdk_log.records if r.levelno == logging.WARNING]
    assert len(messages) == 2
    assert "camera.example:8002" in messages[0] and "unencrypted" in messages[0]
    assert "10.0.0.5:8002" in messages[1]


def test_verify_off_does_not_matter_for_ws(sdk_log: pytest.LogCaptureFixture) -> None:
    assert ssl_context_for(parse_url("ws://localhost:1/ws"), verify_ssl=False) is None
    assert not sdk_log.records


def test_ssl_context_for_ws_is_refused() -> None:
    with pytest.raises(ValueError, match="ws://"):
        ssl_context_for(parse_url("ws://localhost:1/ws"), ssl_context=ssl.create_default_context())


# -- error messages -----------------------------------------------------------------

ENDPOINT = parse_url("wss://camera.example:8443/ws")


def _chained(outer: BaseException, inner: BaseException) -> BaseException:
    outer.__cause__ = inner
    return outer


def _cert_error() -> ssl.SSLCertVerificationError:
    exc = ssl.SSLCertVerificationError(1, "certificate verify failed")
    exc.verify_message = "self-signed certificate"
    return exc


@pytest.mark.parametrize(
    ("exc", "reason", "words"),
    [
        (_cert_error(), "certificate_verify_failed", "certificate verification failed"),
        (
            _chained(OSError("All connection attempts failed"), _cert_error()),
            "certificate_verify_failed",
            "self-signed certificate",
        ),
        (ssl.SSLError(1, "wrong version number"), "tls", "TLS handshake"),
        (socket.gaierror(-2, "Name or service not known"), "dns", "cannot resolve host"),
        (ConnectionRefusedError(111, "Connection refused"), "refused", "refused by"),
        (
            _chained(
                OSError("All connection attempts failed"),
                ExceptionGroup("many", [ConnectionRefusedError(111, "refused")]),
            ),
            "refused",
            "refused by",
        ),
        (TimeoutError(), "timeout", "timed out after 2.5 s"),
        (OSError(113, "No route to host"), "os", "No route to host"),
    ],
)
def test_connect_error_classification(exc: BaseException, reason: str, words: str) -> None:
    error = connect_error(exc, ENDPOINT, open_timeout=2.5)
    assert isinstance(error, errors.ConnectionError)
    assert error.data["reason"] == reason
    assert words in str(error)
    assert "camera.example" in str(error)


def test_handshake_rejected_message() -> None:
    error = handshake_rejected(ENDPOINT, 403, "Forbidden")
    assert "HTTP 403 Forbidden" in str(error)
    assert error.data == {"reason": "handshake", "status": 403}
    assert "path" in str(handshake_rejected(ENDPOINT, 404))
