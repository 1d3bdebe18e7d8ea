"""The core's fast frame parser (orjson) returns exactly what the stdlib decoder returns.

``protocol._loads_fast`` is the core's default ``loads`` when orjson is
installed (the ``fast`` extra; the ``dev`` extra installs it so that these
tests run). Whatever the frame, it must give the same objects, or raise the
same error, as ``json.JSONDecoder().decode``: the speed-up must not change
behaviour.
"""

from __future__ import annotations

import json
import re
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mediamtx_camera_sdk import protocol
from mediamtx_camera_sdk.protocol import CallCompleted, Notification, RpcProtocol

STDLIB = json.JSONDecoder()

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=8), children, max_size=5)
    ),
    max_leaves=30,
)


def outcome(parse: Any, text: str) -> tuple[str, str]:
    """(kind, canonical form): the parsed value with its types, or the error raised."""
    try:
        value = parse(text)
    except (ValueError, RecursionError) as exc:
        return ("error", f"{type(exc).__name__}: {exc}")
    # json.dumps tells True from 1, 1.0 from 1 and -0.0 from 0.0, and keeps key order.
    return ("value", json.dumps(value, allow_nan=True))


def test_default_loads_is_the_fast_parser() -> None:
    assert protocol._DEFAULT_LOADS is protocol._loads_fast
    assert RpcProtocol()._loads is protocol._loads_fast


@settings(max_examples=300)
@given(json_values, st.booleans())
def test_same_objects_as_stdlib_for_any_document(value: Any, ascii_only: bool) -> None:
    text = json.dumps(value, ensure_ascii=ascii_only)
    assert outcome(protocol._loads_fast, text) == outcome(STDLIB.decode, text)


@settings(max_examples=300)
@given(st.text())
def test_same_outcome_as_stdlib_for_any_text(text: str) -> None:
    assert outcome(protocol._loads_fast, text) == outcome(STDLIB.decode, text)


@pytest.mark.parametrize(
    "text",
    [
        "18446744073709551616",  # 2**64: orjson alone would return a float
        "-9223372036854775809",
        '{"bytes_sent": 123456789012345678901234567890}',
        "[NaN, Infinity, -Infinity]",
        "1e400",
        '"\\ud800"',
        '"\ud800"',  # a lone surrogate in the str itself
        "[" * 2000 + "]" * 2000,
        '{"a": 1, "a": 2}',
        "",
        "{",
        '{"jsonrpc": "2.0"} trailing',
        "\ufeff{}",
    ],
)
def test_edge_cases_match_stdlib(text: str) -> None:
    assert outcome(protocol._loads_fast, text) == outcome(STDLIB.decode, text)


_RUN_OF_19_DIGITS = re.compile(rb"[0-9]{19}")


@settings(max_examples=500)
@given(
    st.binary(max_size=60),
    st.integers(min_value=0, max_value=40),
    st.binary(max_size=60),
)
def test_long_number_test_agrees_with_a_scan(head: bytes, digits: int, tail: bytes) -> None:
    # A run of 0-40 digits at any offset (so at every alignment to the sampled
    # bytes), between arbitrary bytes: the sampled pre-test never misses a run
    # of 19 and never reports one that is not there.
    data = head + b"7" * digits + tail
    assert protocol._has_long_number(data) == bool(_RUN_OF_19_DIGITS.search(data))


@pytest.mark.parametrize("offset", range(6))
@pytest.mark.parametrize("length", [18, 19, 20])
def test_long_number_at_every_alignment(offset: int, length: int) -> None:
    data = b"x" * offset + b"1234567890" * 2
    data = data[: offset + length] + b"]"
    assert protocol._has_long_number(data) is (length >= 19)
    assert protocol._has_long_number(b"1.2.3.4:8554/camera0" * 5) is False


def test_big_integer_stays_exact_through_the_core() -> None:
    proto = RpcProtocol("current")
    proto.connection_made()
    call = proto.start_call("get_metrics")
    (event,) = proto.receive_text(
        f'{{"jsonrpc":"2.0","id":{call.id},"result":{{"bytes":{2**70}}}}}'
    )
    assert type(event) is CallCompleted
    assert call.result == {"bytes": 2**70}
    assert type(call.result["bytes"]) is int


def test_notification_parsed_by_orjson_path() -> None:
    proto = RpcProtocol("current")
    proto.connection_made()
    text = '{"jsonrpc":"2.0","method":"recording.progress","params":{"device":"camera0","p":1.5}}'
    (event,) = proto.receive_text(text)
    assert type(event) is Notification
    assert event.params == orjson.loads(text)["params"] == {"device": "camera0", "p": 1.5}


# ---------------------------------------------------------------- request texts

_params = st.none() | st.dictionaries(st.text(max_size=8), json_values, max_size=4)


@settings(max_examples=300)
@given(st.text(min_size=1, max_size=12), _params)
def test_request_template_writes_what_the_encoder_writes(method: str, params: Any) -> None:
    # The default core writes requests from a per-method template; a core
    # given the same encoder as its dumps builds the object and encodes it.
    fast = RpcProtocol()
    plain = RpcProtocol(dumps=protocol._ENCODER.encode)
    fast.connection_made()
    plain.connection_made()
    text = fast.start_call(method, params).text
    assert text == plain.start_call(method, params).text
    expected = {"jsonrpc": "2.0", "method": method, "id": 1}
    if params:
        expected = {"jsonrpc": "2.0", "method": method, "params": params, "id": 1}
    assert json.loads(text) == expected
    assert list(json.loads(text)) == list(expected)


def test_request_template_refuses_what_the_encoder_refuses() -> None:
    core = RpcProtocol()
    core.connection_made()
    for bad in ({"x": float("nan")}, {"x": object()}, {1j: 2}):
        with pytest.raises(protocol.InvalidParamsError, match="cannot be encoded as JSON"):
            core.start_call("take_snapshot", bad)
    # Nothing was registered and the ids did not move.
    assert core.start_call("ping").id == 1
    # The head cache is bounded: any number of distinct names still works.
    for n in range(protocol._REQUEST_HEADS_LIMIT + 10):
        assert json.loads(core.start_call(f"m{n}").text)["method"] == f"m{n}"
    assert len(protocol._REQUEST_HEADS) <= protocol._REQUEST_HEADS_LIMIT


@pytest.mark.parametrize("custom_dumps", [False, True])
def test_request_debug_log_hides_credentials_either_way(
    custom_dumps: bool, caplog: pytest.LogCaptureFixture
) -> None:
    core = RpcProtocol(dumps=protocol._ENCODER.encode if custom_dumps else None)
    core.connection_made()
    token = "a-secret-token-of-some-length"
    with caplog.at_level("DEBUG", logger="mediamtx_camera_sdk.protocol"):
        call = core.start_authenticate(token, "jwt")
        core.start_call("get_camera_status", {"device": "camera0"})
    assert token in call.text  # the frame itself carries it...
    assert token not in caplog.text  # ...the log never does
    assert '"auth_token":"<redacted>"' in caplog.text
    assert '"params":{"device":"camera0"}' in caplog.text
