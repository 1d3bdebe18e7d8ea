"""The optional C decoders (``mediamtx_camera_sdk._speedups``).

They are built by ``pip install`` wherever a C compiler is available, and the
SDK must work the same without them. What the decoders produce is checked
model by model against the Python decoders and a reference decoder in
``test_convert.py`` and ``test_convert_differential.py`` (both run with each
kind of decoder); this module checks the extension itself: that it is built
here, which models use it, its hand-over to the Python decoder, its argument
checks, that it keeps nothing alive and that the switch to turn it off works.
"""

from __future__ import annotations

import gc
import os
import subprocess
import sys
import tracemalloc
from collections.abc import Callable
from types import MappingProxyType
from typing import Any

import attrs
import pytest

from _build import compiler_available
from mediamtx_camera_sdk import _convert, models
from mediamtx_camera_sdk.errors import ProtocolError

CAMERA: dict[str, Any] = {
    "device": "camera0",
    "status": "CONNECTED",
    "name": "USB Camera 0",
    "resolution": "1920x1080",
    "fps": 30,
    "streams": {"rtsp": "rtsp://h/camera0", "hls": "http://h/camera0"},
    "capabilities": {"formats": ["YUYV"], "resolutions": ["640x480"]},
}


def test_the_extension_is_built_where_a_compiler_exists() -> None:
    # pip builds it on install; the build is optional, so a broken build would
    # pass unnoticed (every other test also runs on the Python decoders).
    if compiler_available():
        assert _convert._speedups is not None
    assert _convert.PURE_PYTHON_ENV == "MEDIAMTX_CAMERA_SDK_PURE_PYTHON"


speedups = _convert._speedups
needs_extension = pytest.mark.skipif(
    speedups is None, reason="the C extension is not built (no C compiler at install time)"
)


@pytest.fixture
def fresh(monkeypatch: pytest.MonkeyPatch) -> Callable[[Any], Any]:
    """``_convert._checker`` with an empty cache and the extension switched on."""
    monkeypatch.delenv(_convert.PURE_PYTHON_ENV, raising=False)
    monkeypatch.setattr(_convert, "_checkers", {})
    return _convert._checker


@needs_extension
def test_plain_models_get_c_decoders(fresh: Callable[[Any], Any]) -> None:
    assert speedups is not None
    for model in (models.CameraInfo, models.StreamUrls, models.RecordingInfo, models.AuthResult):
        decoder = fresh(model)
        assert type(decoder) is speedups.Decoder, model
        assert decoder.cls is model
        assert "def structure(data):" in (decoder.fallback.__doc__ or "")


@needs_extension
def test_models_the_c_decoder_cannot_follow_keep_the_python_one(
    fresh: Callable[[Any], Any],
) -> None:
    @attrs.define
    class Deep:
        value: int | None = attrs.field(default=None, metadata=models._wire(("a", "b", "c")))

    @attrs.frozen
    class Frozen:
        value: int

    @attrs.define(slots=False)
    class NoSlots:
        value: int
        raw: Any = None

    for model in (Deep, Frozen, NoSlots):
        assert not isinstance(fresh(model), speedups.Decoder), model  # type: ignore[union-attr]
    assert _convert.decode(Deep, {"a": {"b": {"c": 4}}}).value == 4
    assert _convert.decode(NoSlots, {"value": 4}).value == 4
    assert _convert.decode(NoSlots, {"value": 4}).raw == {"value": 4}


def test_the_switch_turns_the_extension_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(_convert.PURE_PYTHON_ENV, "1")
    monkeypatch.setattr(_convert, "_checkers", {})
    decoder = _convert._checker(models.CameraInfo)
    assert speedups is None or type(decoder) is not speedups.Decoder
    assert decoder(CAMERA).device_path == "camera0"
    monkeypatch.setenv(_convert.PURE_PYTHON_ENV, "0")  # "0" and "" mean off
    monkeypatch.setattr(_convert, "_checkers", {})
    assert _convert._accelerated() is (speedups is not None)


@needs_extension
def test_a_camera_decodes_field_for_field(fresh: Callable[[Any], Any]) -> None:
    camera = fresh(models.CameraInfo)(CAMERA)
    assert (camera.device_path, camera.status, camera.name, camera.fps) == (
        "camera0",
        "CONNECTED",
        "USB Camera 0",
        30,
    )
    assert camera.stream_url == "rtsp://h/camera0"
    assert camera.streams == models.StreamUrls(rtsp="rtsp://h/camera0", hls="http://h/camera0")
    assert camera.formats == camera.capabilities == ["YUYV"]
    assert camera.formats is not CAMERA["capabilities"]["formats"]  # checked lists are copies
    assert camera.metrics is None
    assert camera.raw is CAMERA
    bare = fresh(models.CameraInfo)({"device": "camera1", "status": "DISCONNECTED"})
    assert bare.formats == [] and bare.resolutions == [] and bare.formats is not bare.resolutions
    assert bare.streams is None and bare.stream_url is None


