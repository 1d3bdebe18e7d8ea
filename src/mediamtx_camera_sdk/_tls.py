"""Connection settings shared by both transports: URLs, TLS policy, connect errors.

Nothing here does network I/O. The only side effects are creating
:class:`ssl.SSLContext` objects and logging the two security warnings (once each).

URL rules (one place, so that both clients agree):

* :func:`build_url` turns the seed's ``host``/``port``/``use_ssl`` into
  ``ws[s]://host:port/ws``; IPv6 literals are bracketed.
* :func:`parse_url` accepts a full ``ws://`` or ``wss://`` URL. A URL with an
  *empty* path gets the service's path ``/ws`` (``ws://cam:8002`` means
  ``ws://cam:8002/ws``, which is what users copying a host and port expect); an
  explicit path, even ``/``, is kept as written. A URL without a port uses the
  scheme's standard port (80 or 443), as every URL does.
* Credentials never travel in a URL: user information (``user:pass@``) and query
  parameters that look like credentials (``token``, ``api_key``, ...) are refused
  with :class:`ValueError`, and the SDK never adds any. Tokens go in the
  ``authenticate`` call only.

TLS policy (:func:`make_ssl_context`, :func:`ssl_context_for`):

* ``wss://`` verifies the certificate chain and the host name by default
  (:func:`ssl.create_default_context`).
* A caller's ``ssl_context`` (for a private CA, client certificates, ...) is
  used exactly as given.
* ``verify_ssl=False`` is an explicit opt-out: no chain or host name check. It
  logs a warning (once per process) on the ``mediamtx_camera_sdk`` logger.
* ``ws://`` to a host that is not a loopback address logs a warning (once per
  host): tokens would cross the network in clear text.
"""

from __future__ import annotations

import dataclasses
import functools
import ipaddress
import logging
import socket
import ssl
import sys
import threading
import urllib.parse
from collections.abc import Iterator
from typing import Final

from . import errors

__all__ = [
    "DEFAULT_CLOSE_TIMEOUT",
    "DEFAULT_MAX_SIZE",
    "DEFAULT_OPEN_TIMEOUT",
    "DEFAULT_PATH",
    "USER_AGENT",
    "Endpoint",
    "build_url",
    "connect_error",
    "handshake_failed",
    "handshake_rejected",
    "is_loopback_host",
    "make_ssl_context",
    "parse_url",
    "resolve_endpoint",
    "ssl_context_for",
]

logger = logging.getLogger("mediamtx_camera_sdk")

#: The path the service listens on (PROTOCOL.md, "Transport").
DEFAULT_PATH: Final = "/ws"
#: Largest incoming message the transports accept, in bytes.
DEFAULT_MAX_SIZE: Final = 16 * 1024 * 1024
#: Seconds allowed for TCP connect + TLS handshake + WebSocket handshake together.
DEFAULT_OPEN_TIMEOUT: Final = 10.0
#: Seconds a closing transport waits for the other side's close before dropping the socket.
DEFAULT_CLOSE_TIMEOUT: Final = 2.0


def _sdk_version() -> str:
    # Read from the installed metadata rather than importing the package's
    # ``__init__`` (which imports the clients, which import this module).
    try:
        from importlib.metadata import PackageNotFoundError, version
    except ImportError:  # pragma: no cover - always present on 3.10+
        return "dev"
    try:
        return version("mediamtx-camera-sdk")
    except PackageNotFoundError:
        return "dev"


#: The ``User-Agent`` header sent in the opening handshake.
USER_AGENT: Final = (
    f"mediamtx-camera-sdk/{_sdk_version()} Python/{sys.version_info.major}.{sys.version_info.minor}"
)

# Query parameter names that carry credentials; such a URL is refused rather
# than risk a token landing in server access logs or our own log lines.
_SECRET_PARAM_WORDS: Final = ("token", "key", "jwt", "secret", "password", "passwd", "auth")


