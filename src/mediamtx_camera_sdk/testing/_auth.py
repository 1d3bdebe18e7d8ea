"""Sessions, JWTs and API keys of the emulated service.

PyJWT is imported lazily so that ``mediamtx_camera_sdk.testing`` (and its pytest
plugin) can be imported without the ``emulator`` extra; starting an emulator
without it raises a clear :class:`ImportError`.
"""

from __future__ import annotations

import contextlib
import secrets
import time
import uuid
import warnings
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from ._constants import ROLE_RANK, ROLES


def load_jwt() -> ModuleType:
    """Import PyJWT, or raise ImportError saying how to get it."""
    try:
        import jwt
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise ImportError(
            "the camera-service emulator needs PyJWT: pip install 'mediamtx-camera-sdk[emulator]'"
        ) from exc
    return jwt


@contextlib.contextmanager
def _quiet_key_length(jwt: ModuleType) -> Iterator[None]:
    # PyJWT warns about HMAC secrets shorter than 32 bytes; a test secret such as
    # "secret" is fine here, and the warning would fail suites that turn warnings
    # into errors.
    category = getattr(getattr(jwt, "warnings", None), "InsecureKeyLengthWarning", None)
    if category is None:
        yield
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category)
        yield


class AuthFailure(Exception):
    """A credential was refused; ``reason`` says why (sent as ``data.reason``)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Grant:
    """What a valid credential gives: a role, how it was checked, until when."""

    role: str
    method: str  # "jwt" or "api_key"
    expires_at: float | None  # epoch seconds, None = no expiry
    user_id: str


@dataclass
class Session:
    """The per-connection state of the service: who is authenticated, what is subscribed."""

    conn_id: int
    role: str | None = None
    auth_method: str | None = None
    expires_at: float | None = None
    generation: int = 0
    session_id: str | None = None
    user_id: str | None = None
    subscriptions: dict[str, dict[str, Any]] = field(default_factory=dict)
    window_start: float = 0.0
    window_count: int = 0

    def grant(self, grant: Grant, generation: int) -> None:
        """Record a successful authentication."""
        self.role = grant.role
        self.auth_method = grant.method
        self.expires_at = grant.expires_at
        self.generation = generation
        self.user_id = grant.user_id
        self.session_id = str(uuid.uuid4())

    def clear(self) -> None:
        """Forget the authentication (expired or replaced)."""
        self.role = None
        self.auth_method = None
        self.expires_at = None
        self.session_id = None


class Authority:
    """Issues and checks the credentials of one emulator."""

    def __init__(self, jwt_secret: str | None, api_keys: Mapping[str, str] | None) -> None:
        self.jwt = load_jwt()
        self.secret = jwt_secret or secrets.token_urlsafe(32)
        self.keys: dict[str, str] = {}
        for key, role in (api_keys or {}).items():
            if role not in ROLE_RANK:
                raise ValueError(f"API key role must be one of {ROLES}, not {role!r}")
            self.keys[key] = role
        self.generation = 0
        self.revoked: set[str] = set()
        self.seen: set[str] = set()

    def token(self, role: str, expires_in: float, user_id: str = "emulator-user") -> str:
        """A signed HS256 JWT with ``user_id``, ``role``, ``iat``, ``exp``."""
        if role not in ROLE_RANK:
            raise ValueError(f"role must be one of {ROLES}, not {role!r}")
        now = time.time()
        payload = {
            "user_id": user_id,
            "role": role,
            "iat": int(now),
            "exp": int(now + expires_in),
            # A unique id: two tokens made in the same second must still differ,
            # so that expire_tokens() can revoke one and not the next.
            "jti": secrets.token_hex(8),
        }
        with _quiet_key_length(self.jwt):
            token = str(self.jwt.encode(payload, self.secret, algorithm="HS256"))
        self.seen.add(token)
        return token

    def api_key(self, role: str) -> str:
        """An API key for ``role`` (an existing one, or a new one)."""
        if role not in ROLE_RANK:
            raise ValueError(f"role must be one of {ROLES}, not {role!r}")
        for key, key_role in self.keys.items():
            if key_role == role:
                return key
        key = f"emu_{role}_{secrets.token_hex(12)}"
        self.keys[key] = role
        return key

    def check(self, credential: str, kind: str = "auto") -> Grant:
        """Validate a JWT or API key (``kind``: "jwt", "api_key" or "auto")."""
        if kind in ("api_key", "auto") and credential in self.keys:
            return Grant(self.keys[credential], "api_key", None, f"api-key-{credential[-6:]}")
        if kind == "api_key":
            raise AuthFailure("invalid API key")
        self.seen.add(credential)
        if credential in self.revoked:
            raise AuthFailure("token expired")
        try:
            with _quiet_key_length(self.jwt):
                claims: dict[str, Any] = self.jwt.decode(
                    credential,
                    self.secret,
                    algorithms=["HS256"],
                    options={"require": ["exp", "role"]},
                )
        except self.jwt.ExpiredSignatureError:
            raise AuthFailure("token expired") from None
        except self.jwt.InvalidTokenError:
            raise AuthFailure("invalid token") from None
        role = claims.get("role")
        if role not in ROLE_RANK:
            raise AuthFailure("invalid role")
        return Grant(str(role), "jwt", float(claims["exp"]), str(claims.get("user_id", "")))

    def expire_all(self) -> None:
        """Expire every session and every JWT issued or seen so far."""
        self.generation += 1
        self.revoked |= self.seen

    def problem(self, session: Session) -> str | None:
        """Why ``session``'s authentication is no longer valid, or None."""
        if session.role is None:
            return "authentication required"
        if session.generation != self.generation:
            return "token expired"
        if session.expires_at is not None and time.time() >= session.expires_at:
            return "token expired"
        return None