@needs_extension
@pytest.mark.parametrize(
    ("wire", "field", "reason"),
    [
        ({"status": "CONNECTED"}, "device", "is missing"),
        ({"device": None, "status": "CONNECTED"}, "device", "is null"),
        ({"device": "c", "status": "X", "fps": "3"}, "fps", "expected an integer, got string '3'"),
        (
            {"device": "c", "status": "X", "fps": True},
            "fps",
            "expected an integer, got boolean True",
        ),
        ({"device": "c", "status": "X", "streams": {"rtsp": 5}}, "streams.rtsp", None),
        ({"device": "c", "status": "X", "capabilities": {"formats": [1]}}, None, None),
    ],
)
def test_errors_are_the_python_decoders_errors(
    fresh: Callable[[Any], Any], wire: dict[str, Any], field: str | None, reason: str | None
) -> None:
    with pytest.raises(ProtocolError) as c_error:
        _convert.decode(models.CameraInfo, wire)
    fresh_python = _convert._checkers[models.CameraInfo].fallback  # type: ignore[attr-defined]
    with pytest.raises(_convert._Invalid) as python_error:
        fresh_python(wire)
    assert c_error.value.data["field"] == _convert._format_path(python_error.value.path)
    assert c_error.value.data["reason"] == python_error.value.reason
    if field is not None:
        assert c_error.value.data["field"] == field
    if reason is not None:
        assert c_error.value.data["reason"] == reason


@needs_extension
def test_other_mappings_and_non_dict_paths_go_to_the_python_decoder(
    fresh: Callable[[Any], Any],
) -> None:
    decoder = fresh(models.CameraInfo)
    proxy = decoder(MappingProxyType(CAMERA))
    assert proxy.stream_url == "rtsp://h/camera0" and proxy.raw == CAMERA
    nested = decoder({**CAMERA, "streams": MappingProxyType({"rtsp": "r"})})
    assert nested.stream_url == "r" and nested.streams == models.StreamUrls(rtsp="r")
    with pytest.raises(_convert._Invalid):
        decoder(["not", "an", "object"])


@needs_extension
def test_a_float_that_is_an_integer_is_converted_by_the_checker(
    fresh: Callable[[Any], Any],
) -> None:
    camera = fresh(models.CameraInfo)({**CAMERA, "fps": 30.0})
    assert camera.fps == 30 and type(camera.fps) is int


# --------------------------------------------------------------------------- the type itself


@attrs.define
class _Sample:
    name: str
    size: int = 0
    tags: list[str] = attrs.field(factory=list)
    extra: dict[str, Any] = attrs.field(factory=dict)
    marks: tuple[int, ...] = attrs.field(factory=tuple)
    raw: Any = None


def _plan(check: Callable[[Any], Any] = _convert._check_str) -> tuple[tuple[Any, ...], ...]:
    assert speedups is not None
    return (
        (_Sample.name, False, (("name",),), str, check, speedups.DEFAULT_REQUIRED, None),
        (_Sample.size, False, (("size",), ("length",)), int, None, speedups.DEFAULT_VALUE, 0),
        (_Sample.tags, False, (("meta", "tags"),), None, list, speedups.DEFAULT_LIST, None),
        (_Sample.extra, False, (("extra",),), None, dict, speedups.DEFAULT_DICT, None),
        (_Sample.marks, False, (("marks",),), None, tuple, speedups.DEFAULT_FACTORY, tuple),
        (_Sample.raw, True, (), None, None, speedups.DEFAULT_NONE, None),
    )


class _Fallback:
    def __init__(self) -> None:
        self.calls: list[Any] = []

    def __call__(self, data: Any) -> str:
        self.calls.append(data)
        return "python"


@needs_extension
def test_decoder_builds_from_its_plan_and_hands_over_the_rest() -> None:
    assert speedups is not None
    fallback = _Fallback()
    decoder = speedups.Decoder(_Sample, _plan(), fallback)
    data = {"name": "n", "meta": {"tags": ("a",)}, "extra": {"k": 1}}
    made = decoder(data)
    assert made == _Sample("n", 0, ["a"], {"k": 1}, (), raw=data)
    assert made.raw is data
    empty = decoder({"name": "n", "meta": None})
    assert empty.tags == [] and empty.extra == {} and empty.marks == ()
    # The first path that leads to a value other than null wins.
    assert decoder({"name": "n", "length": 3}).size == 3
    assert decoder({"name": "n", "size": None, "length": 3}).size == 3
    assert decoder({"name": "n", "size": 2, "length": 3}).size == 2
    assert fallback.calls == []
    handed = [
        {"size": 1},  # the required member is missing
        {"name": None},  # ... or null
        {"name": "n", "size": "1"},  # no checker for a value of another type
        {"name": "n", "meta": ["tags"]},  # a path through something that is not a dict
        MappingProxyType({"name": "n"}),  # not a plain dict
        "text",
    ]
    for wire in handed:
        assert decoder(wire) == "python"
    assert fallback.calls == handed


