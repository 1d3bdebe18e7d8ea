"""Tests of the sans-IO core, driven with strings only (no sockets, no clock)."""

from __future__ import annotations

import builtins
import gc
import json
import logging
from collections import OrderedDict
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from mediamtx_camera_sdk import errors, protocol
from mediamtx_camera_sdk.protocol import (
    VIOLATION_KINDS,
    CallCompleted,
    Notification,
    PendingCall,
    ProtocolViolation,
    RpcProtocol,
)

TOKEN = "secret-token-value"


# --------------------------------------------------------------------- helpers


def connected(dialect: protocol.DialectSetting = "auto", **kwargs: Any) -> RpcProtocol:
    proto = RpcProtocol(dialect, **kwargs)
    proto.connection_made()
    return proto


def wire(call: PendingCall) -> dict[str, Any]:
    message = json.loads(call.text)
    assert isinstance(message, dict)
    return message


def result_text(call_id: Any, result: Any, **extra: Any) -> str:
    return json.dumps({"jsonrpc": "2.0", "id": call_id, "result": result, **extra})


def error_text(call_id: Any, code: Any, message: Any = "failed", data: Any = None) -> str:
    error: dict[str, Any] = {"code": code, "message": message}
    if data is not None:
        error["data"] = data
    return json.dumps({"jsonrpc": "2.0", "id": call_id, "error": error})


def notification_text(method: str, params: Any = None) -> str:
    message: dict[str, Any] = {"jsonrpc": "2.0", "method": method}
    if params is not None:
        message["params"] = params
    return json.dumps(message)


def completed(events: list[protocol.Event]) -> list[PendingCall]:
    return [event.call for event in events if isinstance(event, CallCompleted)]


def violations(events: list[protocol.Event]) -> list[str]:
    return [event.kind for event in events if isinstance(event, ProtocolViolation)]


def complete_ok(proto: RpcProtocol, call: PendingCall, result: Any) -> Any:
    events = proto.receive_text(result_text(call.id, result))
    assert completed(events) == [call]
    return call.outcome()


def authenticate(proto: RpcProtocol, result: Any) -> PendingCall:
    call = proto.start_authenticate(TOKEN, "jwt")
    proto.receive_text(result_text(call.id, result))
    return call


CURRENT_AUTH = {
    "authenticated": True,
    "role": "operator",
    "permissions": ["view", "control"],
    "expires_at": "2030-01-02T03:04:05Z",
    "session_id": "s-1",
}
LEGACY_AUTH = {"authenticated": True, "role": "admin", "auth_method": "jwt"}


# ---------------------------------------------------------- request building


def test_ids_are_consecutive_ints_unique_per_connection() -> None:
    proto = connected()
    calls = [proto.start_call("ping") for _ in range(3)]
    assert [call.id for call in calls] == [1, 2, 3]
    assert [wire(call)["id"] for call in calls] == [1, 2, 3]
    assert proto.pending_count == 3
    assert proto.pending_calls() == calls


def test_request_without_params_omits_the_member() -> None:
    proto = connected()
    empty: list[Mapping[str, Any] | None] = [None, {}, OrderedDict()]
    for params in empty:
        message = wire(proto.start_call("get_camera_list", params))
        assert message == {"jsonrpc": "2.0", "method": "get_camera_list", "id": message["id"]}


def test_request_params_are_an_object_and_never_a_batch() -> None:
    proto = connected()
    params: OrderedDict[str, Any] = OrderedDict([("device", "camera0"), ("duration", 10)])
    call = proto.start_call("start_recording", params)
    message = wire(call)
    assert message == {
        "jsonrpc": "2.0",
        "method": "start_recording",
        "params": {"device": "camera0", "duration": 10},
        "id": 1,
    }
    assert call.params is params
    assert call.method == "start_recording"


def test_request_text_keeps_non_ascii_and_is_compact() -> None:
    call = connected().start_call("take_snapshot", {"filename": "café.jpg"})
    assert "café.jpg" in call.text
    assert ", " not in call.text


@pytest.mark.parametrize("params", [[1, 2], "device", 3, [], ""])
def test_non_mapping_params_are_refused_before_anything_is_registered(params: Any) -> None:
    proto = connected()
    with pytest.raises(errors.InvalidParamsError, match="mapping") as info:
        proto.start_call("get_camera_status", params)
    assert info.value.method == "get_camera_status"
    assert proto.pending_count == 0
    assert proto.start_call("ping").id == 1


@pytest.mark.parametrize("params", [{"x": object()}, {"x": float("nan")}, {"x": float("inf")}])
def test_unencodable_params_are_invalid_params(params: dict[str, Any]) -> None:
    proto = connected()
    with pytest.raises(errors.InvalidParamsError, match="JSON"):
        proto.start_call("take_snapshot", params)
    assert proto.pending_count == 0
    assert proto.stats.calls_started == 0
    assert proto.start_call("ping").id == 1


@pytest.mark.parametrize(
    "params",
    [{"filename": "snap\udce9.jpg"}, {"names": ["ok", "\ud800"]}, {"\udce9": 1}],
)
def test_a_lone_surrogate_is_invalid_params_and_registers_nothing(params: dict[str, Any]) -> None:
    # A lone surrogate (what os.fsdecode makes of a non-UTF-8 byte) cannot be
    # sent as UTF-8 text: refused before anything is registered or sent.
    proto = connected()
    with pytest.raises(errors.InvalidParamsError, match="cannot be encoded as JSON") as info:
        proto.start_call("take_snapshot", params)
    assert info.value.method == "take_snapshot"
    with pytest.raises(errors.InvalidParamsError, match="cannot be encoded as JSON"):
        proto.notify("take_snapshot", params)
    assert proto.pending_count == 0
    assert proto.stats.calls_started == 0
    call = proto.start_call("take_snapshot", {"filename": "snap\u00e9.jpg"})
    assert call.id == 1
    assert wire(call)["params"] == {"filename": "snap\u00e9.jpg"}
    call.text.encode()  # valid UTF-8 text
    assert complete_ok(proto, call, {"ok": True}) == {"ok": True}


def test_keys_that_are_not_json_are_invalid_params() -> None:
    proto = connected()
    with pytest.raises(errors.InvalidParamsError, match="cannot be encoded as JSON"):
        proto.start_call("take_snapshot", {1j: 2})
    assert proto.start_call("ping").id == 1


@pytest.mark.parametrize("method", ["", None, 3])
def test_method_must_be_a_non_empty_string(method: Any) -> None:
    proto = connected()
    with pytest.raises(errors.InvalidParamsError, match="method"):
        proto.start_call(method)
    with pytest.raises(errors.InvalidParamsError, match="method"):
        proto.notify(method)


def test_client_notification_has_no_id() -> None:
    proto = connected()
    assert json.loads(proto.notify("hello")) == {"jsonrpc": "2.0", "method": "hello"}
    assert json.loads(proto.notify("hello", {"a": 1})) == {
        "jsonrpc": "2.0",
        "method": "hello",
        "params": {"a": 1},
    }
    assert json.loads(proto.notify("hello", OrderedDict(a=1)))["params"] == {"a": 1}
    assert proto.pending_count == 0
    assert proto.start_call("ping").id == 1


