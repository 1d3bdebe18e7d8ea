"""The method table: coverage of the contract, roles, dialects and parameter validation."""

from __future__ import annotations

import math
from typing import Any

import pytest

from mediamtx_camera_sdk import methods, models
from mediamtx_camera_sdk.errors import InvalidParamsError
from mediamtx_camera_sdk.methods import METHODS, ROLES, MethodSpec, role_allows

# The contract, copied from docs/protocol.md: method -> lowest role (current dialect).
CURRENT_ROLES: dict[str, str | None] = {
    "ping": None,
    "authenticate": None,
    "get_camera_list": "viewer",
    "get_camera_status": "viewer",
    "get_camera_capabilities": "viewer",
    "take_snapshot": "operator",
    "start_recording": "operator",
    "stop_recording": "operator",
    "list_recordings": "viewer",
    "list_snapshots": "viewer",
    "get_recording_info": "viewer",
    "get_snapshot_info": "viewer",
    "delete_recording": "admin",
    "delete_snapshot": "admin",
    "start_streaming": "operator",
    "stop_streaming": "operator",
    "get_stream_url": "viewer",
    "get_stream_status": "viewer",
    "get_streams": "viewer",
    "get_metrics": "admin",
    "get_status": "admin",
    "get_system_status": "viewer",
    "get_server_info": "viewer",
    "get_storage_info": "admin",
    "set_retention_policy": "admin",
    "cleanup_old_files": "admin",
    "subscribe_events": "viewer",
    "unsubscribe_events": "viewer",
    "get_subscription_stats": "viewer",
    "discover_external_streams": "operator",
    "add_external_stream": "operator",
    "remove_external_stream": "operator",
    "get_external_streams": "viewer",
    "set_discovery_interval": "admin",
}
LEGACY = {
    "ping",
    "authenticate",
    "get_camera_list",
    "get_camera_status",
    "get_streams",
    "take_snapshot",
    "start_recording",
    "stop_recording",
    "get_metrics",
    "get_status",
    "get_server_info",
}
LEGACY_GUARDED = {"take_snapshot", "start_recording", "stop_recording"}

AGE = {"policy_type": "age", "enabled": True}
SIZE = {"policy_type": "size", "enabled": True}
EXT = {"stream_url": "rtsp://x", "stream_name": "y"}


def test_the_table_covers_exactly_the_current_calls() -> None:
    assert len(CURRENT_ROLES) == 34
    assert set(methods.methods_for("current")) == set(CURRENT_ROLES)


def test_the_table_covers_exactly_the_legacy_calls_and_the_alias() -> None:
    assert len(LEGACY) == 11
    assert set(methods.methods_for("legacy")) == LEGACY | {"get_cameras"}
    assert set(METHODS) == set(CURRENT_ROLES) | {"get_cameras"}


def test_the_legacy_alias() -> None:
    alias = METHODS["get_cameras"]
    assert alias.alias_of == "get_camera_list"
    assert alias.result is METHODS["get_camera_list"].result
    assert not alias.supports("current")
    assert alias.supports("legacy")
    assert not alias.generate


@pytest.mark.parametrize("name", sorted(CURRENT_ROLES))
def test_lowest_roles_per_dialect(name: str) -> None:
    spec = METHODS[name]
    assert spec.role == CURRENT_ROLES[name]
    assert spec.role_for("current") == CURRENT_ROLES[name]
    assert spec.role_for(None) == CURRENT_ROLES[name]
    # the legacy service only guards the camera operations
    assert spec.role_for("legacy") == ("operator" if name in LEGACY_GUARDED else None)


@pytest.mark.parametrize("name", sorted(METHODS))
def test_each_spec_is_a_module_constant_named_after_it(name: str) -> None:
    spec = METHODS[name]
    assert spec.name == name
    assert getattr(methods, spec.const_name) is spec
    assert spec.summary
    for param in spec.params:
        assert param.doc
        assert param.rule


