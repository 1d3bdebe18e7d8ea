"""``mediamtx-camera emulator``: run the camera-service emulator in the foreground.

The SDK's command line wires its ``emulator`` sub-command to :func:`add_arguments`
and :func:`run`; ``python -m mediamtx_camera_sdk.testing`` does the same on its own.

It listens on the SDK's default port (8080), so a client given only a token
finds it, and prints ``export`` lines to paste into another shell. The JWT
secret comes from ``--secret-file``, ``$MEDIAMTX_EMULATOR_SECRET`` or a
``--state-dir``, so tokens keep working across restarts; it never has to be
typed on the command line.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import os
import secrets
import shlex
import signal
import ssl
import sys
import threading
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

from ._constants import CLI_PORT, QUIRKS, ROLES

if TYPE_CHECKING:
    from ._emulator import CameraServiceEmulator

__all__ = ["SECRET_ENV", "add_arguments", "run"]

#: Lifetime of the tokens printed at start-up.
TOKEN_LIFETIME = 24 * 3600.0
#: The environment variable the JWT secret may come from.
SECRET_ENV = "MEDIAMTX_EMULATOR_SECRET"
#: Names inside ``--state-dir``.
STATE_SECRET = "jwt-secret"
STATE_MEDIA = "media"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the emulator's options to ``parser``."""
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument(
        "--port",
        type=int,
        default=CLI_PORT,
        help=f"port (default {CLI_PORT}, the SDK's default; 0 = any free port)",
    )
    parser.add_argument("--dialect", choices=("current", "legacy"), default="current")
    parser.add_argument(
        "--behaviour",
        choices=("observed", "documented"),
        default="observed",
        help="play the real service as observed (default) or its documentation",
    )
    parser.add_argument(
        "--push-notifications",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="send the documented notifications (default: as the chosen service does; "
        "the real current service sends none)",
    )
    parser.add_argument(
        "--quirk",
        action="append",
        choices=QUIRKS,
        default=[],
        help="copy a defect of the real current service (repeatable)",
    )
    parser.add_argument("--cameras", type=int, default=2, help="cameras connected at start")
    parser.add_argument(
        "--state-dir",
        default=None,
        help="folder keeping the JWT secret and the media between runs",
    )
    parser.add_argument(
        "--secret-file",
        default=None,
        help="file holding the HS256 secret (created with a random one if missing)",
    )
    parser.add_argument(
        "--jwt-secret",
        default=None,
        help=f"HS256 secret itself (visible to other users: prefer --secret-file or ${SECRET_ENV})",
    )
    parser.add_argument("--tls-cert", default=None, help="PEM certificate: serve wss:// and https")
    parser.add_argument("--tls-key", default=None, help="PEM private key of --tls-cert")
    parser.add_argument(
        "--idle-timeout",
        type=float,
        default=10.0,
        help="end connections silent for this many seconds (0 = never)",
    )
    parser.add_argument(
        "--media-dir",
        default=None,
        help="folder for recordings and snapshots (default: STATE_DIR/media, else temporary)",
    )


def _tls(args: argparse.Namespace) -> ssl.SSLContext | None:
    if not args.tls_cert and not args.tls_key:
        return None
    if not args.tls_cert:
        raise ValueError("--tls-key needs --tls-cert")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(args.tls_cert, args.tls_key)
    return context


