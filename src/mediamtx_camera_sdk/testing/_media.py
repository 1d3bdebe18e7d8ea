"""Tiny but valid media files made in code: the snapshots and recordings the emulator writes.

No image library is needed: a grey baseline JPEG is a handful of fixed segments
plus two bits per 8x8 block, and a PNG is three chunks around a zlib stream.
"""

from __future__ import annotations

import struct
import zlib

__all__ = ["RECORDING_CHUNK", "make_jpeg", "make_png", "recording_header"]


def _segment(marker: int, payload: bytes) -> bytes:
    # A JPEG marker segment: 0xFF, marker, then a big-endian length that counts itself.
    return bytes((0xFF, marker)) + struct.pack(">H", len(payload) + 2) + payload


def make_jpeg(width: int = 16, height: int = 16, comment: str = "") -> bytes:
    """Return a valid baseline greyscale JPEG of ``width`` x ``height`` pixels, mid grey.

    Both sizes are rounded up to a multiple of 8. ``comment`` goes into a COM
    segment (so two snapshots of different cameras differ).
    """
    width = max(8, (width + 7) // 8 * 8)
    height = max(8, (height + 7) // 8 * 8)
    app0 = _segment(0xE0, b"JFIF\x00" + bytes((1, 1, 0)) + struct.pack(">HH", 1, 1) + b"\x00\x00")
    com = _segment(0xFE, comment.encode("utf-8")[:60000]) if comment else b""
    # One quantisation table, all ones (only the DC coefficient is ever non-zero here).
    dqt = _segment(0xDB, b"\x00" + bytes([1] * 64))
    sof0 = _segment(0xC0, bytes((8,)) + struct.pack(">HH", height, width) + bytes((1, 1, 0x11, 0)))
    # Two minimal Huffman tables: DC class 0 and AC class 0, each with a single
    # one-bit code "0": DC category 0 (difference 0) and AC end-of-block.
    counts = bytes((1,) + (0,) * 15)
    dht = _segment(0xC4, b"\x00" + counts + b"\x00" + b"\x10" + counts + b"\x00")
    sos = _segment(0xDA, bytes((1, 1, 0x00, 0, 63, 0)))
    blocks = (width // 8) * (height // 8)
    nbits = 2 * blocks  # per block: DC "0" then EOB "0"
    data = bytearray(b"\x00" * (nbits // 8))
    rest = nbits % 8
    if rest:
        # Pad the last byte with one-bits, as the standard asks.
        data.append((1 << (8 - rest)) - 1)
    return b"\xff\xd8" + app0 + com + dqt + sof0 + dht + sos + bytes(data) + b"\xff\xd9"


def _png_chunk(kind: bytes, payload: bytes) -> bytes:
    crc = zlib.crc32(kind + payload) & 0xFFFFFFFF
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", crc)


def make_png(width: int = 16, height: int = 16, comment: str = "") -> bytes:
    """Return a valid 8-bit greyscale PNG of ``width`` x ``height`` pixels, mid grey."""
    width = max(1, width)
    height = max(1, height)
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    raw = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    text = (
        _png_chunk(b"tEXt", b"Comment\x00" + comment.encode("latin-1", "replace"))
        if comment
        else b""
    )
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", ihdr)
        + text
        + _png_chunk(b"IDAT", zlib.compress(raw))
        + _png_chunk(b"IEND", b"")
    )


#: Bytes appended to a recording file on every tick while it records.
RECORDING_CHUNK = 4096


def recording_header(fmt: str) -> bytes:
    """Return the first bytes of a simulated recording in ``fmt`` (mp4, fmp4 or mkv).

    The files are not playable video; they only start like one (an ``ftyp`` box
    or an EBML header) so that content sniffing sees the right kind.
    """
    if fmt == "mkv":
        return bytes.fromhex("1a45dfa3") + b"\x9f\x42\x86\x81\x01\x42\x82\x88matroska"
    brand = b"iso5" if fmt == "fmp4" else b"isom"
    body = brand + struct.pack(">I", 512) + b"isomiso2mp41"
    return struct.pack(">I", 8 + len(body)) + b"ftyp" + body