def test_read_only_calls_are_the_getters() -> None:
    read_only = {name for name, spec in METHODS.items() if spec.read_only}
    getters = {n for n in METHODS if n.startswith(("get_", "list_"))} | {"ping"}
    assert read_only == getters


def test_roles_order_and_role_allows() -> None:
    assert ROLES == ("viewer", "operator", "admin")
    for i, have in enumerate(ROLES):
        for j, required in enumerate(ROLES):
            assert role_allows(have, required) is (i >= j)
        assert role_allows(have, None)
    assert role_allows(None, None)
    assert not role_allows(None, "viewer")
    assert not role_allows("guest", "viewer")
    assert not role_allows("admin", "superuser")


def test_param_lookup() -> None:
    assert methods.TAKE_SNAPSHOT.param("device_path").wire == "device"
    with pytest.raises(KeyError):
        methods.TAKE_SNAPSHOT.param("device")


# --------------------------------------------------------------------------- valid arguments


@pytest.mark.parametrize(
    ("name", "kwargs", "wire"),
    [
        ("ping", {}, None),
        ("get_camera_list", {}, None),
        ("get_camera_status", {"device_path": "camera0"}, {"device": "camera0"}),
        ("get_camera_status", {"device_path": "camera12"}, {"device": "camera12"}),
        ("get_camera_status", {"device_path": "/dev/video0"}, {"device": "/dev/video0"}),
        ("get_camera_capabilities", {"device_path": "camera1"}, {"device": "camera1"}),
        ("take_snapshot", {"device_path": "camera0"}, {"device": "camera0"}),
        (
            "take_snapshot",
            {"device_path": "camera0", "filename": None, "format": None, "quality": None},
            {"device": "camera0"},
        ),
        (
            "take_snapshot",
            {"device_path": "/dev/video0", "filename": "s.jpg", "format": "png", "quality": 100},
            {"device": "/dev/video0", "filename": "s.jpg", "format": "png", "quality": 100},
        ),
        (
            "take_snapshot",
            {"device_path": "camera0", "quality": 1},
            {"device": "camera0", "quality": 1},
        ),
        ("start_recording", {"device_path": "camera0"}, {"device": "camera0"}),
        (
            "start_recording",
            {"device_path": "camera0", "duration": 1, "format": "fmp4"},
            {"device": "camera0", "duration": 1, "format": "fmp4"},
        ),
        (
            "start_recording",
            {"device_path": "camera0", "duration": 86400, "format": "mkv"},
            {"device": "camera0", "duration": 86400, "format": "mkv"},
        ),
        (
            "start_recording",
            {"device_path": "camera0", "format": "mp4"},
            {"device": "camera0", "format": "mp4"},
        ),
        ("stop_recording", {"device_path": "/dev/video3"}, {"device": "/dev/video3"}),
        ("list_recordings", {}, None),
        ("list_recordings", {"limit": 1, "offset": 0}, {"limit": 1, "offset": 0}),
        ("list_snapshots", {"limit": 1000, "offset": 5000}, {"limit": 1000, "offset": 5000}),
        ("get_recording_info", {"filename": "a.mp4"}, {"filename": "a.mp4"}),
        ("get_snapshot_info", {"filename": "a b.jpg"}, {"filename": "a b.jpg"}),
        ("delete_recording", {"filename": "x.y.mp4"}, {"filename": "x.y.mp4"}),
        ("delete_snapshot", {"filename": "s.jpg"}, {"filename": "s.jpg"}),
        ("start_streaming", {"device_path": "camera0"}, {"device": "camera0"}),
        ("stop_streaming", {"device_path": "camera0"}, {"device": "camera0"}),
        ("get_stream_url", {"device_path": "camera0"}, {"device": "camera0"}),
        ("get_stream_status", {"device_path": "camera0"}, {"device": "camera0"}),
        ("get_streams", {}, None),
        ("get_metrics", {}, None),
        ("get_status", {}, None),
        ("get_system_status", {}, None),
        ("get_server_info", {}, None),
        ("get_storage_info", {}, None),
        (
            "set_retention_policy",
            {**AGE, "max_age_days": 7},
            {**AGE, "max_age_days": 7},
        ),
        (
            "set_retention_policy",
            {"policy_type": "size", "enabled": False, "max_size_gb": 2.5},
            {"policy_type": "size", "enabled": False, "max_size_gb": 2.5},
        ),
        (
            "set_retention_policy",
            {"policy_type": "manual", "enabled": True, "max_age_days": 0, "max_size_gb": 0},
            {"policy_type": "manual", "enabled": True, "max_age_days": 0, "max_size_gb": 0},
        ),
        ("cleanup_old_files", {}, None),
        ("subscribe_events", {"topics": ["camera.connected"]}, {"topics": ["camera.connected"]}),
        (
            "subscribe_events",
            {"topics": ("camera.connected", "recording.start"), "filters": {"device": "camera0"}},
            {"topics": ["camera.connected", "recording.start"], "filters": {"device": "camera0"}},
        ),
        ("unsubscribe_events", {}, None),
        ("unsubscribe_events", {"topics": ["system.health"]}, {"topics": ["system.health"]}),
        ("get_subscription_stats", {}, None),
        ("discover_external_streams", {}, None),
        (
            "discover_external_streams",
            {
                "skydio_enabled": True,
                "generic_enabled": False,
                "force_rescan": True,
                "include_offline": False,
            },
            {
                "skydio_enabled": True,
                "generic_enabled": False,
                "force_rescan": True,
                "include_offline": False,
            },
        ),
        (
            "add_external_stream",
            {"stream_url": "rtsp://x/y", "stream_name": "y"},
            {"stream_url": "rtsp://x/y", "stream_name": "y"},
        ),
        (
            "add_external_stream",
            {"stream_url": "rtsp://x/y", "stream_name": "y", "stream_type": "generic_rtsp"},
            {"stream_url": "rtsp://x/y", "stream_name": "y", "stream_type": "generic_rtsp"},
        ),
        ("remove_external_stream", {"stream_url": "rtsp://x/y"}, {"stream_url": "rtsp://x/y"}),
        ("get_external_streams", {}, None),
        ("set_discovery_interval", {"scan_interval": 0}, {"scan_interval": 0}),
        ("set_discovery_interval", {"scan_interval": 300}, {"scan_interval": 300}),
        ("authenticate", {"auth_token": "tok"}, {"auth_token": "tok"}),
        (
            "authenticate",
            {"auth_token": "tok", "auth_type": "api_key"},
            {"auth_token": "tok", "auth_type": "api_key"},
        ),
    ],
)
def test_valid_arguments_build_the_wire_params(
    name: str, kwargs: dict[str, Any], wire: dict[str, Any] | None
) -> None:
    assert METHODS[name].build_params(**kwargs) == wire


