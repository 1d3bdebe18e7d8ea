"""The generated typed APIs (``_async/_api.py``, ``_sync/_api.py``) and their generator."""

from __future__ import annotations

import importlib.util
import inspect
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from mediamtx_camera_sdk import methods, models
from mediamtx_camera_sdk._async._api import AsyncApi
from mediamtx_camera_sdk._sync._api import SyncApi
from mediamtx_camera_sdk.errors import InvalidParamsError
from mediamtx_camera_sdk.methods import METHODS, MethodSpec

ROOT = Path(__file__).resolve().parent.parent


def _load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_api", ROOT / "tools" / "gen_api.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("gen_api", module)
    spec.loader.exec_module(module)
    return module


gen_api = _load_generator()

GENERATED = {name for name, spec in METHODS.items() if spec.generate}

# One valid set of arguments per generated method.
SAMPLE_ARGS: dict[str, dict[str, Any]] = {
    "ping": {},
    "get_camera_list": {},
    "get_camera_status": {"device_path": "camera0"},
    "get_camera_capabilities": {"device_path": "camera0"},
    "take_snapshot": {"device_path": "/dev/video0", "filename": "s.jpg", "quality": 90},
    "start_recording": {"device_path": "camera0", "duration": 60, "format": "mp4"},
    "stop_recording": {"device_path": "camera0"},
    "list_recordings": {"limit": 10, "offset": 20},
    "list_snapshots": {"limit": 5},
    "get_recording_info": {"filename": "r.mp4"},
    "get_snapshot_info": {"filename": "s.jpg"},
    "delete_recording": {"filename": "r.mp4"},
    "delete_snapshot": {"filename": "s.jpg"},
    "start_streaming": {"device_path": "camera1"},
    "stop_streaming": {"device_path": "camera1"},
    "get_stream_url": {"device_path": "camera1"},
    "get_stream_status": {"device_path": "camera1"},
    "get_streams": {},
    "get_metrics": {},
    "get_status": {},
    "get_system_status": {},
    "get_server_info": {},
    "get_storage_info": {},
    "set_retention_policy": {"policy_type": "size", "enabled": True, "max_size_gb": 10},
    "cleanup_old_files": {},
    "subscribe_events": {"topics": ["camera.connected"], "filters": {"device": "camera0"}},
    "unsubscribe_events": {"topics": ["camera.connected"]},
    "get_subscription_stats": {},
    "discover_external_streams": {"force_rescan": True},
    "add_external_stream": {"stream_url": "rtsp://x/y", "stream_name": "y"},
    "remove_external_stream": {"stream_url": "rtsp://x/y"},
    "get_external_streams": {},
    "set_discovery_interval": {"scan_interval": 30},
}


class RecordingSyncApi(SyncApi):
    """Records what the generated methods hand to ``_invoke``."""

    def __init__(self) -> None:
        self.calls: list[tuple[MethodSpec[Any], dict[str, Any] | None, float | None]] = []

    def _invoke(
        self, spec: MethodSpec[Any], params: dict[str, Any] | None, timeout: float | None
    ) -> Any:
        self.calls.append((spec, params, timeout))
        return f"result of {spec.name}"


class RecordingAsyncApi(AsyncApi):
    """Records what the generated methods hand to ``_invoke``."""

    def __init__(self) -> None:
        self.calls: list[tuple[MethodSpec[Any], dict[str, Any] | None, float | None]] = []

    async def _invoke(
        self, spec: MethodSpec[Any], params: dict[str, Any] | None, timeout: float | None
    ) -> Any:
        self.calls.append((spec, params, timeout))
        return f"result of {spec.name}"


def _public_methods(cls: type) -> dict[str, Any]:
    return {
        name: member
        for name, member in vars(cls).items()
        if not name.startswith("_") and callable(member)
    }


# --------------------------------------------------------------------------- freshness