def test_client_notification_refuses_bad_params() -> None:
    proto = connected()
    with pytest.raises(errors.InvalidParamsError, match="mapping"):
        proto.notify("hello", [1])  # type: ignore[arg-type]
    with pytest.raises(errors.InvalidParamsError, match="JSON"):
        proto.notify("hello", {"x": {1, 2}})


def test_injected_loads_and_dumps_are_used() -> None:
    seen: list[str] = []

    def dumps(obj: Any) -> str:
        seen.append("dumps")
        return json.dumps(obj)

    def loads(text: str) -> Any:
        seen.append("loads")
        return json.loads(text)

    proto = connected(loads=loads, dumps=dumps)
    call = proto.start_call("ping")
    assert complete_ok(proto, call, "pong") == "pong"
    assert seen == ["dumps", "loads"]


def test_constructor_validates_its_arguments() -> None:
    with pytest.raises(ValueError, match="dialect"):
        RpcProtocol("modern")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="late_reply_memory"):
        RpcProtocol(late_reply_memory=-1)
    assert RpcProtocol().dialect is None
    assert RpcProtocol("legacy").dialect == "legacy"
    assert RpcProtocol("legacy").dialect_setting == "legacy"
    assert RpcProtocol().dialect_setting == "auto"


# ------------------------------------------------------ the default JSON codec


def test_requests_are_compact_stdlib_json_text() -> None:
    proto = connected()
    params = {"device": "camera0", "filename": "café ☕.jpg", "n": [1, 2.5, None, True]}
    call = proto.start_call("take_snapshot", params)
    expected = {"jsonrpc": "2.0", "method": "take_snapshot", "params": params, "id": 1}
    assert call.text == json.dumps(expected, separators=(",", ":"), ensure_ascii=False)
    assert (
        proto.notify("hello", {"a": "é"}) == '{"jsonrpc":"2.0","method":"hello","params":{"a":"é"}}'
    )


def test_big_integers_stay_exact_ints_through_the_core() -> None:
    proto = connected("current")
    call = proto.start_call("get_metrics", {"since": 2**70})
    assert f'"since":{2**70}' in call.text
    (event,) = proto.receive_text(
        f'{{"jsonrpc":"2.0","id":{call.id},"result":{{"bytes":{2**70},"neg":{-(2**64) - 1}}}}}'
    )
    assert type(event) is CallCompleted
    assert call.result == {"bytes": 2**70, "neg": -(2**64) - 1}
    assert type(call.result["bytes"]) is int


def test_notifications_are_parsed_like_the_stdlib_parser() -> None:
    proto = connected("current")
    text = '{"jsonrpc":"2.0","method":"recording.progress","params":{"device":"camera0","p":1.5}}'
    (event,) = proto.receive_text(text)
    assert type(event) is Notification
    assert event.params == json.loads(text)["params"] == {"device": "camera0", "p": 1.5}


@pytest.mark.parametrize("custom_dumps", [False, True])
def test_request_debug_log_hides_credentials_either_way(
    custom_dumps: bool, caplog: pytest.LogCaptureFixture
) -> None:
    core = connected(dumps=json.dumps if custom_dumps else None)
    token = "a-secret-token-of-some-length"
    with caplog.at_level("DEBUG", logger="mediamtx_camera_sdk.protocol"):
        call = core.start_authenticate(token, "jwt")
        core.start_call("get_camera_status", {"device": "camera0"})
    assert token in call.text  # the frame itself carries it...
    assert token not in caplog.text  # ...the log never does
    assert '"auth_token":"<redacted>"' in caplog.text
    assert '"device":"camera0"' in caplog.text or '"device": "camera0"' in caplog.text


# ----------------------------------------------------------------- lifecycle


def test_calls_are_refused_before_the_first_connection() -> None:
    proto = RpcProtocol()
    assert not proto.connected
    with pytest.raises(errors.ConnectionError, match="not connected") as info:
        proto.start_call("ping")
    assert isinstance(info.value, builtins.ConnectionError)
    assert not isinstance(info.value, errors.ConnectionClosedError)
    assert info.value.method == "ping"
    with pytest.raises(errors.ConnectionError):
        proto.notify("hello")
    with pytest.raises(errors.ConnectionError):
        proto.start_authenticate(TOKEN)


def test_connection_lost_fails_every_pending_call_at_once() -> None:
    proto = connected()
    first = proto.start_call("get_camera_list", timeout=5.0)
    second = proto.start_call("take_snapshot", {"device": "camera0"})
    done = proto.start_call("ping")
    complete_ok(proto, done, "pong")
    cause = OSError("reset by peer")

    lost = proto.connection_lost(cause)

    assert lost == [first, second]
    assert proto.pending_count == 0
    assert not proto.time_out(first)
    assert proto.stats.connection_losses == 2
    for call in lost:
        assert call.done
        assert isinstance(call.error, errors.ConnectionClosedError)
        assert isinstance(call.error, builtins.ConnectionError)
        assert call.error.__cause__ is cause
        assert call.error.method == call.method
        assert "reset by peer" in call.error.message
        with pytest.raises(errors.ConnectionClosedError):
            call.outcome()
    assert done.error is None


def test_connection_lost_without_a_cause() -> None:
    proto = connected()
    call = proto.start_call("ping")
    proto.connection_lost()
    assert isinstance(call.error, errors.ConnectionClosedError)
    assert call.error.__cause__ is None
    assert call.error.message.endswith("got its reply")


def test_after_connection_lost_new_calls_are_refused_with_the_cause_chained() -> None:
    proto = connected()
    cause = OSError("gone")
    proto.connection_lost(cause)
    assert not proto.connected
    with pytest.raises(errors.ConnectionError, match="lost") as info:
        proto.start_call("ping")
    assert info.value.__cause__ is cause
    with pytest.raises(errors.ConnectionError, match="lost"):
        proto.notify("hello")
    assert proto.connection_lost(OSError("again")) == []


def test_connection_made_restarts_ids_and_requires_authentication_again() -> None:
    proto = connected()
    authenticate(proto, CURRENT_AUTH)
    proto.start_call("ping")
    assert (proto.ready, proto.needs_authentication) == (True, False)
    proto.connection_lost()
    # Nothing to authenticate while disconnected.
    assert (proto.authenticated, proto.needs_authentication) == (False, False)
    proto.connection_made()
    assert proto.start_call("ping").id == 1
    assert (proto.ready, proto.needs_authentication) == (False, True)
    assert proto.role is None
    assert proto.session_id is None
    assert proto.dialect == "current"  # the detected dialect is kept


def test_connection_made_twice_is_an_adapter_bug() -> None:
    proto = connected()
    with pytest.raises(RuntimeError, match="connection_made"):
        proto.connection_made()


def test_a_new_connection_does_not_confuse_old_calls_with_new_ones() -> None:
    proto = connected()
    old = proto.start_call("ping")
    proto.connection_lost()
    proto.connection_made()
    new = proto.start_call("ping")
    assert old.id == new.id == 1
    assert not proto.cancel(old)
    assert completed(proto.receive_text(result_text(1, "pong"))) == [new]
    assert isinstance(old.error, errors.ConnectionClosedError)


# --------------------------------------------------------------- correlation