def _secret_in(path: Path) -> str:
    """The secret kept in ``path``; a new random one is written there first if it is missing."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        # Readable by its owner only: whoever reads it can sign tokens.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(secrets.token_urlsafe(48) + "\n")
    secret = path.read_text(encoding="utf-8").strip()
    if not secret:
        raise ValueError(f"the secret file {path} is empty")
    return secret


def _secret(args: argparse.Namespace) -> tuple[str | None, str]:
    """The JWT secret to use and where it came from (None: a random one for this run)."""
    if args.jwt_secret:
        return args.jwt_secret, "--jwt-secret"
    if args.secret_file:
        return _secret_in(Path(args.secret_file)), args.secret_file
    from_env = os.environ.get(SECRET_ENV, "").strip()
    if from_env:
        return from_env, f"${SECRET_ENV}"
    if args.state_dir:
        path = Path(args.state_dir) / STATE_SECRET
        return _secret_in(path), str(path)
    return None, "random, for this run only (see --secret-file, --state-dir)"


def _api_keys(secret: str) -> dict[str, str]:
    # Derived from the secret, so that they too survive a restart.
    keys: dict[str, str] = {}
    for role in ROLES:
        digest = hmac.new(secret.encode(), role.encode(), hashlib.sha256).hexdigest()
        keys[f"emu_{role}_{digest[:24]}"] = role
    return keys


def run(args: argparse.Namespace) -> int:
    """Run the emulator until Ctrl-C (or SIGTERM); returns the exit status.

    Prints the WebSocket URL, tokens for viewer, operator and admin, an
    operator API key and ``export`` lines for ``MEDIAMTX_URL`` and
    ``MEDIAMTX_AUTH_TOKEN``. Returns 2 for bad options or a missing PyJWT, 1
    when the address cannot be bound, 0 after a clean stop.
    """
    from ._emulator import CameraServiceEmulator

    try:
        secret, secret_source = _secret(args)
        media_dir = args.media_dir
        if media_dir is None and args.state_dir:
            media_dir = str(Path(args.state_dir) / STATE_MEDIA)
        emulator = CameraServiceEmulator(
            dialect=args.dialect,
            cameras=args.cameras,
            jwt_secret=secret,
            api_keys=_api_keys(secret) if secret else None,
            idle_timeout=args.idle_timeout or None,
            ssl_context=_tls(args),
            host=args.host,
            port=args.port,
            media_dir=media_dir,
            keep_frames=False,
            behaviour=args.behaviour,
            push_notifications=args.push_notifications,
            quirks=args.quirk,
        )
    except (ValueError, ImportError, OSError, ssl.SSLError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        emulator.start()
    except OSError as exc:
        hint = " (another emulator running? --port 0 picks a free port)" if args.port else ""
        print(f"error: cannot listen on {args.host}:{args.port}: {exc}{hint}", file=sys.stderr)
        return 1
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = previous_interrupt = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, on_signal)
        # Ctrl-C stops it even when started with SIGINT ignored (as a shell's
        # background job is), where Python raises no KeyboardInterrupt.
        previous_interrupt = signal.signal(signal.SIGINT, on_signal)
    try:
        _banner(emulator, secret_source)
        # Ctrl-C and SIGTERM set ``stop`` (a wait of at most a second).
        while not stop.wait(1.0):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        in_main = threading.current_thread() is threading.main_thread()
        # A second Ctrl-C must not interrupt the clean stop (it takes milliseconds).
        previous_int = signal.signal(signal.SIGINT, signal.SIG_IGN) if in_main else None
        try:
            emulator.stop()
        finally:
            if previous_int is not None:
                signal.signal(signal.SIGINT, previous_int)
            if previous is not None:
                signal.signal(signal.SIGTERM, previous)
            if previous_interrupt is not None:
                signal.signal(signal.SIGINT, previous_interrupt)
    print("emulator stopped", flush=True)
    return 0


def _banner(emulator: CameraServiceEmulator, secret_source: str) -> None:
    operator_token = emulator.token("operator", TOKEN_LIFETIME)
    kind = emulator.behaviour
    pushes = "pushes notifications" if emulator.push_notifications else "pushes no notifications"
    print(f"MediaMTX Camera Service emulator ({emulator.dialect} dialect, {kind}, {pushes})")
    print(f"  WebSocket:       {emulator.url}")
    print(f"  HTTP files:      {emulator.http_url}/files/{{recordings,snapshots}}/NAME")
    print(f"  media folder:    {emulator.media_dir}")
    print(f"  cameras:         {', '.join(emulator.devices) or '(none)'}")
    print(f"  JWT secret:      {secret_source}")
    for role in ROLES:
        token = operator_token if role == "operator" else emulator.token(role, TOKEN_LIFETIME)
        print(f"  {role + ' token:':<16} {token}")
    print(f"  operator API key: {emulator.api_key('operator')}")
    print("Paste into another shell to point the SDK and mediamtx-camera at it (operator):")
    print(f"  export MEDIAMTX_URL={shlex.quote(emulator.url)}")
    print(f"  export MEDIAMTX_AUTH_TOKEN={shlex.quote(operator_token)}")
    print("Press Ctrl-C to stop.", flush=True)
