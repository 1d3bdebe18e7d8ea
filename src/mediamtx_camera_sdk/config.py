"""Client settings, their defaults, and the ``MEDIAMTX_*`` environment variables.

Both clients build one :class:`Settings` from their constructor arguments.
Precedence, highest first:

1. an argument passed explicitly to the constructor (or to ``from_env``);
2. the ``MEDIAMTX_*`` environment variable;
3. the documented default.

Environment variables (the seed's six, plus a few the SDK adds):

================================  =============================================
``MEDIAMTX_HOST``                 host (default ``localhost``)
``MEDIAMTX_PORT``                 port (default ``8080``)
``MEDIAMTX_USE_SSL``              ``true``/``false``: ``wss://`` (default false)
``MEDIAMTX_AUTH_TYPE``            ``jwt``, ``api_key`` or ``auto`` (default jwt)
``MEDIAMTX_AUTH_TOKEN``           JWT
``MEDIAMTX_API_KEY``              API key
``MEDIAMTX_AUTH_TOKEN_FILE``      file holding the JWT (read when no token is set)
``MEDIAMTX_API_KEY_FILE``         file holding the API key (read when no key is set)
``MEDIAMTX_URL``                  full ``ws[s]://host:port/ws`` URL (beats host/port/use_ssl)
``MEDIAMTX_TIMEOUT``              default per-call timeout in seconds (default 10)
``MEDIAMTX_VERIFY_SSL``           ``false`` to skip certificate checks (default true)
``MEDIAMTX_DIALECT``              ``auto``, ``current`` or ``legacy`` (default auto)
``MEDIAMTX_POLL_INTERVAL``        poll the camera list every so many seconds (default: no polling)
================================  =============================================

Why sentinel defaults: the seed's constructor shows literal defaults
(``host="localhost"``) *and* says the environment supplies defaults. To let an
explicit ``host="localhost"`` beat ``MEDIAMTX_HOST`` we mark the signature's
defaults with private ``str``/``int``/``float`` subclasses that compare equal to the
plain values; a value the caller passed is never one of those objects.
"""

from __future__ import annotations

import math
import os
import ssl
from collections.abc import Awaitable, Callable, Collection, Mapping
from pathlib import Path
from typing import Any, Final, Literal

import attrs

from .errors import InvalidParamsError, ValidationError

__all__ = [
    "DEFAULT_HOST",
    "DEFAULT_PORT",
    "ENV_VARS",
    "AuthType",
    "DialectSetting",
    "Settings",
    "TokenProvider",
]

AuthType = Literal["jwt", "api_key", "auto"]
DialectSetting = Literal["auto", "current", "legacy"]
#: A callable returning a fresh token (JWT or API key, per ``auth_type``); sync or async.
TokenProvider = Callable[[], str | Awaitable[str]]


class _DefaultStr(str):
    """A ``str`` default that the environment may override (see module docstring)."""

    __slots__ = ()


class _DefaultInt(int):
    """An ``int`` default that the environment may override."""

    __slots__ = ()


class _DefaultFloat(float):
    """A ``float`` default that the environment may override."""

    __slots__ = ()


DEFAULT_HOST: Final[str] = _DefaultStr("localhost")
DEFAULT_PORT: Final[int] = _DefaultInt(8080)
DEFAULT_AUTH_TYPE: Final[str] = _DefaultStr("jwt")
DEFAULT_MAX_RETRIES: Final[int] = _DefaultInt(3)
DEFAULT_RETRY_DELAY: Final[float] = _DefaultFloat(1.0)
DEFAULT_TIMEOUT: Final[float] = _DefaultFloat(10.0)
DEFAULT_DIALECT: Final[str] = _DefaultStr("auto")
DEFAULT_HEARTBEAT: Final[float] = _DefaultFloat(5.0)

_DEFAULT_TYPES = (_DefaultStr, _DefaultInt, _DefaultFloat)