def test_a_reply_completes_exactly_the_call_with_its_id() -> None:
    proto = connected()
    calls = [proto.start_call("get_camera_status", {"device": f"camera{i}"}) for i in range(3)]
    events = proto.receive_text(result_text(2, {"device": "camera1"}))
    assert len(events) == 1
    assert isinstance(events[0], CallCompleted)
    assert events[0].call is calls[1]
    assert calls[1].done
    assert calls[1].outcome() == {"device": "camera1"}
    assert not calls[0].done
    assert not calls[2].done
    assert proto.pending_calls() == [calls[0], calls[2]]
    assert proto.stats.replies == 1


def test_a_null_result_is_a_result() -> None:
    proto = connected()
    call = proto.start_call("whatever")
    assert complete_ok(proto, call, None) is None
    assert proto.stats.total_violations == 0


def test_extra_top_level_members_are_tolerated() -> None:
    proto = connected()
    call = proto.start_call("ping")
    events = proto.receive_text(result_text(1, "pong", metadata={"server": "x"}))
    assert completed(events) == [call]
    assert call.outcome() == "pong"
    assert proto.stats.total_violations == 0


@pytest.mark.parametrize(
    "reply_id",
    [99, 0, -1, "1", 1.0, True, [1], {"id": 1}],
    ids=["large", "zero", "negative", "string", "float", "bool", "list", "object"],
)
def test_a_reply_with_an_unknown_id_completes_nothing(reply_id: Any) -> None:
    proto = connected()
    call = proto.start_call("ping")
    events = proto.receive_text(result_text(reply_id, "pong"))
    assert violations(events) == ["unknown_id"]
    assert not call.done
    assert proto.pending_count == 1
    assert proto.stats.violations == {"unknown_id": 1}


def test_a_duplicate_reply_is_a_violation() -> None:
    proto = connected()
    call = proto.start_call("ping")
    complete_ok(proto, call, "pong")
    events = proto.receive_text(result_text(1, "other"))
    assert violations(events) == ["duplicate_reply"]
    assert call.outcome() == "pong"
    assert proto.stats.violations == {"duplicate_reply": 1}


@pytest.mark.parametrize(
    "text",
    [
        json.dumps({"jsonrpc": "2.0", "id": None, "result": "pong"}),
        json.dumps({"jsonrpc": "2.0", "result": "pong"}),
        json.dumps({"jsonrpc": "2.0"}),
    ],
    ids=["null-id", "no-id", "empty-envelope"],
)
def test_a_result_without_a_usable_id_is_never_attributed(text: str) -> None:
    proto = connected()
    call = proto.start_call("ping")
    events = proto.receive_text(text)
    assert violations(events) == ["null_id"]
    assert not call.done


@pytest.mark.parametrize(
    ("frame", "kind"),
    [
        (b'{"jsonrpc":"2.0","id":1,"result":"pong"}', "binary_frame"),
        ("{not json", "invalid_json"),
        ("", "invalid_json"),
        ('{"jsonrpc":"2.0","id":1,"result":1} trailing', "invalid_json"),
        ("[" * 100_000 + "]" * 100_000, "invalid_json"),
        ('{"a":' * 100_000 + "1" + "}" * 100_000, "invalid_json"),
        ('[{"jsonrpc":"2.0","id":1,"result":"pong"}]', "batch"),
        ("[]", "batch"),
        ("42", "not_object"),
        ('"pong"', "not_object"),
        ("null", "not_object"),
    ],
    ids=[
        "binary",
        "garbage",
        "empty",
        "trailing-data",
        "deep-array",
        "deep-object",
        "batch",
        "empty-batch",
        "number",
        "string",
        "null",
    ],
)
def test_malformed_frames_are_violations_and_complete_nothing(
    frame: str | bytes, kind: str
) -> None:
    proto = connected()
    call = proto.start_call("ping")
    events = proto.receive_text(frame)
    assert violations(events) == [kind]
    assert len(events) == 1
    assert not call.done
    assert proto.stats.violations == {kind: 1}
    # The core goes on: the next good reply still completes the call.
    assert complete_ok(proto, call, "pong") == "pong"


@pytest.mark.parametrize("frame", [bytearray(b"{}"), memoryview(b"{}"), None, 42])
def test_frames_that_are_not_text_are_binary_frame_violations(frame: Any) -> None:
    proto = connected()
    (event,) = proto.receive_text(frame)
    assert isinstance(event, ProtocolViolation)
    assert event.kind == "binary_frame"


def test_long_frames_are_excerpted_in_violation_details() -> None:
    proto = connected()
    (event,) = proto.receive_text("x" * 10_000)
    assert isinstance(event, ProtocolViolation)
    assert "10000 chars" in event.detail
    assert len(event.detail) < 500


@pytest.mark.parametrize(
    "envelope",
    [{"jsonrpc": "1.0"}, {"jsonrpc": 2.0}, {}],
    ids=["1.0", "number", "missing"],
)
def test_a_wrong_version_fails_the_call_it_names(envelope: dict[str, Any]) -> None:
    proto = connected()
    call = proto.start_call("ping")
    events = proto.receive_text(json.dumps({**envelope, "id": 1, "result": "pong"}))
    assert violations(events) == ["bad_version"]
    assert completed(events) == [call]
    assert isinstance(events[0], ProtocolViolation)
    assert events[0].call is call
    assert isinstance(call.error, errors.ProtocolError)
    assert call.error.method == "ping"
    with pytest.raises(errors.ProtocolError, match="jsonrpc"):
        call.outcome()


def test_a_reply_with_both_result_and_error_fails_the_call() -> None:
    proto = connected()
    call = proto.start_call("ping")
    text = json.dumps(
        {"jsonrpc": "2.0", "id": 1, "result": "pong", "error": {"code": -1, "message": "x"}}
    )
    events = proto.receive_text(text)
    assert violations(events) == ["result_and_error"]
    assert completed(events) == [call]
    assert isinstance(call.error, errors.ProtocolError)
    assert call.error.data == {"kind": "result_and_error"}


def test_a_reply_with_neither_result_nor_error_completes_with_none_and_is_reported() -> None:
    # PROTOCOL.md: tolerate "a reply whose result is missing when it would be
    # null"; the issue: report it. The call gets None and a violation is counted.
    proto = connected()
    call = proto.start_call("stop_streaming", {"device": "camera0"})
    events = proto.receive_text(json.dumps({"jsonrpc": "2.0", "id": 1}))
    assert violations(events) == ["missing_result"]
    assert completed(events) == [call]
    assert call.outcome() is None
    assert proto.stats.violations == {"missing_result": 1}


@pytest.mark.parametrize(
    "error",
    ["boom", None, [1], {"message": "no code"}, {"code": "-32000", "message": "x"},
     {"code": True, "message": "x"}, {"code": -32000.0, "message": "x"}],
    ids=["string", "null", "list", "no-code", "string-code", "bool-code", "float-code"],
)  # fmt: skip
def test_a_malformed_error_object_fails_the_call_with_protocol_error(error: Any) -> None:
    proto = connected()
    call = proto.start_call("get_camera_list")
    events = proto.receive_text(json.dumps({"jsonrpc": "2.0", "id": 1, "error": error}))
    assert violations(events) == ["bad_error"]
    assert completed(events) == [call]
    assert isinstance(call.error, errors.ProtocolError)
    assert proto.stats.replies == 1


