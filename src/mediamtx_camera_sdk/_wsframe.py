"""Client WebSocket text frames, written directly (RFC 6455 section 5).

Every call sends one text frame. The WebSocket libraries build it through
their protocol objects (state checks, a frame object, a buffer of pending
output, an ``os.urandom`` call per frame); the transports write it from here
instead, in one step: header, masking key, masked payload.

- Masking keys come from a pool filled by ``os.urandom`` (section 5.3 asks
  for a strong source of entropy): one system call per 1,024 frames. Each key
  is handed out once, also to concurrent senders (sync client threads).
- The payload is masked by the ``websockets`` C extension when it is built
  (it always is on the usual platforms), else by XOR of big integers.

No I/O here: the transports write the bytes.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from typing import Final

__all__ = ["MaskKeys", "apply_mask", "text_frame"]


def _mask_with_ints(payload: bytes, key: bytes) -> bytes:
    """``payload`` XOR the repeated 4-byte ``key``, as big integers (the portable way)."""
    size = len(payload)
    if not size:
        return b""
    mask = (key * ((size >> 2) + 1))[:size]
    return (int.from_bytes(payload, "little") ^ int.from_bytes(mask, "little")).to_bytes(
        size, "little"
    )


apply_mask: Callable[[bytes, bytes], bytes]
try:
    from websockets.speedups import apply_mask as _c_apply_mask
except ImportError:  # pragma: no cover - websockets without its C extension
    apply_mask = _mask_with_ints
else:
    apply_mask = _c_apply_mask

#: Keys per ``os.urandom`` call.
KEYS_PER_POOL: Final = 1024


class MaskKeys:
    """Masking keys from a pool of random bytes; safe to share between threads."""

    __slots__ = ("_lock", "_next", "_pool")

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pool = os.urandom(4 * KEYS_PER_POOL)
        self._next = 0

    def take(self) -> bytes:
        """A fresh 4-byte key, never handed out before."""
        with self._lock:
            index = self._next
            if index == KEYS_PER_POOL:
                self._pool = os.urandom(4 * KEYS_PER_POOL)
                index = 0
            self._next = index + 1
            start = 4 * index
            return self._pool[start : start + 4]


def text_frame(payload: bytes, key: bytes) -> bytes:
    """One final, masked text frame carrying ``payload`` (already UTF-8), masked with ``key``."""
    size = len(payload)
    if size < 126:
        header = bytes((0x81, 0x80 | size))
    elif size < 65536:
        header = bytes((0x81, 0xFE)) + size.to_bytes(2, "big")
    else:
        header = bytes((0x81, 0xFF)) + size.to_bytes(8, "big")
    return header + key + apply_mask(payload, key)
