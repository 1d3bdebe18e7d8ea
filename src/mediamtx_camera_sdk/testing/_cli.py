"""``mediamtx-camera emulator``: run the camera-service emulator in the foreground.

The SDK's command line wires its ``emulator`` sub-command to :func:`add_arguments`
and :func:`run`; ``python -m mediamtx_camera_sdk.testing`` does the same on its own.
"""

from __future__ import annotations

import argparse
import signal
import ssl
import sys
import threading
from types import FrameType

__all__ = ["add_arguments", "run"]

#: Lifetime of the tokens printed at start-up.
TOKEN_LIFETIME = 24 * 3600.0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the emulator's options to ``parser``."""
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8002, help="port (0 = any free port)")
    parser.add_argument("--dialect", choices=("current", "legacy"), default="current")
    parser.add_argument("--cameras", type=int, default=2, help="cameras connected at start")
    parser.add_argument("--jwt-secret", default=None, help="HS256 secret (random by default)")
    parser.add_argument("--tls-cert", default=None, help="PEM certificate: serve wss:// and https")
    parser.add_argument("--tls-key", default=None, help="PEM private key of --tls-cert")
    parser.add_argument(
        "--idle-timeout",
        type=float,
        default=10.0,
        help="close connections silent for this many seconds (0 = never)",
    )
    parser.add_argument("--media-dir", default=None, help="folder for recordings and snapshots")


def _tls(args: argparse.Namespace) -> ssl.SSLContext | None:
    if not args.tls_cert and not args.tls_key:
        return None
    if not args.tls_cert:
        raise ValueError("--tls-key needs --tls-cert")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(args.tls_cert, args.tls_key)
    return context


def run(args: argparse.Namespace) -> int:
    """Run the emulator until Ctrl-C (or SIGTERM); returns the exit status.

    Prints the WebSocket URL, tokens for viewer, operator and admin, and an
    operator API key. Returns 2 for bad options or a missing PyJWT, 1 when the
    address cannot be bound, 0 after a clean stop.
    """
    from ._emulator import CameraServiceEmulator

    try:
        emulator = CameraServiceEmulator(
            dialect=args.dialect,
            cameras=args.cameras,
            jwt_secret=args.jwt_secret,
            idle_timeout=args.idle_timeout or None,
            ssl_context=_tls(args),
            host=args.host,
            port=args.port,
            media_dir=args.media_dir,
            keep_frames=False,
        )
    except (ValueError, ImportError, OSError, ssl.SSLError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        emulator.start()
    except OSError as exc:
        print(f"error: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
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
        print(f"MediaMTX Camera Service emulator ({emulator.dialect} dialect)")
        print(f"  WebSocket:       {emulator.url}")
        print(f"  HTTP files:      {emulator.http_url}/files/{{recordings,snapshots}}/NAME")
        print(f"  media folder:    {emulator.media_dir}")
        print(f"  cameras:         {', '.join(emulator.devices) or '(none)'}")
        for role in ("viewer", "operator", "admin"):
            print(f"  {role + ' token:':<16} {emulator.token(role, TOKEN_LIFETIME)}")
        print(f"  operator API key: {emulator.api_key('operator')}")
        print("Press Ctrl-C to stop.", flush=True)
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