ENV_VARS: Final[tuple[str, ...]] = (
    "MEDIAMTX_HOST",
    "MEDIAMTX_PORT",
    "MEDIAMTX_USE_SSL",
    "MEDIAMTX_AUTH_TYPE",
    "MEDIAMTX_AUTH_TOKEN",
    "MEDIAMTX_API_KEY",
    "MEDIAMTX_AUTH_TOKEN_FILE",
    "MEDIAMTX_API_KEY_FILE",
    "MEDIAMTX_URL",
    "MEDIAMTX_TIMEOUT",
    "MEDIAMTX_VERIFY_SSL",
    "MEDIAMTX_DIALECT",
    "MEDIAMTX_POLL_INTERVAL",
)

_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off", ""})


def is_default(value: object) -> bool:
    """True when ``value`` is a signature default the environment may override."""
    return isinstance(value, _DEFAULT_TYPES)


def _bad(name: str, value: object, rule: str) -> InvalidParamsError:
    # Never echo credential values; every other setting is safe to show.
    shown = "<hidden>" if name in ("auth_token", "api_key") else repr(value)
    return ValidationError(
        f"invalid setting {name}={shown}: {rule}", code=-32602, data={"param": name, "rule": rule}
    )


def _env_bool(env: Mapping[str, str], key: str) -> bool | None:
    raw = env.get(key)
    if raw is None:
        return None
    text = raw.strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise _bad(key, raw, "expected true/false")


def _env_number(env: Mapping[str, str], key: str, kind: type[float] | type[int]) -> float | None:
    raw = env.get(key)
    if raw is None or not raw.strip():
        return None
    try:
        return kind(raw.strip())
    except ValueError:
        raise _bad(key, raw, f"expected a number ({kind.__name__})") from None


def _read_secret_file(env: Mapping[str, str], key: str) -> str | None:
    path = env.get(key)
    if not path:
        return None
    try:
        text = Path(path).read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise _bad(key, path, f"cannot read the file ({exc.strerror or exc})") from None
    return text or None