@pytest.mark.parametrize("kind", ["async", "sync"])
def test_generated_files_are_up_to_date(kind: str) -> None:
    path = gen_api.TARGETS[kind]
    assert path.read_text(encoding="utf-8") == gen_api.render(kind), (
        f"{path} is stale: run python tools/gen_api.py"
    )


@pytest.mark.parametrize("kind", ["async", "sync"])
def test_generated_files_say_so(kind: str) -> None:
    text = gen_api.TARGETS[kind].read_text(encoding="utf-8")
    assert text.startswith("# GENERATED FILE, DO NOT EDIT.")


def test_check_mode_reports_stale_files_and_write_mode_fixes_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    targets = {"async": tmp_path / "async_api.py", "sync": tmp_path / "sync_api.py"}
    targets["async"].write_text("stale\n", encoding="utf-8")
    monkeypatch.setattr(gen_api, "TARGETS", targets)
    monkeypatch.setattr(gen_api, "ROOT", tmp_path)
    assert gen_api.main(["--check"]) == 1
    assert "stale" in capsys.readouterr().err
    assert targets["async"].read_text(encoding="utf-8") == "stale\n"  # --check writes nothing
    assert not targets["sync"].exists()
    assert gen_api.main([]) == 0
    assert capsys.readouterr().out.count("wrote") == 2
    assert targets["async"].read_text(encoding="utf-8") == gen_api.render("async")
    assert targets["sync"].read_text(encoding="utf-8") == gen_api.render("sync")
    assert gen_api.main(["--check"]) == 0
    assert gen_api.main([]) == 0
    assert capsys.readouterr().out == ""  # nothing to rewrite


def test_the_checked_in_files_pass_check_mode() -> None:
    assert gen_api.main(["--check"]) == 0


# --------------------------------------------------------------------------- shape


def test_both_apis_have_exactly_the_generated_methods() -> None:
    assert set(_public_methods(AsyncApi)) == GENERATED
    assert set(_public_methods(SyncApi)) == GENERATED
    assert set(SAMPLE_ARGS) == GENERATED
    # run by the clients themselves, or aliases
    for name in ("authenticate", "get_cameras", "get_recording_status"):
        assert name not in GENERATED


def test_signatures_are_identical_between_the_two_apis() -> None:
    async_methods = _public_methods(AsyncApi)
    sync_methods = _public_methods(SyncApi)
    for name in GENERATED:
        assert inspect.signature(async_methods[name]) == inspect.signature(sync_methods[name])
        assert inspect.iscoroutinefunction(async_methods[name])
        assert not inspect.iscoroutinefunction(sync_methods[name])
    assert inspect.signature(AsyncApi._invoke) == inspect.signature(SyncApi._invoke)


@pytest.mark.parametrize("name", sorted(GENERATED))
def test_signature_follows_the_table(name: str) -> None:
    spec = METHODS[name]
    sig = inspect.signature(getattr(SyncApi, name))
    params = list(sig.parameters.values())
    assert params[0].name == "self"
    assert [p.name for p in params[1:-1]] == [p.name for p in spec.params]
    timeout = params[-1]
    assert timeout.name == "timeout"
    assert timeout.kind is inspect.Parameter.KEYWORD_ONLY
    assert timeout.default is None
    for param, table in zip(params[1:-1], spec.params, strict=True):
        assert (param.default is inspect.Parameter.empty) is table.required
        keyword_only = param.kind is inspect.Parameter.KEYWORD_ONLY
        assert keyword_only is table.keyword_only
    doc = inspect.getdoc(getattr(SyncApi, name))
    assert doc is not None
    assert doc.startswith(spec.summary.split(".")[0])
    assert f"Lowest role: {spec.role or 'none'}" in doc
    assert "Raises:" in doc


