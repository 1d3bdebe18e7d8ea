"""One WebSocket connection's protocol state, for the async transports (no I/O).

:class:`Session` wraps the ``websockets`` sans-I/O
:class:`~websockets.client.ClientProtocol`: the transports feed it the bytes
they read (:meth:`Session.feed`, :meth:`Session.feed_eof`) and write what
:meth:`Session.outgoing` returns; it assembles messages (fragments, UTF-8)
and turns the end of the connection into the SDK's exception. Everything
about frames is the library's: nothing here reads or builds frame bytes.
"""

from __future__ import annotations

import logging

from websockets.client import ClientProtocol
from websockets.exceptions import InvalidHandshake, InvalidState, InvalidStatus, PayloadTooBig
from websockets.frames import Close, CloseCode, Frame, Opcode
from websockets.protocol import State
from websockets.uri import WebSocketURI

from . import errors
from ._tls import Endpoint, handshake_failed, handshake_rejected

__all__ = ["Session"]

# The protocol's own debug log would show every frame, the token's too: off.
_ws_logger = logging.getLogger("websockets.client")


class Session:
    """One connection's ``ClientProtocol`` plus the SDK's view of it (no I/O).

    The transports feed it bytes (:meth:`feed`, :meth:`feed_eof`) and write
    what :meth:`outgoing` returns; it assembles messages and explains endings.
    """

    def __init__(self, endpoint: Endpoint, max_size: int | None, user_agent: str) -> None:
        self.endpoint = endpoint
        self.max_size = max_size
        uri = WebSocketURI(
            endpoint.secure, endpoint.host, endpoint.port, endpoint.path, endpoint.query
        )
        self.ws = ClientProtocol(uri, max_size=max_size, logger=_ws_logger)
        self.ws.debug = False
        self.local_close = False
        self.failure: str | None = None  # why we failed the connection, if we did
        self._parts: list[bytes] | None = None  # a fragmented message being assembled
        self._answers: list[bytes] = []  # what the protocol wrote while reading (pong, close)
        self._text = False
        request = self.ws.connect()
        request.headers["User-Agent"] = user_agent
        self.ws.send_request(request)

    @property
    def open(self) -> bool:
        return self.ws.state is State.OPEN and not self.local_close

    def queue_text(self, text: str) -> None:
        """Queue one text frame (written by the next :meth:`outgoing`).

        Raises:
            errors.ConnectionClosedError: the connection is closing or closed.
        """
        if not self.open:
            raise self.closed_error()
        try:
            self.ws.send_text(text.encode())
        except InvalidState as exc:  # pragma: no cover - checked just above
            raise self.closed_error() from exc

    def outgoing(self) -> tuple[bytes, bool]:
        """The bytes to write now, and whether to half-close the stream after them."""
        chunks, self._answers = self._answers + self.ws.data_to_send(), []
        return b"".join(chunks), b"" in chunks

    @property
    def answers_due(self) -> bool:
        """Whether reading made the protocol write something (a pong, a close echo)."""
        return bool(self._answers)

    def close(self) -> None:
        """Start the close handshake (1000) from this side."""
        self.local_close = True
        if self.ws.state is State.OPEN:
            self.ws.send_close(CloseCode.NORMAL_CLOSURE)

    def feed(self, data: bytes) -> list[str | bytes]:
        """Bytes read from the network -> the messages they complete."""
        self.ws.receive_data(data)
        messages = self._messages()
        self._answers += self.ws.data_to_send()
        return messages

    def feed_eof(self) -> None:
        if self.ws.state is not State.CLOSED:
            self.ws.receive_eof()

    @property
    def finished(self) -> bool:
        """Nothing more can be read: closed, or the close handshake is done."""
        return self.ws.state is State.CLOSED or self.ws.close_expected()

    def handshake_error(self) -> errors.ConnectionError | None:
        exc = self.ws.handshake_exc
        if exc is None:
            return None
        if isinstance(exc, InvalidStatus):
            response = exc.response
            return handshake_rejected(self.endpoint, response.status_code, response.reason_phrase)
        detail = str(exc) if isinstance(exc, InvalidHandshake) else repr(exc)
        return handshake_failed(self.endpoint, detail)

    def _messages(self) -> list[str | bytes]:
        out: list[str | bytes] = []
        for event in self.ws.events_received():
            if not isinstance(event, Frame):
                continue  # the handshake response
            if event.opcode in (Opcode.TEXT, Opcode.BINARY):
                self._parts, self._text = [bytes(event.data)], event.opcode is Opcode.TEXT
            elif event.opcode is Opcode.CONT and self._parts is not None:
                self._parts.append(bytes(event.data))
            else:
                continue  # control frames: the protocol already answered them
            if not event.fin:
                continue
            whole, self._parts = b"".join(self._parts), None
            if not self._text:
                out.append(whole)
                continue
            try:
                out.append(whole.decode())
            except UnicodeDecodeError as exc:
                # RFC 6455 section 8.1: invalid UTF-8 fails the connection (1007).
                self.failure = f"the server sent a text message that is not UTF-8 ({exc.reason})"
                self.ws.fail(CloseCode.INVALID_DATA, "invalid UTF-8")
                break
        return out

    def closed_error(self, cause: BaseException | None = None) -> errors.ConnectionClosedError:
        """The exception that says why the connection ended (or is ending)."""
        ws = self.ws
        received: Close | None = ws.close_rcvd
        parser_exc = ws.parser_exc
        code = received.code if received is not None else int(CloseCode.ABNORMAL_CLOSURE)
        reason = received.reason if received is not None else ""
        where = self.endpoint.netloc
        if self.failure is not None:
            message, code = f"{self.failure}; the connection was closed", CloseCode.INVALID_DATA
        elif isinstance(parser_exc, PayloadTooBig):
            message = (
                f"the server sent a message that is too large ({parser_exc}; "
                f"max_size is {self.max_size} bytes); the connection was closed"
            )
            code = CloseCode.MESSAGE_TOO_BIG
        elif parser_exc is not None and not isinstance(parser_exc, EOFError):
            message = (
                f"the server broke the WebSocket protocol ({parser_exc}); the connection was closed"
            )
            code = ws.close_sent.code if ws.close_sent is not None else CloseCode.PROTOCOL_ERROR
        elif self.local_close:
            message = f"the connection to {where} was closed by the client"
        elif received is not None:
            message = f"the server at {where} closed the connection (code {received.code}"
            message += f", reason {received.reason!r})" if received.reason else ")"
        elif cause is not None:
            message = f"the connection to {where} was lost: {cause or type(cause).__name__}"
        else:
            message = f"the connection to {where} was lost (closed without a close frame)"
        exc = errors.ConnectionClosedError(message, data={"code": int(code), "reason": reason})
        exc.__cause__ = cause if cause is not None else parser_exc
        return exc