@attrs.frozen(kw_only=True)
class Settings:
    """Every setting of a client, resolved and validated. Immutable.

    Build with :meth:`resolve` (constructor arguments plus the environment).
    ``repr()`` never shows the token, the API key or the token provider's result.
    """

    host: str = "localhost"
    port: int = 8080
    use_ssl: bool = False
    auth_type: AuthType = "jwt"
    auth_token: str | None = attrs.field(default=None, repr=False)
    api_key: str | None = attrs.field(default=None, repr=False)
    max_retries: int | None = 3
    retry_delay: float = 1.0
    url: str | None = None
    timeout: float = 10.0
    dialect: DialectSetting = "auto"
    ssl_context: ssl.SSLContext | None = attrs.field(default=None, repr=False)
    verify_ssl: bool = True
    heartbeat_interval: float | None = 5.0
    heartbeat_timeout: float = 5.0
    token_provider: TokenProvider | None = attrs.field(default=None, repr=False)
    reconnect: bool = True
    max_retry_delay: float = 30.0
    max_message_size: int = 16 * 1024 * 1024
    open_timeout: float = 10.0
    wait_for_reconnect: bool = True
    event_buffer: int = 1000
    rate_limit_retries: int = 0
    poll_interval: float | None = None

    @property
    def credential(self) -> str | None:
        """The static credential for ``auth_type``: the API key for ``api_key``, the
        JWT for ``jwt``, whichever is set for ``auto`` (never the other kind's)."""
        if self.auth_type == "api_key":
            return self.api_key
        if self.auth_type == "jwt":
            return self.auth_token
        return self.auth_token or self.api_key

    @property
    def has_credentials(self) -> bool:
        """True when the client will authenticate after connecting."""
        return self.credential is not None or self.token_provider is not None

    @classmethod
    def resolve(
        cls,
        arguments: Mapping[str, Any],
        environ: Mapping[str, str] | None = None,
        *,
        explicit: Collection[str] | None = None,
    ) -> Settings:
        """Merge constructor ``arguments`` with the environment and validate.

        An argument the application passed always wins over the environment,
        field by field; where to connect is one choice: passing ``url`` ignores
        ``MEDIAMTX_HOST``, ``MEDIAMTX_PORT`` and ``MEDIAMTX_USE_SSL``, passing
        any of ``host``, ``port``, ``use_ssl`` ignores ``MEDIAMTX_URL``. ``explicit`` names the
        arguments the application passed; without it, an argument still at
        its default value counts as not passed.

        Raises:
            InvalidParamsError: a setting (or an environment variable) is invalid.
        """
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {k: v for k, v in arguments.items() if k in _FIELD_NAMES}
        if explicit is None:
            given = {k for k, v in values.items() if v is not None and not is_default(v)}
            given |= {k for k in ("use_ssl",) if values.get(k)}
            given |= {k for k in ("verify_ssl",) if values.get(k) is False}
        else:
            # An explicit None (``auth_token=None``) leaves the field to the
            # environment, except where None is a choice (``poll_interval=None``:
            # no polling).
            given = {k for k in explicit if values.get(k) is not None or k in _NONE_IS_A_CHOICE}
        # Where to connect is one choice: a URL, or host/port/use_ssl (field by
        # field among themselves); passing one side ignores the other side's
        # variables.
        if "url" in given:
            given |= _HOST_FIELDS
        elif given & _HOST_FIELDS:
            given.add("url")

        def pick(name: str, env_value: object) -> None:
            if env_value is not None and name not in given:
                values[name] = env_value

        pick("host", env.get("MEDIAMTX_HOST") or None)
        pick("port", _env_number(env, "MEDIAMTX_PORT", int))
        pick("auth_type", (env.get("MEDIAMTX_AUTH_TYPE") or "").strip().lower() or None)
        pick("auth_token", env.get("MEDIAMTX_AUTH_TOKEN") or None)
        pick("api_key", env.get("MEDIAMTX_API_KEY") or None)
        pick("url", env.get("MEDIAMTX_URL") or None)
        pick("timeout", _env_number(env, "MEDIAMTX_TIMEOUT", float))
        pick("dialect", (env.get("MEDIAMTX_DIALECT") or "").strip().lower() or None)
        pick("use_ssl", _env_bool(env, "MEDIAMTX_USE_SSL"))
        pick("verify_ssl", _env_bool(env, "MEDIAMTX_VERIFY_SSL"))
        pick("poll_interval", _env_number(env, "MEDIAMTX_POLL_INTERVAL", float))
        if values.get("auth_token") is None:
            values["auth_token"] = _read_secret_file(env, "MEDIAMTX_AUTH_TOKEN_FILE")
        if values.get("api_key") is None:
            values["api_key"] = _read_secret_file(env, "MEDIAMTX_API_KEY_FILE")

        _match_credential(values)
        # Turn sentinel defaults back into plain values.
        for key, value in list(values.items()):
            if isinstance(value, _DefaultStr):
                values[key] = str(value)
            elif isinstance(value, _DefaultInt):
                values[key] = int(value)
            elif isinstance(value, _DefaultFloat):
                values[key] = float(value)
        values = {k: v for k, v in values.items() if v is not None or k in _NULLABLE}
        _validate(values)
        return cls(**values)


_FIELD_NAMES: Final[frozenset[str]] = frozenset(f.name for f in attrs.fields(Settings))
#: Where to connect, besides ``url``.
_HOST_FIELDS: Final[frozenset[str]] = frozenset({"host", "port", "use_ssl"})
_NULLABLE: Final[frozenset[str]] = frozenset(
    {"auth_token", "api_key", "max_retries", "url", "ssl_context", "heartbeat_interval"}
    | {"token_provider", "poll_interval"}
)
#: Settings whose None, passed explicitly, beats the environment.
_NONE_IS_A_CHOICE: Final[frozenset[str]] = frozenset({"poll_interval"})


