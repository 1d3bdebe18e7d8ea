"""The compiled model decoders against a plain reference decoder (hypothesis).

``_convert._compile_model`` generates one straight-line function per model for
speed: slots set in place, shared wire members fetched once, fast type tests.
This module decodes the same random wire values with a small interpretive
decoder written from the rules of :class:`~mediamtx_camera_sdk.models._Wire`
alone, and checks that both agree: the same model (and the same ``raw``), or
the same error (field path and reason).
"""

from __future__ import annotations

import types
import typing
from collections.abc import Mapping
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mediamtx_camera_sdk import _convert, models
from mediamtx_camera_sdk.errors import ProtocolError

# Every test runs with the C decoders (when built) and with the Python ones.
pytestmark = pytest.mark.usefixtures("model_decoders")

MODELS = sorted(
    (
        value
        for name, value in vars(models).items()
        if isinstance(value, type)
        and attrs.has(value)
        and not name.startswith("_")
        and value.__module__ == models.__name__
    ),
    key=lambda cls: cls.__name__,
)


class RefError(Exception):
    """The reference decoder's failure: the path (outermost first) and the reason."""

    def __init__(self, path: list[str | int], reason: str) -> None:
        super().__init__(reason)
        self.path = path
        self.reason = reason


def _spec(field: Any) -> Any:
    return field.metadata.get(models._WIRE_KEY, models._Wire())


def _optional_inner(tp: Any) -> tuple[bool, Any]:
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        args = typing.get_args(tp)
        rest = [a for a in args if a is not type(None)]
        if len(rest) == 1 and len(rest) < len(args):
            return True, rest[0]
    return False, tp


def _fetch(data: Mapping[str, Any], path: tuple[str, ...]) -> Any:
    value: Any = data
    for key in path:
        if not isinstance(value, Mapping):
            return None
        value = value.get(key)
    return value


def _check(tp: Any, value: Any, timestamp: bool) -> Any:
    """Check one present value; RefError with a path relative to the value."""
    if timestamp:
        checker = _convert._check_timestamp
    else:
        optional, inner = _optional_inner(tp)
        if optional and value is None:
            return None
        tp = inner
        if isinstance(tp, type) and attrs.has(tp):
            return reference(tp, value)
        if typing.get_origin(tp) is list:
            (item,) = typing.get_args(tp)
            if isinstance(item, type) and attrs.has(item):
                if not isinstance(value, list):
                    raise RefError([], f"expected an array, got {_convert._kind(value)}")
                out = []
                for index, element in enumerate(value):
                    try:
                        out.append(reference(item, element))
                    except RefError as exc:
                        raise RefError([index, *exc.path], exc.reason) from None
                return out
        checker = _convert._checker(tp)
    try:
        return checker(value)
    except _convert._Invalid as exc:
        raise RefError(list(reversed(exc.path)), exc.reason) from None


def reference(cls: type[Any], data: Any) -> Any:
    """Decode ``data`` into ``cls`` by reading the field rules one at a time."""
    if not isinstance(data, Mapping):
        raise RefError([], f"expected a {cls.__name__} object, got {_convert._kind(data)}")
    hints = typing.get_type_hints(cls)
    kwargs: dict[str, Any] = {}
    for field in attrs.fields(cls):
        if not field.init:
            continue
        if field.name == "raw":
            kwargs[field.alias] = data
            continue
        spec = _spec(field)
        sources = spec.sources or ((field.name,),)
        value = None
        used = sources[-1]
        for path in sources:
            value = _fetch(data, path)
            if value is not None:
                used = path
                break
        has_default = field.default is not attrs.NOTHING
        required = (
            spec.required
            if spec.required is not None
            else not has_default and spec.missing is models._NO_DEFAULT
        )
        if value is None:
            if required:
                first = sources[0]
                if len(sources) == 1 and len(first) == 1:
                    reason = "is null" if first[0] in data else "is missing"
                else:
                    reason = "is missing"
                raise RefError([".".join(first)], reason)
            if spec.missing is not models._NO_DEFAULT:
                fallback = spec.missing
            elif has_default:
                fallback = field.default
            else:
                fallback = None
            if isinstance(fallback, attrs.Factory):  # type: ignore[arg-type]
                fallback = fallback.factory()
            kwargs[field.alias] = fallback
            continue
        try:
            kwargs[field.alias] = _check(hints[field.name], value, spec.timestamp)
        except RefError as exc:
            raise RefError([".".join(used), *exc.path], exc.reason) from None
    return cls(**kwargs)


def _format(path: list[str | int]) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out


# --------------------------------------------------------------------------- values

_LEAF = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 3),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.text(max_size=3),
    st.sampled_from(["2025-01-15T14:30:00Z", "2025-01-15 14:30:00.123+02:00", "not a date"]),
)
_ANY_JSON = st.recursive(
    _LEAF,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=2), inner),
    max_leaves=6,
)