def test_wire_params_are_plain_json_types() -> None:
    built = methods.SUBSCRIBE_EVENTS.build_params(
        topics=("camera.connected",), filters=_FrozenMapping({"device": "camera0"})
    )
    assert built is not None
    assert type(built["topics"]) is list
    assert type(built["filters"]) is dict


class _FrozenMapping(dict[str, Any]):
    """A mapping that is not exactly a dict (checks the conversion)."""


# --------------------------------------------------------------------------- invalid arguments

BAD_CAMERAS = [
    "",
    "camera",
    "cameraX",
    "Camera0",
    "camera0 ",
    "/dev/video",
    "/dev/videoX",
    "/dev/sda1",
    "video0",
    "camera-1",
    0,
    None,
    b"camera0",
    ["camera0"],
]


@pytest.mark.parametrize(
    "name",
    [
        "get_camera_status",
        "get_camera_capabilities",
        "take_snapshot",
        "start_recording",
        "stop_recording",
        "start_streaming",
        "stop_streaming",
        "get_stream_url",
        "get_stream_status",
    ],
)
@pytest.mark.parametrize("device", BAD_CAMERAS)
def test_camera_ids_are_validated(name: str, device: Any) -> None:
    with pytest.raises(InvalidParamsError) as info:
        METHODS[name].build_params(device_path=device)
    error = info.value
    assert error.code == -32602
    assert error.param == "device_path"
    assert error.method == name
    assert error.data["rule"] == (
        "required" if device is None else methods.TAKE_SNAPSHOT.params[0].rule
    )