def test_an_error_without_a_message_is_mapped_and_reported() -> None:
    proto = connected("current")
    call = proto.start_call("get_camera_status", {"device": "camera9"})
    text = json.dumps({"jsonrpc": "2.0", "id": 1, "error": {"code": -32010}})
    events = proto.receive_text(text)
    assert violations(events) == ["bad_error"]
    assert completed(events) == [call]
    assert isinstance(call.error, errors.NotFoundError)
    assert call.error.code == -32010
    assert "-32010" in call.error.message


def test_a_null_id_error_fails_the_only_pending_call() -> None:
    proto = connected("legacy")
    call = proto.start_call("get_camera_list")
    events = proto.receive_text(error_text(None, -32700, "Parse error"))
    assert completed(events) == [call]
    assert violations(events) == []
    assert isinstance(call.error, errors.InvalidRequestError)
    assert call.error.code == -32700
    assert call.error.method == "get_camera_list"
    assert proto.stats.null_id_errors == 1
    assert proto.pending_count == 0


def test_an_error_without_id_member_fails_the_only_pending_call() -> None:
    proto = connected()
    call = proto.start_call("ping")
    text = json.dumps({"jsonrpc": "2.0", "error": {"code": -32600, "message": "Invalid Request"}})
    assert completed(proto.receive_text(text)) == [call]
    assert isinstance(call.error, errors.InvalidRequestError)


@pytest.mark.parametrize("pending", [0, 2])
def test_a_null_id_error_is_a_violation_unless_exactly_one_call_is_pending(pending: int) -> None:
    proto = connected()
    calls = [proto.start_call("ping") for _ in range(pending)]
    events = proto.receive_text(error_text(None, -32700, "Parse error"))
    assert violations(events) == ["null_id"]
    assert completed(events) == []
    assert all(not call.done for call in calls)
    assert proto.stats.null_id_errors == 0


def test_a_null_id_error_with_a_wrong_version_is_not_attributed() -> None:
    proto = connected()
    call = proto.start_call("ping")
    text = json.dumps({"jsonrpc": "1.0", "id": None, "error": {"code": -32700, "message": "x"}})
    assert violations(proto.receive_text(text)) == ["null_id"]
    assert not call.done


def test_a_null_id_reply_with_result_and_error_is_not_attributed() -> None:
    proto = connected()
    call = proto.start_call("ping")
    text = json.dumps(
        {"jsonrpc": "2.0", "id": None, "result": 1, "error": {"code": -32700, "message": "x"}}
    )
    assert violations(proto.receive_text(text)) == ["null_id"]
    assert not call.done


# ------------------------------------------------------------- notifications


def test_a_notification_is_delivered_with_its_raw_params() -> None:
    proto = connected()
    params = {"device": "camera0", "status": "CONNECTED", "extra": [1, 2]}
    events = proto.receive_text(notification_text("camera_status_update", params))
    assert len(events) == 1
    event = events[0]
    assert isinstance(event, Notification)
    assert event.method == "camera_status_update"
    assert event.params == params
    assert proto.stats.notifications == 1


def test_notification_data_is_the_typed_model_decoded_once() -> None:
    from mediamtx_camera_sdk.models import CameraInfo

    proto = connected()
    params = {"device": "/dev/video0", "status": "CONNECTED", "name": "USB cam"}
    (event,) = proto.receive_text(notification_text("camera_status_update", params))
    assert isinstance(event, Notification)
    data = event.data
    assert isinstance(data, CameraInfo)
    assert data.device_path == "/dev/video0"
    assert data.status == "CONNECTED"
    assert event.data is data
    assert event.decode_error is None


def test_notification_data_is_decoded_lazily(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[str, Any]] = []

    def fake_decode(method: str, params: Any) -> Any:
        calls.append((method, params))
        return ("decoded", method)

    monkeypatch.setattr(protocol, "_decode_notification", fake_decode)
    proto = connected()
    (event,) = proto.receive_text(notification_text("recording.start", {"device": "camera0"}))
    assert isinstance(event, Notification)
    assert calls == []
    assert event.data == ("decoded", "recording.start")
    assert event.data == ("decoded", "recording.start")
    assert calls == [("recording.start", {"device": "camera0"})]


def test_undecodable_notification_params_keep_the_raw_data(monkeypatch: pytest.MonkeyPatch) -> None:
    problem = errors.ProtocolError("missing field device", method="camera_status_update")

    def failing_decode(method: str, params: Any) -> Any:
        raise problem

    monkeypatch.setattr(protocol, "_decode_notification", failing_decode)
    proto = connected()
    (event,) = proto.receive_text(notification_text("camera_status_update", {"status": 1}))
    assert isinstance(event, Notification)
    assert event.data is None
    assert event.decode_error is problem
    assert event.params == {"status": 1}
    assert event.data is None


def test_malformed_known_notification_gives_none_data_with_the_real_converter() -> None:
    proto = connected()
    (event,) = proto.receive_text(notification_text("camera_status_update", {"status": 5}))
    assert isinstance(event, Notification)
    assert event.data is None
    assert isinstance(event.decode_error, errors.ProtocolError)


def test_unknown_notifications_are_delivered_never_dropped() -> None:
    proto = connected()
    (event,) = proto.receive_text(notification_text("brand_new_event", {"x": 1}))
    assert isinstance(event, Notification)
    assert event.method == "brand_new_event"
    assert event.params == {"x": 1}
    assert event.data is None


@pytest.mark.parametrize(
    "text",
    [
        json.dumps({"jsonrpc": "2.0", "method": "system.health"}),
        json.dumps({"jsonrpc": "2.0", "method": "system.health", "params": None}),
        json.dumps({"jsonrpc": "2.0", "method": "system.health", "id": None}),
    ],
    ids=["no-params", "null-params", "null-id"],
)
def test_notifications_without_params_get_an_empty_mapping(text: str) -> None:
    (event,) = connected().receive_text(text)
    assert isinstance(event, Notification)
    assert event.method == "system.health"
    assert event.params == {}


@pytest.mark.parametrize(
    ("message", "kind"),
    [
        ({"jsonrpc": "2.0", "method": "camera_status_update", "params": [1]}, "bad_notification"),
        ({"jsonrpc": "2.0", "method": "camera_status_update", "params": "x"}, "bad_notification"),
        ({"jsonrpc": "2.0", "method": 5, "params": {}}, "bad_notification"),
        ({"jsonrpc": "2.0", "method": "", "params": {}}, "bad_notification"),
        ({"jsonrpc": "1.0", "method": "camera_status_update", "params": {}}, "bad_version"),
        ({"method": "camera_status_update", "params": {}}, "bad_version"),
        ({"jsonrpc": "2.0", "method": "get_token", "id": 7}, "unexpected_request"),
    ],
    ids=["list", "string", "numeric-method", "empty-method", "1.0", "no-version", "request"],
)
def test_malformed_notifications_are_violations(message: dict[str, Any], kind: str) -> None:
    proto = connected()
    call = proto.start_call("ping")
    events = proto.receive_text(json.dumps(message))
    assert violations(events) == [kind]
    assert len(events) == 1
    assert not call.done
    assert proto.stats.notifications == 0