def _typed(tp: Any, depth: int = 0) -> st.SearchStrategy[Any]:
    """Mostly values of the type ``tp``, sometimes anything JSON."""
    optional, inner = _optional_inner(tp)
    if optional:
        return st.one_of(st.none(), _typed(inner, depth))
    good: st.SearchStrategy[Any]
    if inner is str:
        good = st.text(max_size=4)
    elif inner is bool:
        good = st.booleans()
    elif inner is int:
        good = st.integers(-5, 5) | st.sampled_from([3.0, 2.5])
    elif inner is float:
        good = st.floats(allow_nan=False, allow_infinity=False) | st.integers(-5, 5)
    elif typing.get_origin(inner) is list:
        args = typing.get_args(inner)
        good = st.lists(_typed(args[0], depth + 1) if args else _LEAF, max_size=3)
    elif isinstance(inner, type) and attrs.has(inner) and depth < 3:
        good = _wire_dict(inner, depth + 1)
    else:
        good = _ANY_JSON
    return st.one_of(good, good, good, _ANY_JSON)


@st.composite
def _wire_dict_of(draw: st.DrawFn, cls: type[Any], depth: int) -> dict[str, Any]:
    hints = typing.get_type_hints(cls)
    out: dict[str, Any] = {}
    for field in attrs.fields(cls):
        if not field.init or field.name == "raw":
            continue
        spec = _spec(field)
        for path in spec.sources or ((field.name,),):
            if draw(st.integers(0, 5)) == 0:
                continue  # absent
            tp = Any if spec.timestamp else hints[field.name]
            value = draw(
                st.sampled_from(["2025-01-15T14:30:00Z", "2025-01-15", "x", 1700000000.5])
                if spec.timestamp
                else _typed(tp, depth)
            )
            _convert.set_path(out, path, value)
    if draw(st.booleans()):
        out[draw(st.text(max_size=3))] = draw(_ANY_JSON)  # an unknown member
    return out


def _wire_dict(cls: type[Any], depth: int = 0) -> st.SearchStrategy[Any]:
    return _wire_dict_of(cls, depth)


# --------------------------------------------------------------------------- the check


def _agree(cls: type[Any], data: Any) -> None:
    failure: RefError | None = None
    try:
        expected = reference(cls, data)
    except RefError as exc:
        failure = exc
    if failure is not None:
        with pytest.raises(ProtocolError) as info:
            _convert.decode(cls, data)
        assert info.value.data["field"] == _format(failure.path)
        assert info.value.data["reason"] == failure.reason
        return
    found = _convert.decode(cls, data)
    assert type(found) is cls
    assert found == expected
    if "raw" in attrs.fields_dict(cls):
        assert found.raw is data
    # Nothing left unset (in-place construction) and the same values, raw included.
    assert attrs.asdict(found, recurse=False) == attrs.asdict(expected, recurse=False)


def test_the_reference_covers_every_model() -> None:
    names = {cls.__name__ for cls in MODELS}
    assert {"CameraInfo", "StreamUrls", "RecordingInfo", "AuthResult"} <= names
    assert len(MODELS) >= 15


@pytest.mark.parametrize("cls", MODELS, ids=lambda cls: cls.__name__)
@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_compiled_decoder_agrees_with_the_reference(cls: type[Any], data: st.DataObject) -> None:
    wire = data.draw(st.one_of(_wire_dict(cls), _ANY_JSON))
    _agree(cls, wire)


def test_a_valid_camera_decodes_the_same_both_ways() -> None:
    camera = {
        "device": "camera0",
        "status": "CONNECTED",
        "name": "USB",
        "fps": 30.0,
        "streams": {"rtsp": "rtsp://h/camera0", "hls": "http://h/camera0"},
        "capabilities": {"formats": ["YUYV"], "resolutions": ["640x480"]},
        "metrics": {"bytes_sent": 5, "readers": 2, "uptime": 3},
    }
    _agree(models.CameraInfo, camera)
    found = _convert.decode(models.CameraInfo, camera)
    assert found.fps == 30 and type(found.fps) is int
    assert found.capabilities == found.formats == ["YUYV"]
    assert found.capabilities is not found.formats  # two lists, not one shared


def test_classes_that_need_their_init_are_built_by_calling_them() -> None:
    @attrs.define(slots=True)
    class Checked:
        value: int = attrs.field(validator=attrs.validators.ge(0))

    @attrs.frozen
    class Frozen:
        value: int

    @attrs.define
    class PostInit:
        value: int
        seen: list[int] = attrs.field(factory=list)

        def __attrs_post_init__(self) -> None:
            self.seen.append(self.value)

    assert not _convert._builds_in_place(Checked)
    assert not _convert._builds_in_place(Frozen)
    assert not _convert._builds_in_place(PostInit)
    assert _convert._builds_in_place(models.CameraInfo)
    with pytest.raises(ValueError, match="value"):
        _convert.decode(Checked, {"value": -1})  # the validator ran
    assert _convert.decode(Frozen, {"value": 2}) == Frozen(2)
    assert _convert.decode(PostInit, {"value": 4}).seen == [4]