BAD_FILENAMES = ["", "../x.mp4", "a/b.mp4", "a\\b.mp4", "..", "x..mp4", "/etc/passwd", 5, ["a"]]


@pytest.mark.parametrize(
    "name", ["get_recording_info", "get_snapshot_info", "delete_recording", "delete_snapshot"]
)
@pytest.mark.parametrize("filename", BAD_FILENAMES)
def test_file_names_are_validated(name: str, filename: Any) -> None:
    with pytest.raises(InvalidParamsError) as info:
        METHODS[name].build_params(filename=filename)
    assert info.value.param == "filename"
    assert "'..'" in info.value.data["rule"]


@pytest.mark.parametrize("filename", BAD_FILENAMES)
def test_snapshot_file_names_are_validated(filename: Any) -> None:
    with pytest.raises(InvalidParamsError) as info:
        methods.TAKE_SNAPSHOT.build_params(device_path="camera0", filename=filename)
    assert info.value.param == "filename"


@pytest.mark.parametrize(
    ("name", "kwargs", "param"),
    [
        ("start_recording", {"duration": 0}, "duration"),
        ("start_recording", {"duration": 86401}, "duration"),
        ("start_recording", {"duration": -5}, "duration"),
        ("start_recording", {"duration": 10.0}, "duration"),
        ("start_recording", {"duration": "10"}, "duration"),
        ("start_recording", {"duration": True}, "duration"),
        ("start_recording", {"format": "avi"}, "format"),
        ("start_recording", {"format": "MP4"}, "format"),
        ("start_recording", {"format": 1}, "format"),
        ("take_snapshot", {"format": "gif"}, "format"),
        ("take_snapshot", {"quality": 0}, "quality"),
        ("take_snapshot", {"quality": 101}, "quality"),
        ("take_snapshot", {"quality": 50.0}, "quality"),
    ],
)
def test_camera_operation_options_are_validated(
    name: str, kwargs: dict[str, Any], param: str
) -> None:
    with pytest.raises(InvalidParamsError) as info:
        METHODS[name].build_params(device_path="camera0", **kwargs)
    assert info.value.param == param
    assert info.value.data["rule"] == METHODS[name].param(param).rule