@needs_extension
def test_a_checker_failure_hands_over_but_interrupts_propagate() -> None:
    assert speedups is not None

    def refuse(value: Any) -> Any:
        raise ValueError(value)

    def interrupt(value: Any) -> Any:
        raise KeyboardInterrupt

    fallback = _Fallback()
    assert speedups.Decoder(_Sample, _plan(refuse), fallback)({"name": 1}) == "python"
    assert fallback.calls == [{"name": 1}]
    with pytest.raises(KeyboardInterrupt):
        speedups.Decoder(_Sample, _plan(interrupt), fallback)({"name": 1})
    assert fallback.calls == [{"name": 1}]


@needs_extension
@pytest.mark.parametrize(
    ("args", "error"),
    [
        (("not a type", (), print), TypeError),
        ((_Sample, [], print), TypeError),
        ((_Sample, (), "not callable"), TypeError),
        ((_Sample, ("not a tuple",), print), TypeError),
        ((_Sample, ((_Sample.name, False, (("name",),)),), print), TypeError),
        ((_Sample, ((object(), False, (("n",),), None, None, 0, None),), print), TypeError),
        ((_Sample, ((_Sample.name, False, "name", None, None, 0, None),), print), TypeError),
        ((_Sample, ((_Sample.name, False, ((5,),), None, None, 0, None),), print), TypeError),
        ((_Sample, ((_Sample.name, False, (("a", 5),), None, None, 0, None),), print), TypeError),
        (
            (_Sample, ((_Sample.name, False, (("a", "b", "c"),), None, None, 0, None),), print),
            TypeError,
        ),
        ((_Sample, ((_Sample.name, False, ((),), None, None, 0, None),), print), TypeError),
        ((_Sample, ((_Sample.name, False, (), None, None, 0, None),), print), ValueError),
        ((_Sample, ((_Sample.name, False, (("n",),), "str", None, 0, None),), print), TypeError),
        ((_Sample, ((_Sample.name, False, (("n",),), None, 5, 0, None),), print), TypeError),
        ((_Sample, ((_Sample.name, False, (("n",),), None, None, 9, None),), print), ValueError),
        ((_Sample, ((_Sample.name, False, (("n",),), None, None, 4, None),), print), TypeError),
    ],
)
def test_decoder_refuses_a_malformed_plan(args: tuple[Any, ...], error: type[Exception]) -> None:
    assert speedups is not None
    with pytest.raises(error):
        speedups.Decoder(*args)


@needs_extension
def test_decoder_takes_one_positional_argument() -> None:
    assert speedups is not None
    decoder = speedups.Decoder(_Sample, _plan(), _Fallback())
    with pytest.raises(TypeError, match="one positional argument"):
        decoder()  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="one positional argument"):
        decoder({"name": "n"}, data={})  # type: ignore[call-arg]


@needs_extension
def test_decoders_keep_nothing_alive(fresh: Callable[[Any], Any]) -> None:
    # Every path (built, handed over, failed) releases what it made: no growth
    # over many rounds, and a decoder in a reference cycle is collected.
    decoder = fresh(models.CameraInfo)
    bad = {**CAMERA, "fps": "x"}

    def rounds(n: int) -> None:
        for _ in range(n):
            decoder(CAMERA)
            decoder({**CAMERA, "fps": 30.0})
            decoder(MappingProxyType(CAMERA))
            with pytest.raises(_convert._Invalid):
                decoder(bad)

    rounds(200)
    gc.collect()
    tracemalloc.start()
    try:
        rounds(50)
        gc.collect()
        before = tracemalloc.get_traced_memory()[0]
        rounds(2000)
        gc.collect()
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert grown < 20_000, grown

    assert speedups is not None
    holder: list[Any] = []
    cyclic = speedups.Decoder(_Sample, _plan(), holder.append)
    holder.append(cyclic)
    assert gc.is_tracked(cyclic)
    del cyclic, holder
    gc.collect()
    assert not [o for o in gc.get_objects() if type(o) is speedups.Decoder and o.cls is _Sample]


def test_the_package_works_without_the_extension(tmp_path: Any) -> None:
    # A process that cannot import the extension (as after an install with no
    # compiler) decodes through the Python decoders.
    code = (
        "import sys; sys.modules['mediamtx_camera_sdk._speedups'] = None\n"
        "from mediamtx_camera_sdk import _convert, models\n"
        "assert _convert._speedups is None\n"
        "camera = _convert.decode(models.CameraInfo, {'device': 'c', 'status': 'X', 'fps': 5})\n"
        "print(type(_convert._checker(models.CameraInfo)).__name__, camera.fps)\n"
    )
    env = {k: v for k, v in os.environ.items() if k != _convert.PURE_PYTHON_ENV}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    assert done.stdout.split() == ["function", "5"]