def _match_credential(values: dict[str, Any]) -> None:
    """Check that ``auth_type`` has its credential (arguments and environment merged).

    ``api_key`` needs an API key (or a token provider); ``jwt`` given with only an
    API key is refused too, rather than sending the key as a JWT. When
    ``auth_type`` was not chosen (the default ``jwt``) and only an API key is
    set, the key is what the client has: ``auth_type`` becomes ``api_key``.
    """
    auth_type = values.get("auth_type", DEFAULT_AUTH_TYPE)
    token, key = values.get("auth_token"), values.get("api_key")
    if values.get("token_provider") is not None or auth_type == "auto":
        return
    if auth_type == "api_key" and key is None:
        given = " (an auth_token is set, but it is not an API key)" if token is not None else ""
        raise ValidationError(
            f"auth_type='api_key' needs an API key{given}: pass api_key= or set "
            "MEDIAMTX_API_KEY (or MEDIAMTX_API_KEY_FILE); auth_type='auto' sends whichever is set",
            data={"param": "api_key", "rule": "required with auth_type='api_key'"},
        )
    if auth_type == "jwt" and token is None and key is not None:
        if is_default(auth_type):
            values["auth_type"] = "api_key"
            return
        raise ValidationError(
            "auth_type='jwt' needs a token (an api_key is set, but it is not a JWT): pass "
            "auth_token= or set MEDIAMTX_AUTH_TOKEN (or MEDIAMTX_AUTH_TOKEN_FILE), or use "
            "auth_type='api_key' for the key",
            data={"param": "auth_token", "rule": "required with auth_type='jwt'"},
        )


def _positive(values: Mapping[str, Any], name: str, *, allow_none: bool = False) -> None:
    if name not in values:
        return
    value = values[name]
    if value is None and allow_none:
        return
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _bad(name, value, "expected a number")
    if not math.isfinite(value) or value <= 0:
        raise _bad(name, value, "expected a positive number")


def _validate(values: Mapping[str, Any]) -> None:
    host = values.get("host", "localhost")
    if not isinstance(host, str) or not host or any(c in host for c in "/?#@ "):
        raise _bad("host", host, "expected a host name or address")
    port = values.get("port", 8080)
    if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
        raise _bad("port", port, "expected an integer 1..65535")
    if values.get("auth_type", "jwt") not in ("jwt", "api_key", "auto"):
        raise _bad("auth_type", values.get("auth_type"), "expected 'jwt', 'api_key' or 'auto'")
    if values.get("dialect", "auto") not in ("auto", "current", "legacy"):
        raise _bad("dialect", values.get("dialect"), "expected 'auto', 'current' or 'legacy'")
    for name in ("auth_token", "api_key"):
        value = values.get(name)
        if value is not None and (not isinstance(value, str) or not value.strip()):
            raise _bad(name, value, "expected a non-empty string")
    retries = values.get("max_retries", 3)
    if retries is not None and (
        isinstance(retries, bool) or not isinstance(retries, int) or retries < 0
    ):
        raise _bad("max_retries", retries, "expected an integer >= 0 or None (forever)")
    for name in ("timeout", "heartbeat_timeout", "max_retry_delay", "open_timeout"):
        _positive(values, name)
    _positive(values, "heartbeat_interval", allow_none=True)
    _positive(values, "poll_interval", allow_none=True)
    delay = values.get("retry_delay", 1.0)
    if isinstance(delay, bool) or not isinstance(delay, (int, float)) or not delay >= 0:
        raise _bad("retry_delay", delay, "expected a number >= 0")
    for name in ("max_message_size", "event_buffer"):
        value = values.get(name, 1)
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise _bad(name, value, "expected a positive integer")
    value = values.get("rate_limit_retries", 0)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise _bad("rate_limit_retries", value, "expected an integer >= 0")
    url = values.get("url")
    if url is not None and (
        not isinstance(url, str) or not url.lower().startswith(("ws://", "wss://"))
    ):
        raise _bad("url", url, "expected a ws:// or wss:// URL")
    context = values.get("ssl_context")
    if context is not None and not isinstance(context, ssl.SSLContext):
        raise _bad("ssl_context", context, "expected an ssl.SSLContext")
    provider = values.get("token_provider")
    if provider is not None and not callable(provider):
        raise _bad("token_provider", provider, "expected a callable returning a token")
