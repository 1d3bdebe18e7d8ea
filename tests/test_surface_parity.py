"""The async and the sync client expose the same public surface, name by name.

``CameraClient`` and ``SyncCameraClient`` (and their event iterators) must have
the same public names, the same kinds of attribute (method, property,
classmethod, data), and for every callable the same parameters (names, kinds,
defaults, annotations) and return annotation, where "the same" allows only the
async/sync translation: ``async def f() -> T`` matches ``def f() -> T``, an
``AsyncIterator[T]`` matches an ``Iterator[T]``, ``__aenter__`` matches
``__enter__``, ``aclose`` matches ``close``, and each class name matches its
counterpart. Anything else is drift and fails here.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from typing import Any

import pytest

from mediamtx_camera_sdk import CameraClient, EventStream, SyncCameraClient, SyncEventStream
from mediamtx_camera_sdk.config import ENV_VARS

#: Async name -> sync name, where the protocols differ only by name.
_RENAMED = {
    "__aenter__": "__enter__",
    "__aexit__": "__exit__",
    "__aiter__": "__iter__",
    "__anext__": "__next__",
    "aclose": "close",
}
#: Async type name -> sync type name, in annotations.
_TYPES = {
    "AsyncIterator": "Iterator",
    "AsyncGenerator": "Generator",
    "CameraClient": "SyncCameraClient",
    "EventStream": "SyncEventStream",
}
#: Deliberate differences: (class, member, parameter) present only in the sync
#: client, each with its reason. The test fails when an entry is no longer
#: needed, so the list cannot rot.
_SYNC_ONLY_PARAMETERS: set[tuple[str, str, str]] = set()
#: Dunder protocol methods that are part of the surface.
_DUNDERS = frozenset({"__init__", "__repr__", *_RENAMED, *_RENAMED.values()})


def _translate_annotation(text: object) -> str:
    value = str(text)
    for async_name, sync_name in _TYPES.items():
        value = re.sub(rf"(?<![\w.]){async_name}\b", sync_name, value)
    return value


def _is_misuse_guard(obj: Any, name: str) -> bool:
    """A protocol method that only names a misuse (``with CameraClient()``): not surface."""
    return bool(getattr(getattr(obj, name, None), "_misuse_guard", False))


def _public_names(obj: Any) -> set[str]:
    return {
        n
        for n in dir(obj)
        if (not n.startswith("_") or n in _DUNDERS) and not _is_misuse_guard(obj, n)
    }


def test_only_the_misuse_guards_are_left_out() -> None:
    """Each client refuses the other's ``with`` form, and nothing else is skipped."""
    for cls, guards in (
        (CameraClient, {"__enter__", "__exit__"}),
        (SyncCameraClient, {"__aenter__", "__aexit__"}),
    ):
        assert {n for n in dir(cls) if _is_misuse_guard(cls, n)} == guards, cls.__name__


def _static(cls: type, name: str) -> Any:
    for klass in cls.__mro__:
        if name in vars(klass):
            return vars(klass)[name]
    raise AttributeError(name)


def _kind(cls: type, name: str) -> str:
    raw = _static(cls, name)
    if isinstance(raw, property):
        return "property"
    if isinstance(raw, classmethod):
        return "classmethod"
    if isinstance(raw, staticmethod):
        return "staticmethod"
    if callable(raw):
        return "method"
    return "data"


def _function(cls: type, name: str) -> Callable[..., Any]:
    raw = _static(cls, name)
    if isinstance(raw, property):
        assert raw.fget is not None
        return raw.fget
    if isinstance(raw, (classmethod, staticmethod)):
        return raw.__func__  # type: ignore[no-any-return]
    return raw  # type: ignore[no-any-return]


def _is_async(func: Callable[..., Any]) -> bool:
    return inspect.iscoroutinefunction(func) or inspect.isasyncgenfunction(func)


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ENV_VARS:
        monkeypatch.delenv(name, raising=False)


PAIRS = [
    pytest.param(CameraClient, SyncCameraClient, "client", id="client"),
    pytest.param(EventStream, SyncEventStream, "stream", id="event-stream"),
]


def _sync_name(name: str) -> str:
    return _RENAMED.get(name, name)


@pytest.mark.parametrize(("async_cls", "sync_cls", "label"), PAIRS)
def test_same_public_names(async_cls: type, sync_cls: type, label: str) -> None:
    async_names = {_sync_name(n) for n in _public_names(async_cls)}
    sync_names = _public_names(sync_cls)
    assert sorted(async_names - sync_names) == [], f"only in {async_cls.__name__}"
    assert sorted(sync_names - async_names) == [], f"only in {sync_cls.__name__}"