def test_a_message_with_method_and_result_is_treated_as_a_reply() -> None:
    proto = connected()
    call = proto.start_call("ping")
    events = proto.receive_text(json.dumps({"jsonrpc": "2.0", "method": "x", "id": 1, "result": 2}))
    assert completed(events) == [call]
    assert call.outcome() == 2


def test_notifications_and_replies_interleave() -> None:
    proto = connected()
    first = proto.start_call("get_camera_list")
    second = proto.start_call("ping")
    kinds: list[str] = []
    for text in (
        notification_text("camera_status_update", {"device": "camera0", "status": "CONNECTED"}),
        result_text(2, "pong"),
        notification_text("recording.start", {"device": "camera0"}),
        result_text(1, {"cameras": [], "total": 0, "connected": 0}),
    ):
        kinds.extend(type(event).__name__ for event in proto.receive_text(text))
    assert kinds == ["Notification", "CallCompleted", "Notification", "CallCompleted"]
    assert second.outcome() == "pong"
    assert first.outcome()["total"] == 0


# ------------------------------------------------------------- error mapping


def test_an_error_reply_carries_code_message_data_and_method() -> None:
    proto = connected("current")
    call = proto.start_call("get_camera_status", {"device": "camera7"})
    data = {"resource": "camera", "id": "camera7"}
    proto.receive_text(error_text(1, -32010, "Camera not found", data))
    error = call.error
    assert isinstance(error, errors.CameraNotFoundError)
    assert (error.code, error.message, error.data, error.method) == (
        -32010,
        "Camera not found",
        data,
        "get_camera_status",
    )
    with pytest.raises(errors.CameraNotFoundError):
        call.outcome()


@pytest.mark.parametrize(
    ("dialect", "expected"),
    [
        ("current", errors.PermissionDeniedError),
        ("legacy", errors.RateLimitedError),
        ("auto", errors.PermissionDeniedError),
    ],
)
def test_minus_32002_depends_on_the_dialect(
    dialect: protocol.DialectSetting, expected: type[errors.RpcError]
) -> None:
    proto = connected(dialect)
    call = proto.start_call("get_camera_list")
    proto.receive_text(error_text(1, -32002, "nope"))
    assert type(call.error) is expected


def test_a_detected_dialect_drives_the_error_mapping() -> None:
    proto = connected("auto")
    authenticate(proto, LEGACY_AUTH)
    assert proto.dialect == "legacy"
    call = proto.start_call("take_snapshot", {"device": "/dev/video0"})
    proto.receive_text(error_text(call.id, -32002, "Rate limit exceeded"))
    assert isinstance(call.error, errors.RateLimitedError)


@pytest.mark.parametrize("dialect", ["current", "legacy"])
def test_an_auth_error_on_a_later_call_marks_the_connection_unauthenticated(
    dialect: protocol.DialectSetting,
) -> None:
    proto = connected(dialect)
    authenticate(proto, CURRENT_AUTH if dialect == "current" else LEGACY_AUTH)
    assert proto.ready
    call = proto.start_call("take_snapshot", {"device": "camera0"})
    proto.receive_text(error_text(call.id, -32001, "Token expired"))
    assert isinstance(call.error, errors.AuthenticationError)
    assert not proto.authenticated
    assert proto.needs_authentication
    assert not proto.ready


def test_other_errors_keep_the_connection_authenticated() -> None:
    proto = connected("current")
    authenticate(proto, CURRENT_AUTH)
    call = proto.start_call("take_snapshot", {"device": "camera0"})
    proto.receive_text(error_text(call.id, -32002, "denied"))
    assert isinstance(call.error, errors.PermissionDeniedError)
    assert proto.ready


@pytest.mark.parametrize("dialect", ["legacy", "current", "auto"])
def test_a_failed_snapshot_result_raises_like_the_current_error_reply(
    dialect: protocol.DialectSetting,
) -> None:
    proto = connected(dialect)
    call = proto.start_call("take_snapshot", {"device": "/dev/video0"})
    result = {
        "device": "/dev/video0",
        "filename": "snap.jpg",
        "status": "FAILED",
        "file_size": 0,
        "error": "camera busy",
    }
    events = proto.receive_text(result_text(1, result))
    assert completed(events) == [call]
    assert violations(events) == []
    assert isinstance(call.error, errors.MediaMTXError)
    assert (call.error.message, call.error.data, call.error.method) == (
        "camera busy",
        result,
        "take_snapshot",
    )
    # The current dialect's error reply for the same failure gives the same class.
    reference = connected("current")
    other = reference.start_call("take_snapshot", {"device": "camera0"})
    reference.receive_text(error_text(1, -32050, "MediaMTX failed"))
    assert type(other.error) is type(call.error)


def test_a_failed_snapshot_without_a_reason_gets_a_message() -> None:
    proto = connected("legacy")
    call = proto.start_call("take_snapshot", {"device": "/dev/video0"})
    proto.receive_text(result_text(1, {"status": "failed", "error": ""}))
    assert isinstance(call.error, errors.MediaMTXError)
    assert call.error.message == "the snapshot failed"


@pytest.mark.parametrize(
    "result",
    [
        {"device": "/dev/video0", "filename": "s.jpg", "status": "completed", "file_size": 10},
        {"device": "camera0", "filename": "s.jpg", "status": "SUCCESS", "file_size": 10},
        {"device": "camera0", "filename": "s.jpg"},
        "unexpected",
    ],
    ids=["legacy-ok", "current-ok", "no-status", "not-an-object"],
)
def test_successful_snapshot_results_pass_through(result: Any) -> None:
    proto = connected()
    call = proto.start_call("take_snapshot", {"device": "camera0"})
    assert complete_ok(proto, call, result) == result


# ------------------------------------------------------------ authentication


def test_authenticate_request_shape_is_the_one_both_dialects_accept() -> None:
    proto = connected()
    call = proto.start_authenticate(TOKEN, "api_key", timeout=3.0)
    assert wire(call) == {
        "jsonrpc": "2.0",
        "method": "authenticate",
        "params": {"auth_token": TOKEN, "auth_type": "api_key"},
        "id": 1,
    }
    assert call.timeout == 3.0
    assert wire(proto.start_authenticate(TOKEN))["params"]["auth_type"] == "auto"


def test_authenticate_call_repr_hides_the_token() -> None:
    proto = connected()
    call = proto.start_authenticate(TOKEN)
    assert TOKEN not in repr(call)
    assert "pending" in repr(call)


@pytest.mark.parametrize(
    ("token", "auth_type", "param"),
    [("", "jwt", "auth_token"), (None, "jwt", "auth_token"), (TOKEN, "basic", "auth_type")],
)
def test_authenticate_arguments_are_validated(token: Any, auth_type: Any, param: str) -> None:
    proto = connected()
    with pytest.raises(errors.InvalidParamsError) as info:
        proto.start_authenticate(token, auth_type)
    assert info.value.param == param
    assert TOKEN not in str(info.value)
    assert proto.pending_count == 0


def test_current_authentication_success() -> None:
    proto = connected("auto")
    assert (proto.ready, proto.needs_authentication) == (False, True)
    call = authenticate(proto, CURRENT_AUTH)
    assert call.outcome() == CURRENT_AUTH
    assert proto.dialect == "current"
    assert (proto.authenticated, proto.ready, proto.needs_authentication) == (True, True, False)
    assert proto.role == "operator"
    assert proto.permissions == ("view", "control")
    assert proto.session_id == "s-1"
    assert proto.auth_method is None
    assert proto.expires_at_raw == "2030-01-02T03:04:05Z"
    assert proto.expires_at == datetime(2030, 1, 2, 3, 4, 5, tzinfo=timezone.utc)


