"""The async transports' frame fast path decides exactly as the ``websockets`` parser would.

``_Session.receive_data`` parses common frames itself (whole unmasked text
messages) and hands every other frame to the ``websockets`` protocol. Fed the
same bytes, cut anywhere, a session must return the same messages, write the
same answers (pongs, close frames) and end in the same state as a session whose
every byte goes to the protocol (the reference).
"""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from websockets.frames import Close, CloseCode, Frame, Opcode
from websockets.utils import accept_key

from mediamtx_camera_sdk._async import _transport
from mediamtx_camera_sdk._async._transport import _Session
from mediamtx_camera_sdk._tls import parse_url

MAX_SIZE = 4096


def response_for(session: _Session) -> bytes:
    """The server's 101 response to the session's opening handshake."""
    return (
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Accept: {accept_key(session.ws.key)}\r\n\r\n"
    ).encode()


def new_session(*, reference: bool) -> _Session:
    session = _Session(parse_url("ws://127.0.0.1:8002/ws"), MAX_SIZE, "test")
    session.ws.data_to_send()  # the request
    if reference:
        session._mode = _transport._SLOW
    return session


def frame(opcode: Opcode, data: bytes, *, fin: bool = True, mask: bool = False) -> bytes:
    return Frame(opcode, data, fin=fin).serialize(mask=mask, extensions=[])


def run(session: _Session, stream: bytes, cuts: list[int], eof: bool) -> dict[str, Any]:
    """Feed ``stream`` in pieces; everything observable afterwards."""
    messages: list[str | bytes] = []
    written: list[bytes] = []
    points = sorted({c for c in cuts if 0 < c < len(stream)})
    for start, stop in zip([0, *points], [*points, len(stream)], strict=True):
        session.receive_data(stream[start:stop])
        messages.extend(session.take_messages())
        written.extend(session.ws.data_to_send())
    if eof:
        session.receive_eof()
        messages.extend(session.take_messages())
        written.extend(session.ws.data_to_send())
    ws = session.ws
    return {
        "messages": messages,
        # Close frames carry the same code and reason; their masks differ.
        "written": [len(chunk) for chunk in written],
        "state": ws.state,
        "close_rcvd": (ws.close_rcvd.code, ws.close_rcvd.reason) if ws.close_rcvd else None,
        "parser_exc": repr(ws.parser_exc),
        "failure": session.failure,
        "closure": session.closure_error(None).message if eof else None,
    }


texts = st.text(max_size=300).map(lambda t: frame(Opcode.TEXT, t.encode()))
long_texts = st.integers(126, 2000).map(lambda n: frame(Opcode.TEXT, b"x" * n))
huge_text = st.just(frame(Opcode.TEXT, b"y" * 70_000))  # 64-bit length, over MAX_SIZE
binaries = st.binary(max_size=50).map(lambda b: frame(Opcode.BINARY, b))
pings = st.binary(max_size=20).map(lambda b: frame(Opcode.PING, b))
pongs = st.binary(max_size=20).map(lambda b: frame(Opcode.PONG, b))
fragmented = st.lists(st.text(min_size=1, max_size=20), min_size=2, max_size=4).map(
    lambda parts: b"".join(
        frame(Opcode.TEXT if i == 0 else Opcode.CONT, p.encode(), fin=i == len(parts) - 1)
        for i, p in enumerate(parts)
    )
)
bad_utf8 = st.just(frame(Opcode.TEXT, b"ok \xff\xfe"))
bad_utf8_fragmented = st.just(
    frame(Opcode.TEXT, b"ok", fin=False) + frame(Opcode.CONT, b" \xff\xfe", fin=True)
)
masked = st.just(frame(Opcode.TEXT, b"masked", mask=True))
stray_continuation = st.just(frame(Opcode.CONT, b"stray"))
close = st.just(frame(Opcode.CLOSE, Close(CloseCode.GOING_AWAY, "bye").serialize()))
frames = st.lists(
    st.one_of(
        texts,
        texts,
        texts,
        long_texts,
        binaries,
        pings,
        pongs,
        fragmented,
        bad_utf8,
        bad_utf8_fragmented,
        masked,
        stray_continuation,
        close,
        huge_text,
    ),
    max_size=12,
)


@settings(max_examples=500)
@given(
    frames,
    st.lists(st.integers(0, 200_000), max_size=8),
    st.booleans(),
    st.booleans(),
)
def test_same_outcome_as_the_websockets_parser(
    chunks: list[bytes], cuts: list[int], eof: bool, response_alone: bool
) -> None:
    fast = new_session(reference=False)
    slow = new_session(reference=True)
    body = b"".join(chunks)
    head = response_for(fast)
    assert head == response_for(fast)  # deterministic
    # The response must come with the first read for the fast path to start;
    # when it is cut, the session must fall back to the protocol for good.
    cut_points = cuts if response_alone else [c + len(head) for c in cuts]
    fast_result = run(fast, head + body, cut_points, eof)
    slow.ws.key = fast.ws.key
    slow_result = run(slow, response_for(slow) + body, cut_points, eof)
    assert fast_result == slow_result


def test_fast_path_is_taken_for_text_frames() -> None:
    session = new_session(reference=False)
    session.receive_data(response_for(session) + frame(Opcode.TEXT, b'{"id":1}'))
    assert session._mode == _transport._FAST
    assert session.take_messages() == ['{"id":1}']
    # A frame split across reads is kept until complete.
    data = frame(Opcode.TEXT, b"z" * 300)
    session.receive_data(data[:3])
    assert session.take_messages() == []
    session.receive_data(data[3:])
    assert session.take_messages() == ["z" * 300]
    assert session._mode == _transport._FAST


def test_response_in_pieces_falls_back_to_the_protocol() -> None:
    session = new_session(reference=False)
    head = response_for(session)
    session.receive_data(head[:10])
    session.receive_data(head[10:] + frame(Opcode.TEXT, b"hello"))
    assert session._mode == _transport._SLOW
    assert session.take_messages() == ["hello"]