@pytest.mark.parametrize(
    ("name", "kwargs", "param"),
    [
        ("list_recordings", {"limit": 0}, "limit"),
        ("list_recordings", {"limit": 1001}, "limit"),
        ("list_recordings", {"limit": "10"}, "limit"),
        ("list_snapshots", {"limit": False}, "limit"),
        ("list_snapshots", {"offset": -1}, "offset"),
        ("list_snapshots", {"offset": 1.0}, "offset"),
        ("set_retention_policy", {"policy_type": "count", "enabled": True}, "policy_type"),
        ("set_retention_policy", {"enabled": True}, "policy_type"),
        ("set_retention_policy", {"policy_type": "age"}, "enabled"),
        ("set_retention_policy", {"policy_type": "age", "enabled": 1}, "enabled"),
        ("set_retention_policy", {**AGE, "max_age_days": -1}, "max_age_days"),
        ("set_retention_policy", {**AGE, "max_age_days": 1.5}, "max_age_days"),
        ("set_retention_policy", {**SIZE, "max_size_gb": -0.1}, "max_size_gb"),
        ("set_retention_policy", {**SIZE, "max_size_gb": math.nan}, "max_size_gb"),
        ("set_retention_policy", {**SIZE, "max_size_gb": math.inf}, "max_size_gb"),
        ("set_retention_policy", {**SIZE, "max_size_gb": True}, "max_size_gb"),
        ("set_retention_policy", {**SIZE, "max_size_gb": "1"}, "max_size_gb"),
        ("subscribe_events", {}, "topics"),
        ("subscribe_events", {"topics": []}, "topics"),
        ("subscribe_events", {"topics": "camera.connected"}, "topics"),
        ("subscribe_events", {"topics": [""]}, "topics"),
        ("subscribe_events", {"topics": ["camera.connected", 3]}, "topics"),
        ("subscribe_events", {"topics": {"camera.connected"}}, "topics"),
        ("subscribe_events", {"topics": ["a"], "filters": ["device"]}, "filters"),
        ("subscribe_events", {"topics": ["a"], "filters": {1: "camera0"}}, "filters"),
        ("unsubscribe_events", {"topics": []}, "topics"),
        ("unsubscribe_events", {"topics": "all"}, "topics"),
        ("discover_external_streams", {"skydio_enabled": 1}, "skydio_enabled"),
        ("discover_external_streams", {"force_rescan": "yes"}, "force_rescan"),
        ("add_external_stream", {"stream_name": "y"}, "stream_url"),
        ("add_external_stream", {"stream_url": "", "stream_name": "y"}, "stream_url"),
        ("add_external_stream", {"stream_url": "rtsp://x", "stream_name": 5}, "stream_name"),
        ("add_external_stream", {**EXT, "stream_type": ""}, "stream_type"),
        ("remove_external_stream", {"stream_url": 7}, "stream_url"),
        ("set_discovery_interval", {}, "scan_interval"),
        ("set_discovery_interval", {"scan_interval": -1}, "scan_interval"),
        ("set_discovery_interval", {"scan_interval": "60"}, "scan_interval"),
        ("authenticate", {}, "auth_token"),
        ("authenticate", {"auth_token": ""}, "auth_token"),
        ("authenticate", {"auth_token": "t", "auth_type": "basic"}, "auth_type"),
    ],
)
def test_other_parameters_are_validated(name: str, kwargs: dict[str, Any], param: str) -> None:
    with pytest.raises(InvalidParamsError) as info:
        METHODS[name].build_params(**kwargs)
    error = info.value
    assert error.param == param
    assert error.code == -32602
    assert error.method == name
    assert set(error.data) == {"param", "rule"}
    assert param in str(error)


def test_error_messages_show_the_bad_value_but_never_a_credential() -> None:
    with pytest.raises(InvalidParamsError) as info:
        methods.START_RECORDING.build_params(device_path="camera0", duration=90000)
    assert "90000" in str(info.value)
    secret = ["s3cr3t-token"]
    with pytest.raises(InvalidParamsError) as auth_info:
        methods.AUTHENTICATE.build_params(auth_token=secret)
    assert "s3cr3t" not in str(auth_info.value)
    assert "s3cr3t" not in repr(auth_info.value)


def test_unknown_argument_names_are_a_type_error() -> None:
    with pytest.raises(TypeError, match="device"):
        methods.GET_CAMERA_STATUS.build_params(device="camera0")
    with pytest.raises(TypeError):
        methods.PING.build_params(x=1)


def test_legacy_only_parameters_are_refused_for_the_current_service() -> None:
    spec = methods.TAKE_SNAPSHOT
    assert spec.build_params("legacy", device_path="camera0", format="jpg", quality=80) == {
        "device": "camera0",
        "format": "jpg",
        "quality": 80,
    }
    with pytest.raises(InvalidParamsError) as info:
        spec.build_params("current", device_path="camera0", quality=80)
    assert info.value.param == "quality"
    assert "legacy" in info.value.data["rule"]
    # without a dialect (not known yet) or without the option, nothing is refused
    assert spec.build_params(None, device_path="camera0", format="png") is not None
    assert spec.build_params("current", device_path="camera0") == {"device": "camera0"}