def test_legacy_authentication_success() -> None:
    proto = connected("auto")
    call = authenticate(proto, LEGACY_AUTH)
    assert call.outcome() == LEGACY_AUTH
    assert proto.dialect == "legacy"
    assert proto.ready
    assert proto.role == "admin"
    assert proto.auth_method == "jwt"
    assert proto.session_id is None
    assert proto.expires_at is None
    assert proto.expires_at_raw is None
    assert proto.permissions == ()


def test_current_authentication_failure() -> None:
    proto = connected("auto")
    call = proto.start_authenticate("bad", "jwt")
    proto.receive_text(error_text(call.id, -32001, "Authentication failed", {"reason": "expired"}))
    assert isinstance(call.error, errors.AuthenticationError)
    assert call.error.code == -32001
    assert call.error.data == {"reason": "expired"}
    assert proto.dialect == "current"
    assert not proto.authenticated
    assert proto.needs_authentication


def test_legacy_authentication_failure_raises_the_same_exception() -> None:
    proto = connected("auto")
    call = authenticate(proto, {"authenticated": False, "error": "Invalid token"})
    assert isinstance(call.error, errors.AuthenticationError)
    assert call.error.code == -32001
    assert call.error.message == "Invalid token"
    assert call.error.method == "authenticate"
    assert proto.dialect == "legacy"
    assert not proto.authenticated
    with pytest.raises(errors.AuthenticationError, match="Invalid token"):
        call.outcome()


def test_legacy_refusal_without_a_reason() -> None:
    call = authenticate(connected(), {"authenticated": False})
    assert isinstance(call.error, errors.AuthenticationError)
    assert call.error.message == "authentication failed"


def test_a_failed_reauthentication_drops_the_authenticated_state() -> None:
    proto = connected("current")
    authenticate(proto, CURRENT_AUTH)
    call = proto.start_authenticate(TOKEN)
    proto.receive_text(error_text(call.id, -32603, "Internal error"))
    assert isinstance(call.error, errors.InternalServerError)
    assert not proto.authenticated


def test_a_fixed_dialect_is_never_overridden() -> None:
    proto = connected("current")
    authenticate(proto, LEGACY_AUTH)
    assert proto.dialect == "current"
    authenticate(proto, {"authenticated": False})
    assert proto.dialect == "current"
    legacy = connected("legacy")
    call = legacy.start_authenticate(TOKEN)
    legacy.receive_text(error_text(call.id, -32001, "no"))
    assert legacy.dialect == "legacy"


def test_an_auto_dialect_follows_the_latest_authentication_reply() -> None:
    proto = connected("auto")
    authenticate(proto, LEGACY_AUTH)
    detected = [proto.dialect]
    proto.connection_lost()
    proto.connection_made()
    authenticate(proto, CURRENT_AUTH)
    detected.append(proto.dialect)
    assert detected == ["legacy", "current"]


def test_a_success_without_dialect_markers_leaves_the_dialect_unknown() -> None:
    proto = connected("auto")
    authenticate(proto, {"authenticated": True, "role": 3})
    assert proto.authenticated
    assert proto.dialect is None
    assert proto.role is None


@pytest.mark.parametrize(
    "result",
    ["ok", None, {"authenticated": "yes"}, {"role": "admin"}],
    ids=["string", "null", "string-flag", "no-flag"],
)
def test_an_unreadable_authenticate_result_fails_with_protocol_error(result: Any) -> None:
    proto = connected()
    call = proto.start_authenticate(TOKEN)
    events = proto.receive_text(result_text(call.id, result))
    assert violations(events) == ["bad_result"]
    assert completed(events) == [call]
    assert isinstance(call.error, errors.ProtocolError)
    assert not proto.authenticated


def test_an_authenticate_reply_without_result_fails_with_protocol_error() -> None:
    proto = connected()
    call = proto.start_authenticate(TOKEN)
    events = proto.receive_text(json.dumps({"jsonrpc": "2.0", "id": call.id}))
    assert violations(events) == ["missing_result", "bad_result"]
    assert isinstance(call.error, errors.ProtocolError)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2030-01-02T03:04:05Z", datetime(2030, 1, 2, 3, 4, 5, tzinfo=timezone.utc)),
        (
            "2030-01-02T03:04:05.123456789Z",
            datetime(2030, 1, 2, 3, 4, 5, 123456, tzinfo=timezone.utc),
        ),
        (
            "2030-01-02T03:04:05.5+02:00",
            datetime(2030, 1, 2, 3, 4, 5, 500000, tzinfo=timezone(timedelta(hours=2))),
        ),
        ("2030-01-02T03:04:05", datetime(2030, 1, 2, 3, 4, 5, tzinfo=timezone.utc)),
        ("next tuesday", None),
        ("", None),
    ],
)
def test_expires_at_is_parsed_when_possible(raw: str, expected: datetime | None) -> None:
    proto = connected()
    authenticate(proto, {**CURRENT_AUTH, "expires_at": raw})
    assert proto.expires_at_raw == raw
    assert proto.expires_at == expected
    if expected is not None:
        assert proto.expires_at is not None
        assert proto.expires_at.tzinfo is not None


def test_non_string_auth_fields_are_ignored() -> None:
    proto = connected()
    authenticate(proto, {**CURRENT_AUTH, "expires_at": 1234, "permissions": "all"})
    assert proto.authenticated
    assert proto.expires_at is None
    assert proto.expires_at_raw is None
    assert proto.permissions == ()


def test_pre_auth_methods() -> None:
    assert frozenset({"ping", "authenticate"}) == protocol.PRE_AUTH_METHODS


# ----------------------------------------------------- dialect from camera ids


@pytest.mark.parametrize(
    ("method", "cameras", "expected"),
    [
        ("get_camera_list", [{"device": "/dev/video0", "status": "CONNECTED"}], "legacy"),
        ("get_cameras", [{"device": "/dev/video1", "status": "CONNECTED"}], "legacy"),
        ("get_camera_list", [{"device": "camera0", "status": "CONNECTED"}], "current"),
        ("get_camera_list", ["junk", {"status": "x"}, {"device": "camera3"}], "current"),
        ("get_camera_list", [{"device": "cam-a"}], None),
        ("get_camera_list", [], None),
    ],
)
def test_camera_ids_reveal_the_dialect_while_unknown(
    method: str, cameras: list[Any], expected: str | None
) -> None:
    proto = connected("auto")
    call = proto.start_call(method)
    complete_ok(proto, call, {"cameras": cameras, "total": len(cameras), "connected": 0})
    assert proto.dialect == expected


@pytest.mark.parametrize("result", [{"cameras": "none"}, ["camera0"], None])
def test_odd_camera_list_results_reveal_nothing(result: Any) -> None:
    proto = connected("auto")
    call = proto.start_call("get_camera_list")
    assert complete_ok(proto, call, result) == result
    assert proto.dialect is None