def test_same_instance_attributes() -> None:
    """Attributes set in ``__init__`` (the seed's ``on_*`` hooks) are part of the surface too."""
    async_client = CameraClient()
    sync_client = SyncCameraClient()
    async_names = {_sync_name(n) for n in _public_names(async_client)}
    assert async_names == _public_names(sync_client)
    for name in ("on_camera_status_update", "on_recording_status_update"):
        assert name in async_names
    for name in ("on_connection_lost", "on_reconnected"):
        assert name in async_names


def _members(async_cls: type) -> list[str]:
    return sorted(_public_names(async_cls))


def _signature_rows(
    func: Callable[..., Any], translate: bool, skip: set[str]
) -> list[tuple[str, str, str, str]]:
    rows = []
    for param in inspect.signature(func).parameters.values():
        if param.name in skip:
            continue
        annotation = "" if param.annotation is param.empty else str(param.annotation)
        if translate:
            annotation = _translate_annotation(annotation)
        default = "<none>" if param.default is param.empty else repr(param.default)
        rows.append((param.name, param.kind.name, default, annotation))
    return rows


@pytest.mark.parametrize(("async_cls", "sync_cls", "label"), PAIRS)
def test_same_kinds_signatures_and_returns(async_cls: type, sync_cls: type, label: str) -> None:
    problems: list[str] = []
    for name in _members(async_cls):
        sync_name = _sync_name(name)
        kind = _kind(async_cls, name)
        if kind != _kind(sync_cls, sync_name):
            problems.append(f"{name}: {kind} vs {_kind(sync_cls, sync_name)}")
            continue
        if kind == "data":
            continue
        async_func = _function(async_cls, name)
        sync_func = _function(sync_cls, sync_name)
        if _is_async(sync_func):
            problems.append(f"{sync_name}: async in {sync_cls.__name__}")
        sync_only = {
            p for (lbl, member, p) in _SYNC_ONLY_PARAMETERS if (lbl, member) == (label, name)
        }
        expected = _signature_rows(async_func, translate=True, skip=set())
        actual = _signature_rows(sync_func, translate=False, skip=sync_only)
        if expected != actual:
            problems.append(f"{name}: parameters {expected} vs {actual}")
        async_return = _translate_annotation(inspect.signature(async_func).return_annotation)
        sync_return = str(inspect.signature(sync_func).return_annotation)
        if async_return != sync_return:
            problems.append(f"{name}: returns {async_return} vs {sync_return}")
    assert problems == []


def test_the_io_methods_are_async_in_one_and_blocking_in_the_other() -> None:
    """The same names block in the sync client and are awaitable in the async one."""
    for name in ("connect", "disconnect", "close", "call", "ping", "get_camera_list"):
        assert inspect.iscoroutinefunction(getattr(CameraClient, name)), name
        assert not _is_async(getattr(SyncCameraClient, name)), name
    assert inspect.isasyncgenfunction(CameraClient.iter_recordings)
    assert inspect.isgeneratorfunction(SyncCameraClient.iter_recordings)


def test_sync_only_parameters_are_still_needed() -> None:
    """An allowed difference that no longer exists must be removed from the list."""
    classes = {"client": (CameraClient, SyncCameraClient), "stream": (EventStream, SyncEventStream)}
    for label, member, param in _SYNC_ONLY_PARAMETERS:
        async_cls, sync_cls = classes[label]
        assert param in inspect.signature(getattr(sync_cls, member)).parameters
        assert param not in inspect.signature(getattr(async_cls, member)).parameters, (
            f"{async_cls.__name__}.{member} now has {param!r}: drop it from _SYNC_ONLY_PARAMETERS"
        )


def test_every_public_sync_name_is_documented() -> None:
    for cls in (SyncCameraClient, SyncEventStream):
        for name in _public_names(cls):
            if name.startswith("__") and name != "__init__":
                continue
            raw = _static(cls, name)
            doc = inspect.getdoc(_function(cls, name) if _kind(cls, name) != "data" else raw)
            assert doc, f"{cls.__name__}.{name} has no docstring"


def test_the_translation_is_exact() -> None:
    """The annotation translation touches whole names only."""
    assert _translate_annotation("AsyncIterator[FileInfo]") == "Iterator[FileInfo]"
    assert _translate_annotation("CameraClient") == "SyncCameraClient"
    assert _translate_annotation("SyncCameraClient") == "SyncCameraClient"
    assert _translate_annotation("EventStream | None") == "SyncEventStream | None"
    assert _translate_annotation("CameraClientX") == "CameraClientX"