def test_start_recording_filename_is_accepted_not_sent_and_warns() -> None:
    with pytest.warns(UserWarning, match="service chooses"):
        built = methods.START_RECORDING.build_params(device_path="camera0", filename="mine.mp4")
    assert built == {"device": "camera0"}
    with pytest.raises(InvalidParamsError):
        methods.START_RECORDING.build_params(device_path="camera0", filename=5)


def test_decode_result_uses_the_spec_result_type() -> None:
    cams = methods.GET_CAMERA_LIST.decode_result({"cameras": []})
    assert isinstance(cams, models.CameraList)
    assert methods.PING.decode_result("pong") == "pong"


def test_specs_are_immutable() -> None:
    import attrs

    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        methods.PING.name = "pong"  # type: ignore[misc]
    assert isinstance(methods.PING, MethodSpec)


def test_check_dialect_refuses_wire_params_the_service_lacks() -> None:
    from mediamtx_camera_sdk.methods import TAKE_SNAPSHOT

    wire = TAKE_SNAPSHOT.build_params(device_path="camera0", format="png")
    TAKE_SNAPSHOT.check_dialect("legacy", wire)
    TAKE_SNAPSHOT.check_dialect("current", None)
    with pytest.raises(InvalidParamsError) as info:
        TAKE_SNAPSHOT.check_dialect("current", wire)
    assert info.value.param == "format"
    assert info.value.data["rule"] == "accepted by the legacy service only"


# --------------------------------------------------------------------------- a camera as a model

CAMERA_CALLS = [
    name for name, spec in METHODS.items() if any(p.wire == "device" for p in spec.params)
]


@pytest.mark.parametrize("name", CAMERA_CALLS)
def test_a_camera_model_is_accepted_where_a_camera_is_expected(name: str) -> None:
    camera = models.CameraInfo("camera0", "Cam", [], "CONNECTED")
    recording = models.RecordingInfo("/dev/video1", "r", "r.mp4", None)
    spec = METHODS[name]
    assert spec.build_params(device_path=camera) == spec.build_params(device_path="camera0")
    assert spec.build_params(device_path=recording) == {"device": "/dev/video1"}
    assert spec.build_params(device_path=camera)["device"] == "camera0"  # type: ignore[index]


class _Named:
    """Any object with a ``device_path``, not one of the SDK's models."""

    def __init__(self, device_path: Any) -> None:
        self.device_path = device_path


@pytest.mark.parametrize("device", [_Named("nope"), _Named(None), _Named(3), object()])
def test_an_object_that_does_not_name_a_camera_is_refused(device: Any) -> None:
    with pytest.raises(InvalidParamsError) as info:
        methods.GET_CAMERA_STATUS.build_params(device_path=device)
    assert info.value.param == "device_path"
    assert "CameraInfo" in info.value.data["rule"]


def test_camera_id_reads_ids_and_models() -> None:
    assert methods.camera_id("camera3") == "camera3"
    assert methods.camera_id(_Named("/dev/video2")) == "/dev/video2"
    assert methods.camera_id(models.SnapshotInfo("camera1", "s.jpg")) == "camera1"
    odd = _Named(7)
    assert methods.camera_id(odd) is odd  # left for the parameter check to refuse
    assert methods.camera_id(None) is None


def test_the_generated_methods_say_a_camera_model_is_accepted() -> None:
    import inspect

    from mediamtx_camera_sdk._async._api import AsyncApi
    from mediamtx_camera_sdk._sync._api import SyncApi

    for api in (AsyncApi, SyncApi):
        for name in ("get_camera_status", "take_snapshot", "start_recording", "stop_recording"):
            annotation = inspect.signature(getattr(api, name)).parameters["device_path"].annotation
            assert annotation == "str | HasDevicePath"