@dataclasses.dataclass(frozen=True)
class Endpoint:
    """Where to connect: a parsed, validated ``ws://`` or ``wss://`` URL.

    Attributes:
        secure: ``True`` for ``wss://`` (TLS).
        host: the host name or IP address, without IPv6 brackets, lower case.
        port: the TCP port (the scheme's standard port when the URL had none).
        resource: the path plus ``?query`` sent in the handshake request line.
    """

    secure: bool
    host: str
    port: int
    resource: str

    @property
    def url(self) -> str:
        """The URL in canonical form (IPv6 hosts bracketed, the port always present)."""
        return f"{'wss' if self.secure else 'ws'}://{self.netloc}{self.resource}"

    @property
    def netloc(self) -> str:
        """``host:port`` with IPv6 literals bracketed, for URLs and messages."""
        return f"{_bracket(self.host)}:{self.port}"

    @property
    def path(self) -> str:
        """The path part of :attr:`resource` (without the query)."""
        return self.resource.split("?", 1)[0]

    @property
    def query(self) -> str:
        """The query part of :attr:`resource` (without ``?``), or ``""``."""
        parts = self.resource.split("?", 1)
        return parts[1] if len(parts) == 2 else ""

    def __str__(self) -> str:
        return self.url


def _bracket(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _check_port(port: object) -> int:
    if isinstance(port, bool) or not isinstance(port, int):
        raise TypeError(f"port must be an int, not {type(port).__name__}")
    if not 0 < port < 65536:
        raise ValueError(f"port must be between 1 and 65535, got {port}")
    return port


def build_url(host: str, port: int, use_ssl: bool = False, path: str = DEFAULT_PATH) -> str:
    """Build ``ws[s]://host:port/ws`` from the seed's constructor arguments.

    IPv6 literals are bracketed (``::1`` -> ``ws://[::1]:8080/ws``); an already
    bracketed host is kept.

    Raises:
        ValueError: the host is empty or contains characters that do not belong
            in a host name, the port is out of range, or the path does not start
            with ``/``.
        TypeError: the port is not an int.
    """
    if not isinstance(host, str) or not host.strip():
        raise ValueError("host must be a non-empty string")
    host = host.strip()
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    if any(ch in host for ch in "/?#@[] \t\r\n"):
        raise ValueError(f"invalid host {host!r}: pass a host name or IP address, not a URL")
    _check_port(port)
    if not path.startswith("/"):
        raise ValueError(f"path must start with '/', got {path!r}")
    scheme = "wss" if use_ssl else "ws"
    return f"{scheme}://{_bracket(host)}:{port}{path}"


def parse_url(url: str) -> Endpoint:
    """Parse and check a WebSocket URL (see the module docstring for the rules).

    Raises:
        ValueError: the scheme is not ``ws``/``wss``, the host is missing, the
            port is invalid, the URL has a fragment, or it carries credentials
            (user information or a token-like query parameter). The message
            never repeats the credentials.
    """
    if not isinstance(url, str):
        raise TypeError(f"url must be a str, not {type(url).__name__}")
    try:
        parts = urllib.parse.urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        # urlsplit's own messages do not include the URL; keep it that way.
        raise ValueError(f"invalid URL: {exc}") from None
    scheme = parts.scheme.lower()
    if scheme not in ("ws", "wss"):
        hint = " (use ws:// or wss://)" if scheme in ("http", "https") else ""
        raise ValueError(f"URL scheme must be ws or wss, got {scheme or 'none'!r}{hint}")
    if "@" in parts.netloc:
        raise ValueError(
            "credentials must not be put in the URL (user:password@host): "
            "pass auth_token= or api_key= instead"
        )
    host = parts.hostname
    if not host:
        raise ValueError("URL has no host")
    if parts.fragment:
        raise ValueError("a WebSocket URL cannot have a #fragment")
    for name, _value in urllib.parse.parse_qsl(parts.query, keep_blank_values=True):
        lowered = name.lower()
        if any(word in lowered for word in _SECRET_PARAM_WORDS):
            raise ValueError(
                f"the URL query parameter {name!r} looks like a credential; tokens must "
                "not be put in URLs: pass auth_token= or api_key= instead"
            )
    if port is None:
        port = 443 if scheme == "wss" else 80
    else:
        _check_port(port)
    path = parts.path or DEFAULT_PATH
    resource = f"{path}?{parts.query}" if parts.query else path
    return Endpoint(secure=scheme == "wss", host=host, port=port, resource=resource)


def resolve_endpoint(
    *,
    url: str | None = None,
    host: str = "localhost",
    port: int = 8080,
    use_ssl: bool = False,
) -> Endpoint:
    """The endpoint a client connects to: ``url`` when given, else built from the seed's fields.

    A given ``url`` wins over ``host``, ``port`` and ``use_ssl``.

    Raises:
        ValueError: see :func:`build_url` and :func:`parse_url`.
    """
    if url is not None:
        return parse_url(url)
    return parse_url(build_url(host, port, use_ssl))


def is_loopback_host(host: str) -> bool:
    """Whether ``host`` names this machine (``localhost``, ``127.0.0.0/8``, ``::1``).

    Decided from the text only: no name resolution.
    """
    host = host.strip("[]").rstrip(".").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


# "Once" state for the two warnings. A lock because the sync client connects
# from whatever thread calls it.
_warn_lock = threading.Lock()
_warned_insecure = False
_warned_plaintext_hosts: set[str] = set()


def _reset_warning_state() -> None:
    """Forget which warnings were logged (for tests)."""
    global _warned_insecure
    with _warn_lock:
        _warned_insecure = False
        _warned_plaintext_hosts.clear()


def _warn_insecure_once() -> None:
    global _warned_insecure
    with _warn_lock:
        if _warned_insecure:
            return
        _warned_insecure = True
    logger.warning(
        "TLS certificate verification is disabled (verify_ssl=False): the connection "
        "is encrypted but the server is not authenticated, so anyone on the network "
        "path can impersonate it and read your token"
    )


def _warn_plaintext_once(endpoint: Endpoint) -> None:
    with _warn_lock:
        if endpoint.host in _warned_plaintext_hosts:
            return
        _warned_plaintext_hosts.add(endpoint.host)
    logger.warning(
        "connecting to %s over unencrypted ws://: credentials and data cross the network "
        "in clear text; use wss:// (use_ssl=True) for hosts other than this machine",
        endpoint.netloc,
    )


@functools.lru_cache(maxsize=1)
def _default_context() -> ssl.SSLContext:
    # Loading the system CA store costs milliseconds; share one verifying
    # context between connections (SSLContext is safe to share across threads).
    return ssl.create_default_context(ssl.Purpose.SERVER_AUTH)


def make_ssl_context(
    verify_ssl: bool = True, ssl_context: ssl.SSLContext | None = None
) -> ssl.SSLContext:
    """The TLS context for a ``wss://`` connection, following the SDK's policy.

    * ``ssl_context`` given: returned as is (the caller's CA, client certificate, ...).
    * ``verify_ssl=True`` (default): a context that verifies the chain against
      the system CAs and checks the host name.
    * ``verify_ssl=False``: a context that checks neither, and a warning logged
      once per process.

    Raises:
        ValueError: both ``ssl_context`` and ``verify_ssl=False`` were given (the
            intent is ambiguous: configure verification in your context instead).
        TypeError: ``ssl_context`` is not an :class:`ssl.SSLContext`.
    """
    if ssl_context is not None:
        if not isinstance(ssl_context, ssl.SSLContext):
            raise TypeError(
                f"ssl_context must be an ssl.SSLContext, not {type(ssl_context).__name__}"
            )
        if not verify_ssl:
            raise ValueError(
                "pass either ssl_context= or verify_ssl=False, not both: "
                "set verify_mode and check_hostname on your context instead"
            )
        return ssl_context
    if verify_ssl:
        return _default_context()
    _warn_insecure_once()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def ssl_context_for(
    endpoint: Endpoint,
    *,
    verify_ssl: bool = True,
    ssl_context: ssl.SSLContext | None = None,
) -> ssl.SSLContext | None:
    """The TLS context to connect to ``endpoint`` with, or ``None`` for ``ws://``.

    For ``wss://`` see :func:`make_ssl_context`. For ``ws://`` to a host that is
    not a loopback address, a warning is logged once per host.

    Raises:
        ValueError: an ``ssl_context`` was given for a ``ws://`` endpoint (it
            would be silently unused: the caller expected TLS), or see
            :func:`make_ssl_context`.
    """
    if endpoint.secure:
        return make_ssl_context(verify_ssl, ssl_context)
    if ssl_context is not None:
        raise ValueError(
            "an ssl_context was given but the URL is ws:// (no TLS): "
            "use wss:// (use_ssl=True) or drop ssl_context"
        )
    if not is_loopback_host(endpoint.host):
        _warn_plaintext_once(endpoint)
    return None


# -- error mapping ------------------------------------------------------------


def _walk(exc: BaseException) -> Iterator[BaseException]:
    """``exc``, its causes and contexts, and the members of exception groups."""
    seen: set[int] = set()
    stack = [exc]
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        members = getattr(current, "exceptions", None)
        if isinstance(members, (list, tuple)):
            stack.extend(m for m in members if isinstance(m, BaseException))
        if current.__cause__ is not None:
            stack.append(current.__cause__)
        if current.__context__ is not None:
            stack.append(current.__context__)


def connect_error(
    exc: BaseException, endpoint: Endpoint, *, open_timeout: float | None = None
) -> errors.ConnectionError:
    """The SDK exception for a failure while opening a connection (before the handshake).

    Recognises, anywhere in the cause chain: a failed certificate check, another
    TLS failure, a name resolution failure, a refused connection and a timeout.
    The caller chains the original exception (``raise connect_error(e, ...) from e``).
    """
    where = endpoint.netloc
    found: dict[str, BaseException] = {}
    for item in _walk(exc):
        if isinstance(item, ssl.SSLCertVerificationError):
            found.setdefault("verify", item)
        elif isinstance(item, ssl.SSLError):
            found.setdefault("tls", item)
        elif isinstance(item, socket.gaierror):
            found.setdefault("dns", item)
        elif isinstance(item, ConnectionRefusedError):
            found.setdefault("refused", item)
        elif isinstance(item, TimeoutError):
            found.setdefault("timeout", item)
    if "verify" in found:
        cert_exc = found["verify"]
        detail = getattr(cert_exc, "verify_message", None) or str(cert_exc)
        return errors.ConnectionError(
            f"TLS certificate verification failed for {where}: {detail} "
            "(pass ssl_context= with the server's CA, or verify_ssl=False to opt out)",
            data={"reason": "certificate_verify_failed"},
        )
    if "tls" in found:
        return errors.ConnectionError(
            f"TLS handshake with {where} failed: {found['tls']}", data={"reason": "tls"}
        )
    if "dns" in found:
        dns_exc = found["dns"]
        detail = getattr(dns_exc, "strerror", None) or str(dns_exc)
        return errors.ConnectionError(
            f"cannot resolve host {endpoint.host!r}: {detail}", data={"reason": "dns"}
        )
    if "refused" in found:
        return errors.ConnectionError(
            f"connection refused by {where} (is the service running on that port?)",
            data={"reason": "refused"},
        )
    if "timeout" in found:
        limit = f" after {open_timeout:g} s" if open_timeout is not None else ""
        return errors.ConnectionError(
            f"timed out{limit} connecting to {where}", data={"reason": "timeout"}
        )
    detail = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    return errors.ConnectionError(f"cannot connect to {where}: {detail}", data={"reason": "os"})


def handshake_rejected(endpoint: Endpoint, status: int, reason: str = "") -> errors.ConnectionError:
    """The SDK exception for an HTTP answer other than ``101`` to the WebSocket upgrade."""
    text = f"{status} {reason}".strip()
    hint = ""
    if status == 404:
        hint = f" (is {endpoint.path!r} the service's WebSocket path?)"
    return errors.ConnectionError(
        f"WebSocket handshake with {endpoint.url} was rejected: HTTP {text}{hint}",
        data={"reason": "handshake", "status": status},
    )


def handshake_failed(endpoint: Endpoint, detail: str) -> errors.ConnectionError:
    """The SDK exception for a WebSocket handshake that did not complete (no HTTP answer)."""
    return errors.ConnectionError(
        f"WebSocket handshake with {endpoint.url} failed: {detail}",
        data={"reason": "handshake"},
    )
