"""What a new user tripped over (the issue's remaining points), on both clients.

1. ``auth_type`` without its credential is refused when the client is built.
2. A refused credential says why; a call refused for want of any credential
   says how to give one.
3. A failed call's traceback is the caller's line and the SDK's exception.
4. Misuse is named: ``with`` on the async client, ``async with`` on the sync
   one, the blocking client inside a running loop (warned once), async
   handlers given to the blocking client.
5. ``record_for``: record N seconds, get the finished recording; stopped
   whatever ends the wait.
6. The install docs say how to get trio.
"""

from __future__ import annotations

import ast
import asyncio
import functools
import os
import re
import signal
import threading
import traceback
import types
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import anyio
import pytest

from mediamtx_camera_sdk import (
    AuthenticationError,
    CameraClient,
    CameraNotFoundError,
    CameraServiceError,
    ConnectionError,
    InvalidParamsError,
    RecordingInfo,
    SyncCameraClient,
    ValidationError,
)
from mediamtx_camera_sdk.config import ENV_VARS
from mediamtx_camera_sdk.testing import CameraServiceEmulator

ROOT = Path(__file__).resolve().parent.parent
CLIENTS = [pytest.param(CameraClient, id="async"), pytest.param(SyncCameraClient, id="sync")]
#: (dialect, behaviour) of every emulated service.
SERVICES = [
    pytest.param(("current", "observed"), id="current-observed"),
    pytest.param(("current", "documented"), id="current-documented"),
    pytest.param(("legacy", "documented"), id="legacy"),
]


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ENV_VARS:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(params=SERVICES)
def emu(request: pytest.FixtureRequest) -> Iterator[CameraServiceEmulator]:
    dialect, behaviour = request.param
    with CameraServiceEmulator(dialect=dialect, behaviour=behaviour) as emulator:
        yield emulator


def run(cls: type, emu: CameraServiceEmulator, work: Callable[[Any], Any], **kwargs: Any) -> Any:
    """``work(client)`` on a connected client of ``cls`` (awaited on asyncio for the async one)."""
    kwargs.setdefault("timeout", 5.0)
    if cls is SyncCameraClient:
        with SyncCameraClient(url=emu.url, **kwargs) as client:
            return work(client)

    async def main() -> Any:
        async with CameraClient(url=emu.url, **kwargs) as client:
            return await work(client)

    return asyncio.run(main())


def failure(cls: type, emu: CameraServiceEmulator, work: Callable[[Any], Any], **kw: Any) -> Any:
    """The SDK error ``work(client)`` raises."""
    with pytest.raises(CameraServiceError) as info:
        run(cls, emu, work, **kw)
    return info.value


# ---------------------------------------------------------------- 1. auth_type and its credential


@pytest.mark.parametrize("cls", CLIENTS)
@pytest.mark.parametrize(
    ("kwargs", "names"),
    [
        ({"auth_type": "api_key", "auth_token": "a.jwt.token"}, ("api_key=", "MEDIAMTX_API_KEY")),
        ({"auth_type": "api_key"}, ("api_key=", "MEDIAMTX_API_KEY")),
        ({"auth_type": "jwt", "api_key": "key-123"}, ("auth_token=", "MEDIAMTX_AUTH_TOKEN")),
    ],
    ids=["api_key-with-a-token", "api_key-with-nothing", "jwt-with-a-key"],
)
def test_auth_type_without_its_credential_is_refused(
    cls: type, kwargs: dict[str, str], names: tuple[str, ...]
) -> None:
    with pytest.raises(ValidationError) as info:
        cls(**kwargs)
    error = info.value
    assert isinstance(error, InvalidParamsError) and isinstance(error, ValueError)
    for name in names:
        assert name in str(error)
    # The credential that was given is never shown.
    assert "a.jwt.token" not in str(error) and "key-123" not in str(error)


