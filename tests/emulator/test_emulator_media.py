"""The media files the emulator makes are well-formed (checked structurally, no image library)."""

from __future__ import annotations

import struct
import zlib

import pytest

from mediamtx_camera_sdk.testing._media import make_jpeg, make_png, recording_header


def jpeg_segments(data: bytes) -> list[tuple[int, bytes]]:
    """Walk the marker segments of a baseline JPEG up to SOS; returns (marker, payload)."""
    assert data[:2] == b"\xff\xd8", "no SOI"
    assert data[-2:] == b"\xff\xd9", "no EOI"
    at, segments = 2, []
    while True:
        assert data[at] == 0xFF, f"no marker at {at}"
        marker = data[at + 1]
        (length,) = struct.unpack(">H", data[at + 2 : at + 4])
        segments.append((marker, data[at + 4 : at + 2 + length]))
        at += 2 + length
        if marker == 0xDA:  # SOS: entropy-coded data follows up to EOI
            entropy = data[at:-2]
            # A 0xFF inside entropy data must be followed by a stuffed 0x00.
            for index, byte in enumerate(entropy[:-1]):
                if byte == 0xFF:
                    assert entropy[index + 1] == 0x00
            return segments


@pytest.mark.parametrize(("width", "height"), [(8, 8), (16, 16), (24, 16), (64, 40), (5, 3)])
def test_jpeg_structure(width: int, height: int) -> None:
    data = make_jpeg(width, height, comment="camera0 test")
    segments = jpeg_segments(data)
    markers = [marker for marker, _ in segments]
    assert markers == [0xE0, 0xFE, 0xDB, 0xC0, 0xC4, 0xDA]
    sof = dict(segments)[0xC0]
    precision, h, w, components = struct.unpack(">BHHB", sof[:6])
    assert (precision, components) == (8, 1)
    assert (w, h) == ((width + 7) // 8 * 8, (height + 7) // 8 * 8)
    assert dict(segments)[0xFE] == b"camera0 test"
    assert dict(segments)[0xE0].startswith(b"JFIF\x00")


def test_png_structure() -> None:
    data = make_png(4, 3, comment="x")
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    at, kinds = 8, []
    while at < len(data):
        (length,) = struct.unpack(">I", data[at : at + 4])
        kind = data[at + 4 : at + 8]
        payload = data[at + 8 : at + 8 + length]
        (crc,) = struct.unpack(">I", data[at + 8 + length : at + 12 + length])
        assert crc == zlib.crc32(kind + payload) & 0xFFFFFFFF
        kinds.append(kind)
        if kind == b"IHDR":
            assert struct.unpack(">II", payload[:8]) == (4, 3)
        if kind == b"IDAT":
            assert len(zlib.decompress(payload)) == 3 * (1 + 4)
        at += 12 + length
    assert kinds == [b"IHDR", b"tEXt", b"IDAT", b"IEND"]


@pytest.mark.parametrize(
    ("fmt", "magic"), [("mp4", b"ftyp"), ("fmp4", b"ftyp"), ("mkv", b"\x1aE\xdf\xa3")]
)
def test_recording_headers(fmt: str, magic: bytes) -> None:
    header = recording_header(fmt)
    assert magic in header[:8]
