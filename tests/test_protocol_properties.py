"""Property tests of the sans-IO core (hypothesis).

1. Whatever text arrives, in whatever order, the core never raises, reports
   only known violation kinds, and completes a call only with a reply carrying
   that call's id (or a null-id error while it is the only pending call).
2. Every call started ends exactly once (result, error, timeout, cancellation
   or connection loss), whatever the interleaving of replies, timeouts,
   cancellations and connection losses.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
)

from mediamtx_camera_sdk import errors
from mediamtx_camera_sdk.protocol import (
    VIOLATION_KINDS,
    CallCompleted,
    Notification,
    PendingCall,
    ProtocolViolation,
    RpcProtocol,
)

# Methods with and without result hooks, so that the hooks see random results too.
METHODS = [
    "ping",
    "authenticate",
    "take_snapshot",
    "get_camera_list",
    "subscribe_events",
    "unsubscribe_events",
    "get_camera_status",
]
NOTIFICATION_METHODS = [
    "camera_status_update",
    "recording_status_update",
    "camera.connected",
    "recording.start",
    "system.health",
    "something_new",
]

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**64), max_value=2**64)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)
ids = (
    st.integers(min_value=-2, max_value=12) | st.none() | st.sampled_from(["1", 1.0, True, [1], {}])
)
error_objects = (
    st.fixed_dictionaries(
        {"code": st.integers(min_value=-33000, max_value=0)},
        optional={
            "message": st.text(max_size=20) | json_scalars,
            "data": json_values,
        },
    )
    | json_values
)
replies = st.fixed_dictionaries(
    {},
    optional={
        "jsonrpc": st.sampled_from(["2.0", "2.0", "2.0", "1.0", 2]),
        "id": ids,
        "result": json_values,
        "error": error_objects,
        "metadata": json_values,
    },
)
notifications = st.fixed_dictionaries(
    {"method": st.sampled_from(NOTIFICATION_METHODS) | json_scalars},
    optional={
        "jsonrpc": st.sampled_from(["2.0", "2.0", "1.0"]),
        "params": st.dictionaries(
            st.sampled_from(["device", "status", "name", "filename", "fps", "x"]), json_values
        )
        | json_values,
        "id": ids,
    },
)
# Replies that cannot be matched by id: the core may attribute them only to the
# only pending call.
null_id_errors = st.fixed_dictionaries(
    {"jsonrpc": st.just("2.0"), "error": error_objects},
    optional={"id": st.none(), "metadata": json_values},
)
frames: st.SearchStrategy[str | bytes] = (
    replies.map(json.dumps)
    | null_id_errors.map(json.dumps)
    | notifications.map(json.dumps)
    | json_values.map(json.dumps)
    | st.text(max_size=40)
    | st.binary(max_size=20)
    | st.sampled_from(["[" * 5000, '{"a":' * 5000 + "1", "", "nul", "[]"])
)


def reply_id_of(frame: str | bytes) -> Any:
    """The id the frame carries, or a marker when it has none that could match."""
    if not isinstance(frame, str):
        return "<binary>"
    try:
        message = json.loads(frame)
    except (ValueError, RecursionError):
        return "<invalid>"
    if not isinstance(message, dict):
        return "<not object>"
    return message.get("id")


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    dialect=st.sampled_from(["auto", "current", "legacy"]),
    methods=st.lists(st.sampled_from(METHODS), max_size=8),
    incoming=st.lists(frames, max_size=25),
)
def test_no_incoming_text_makes_the_core_raise_or_complete_a_wrong_call(
    dialect: Any, methods: list[str], incoming: list[str | bytes]
) -> None:
    proto = RpcProtocol(dialect)
    proto.connection_made()
    for method in methods:
        proto.start_call(method, {"topics": ["a"]} if method == "subscribe_events" else None)
    ended: set[int] = set()
    for frame in incoming:
        pending_before = proto.pending_calls()
        events = proto.receive_text(frame)
        frame_id = reply_id_of(frame)
        for event in events:
            assert isinstance(event, CallCompleted | Notification | ProtocolViolation)
            if isinstance(event, ProtocolViolation):
                assert event.kind in VIOLATION_KINDS
                assert isinstance(event.detail, str)
            elif isinstance(event, Notification):
                # Decoding never escapes as anything but None/decode_error.
                data = event.data
                assert data is None or event.decode_error is None
            else:
                call = event.call
                assert call.done
                assert call.error is None or call.result is None
                assert id(call) not in ended
                ended.add(id(call))
                if frame_id is None:
                    # A null-id error is attributed only to the only pending call.
                    assert pending_before == [call]
                    assert isinstance(call.error, errors.RpcError | errors.ProtocolError)
                else:
                    assert type(frame_id) is int
                    assert frame_id == call.id
                    assert call in pending_before
        assert sum(proto.stats.violations.values()) == proto.stats.total_violations
        assert set(proto.stats.violations) <= set(VIOLATION_KINDS)
        for call in proto.pending_calls():
            assert not call.done
    # Whatever happened, the connection loss ends the rest.
    for call in proto.connection_lost():
        assert id(call) not in ended
        ended.add(id(call))
    assert len(ended) == len(methods)


_params = st.none() | st.dictionaries(st.text(max_size=8), json_values, max_size=4)


@settings(max_examples=200, deadline=None)
@given(st.text(min_size=1, max_size=12), _params)
def test_request_text_is_the_compact_stdlib_encoding(method: str, params: Any) -> None:
    proto = RpcProtocol()
    proto.connection_made()
    text = proto.start_call(method, params).text
    expected: dict[str, Any] = {"jsonrpc": "2.0", "method": method, "id": 1}
    if params:
        expected = {"jsonrpc": "2.0", "method": method, "params": params, "id": 1}
    assert text == json.dumps(expected, separators=(",", ":"), ensure_ascii=False)
    assert json.loads(text) == expected
    assert list(json.loads(text)) == list(expected)


class CallLifecycle(RuleBasedStateMachine):
    """Random interleavings of calls, replies, timeouts, cancellations and losses."""

    def __init__(self) -> None:
        super().__init__()
        self.proto = RpcProtocol("auto", late_reply_memory=4)
        self.calls: list[PendingCall] = []
        self.endings: dict[int, list[str]] = {}

    # -- bookkeeping

    def ended(self, call: PendingCall, how: str) -> None:
        self.endings.setdefault(id(call), []).append(how)

    def feed(self, text: str) -> list[Any]:
        events = self.proto.receive_text(text)
        for event in events:
            if isinstance(event, CallCompleted):
                self.ended(event.call, "error" if event.call.error else "result")
        return events

    def pending(self) -> list[PendingCall]:
        return self.proto.pending_calls()

    # -- rules

    @precondition(lambda self: not self.proto.connected)
    @rule()
    def connect(self) -> None:
        self.proto.connection_made()

    @rule(
        method=st.sampled_from(METHODS),
        timeout=st.none() | st.floats(min_value=0.0, max_value=10.0),
    )
    def start_call(self, method: str, timeout: float | None) -> None:
        if not self.proto.connected:
            try:
                self.proto.start_call(method, timeout=timeout)
            except errors.ConnectionError:
                return
            raise AssertionError("start_call succeeded while disconnected")
        call = self.proto.start_call(method, timeout=timeout)
        assert not call.done
        self.calls.append(call)

    @rule(data=st.data(), result=json_values)
    def reply_to_a_pending_call(self, data: st.DataObject, result: Any) -> None:
        pending = self.pending()
        if not pending:
            return
        call = data.draw(st.sampled_from(pending))
        events = self.feed(json.dumps({"jsonrpc": "2.0", "id": call.id, "result": result}))
        completed = [event.call for event in events if isinstance(event, CallCompleted)]
        assert completed == [call]
        assert call.done

    @rule(data=st.data(), code=st.integers(min_value=-33000, max_value=-1))
    def error_for_a_pending_call(self, data: st.DataObject, code: int) -> None:
        pending = self.pending()
        if not pending:
            return
        call = data.draw(st.sampled_from(pending))
        self.feed(
            json.dumps({"jsonrpc": "2.0", "id": call.id, "error": {"code": code, "message": "x"}})
        )
        assert isinstance(call.error, errors.RpcError)

    @rule(reply_id=st.integers(min_value=-1, max_value=15), result=json_values)
    def reply_with_any_id(self, reply_id: int, result: Any) -> None:
        before = {call.id: call for call in self.pending()}
        events = self.feed(json.dumps({"jsonrpc": "2.0", "id": reply_id, "result": result}))
        completed = [event.call for event in events if isinstance(event, CallCompleted)]
        assert completed == ([before[reply_id]] if reply_id in before else [])

    @rule()
    def null_id_error(self) -> None:
        before = self.pending()
        events = self.feed('{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"Parse"}}')
        completed = [event.call for event in events if isinstance(event, CallCompleted)]
        assert completed == (before if len(before) == 1 else [])

    @rule(frame=frames)
    def any_frame(self, frame: str | bytes) -> None:
        events = self.proto.receive_text(frame)
        for event in events:
            if isinstance(event, CallCompleted):
                self.ended(event.call, "error" if event.call.error else "result")

    @rule(data=st.data())
    def time_out(self, data: st.DataObject) -> None:
        if not self.calls:
            return
        call = data.draw(st.sampled_from(self.calls))
        was_pending = call in self.pending()
        error_before = call.error
        assert self.proto.time_out(call) is was_pending
        if was_pending:
            assert isinstance(call.error, errors.CallTimeoutError)
            assert call.error.message.startswith(f"{call.method} got no reply")
            self.ended(call, "timeout")
        else:
            assert call.error is error_before

    @rule(data=st.data())
    def cancel(self, data: st.DataObject) -> None:
        if not self.calls:
            return
        call = data.draw(st.sampled_from(self.calls))
        was_pending = call in self.pending()
        assert self.proto.cancel(call) is was_pending
        if was_pending:
            self.ended(call, "cancelled")

    @rule(with_cause=st.booleans())
    def lose_connection(self, with_cause: bool) -> None:
        cause = OSError("lost") if with_cause else None
        for call in self.proto.connection_lost(cause):
            assert isinstance(call.error, errors.ConnectionClosedError)
            assert call.error.__cause__ is cause
            self.ended(call, "connection lost")
        assert self.proto.pending_count == 0

    # -- invariants

    @invariant()
    def each_call_ends_at_most_once_and_done_means_ended(self) -> None:
        pending = self.pending()
        for call in self.calls:
            endings = self.endings.get(id(call), [])
            assert len(endings) <= 1, endings
            assert call.done == bool(endings)
            assert (call in pending) == (not call.done)
        assert self.proto.pending_count == len(pending)

    def teardown(self) -> None:
        for call in self.proto.connection_lost():
            self.ended(call, "connection lost")
        for call in self.calls:
            assert len(self.endings.get(id(call), [])) == 1


CallLifecycle.TestCase.settings = settings(
    max_examples=100,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
test_every_call_ends_exactly_once = CallLifecycle.TestCase