def test_camera_ids_do_not_override_a_known_dialect() -> None:
    proto = connected("auto")
    authenticate(proto, CURRENT_AUTH)
    call = proto.start_call("get_camera_list")
    complete_ok(proto, call, {"cameras": [{"device": "/dev/video0"}]})
    assert proto.dialect == "current"
    fixed = connected("current")
    call = fixed.start_call("get_camera_list")
    complete_ok(fixed, call, {"cameras": [{"device": "/dev/video0"}]})
    assert fixed.dialect == "current"


# ------------------------------------------------------------- subscriptions


def subscribe(proto: RpcProtocol, params: dict[str, Any] | None, ok: bool = True) -> None:
    call = proto.start_call("subscribe_events", params)
    if ok:
        complete_ok(proto, call, {"subscribed": True})
    else:
        proto.receive_text(error_text(call.id, -32602, "bad topic"))


def unsubscribe(proto: RpcProtocol, params: dict[str, Any] | None) -> None:
    complete_ok(proto, proto.start_call("unsubscribe_events", params), {"unsubscribed": True})


def test_subscriptions_follow_successful_calls() -> None:
    proto = connected("current")
    assert proto.subscriptions == {}
    assert proto.resubscribe_params() == []
    subscribe(proto, {"topics": ["camera.connected", "recording.start"]})
    subscribe(proto, {"topics": ["recording.stop"], "filters": {"device": "camera0"}})
    subscribe(proto, {"topics": ["snapshot.taken"]}, ok=False)
    assert proto.subscriptions == {
        "camera.connected": None,
        "recording.start": None,
        "recording.stop": {"device": "camera0"},
    }
    assert proto.resubscribe_params() == [
        {"topics": ["camera.connected", "recording.start"]},
        {"topics": ["recording.stop"], "filters": {"device": "camera0"}},
    ]


def test_resubscribing_a_topic_takes_the_latest_filters() -> None:
    proto = connected()
    subscribe(proto, {"topics": ["a", "b"], "filters": {"device": "camera0"}})
    subscribe(proto, {"topics": ["c"], "filters": {"device": "camera1"}})
    subscribe(proto, {"topics": ["a"], "filters": {"device": "camera1"}})
    assert proto.resubscribe_params() == [
        {"topics": ["b"], "filters": {"device": "camera0"}},
        {"topics": ["c", "a"], "filters": {"device": "camera1"}},
    ]


def test_unsubscribe_removes_the_named_topics() -> None:
    proto = connected()
    subscribe(proto, {"topics": ["a", "b", "c"]})
    unsubscribe(proto, {"topics": ["b", "zzz", 5]})
    assert list(proto.subscriptions) == ["a", "c"]


@pytest.mark.parametrize("params", [None, {"topics": []}, {"topics": None}])
def test_unsubscribe_without_topics_removes_all(params: dict[str, Any] | None) -> None:
    proto = connected()
    subscribe(proto, {"topics": ["a", "b"], "filters": {"device": "camera0"}})
    unsubscribe(proto, params)
    assert proto.subscriptions == {}
    assert proto.resubscribe_params() == []


def test_subscribe_params_that_are_not_topic_lists_change_nothing() -> None:
    proto = connected()
    subscribe(proto, None)
    subscribe(proto, {"topics": "camera.connected"})
    subscribe(proto, {"topics": [1, "ok"], "filters": {}})
    assert proto.subscriptions == {"ok": None}


def test_subscriptions_survive_reconnection_and_are_copies() -> None:
    proto = connected()
    subscribe(proto, {"topics": ["a"], "filters": {"device": "camera0"}})
    pending = proto.start_call("subscribe_events", {"topics": ["never"]})
    proto.connection_lost(OSError("x"))
    assert isinstance(pending.error, errors.ConnectionClosedError)
    proto.connection_made()
    assert proto.resubscribe_params() == [{"topics": ["a"], "filters": {"device": "camera0"}}]
    copy = proto.subscriptions
    filters = copy["a"]
    assert filters is not None
    filters["device"] = "camera9"
    del copy["a"]
    assert proto.subscriptions == {"a": {"device": "camera0"}}
    # The params an adapter gets back resubscribe successfully.
    for params in proto.resubscribe_params():
        subscribe(proto, params)
    assert proto.subscriptions == {"a": {"device": "camera0"}}


# ------------------------------------------------------------------ timeouts


def test_time_out_fails_the_call_with_call_timeout_error() -> None:
    proto = connected()
    late = proto.start_call("start_recording", {"device": "camera0"}, timeout=10)
    early = proto.start_call("get_camera_list", timeout=1.5)
    forever = proto.start_call("ping")
    assert proto.time_out(early)
    assert proto.time_out(late)
    for call, text in ((early, "get_camera_list got no reply within 1.5 s"),
                       (late, "start_recording got no reply within 10 s")):  # fmt: skip
        assert call.done
        assert isinstance(call.error, errors.CallTimeoutError)
        assert isinstance(call.error, builtins.TimeoutError)
        assert call.error.message == text
        assert call.error.method == call.method
        with pytest.raises(errors.CallTimeoutError):
            call.outcome()
    assert proto.pending_calls() == [forever]
    assert proto.stats.timeouts == 2
    assert not proto.time_out(early)
    assert proto.stats.timeouts == 2


def test_timeout_message_without_a_timeout_length() -> None:
    proto = connected()
    call = proto.start_call("ping")
    assert proto.time_out(call)
    assert isinstance(call.error, errors.CallTimeoutError)
    assert call.error.message == "ping got no reply in time"


def test_time_out_of_an_ended_call_returns_false_and_changes_nothing() -> None:
    proto = connected()
    done = proto.start_call("ping", timeout=1.0)
    failed = proto.start_call("ping", timeout=1.0)
    cancelled = proto.start_call("ping", timeout=1.0)
    lost = proto.start_call("ping", timeout=1.0)
    complete_ok(proto, done, "pong")
    proto.receive_text(error_text(failed.id, -32601, "no"))
    proto.cancel(cancelled)
    assert not proto.time_out(done)
    assert not proto.time_out(failed)
    assert not proto.time_out(cancelled)
    assert done.error is None
    assert done.outcome() == "pong"
    assert isinstance(failed.error, errors.MethodNotFoundError)
    assert cancelled.cancelled
    assert cancelled.error is None
    proto.connection_lost()
    assert not proto.time_out(lost)
    assert isinstance(lost.error, errors.ConnectionClosedError)
    assert proto.stats.timeouts == 0


def test_time_out_of_a_call_from_an_earlier_connection_returns_false() -> None:
    proto = connected()
    old = proto.start_call("ping", timeout=1.0)
    proto.connection_lost()
    proto.connection_made()
    new = proto.start_call("ping", timeout=1.0)
    assert new.id == old.id
    assert not proto.time_out(old)
    assert proto.pending_calls() == [new]
    assert complete_ok(proto, new, "pong") == "pong"


def test_a_late_reply_after_a_timeout_is_counted_not_delivered() -> None:
    proto = connected()
    call = proto.start_call("ping", timeout=1.0)
    assert proto.time_out(call)
    assert proto.receive_text(result_text(call.id, "pong")) == []
    assert proto.stats.late_replies == 1
    assert proto.stats.total_violations == 0
    assert isinstance(call.error, errors.CallTimeoutError)
    assert violations(proto.receive_text(result_text(call.id, "pong"))) == ["duplicate_reply"]