@pytest.mark.parametrize("cls", CLIENTS)
def test_the_environment_counts(cls: type, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MEDIAMTX_API_KEY", "env-key")
    assert cls(auth_type="api_key").settings.credential == "env-key"
    monkeypatch.setenv("MEDIAMTX_AUTH_TYPE", "jwt")  # chosen, and only a key: refused
    with pytest.raises(ValidationError, match="MEDIAMTX_AUTH_TOKEN"):
        cls()
    monkeypatch.setenv("MEDIAMTX_AUTH_TOKEN", "env-token")
    assert cls().settings.credential == "env-token"
    monkeypatch.delenv("MEDIAMTX_API_KEY")
    monkeypatch.setenv("MEDIAMTX_AUTH_TYPE", "api_key")  # a token only: refused
    with pytest.raises(ValidationError, match="MEDIAMTX_API_KEY"):
        cls()


@pytest.mark.parametrize("cls", CLIENTS)
def test_what_stays_allowed(cls: type) -> None:
    assert not cls().settings.has_credentials  # no credential at all: ping works
    assert cls(auth_type="jwt").settings.credential is None
    assert cls(auth_type="api_key", token_provider=lambda: "k").settings.has_credentials
    assert cls(auth_type="jwt", api_key="k", token_provider=lambda: "t").settings.has_credentials
    assert cls(auth_type="auto", api_key="k").settings.credential == "k"
    both = cls("h", 1, False, "api_key", "a.jwt.token", "key-123")  # the 1.0 positional form
    assert both.settings.credential == "key-123"
    assert cls(auth_type="jwt", auth_token="t", api_key="k").settings.credential == "t"


def test_a_key_alone_is_sent_as_a_key() -> None:
    """auth_type not chosen, only an API key: the key is what the client has."""
    client = SyncCameraClient(api_key="k")
    assert (client.auth_type, client.settings.credential) == ("api_key", "k")
    # The legacy service checks the kind: a key sent as a JWT would be refused.
    with (
        CameraServiceEmulator(dialect="legacy") as emu,
        SyncCameraClient(url=emu.url, api_key=emu.api_key("operator")) as client,
    ):
        assert client.role == "operator"


# ---------------------------------------------------------------- 2. why, and how to authenticate


@pytest.mark.parametrize(
    ("service", "credential", "why"),
    [
        (("current", "documented"), "garbage", "invalid token"),
        (("current", "documented"), "expired", "token expired"),
        (("current", "observed"), "garbage", "Invalid or expired token"),
        (("legacy", "documented"), "garbage", "Invalid authentication token"),
        (("legacy", "documented"), "jwt-as-key", "Invalid authentication token"),
    ],
)
@pytest.mark.parametrize("cls", CLIENTS)
def test_a_refused_credential_says_why(
    cls: type, service: tuple[str, str], credential: str, why: str
) -> None:
    dialect, behaviour = service
    with CameraServiceEmulator(dialect=dialect, behaviour=behaviour) as emu:
        kwargs: dict[str, Any] = {"max_retries": 0}
        if credential == "expired":
            kwargs["auth_token"] = emu.token("viewer", expires_in=-60)
        elif credential == "jwt-as-key":
            kwargs.update(auth_type="api_key", api_key=emu.token("viewer"))
        else:
            kwargs["auth_token"] = credential
        error = failure(cls, emu, lambda c: c.ping(), **kwargs)
    assert isinstance(error, AuthenticationError)
    assert why in str(error) and error.reason
    assert error.hint is None  # a credential was given: no hint about giving one


@pytest.mark.parametrize("cls", CLIENTS)
def test_no_credential_the_error_says_how_to_give_one(
    cls: type, emu: CameraServiceEmulator
) -> None:
    error = failure(cls, emu, lambda c: c.take_snapshot(emu.devices[0]))
    assert isinstance(error, AuthenticationError)
    for name in ("auth_token=", "MEDIAMTX_AUTH_TOKEN", "MEDIAMTX_API_KEY"):
        assert name in str(error)
    assert error.hint is not None and error.data["hint"] == error.hint


@pytest.mark.parametrize("cls", CLIENTS)
def test_with_a_credential_there_is_no_hint(cls: type) -> None:
    with CameraServiceEmulator(behaviour="documented") as emu:

        def expire_then_call(client: Any) -> Any:
            emu.expire_tokens()
            return client.get_camera_list()

        error = failure(cls, emu, expire_then_call, auth_token=emu.token("viewer"))
    assert isinstance(error, AuthenticationError)
    assert error.hint is None and "MEDIAMTX_AUTH_TOKEN" not in str(error)


# ---------------------------------------------------------------- 3. short tracebacks


def from_the_call(error: BaseException) -> list[traceback.FrameSummary]:
    """The traceback from the caller's line (the last one in this file) on."""
    frames = traceback.extract_tb(error.__traceback__)
    last = max(i for i, frame in enumerate(frames) if frame.filename == __file__)
    return frames[last:]


def sdk_frames(error: BaseException) -> list[str]:
    return [
        f"{Path(frame.filename).name}:{frame.name}"
        for frame in traceback.extract_tb(error.__traceback__)
        if "mediamtx_camera_sdk" in frame.filename
    ]


@pytest.mark.parametrize("provider", [False, True], ids=["token", "token-provider"])
@pytest.mark.parametrize("cls", CLIENTS)
def test_a_failed_call_shows_the_call_and_the_error(cls: type, provider: bool) -> None:
    with CameraServiceEmulator(behaviour="documented") as emu:
        token = emu.token("viewer")
        # A token provider sends calls through the shared flows (re-authentication).
        kwargs = {"token_provider": lambda: token} if provider else {"auth_token": token}
        error = failure(cls, emu, lambda c: c.get_camera_status("camera9"), **kwargs)
    assert isinstance(error, CameraNotFoundError)
    frames = from_the_call(error)
    assert len(frames) <= 4, frames
    assert not any(name.startswith("_flows.py") for name in sdk_frames(error))
    assert sdk_frames(error)[0] == "_api.py:get_camera_status"


@pytest.mark.parametrize("cls", CLIENTS)
def test_a_failed_connect_keeps_its_cause(cls: type, unused_tcp_port: int) -> None:
    client = cls(url=f"ws://127.0.0.1:{unused_tcp_port}/ws", max_retries=0, open_timeout=2)

    async def connect() -> None:
        await client.connect()

    with pytest.raises(ConnectionError) as info:
        client.connect() if cls is SyncCameraClient else asyncio.run(connect())
    error = info.value
    assert isinstance(error.__cause__, OSError)  # the informative cause stays
    assert len(from_the_call(error)) <= 4
    assert not any(name.startswith("_flows.py") for name in sdk_frames(error))


@pytest.fixture
def unused_tcp_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# ---------------------------------------------------------------- 4. misuse, named


def test_with_on_the_async_client_says_async_with() -> None:
    client = CameraClient()
    with (
        pytest.raises(TypeError, match=r"'async with CameraClient\(\.\.\.\)'.*SyncCameraClient"),
        client,
    ):
        pass


def test_async_with_on_the_sync_client_says_with() -> None:
    async def main() -> None:
        async with SyncCameraClient():  # type: ignore[attr-defined]
            pass

    with pytest.raises(TypeError, match=r"'with SyncCameraClient\(\.\.\.\)'.*CameraClient"):
        asyncio.run(main())


@pytest.fixture(scope="module")
def service() -> Iterator[CameraServiceEmulator]:
    with CameraServiceEmulator() as emulator:
        yield emulator


def sync_client(service: CameraServiceEmulator) -> SyncCameraClient:
    return SyncCameraClient(url=service.url, auth_token=service.token("operator"), timeout=5)


def loop_warnings(caught: list[warnings.WarningMessage]) -> list[warnings.WarningMessage]:
    return [w for w in caught if issubclass(w.category, RuntimeWarning)]


def test_the_sync_client_in_a_coroutine_warns_once_per_client(
    service: CameraServiceEmulator,
) -> None:
    async def main() -> None:
        with sync_client(service) as client:  # connect() warns
            client.ping()
            client.get_camera_list()
        with sync_client(service) as other:
            other.ping()

    with pytest.warns(RuntimeWarning, match="blocks the event loop") as caught:
        asyncio.run(main())
    found = loop_warnings(caught.list)
    assert len(found) == 2  # one per client
    assert "CameraClient" in str(found[0].message)
    assert all(w.filename == __file__ for w in found)  # pointing at the caller's line


def test_the_sync_client_in_a_call_warns(service: CameraServiceEmulator) -> None:
    client = sync_client(service)
    client.connect()  # outside any loop: no warning
    try:

        async def main() -> None:
            client.ping()

        with pytest.warns(RuntimeWarning, match="blocks the event loop"):
            asyncio.run(main())
    finally:
        client.disconnect()


def test_the_sync_client_in_a_loop_callback_warns(service: CameraServiceEmulator) -> None:
    with sync_client(service) as client:

        async def main() -> str:
            loop = asyncio.get_running_loop()
            done: asyncio.Future[str] = loop.create_future()
            loop.call_soon(lambda: done.set_result(client.ping()))
            return await done

        with pytest.warns(RuntimeWarning, match="blocks the event loop"):
            assert asyncio.run(main()) == "pong"


def test_the_sync_client_in_a_trio_task_warns(service: CameraServiceEmulator) -> None:
    import trio

    with sync_client(service) as client:

        async def main() -> str:
            return client.ping()

        with pytest.warns(RuntimeWarning, match="blocks the event loop"):
            assert trio.run(main) == "pong"


def test_no_warning_where_no_loop_is_blocked(service: CameraServiceEmulator) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with sync_client(service) as client:
            assert client.ping() == "pong"  # no loop at all

            async def main() -> str:
                # A worker thread of a running loop: that loop keeps running.
                return await asyncio.to_thread(client.ping)

            assert asyncio.run(main()) == "pong"


def test_no_warning_in_a_notebook_cell(service: CameraServiceEmulator) -> None:
    """Jupyter's loop runs on the cell's thread, but a cell's code is synchronous: the
    blocking client is the documented one there (tests/test_notebook.py runs a kernel)."""
    cells = [
        "client.connect()\nresult = client.ping()\nclient.disconnect()",
        # A cell with a top-level await is still the cell, not the user's coroutine.
        "import asyncio\nclient.connect()\nawait asyncio.sleep(0)\nresult = client.ping()",
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for source in cells:
            client = sync_client(service)
            try:
                assert _cell(client, source)["result"] == "pong"
            finally:
                client.disconnect()


def _cell(client: SyncCameraClient, source: str) -> dict[str, Any]:
    """Run ``source`` as Jupyter runs a cell, with ``client`` in its namespace.

    That is: synchronous code exec'd by a coroutine of IPython
    (``InteractiveShell.run_code``) on the kernel's running asyncio loop; a cell
    with a top-level ``await`` is compiled as a coroutine ``<module>``.
    """
    namespace: dict[str, Any] = {"client": client}
    runner = types.FunctionType(
        compile(
            "async def run_code(code):\n"
            "    result = eval(code, namespace)\n"
            "    if hasattr(result, '__await__'):\n"
            "        await result\n",
            "interactiveshell.py",
            "exec",
        ).co_consts[0],
        {"__name__": "IPython.core.interactiveshell", "namespace": namespace},
    )
    code = compile(source, "/tmp/ipykernel_1/cell.py", "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
    asyncio.run(runner(code))
    return namespace


async def async_handler(event: Any) -> None:  # pragma: no cover - never runs
    raise AssertionError("must not run")


class AsyncCallable:
    async def __call__(self, event: Any) -> None:  # pragma: no cover - never runs
        raise AssertionError("must not run")


ASYNC_HANDLERS = [
    pytest.param(async_handler, id="async-def"),
    pytest.param(functools.partial(async_handler), id="partial"),
    pytest.param(AsyncCallable(), id="async-__call__"),
]


@pytest.mark.parametrize("handler", ASYNC_HANDLERS)
def test_the_sync_client_refuses_async_handlers(handler: Any) -> None:
    client = SyncCameraClient()
    with pytest.raises(TypeError, match=r"plain \(def\) function.*CameraClient"):
        client.on("camera_status_update", handler)
    with pytest.raises(TypeError, match="CameraClient"):
        client.on("camera_status_update")(handler)
    with pytest.raises(TypeError, match="on_camera_status_update"):
        client.on_camera_status_update = handler
    assert client.on_camera_status_update is None
    for hook in ("on_recording_status_update", "on_connection_lost", "on_reconnected"):
        with pytest.raises(TypeError):
            setattr(client, hook, handler)
    # Plain functions are fine, and the async client takes async handlers.
    client.on("camera_status_update", print)
    client.on_camera_status_update = print
    assert client.on_camera_status_update is print
    async_client = CameraClient()
    async_client.on("camera_status_update", handler)
    async_client.on_camera_status_update = handler
    assert async_client.on_camera_status_update is handler


# ---------------------------------------------------------------- 5. record_for


def _stopped(info: RecordingInfo) -> bool:
    return str(info.status).upper() in {"STOPPED", "COMPLETED"}


@pytest.mark.parametrize("cls", CLIENTS)
@pytest.mark.parametrize("dialect", ["current", "legacy"])
def test_record_for_returns_the_finished_recording(cls: type, dialect: str) -> None:
    with CameraServiceEmulator(dialect=dialect, behaviour="documented") as emu:
        camera = emu.devices[0]

        def work(client: Any) -> Any:
            if cls is SyncCameraClient:
                info = client.record_for(camera, 0.5, format="mp4")
                again = client.start_recording(camera)  # it was stopped
                client.stop_recording(camera)
                return info, again

            async def main() -> Any:
                info = await client.record_for(camera, 0.5, format="mp4")
                again = await client.start_recording(camera)
                await client.stop_recording(camera)
                return info, again

            return main()

        info, again = run(cls, emu, work, auth_token=emu.token("operator"))
    assert isinstance(info, RecordingInfo) and _stopped(info)
    assert info.device_path == camera and info.filename
    assert again.filename != info.filename


@pytest.mark.parametrize("seconds", [0, -1, float("nan"), True, "5"])
@pytest.mark.parametrize("cls", CLIENTS)
def test_record_for_refuses_bad_seconds_before_starting(cls: type, seconds: Any) -> None:
    with CameraServiceEmulator(behaviour="documented") as emu:

        def work(client: Any) -> Any:
            if cls is SyncCameraClient:
                with pytest.raises(ValidationError, match="seconds must be a positive number"):
                    client.record_for("camera0", seconds)
                return client.start_recording("camera0")  # nothing was started

            async def main() -> Any:
                with pytest.raises(ValidationError, match="seconds must be a positive number"):
                    await client.record_for("camera0", seconds)
                return await client.start_recording("camera0")

            return main()

        assert run(cls, emu, work, auth_token=emu.token("operator")).filename


@pytest.mark.anyio
@pytest.mark.parametrize("dialect", ["current", "legacy"])
async def test_a_cancelled_record_for_stops_the_recording(dialect: str) -> None:
    emu = CameraServiceEmulator(dialect=dialect, behaviour="documented")
    await emu.astart()
    try:
        camera = emu.devices[0]
        async with CameraClient(url=emu.url, auth_token=emu.token("operator"), timeout=5) as c:
            with anyio.move_on_after(0.5) as scope:
                await c.record_for(camera, 60)
            assert scope.cancelled_caught  # the cancellation came through
            info = await c.start_recording(camera)  # the camera is free again
            await c.stop_recording(camera)
            assert info.filename
    finally:
        await emu.astop()


@pytest.mark.parametrize("dialect", ["current", "legacy"])
def test_an_interrupted_sync_record_for_stops_the_recording(dialect: str) -> None:
    assert threading.current_thread() is threading.main_thread()
    with CameraServiceEmulator(dialect=dialect, behaviour="documented") as emu:
        camera = emu.devices[0]
        with SyncCameraClient(url=emu.url, auth_token=emu.token("operator"), timeout=5) as c:
            timer = threading.Timer(0.5, os.kill, (os.getpid(), signal.SIGINT))  # Ctrl-C
            timer.start()
            try:
                with pytest.raises(KeyboardInterrupt):
                    c.record_for(camera, 60)
            finally:
                timer.cancel()
            info = c.start_recording(camera)  # the camera is free again
            c.stop_recording(camera)
            assert info.filename


# ---------------------------------------------------------------- 6. trio, installed


def test_the_install_docs_say_how_to_get_trio() -> None:
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert re.search(r'^trio = \["trio>=', pyproject, re.M)  # the extra exists
    for page in ("README.md", "docs/getting-started.md"):
        assert 'pip install "mediamtx-camera-sdk[trio]"' in (ROOT / page).read_text(), page