def test_seed_signatures_still_work() -> None:
    api = RecordingSyncApi()
    api.take_snapshot("camera0", "shot.jpg")
    api.get_camera_status("camera0")
    api.stop_recording("/dev/video0")
    assert [c[1] for c in api.calls] == [
        {"device": "camera0", "filename": "shot.jpg"},
        {"device": "camera0"},
        {"device": "/dev/video0"},
    ]


# --------------------------------------------------------------------------- behaviour


@pytest.mark.parametrize("name", sorted(GENERATED))
def test_sync_methods_validate_and_invoke_with_the_spec(name: str) -> None:
    spec = METHODS[name]
    api = RecordingSyncApi()
    result = getattr(api, name)(**SAMPLE_ARGS[name], timeout=2.5)
    assert result == f"result of {name}"
    assert api.calls == [(spec, spec.build_params(**SAMPLE_ARGS[name]), 2.5)]
    getattr(api, name)(**SAMPLE_ARGS[name])
    assert api.calls[-1][2] is None


@pytest.mark.anyio
@pytest.mark.parametrize("name", sorted(GENERATED))
async def test_async_methods_validate_and_invoke_with_the_spec(name: str) -> None:
    spec = METHODS[name]
    api = RecordingAsyncApi()
    result = await getattr(api, name)(**SAMPLE_ARGS[name], timeout=1.0)
    assert result == f"result of {name}"
    assert api.calls == [(spec, spec.build_params(**SAMPLE_ARGS[name]), 1.0)]


def test_invalid_arguments_raise_before_invoke_sync() -> None:
    api = RecordingSyncApi()
    with pytest.raises(InvalidParamsError) as info:
        api.get_camera_status(5)  # type: ignore[arg-type]
    assert info.value.param == "device_path"
    with pytest.raises(InvalidParamsError):
        api.start_recording("camera0", duration=0)
    assert api.calls == []


@pytest.mark.anyio
async def test_invalid_arguments_raise_before_invoke_async() -> None:
    api = RecordingAsyncApi()
    with pytest.raises(InvalidParamsError):
        await api.list_recordings(limit=5000)
    with pytest.raises(InvalidParamsError):
        await api.take_snapshot("camera0", "../etc/passwd")
    assert api.calls == []


def test_start_recording_filename_warns_at_the_caller_sync() -> None:
    api = RecordingSyncApi()
    with pytest.warns(UserWarning, match="service chooses") as record:
        api.start_recording("camera0", "mine.mp4")
    assert record[0].filename == __file__
    assert api.calls[0][1] == {"device": "camera0"}


@pytest.mark.anyio
async def test_start_recording_filename_warns_at_the_caller_async() -> None:
    api = RecordingAsyncApi()
    with pytest.warns(UserWarning, match="service chooses") as record:
        await api.start_recording("camera0", filename="mine.mp4")
    assert record[0].filename == __file__
    assert api.calls[0][1] == {"device": "camera0"}


def test_the_base_invoke_is_abstract_sync() -> None:
    with pytest.raises(NotImplementedError):
        SyncApi().ping()


@pytest.mark.anyio
async def test_the_base_invoke_is_abstract_async() -> None:
    with pytest.raises(NotImplementedError):
        await AsyncApi().get_camera_list()


def test_spec_constants_used_by_the_generated_code_exist() -> None:
    text = gen_api.TARGETS["sync"].read_text(encoding="utf-8")
    for name in GENERATED:
        assert f"methods.{METHODS[name].const_name}" in text
        assert getattr(methods, METHODS[name].const_name) is METHODS[name]


def test_type_source_of_results() -> None:
    assert gen_api._type_source(list[models.StreamInfo]) == "list[StreamInfo]"
    assert gen_api._type_source(methods.GET_STREAMS.result) == "StreamList"
    assert gen_api._type_source(str) == "str"
    assert gen_api._model_names(list[models.StreamInfo]) == {"StreamInfo"}
    assert gen_api._model_names(methods.GET_STREAMS.result) == {"StreamList"}
    assert gen_api._model_names(str) == set()