def test_cancel_forgets_a_pending_call() -> None:
    proto = connected()
    call = proto.start_call("ping", timeout=1.0)
    other = proto.start_call("ping")
    assert proto.cancel(call)
    assert call.done
    assert call.cancelled
    assert call.error is None
    assert proto.pending_calls() == [other]
    assert not proto.time_out(call)
    assert not proto.cancel(call)
    assert proto.stats.cancelled == 1
    with pytest.raises(RuntimeError, match="cancelled"):
        call.outcome()
    assert proto.receive_text(result_text(call.id, "pong")) == []
    assert proto.stats.late_replies == 1
    assert "cancelled" in repr(call)


def test_cancel_of_a_completed_call_does_nothing() -> None:
    proto = connected()
    call = proto.start_call("ping")
    complete_ok(proto, call, "pong")
    assert not proto.cancel(call)
    assert not call.cancelled
    assert call.outcome() == "pong"


def test_outcome_of_a_pending_call_is_an_adapter_bug() -> None:
    call = connected().start_call("ping")
    with pytest.raises(RuntimeError, match="not ended"):
        call.outcome()


def test_late_reply_memory_is_bounded() -> None:
    proto = connected(late_reply_memory=2)
    calls = [proto.start_call("ping") for _ in range(3)]
    for call in calls:
        proto.cancel(call)
    # The oldest given-up id was forgotten: its reply looks like a duplicate.
    assert violations(proto.receive_text(result_text(1, "pong"))) == ["duplicate_reply"]
    assert proto.receive_text(result_text(2, "pong")) == []
    assert proto.receive_text(result_text(3, "pong")) == []
    assert proto.stats.late_replies == 2


def test_late_reply_memory_can_be_off() -> None:
    proto = connected(late_reply_memory=0)
    call = proto.start_call("ping")
    proto.cancel(call)
    assert violations(proto.receive_text(result_text(1, "pong"))) == ["duplicate_reply"]


def test_the_core_keeps_no_finished_call_alive() -> None:
    # Whatever way a call ends, the core must not hold it (nor its result: a
    # camera list of models and raw dicts). Only the caller's own references remain.
    proto = connected()
    finished = []
    for outcome in ("result", "error", "cancel", "timeout"):
        call = proto.start_call("get_camera_list", timeout=100.0)
        if outcome == "result":
            complete_ok(proto, call, {"cameras": []})
        elif outcome == "error":
            proto.receive_text(error_text(call.id, -32601, "no"))
        elif outcome == "cancel":
            proto.cancel(call)
        else:
            proto.time_out(call)
        finished.append(call)
    waiting = proto.start_call("ping", timeout=100.0)
    for call in finished:
        assert call.done
        holders = [r for r in gc.get_referrers(call) if r is not finished]
        assert holders == [], holders
    assert proto.pending_calls() == [waiting]
    assert proto.time_out(waiting)


# -------------------------------------------------------- stats, repr, logging


def test_stats_count_every_outcome() -> None:
    proto = connected()
    ok = proto.start_call("ping")
    proto.receive_text(result_text(ok.id, "pong"))
    proto.receive_text(notification_text("x.y", {}))
    proto.receive_text("nope")
    proto.receive_text("[]")
    proto.receive_text("nope")
    assert proto.time_out(proto.start_call("ping"))
    proto.cancel(proto.start_call("ping"))
    proto.start_call("ping")
    proto.connection_lost()
    stats = proto.stats
    assert stats.as_dict() == {
        "calls_started": 4,
        "replies": 1,
        "notifications": 1,
        "late_replies": 0,
        "timeouts": 1,
        "cancelled": 1,
        "connection_losses": 1,
        "null_id_errors": 0,
        "violations": {"invalid_json": 2, "batch": 1},
    }
    assert stats.total_violations == 3
    assert "invalid_json" in repr(stats)
    assert set(stats.violations) <= set(VIOLATION_KINDS)


def test_event_reprs() -> None:
    proto = connected()
    call = proto.start_call("ping")
    (done,) = proto.receive_text(result_text(1, "pong"))
    assert repr(done) == "CallCompleted(<PendingCall id=1 method='ping' succeeded>)"
    (note,) = proto.receive_text(notification_text("a.b", {"k": 1}))
    assert repr(note) == "Notification('a.b', {'k': 1})"
    (bad,) = proto.receive_text("[]")
    assert repr(bad).startswith("ProtocolViolation('batch',")
    failed = proto.start_call("ping")
    proto.receive_text(error_text(failed.id, -32601, "Method not found"))
    assert "failed: MethodNotFoundError" in repr(failed)
    assert call.waiter is None


def test_violations_are_logged_at_debug_level_only_when_enabled(
    caplog: pytest.LogCaptureFixture,
) -> None:
    proto = connected()
    with caplog.at_level(logging.INFO, logger="mediamtx_camera_sdk.protocol"):
        proto.receive_text("[]")
    assert caplog.records == []
    with caplog.at_level(logging.DEBUG, logger="mediamtx_camera_sdk.protocol"):
        proto.receive_text("[]")
        proto.start_authenticate(TOKEN)
    # The frame in, the violation, the (redacted) frame out: all at DEBUG.
    assert [record.levelno for record in caplog.records] == [logging.DEBUG] * 3
    assert "batch" in caplog.records[1].getMessage()
    assert TOKEN not in caplog.text


def test_given_up_ids_are_forgotten_on_a_new_connection() -> None:
    proto = connected()
    proto.cancel(proto.start_call("ping"))
    proto.connection_lost()
    proto.connection_made()
    call = proto.start_call("ping")
    complete_ok(proto, call, "pong")
    # Id 1 now names the new connection's call: a second reply is a duplicate,
    # not a late reply to the old, cancelled call.
    assert violations(proto.receive_text(result_text(1, "pong"))) == ["duplicate_reply"]
    assert proto.stats.late_replies == 0


def test_frames_are_logged_at_debug_without_credentials(caplog: pytest.LogCaptureFixture) -> None:
    proto = RpcProtocol()
    proto.connection_made()
    with caplog.at_level(logging.DEBUG, logger="mediamtx_camera_sdk"):
        auth = proto.start_authenticate("SECRET-TOKEN-VALUE", "jwt")
        proto.start_call("take_snapshot", {"device": "camera0", "auth_token": "INLINE-SECRET"})
        proto.receive_text('{"jsonrpc":"2.0","method":"camera_status_update","params":{}}')
    messages = [r.getMessage() for r in caplog.records]
    assert any(m.startswith("-> ") and '"method":"authenticate"' in m for m in messages)
    assert any(m.startswith("<- ") and "camera_status_update" in m for m in messages)
    assert any("<redacted>" in m and "camera0" in m for m in messages)
    assert not any("SECRET" in m for m in messages)
    assert "SECRET-TOKEN-VALUE" in auth.text  # the frame itself is untouched


def test_no_frame_logging_cost_when_debug_is_off(caplog: pytest.LogCaptureFixture) -> None:
    proto = RpcProtocol()
    proto.connection_made()
    with caplog.at_level(logging.INFO, logger="mediamtx_camera_sdk"):
        proto.start_call("ping")
        proto.receive_text('{"jsonrpc":"2.0","id":1,"result":"pong"}')
    assert caplog.records == []
