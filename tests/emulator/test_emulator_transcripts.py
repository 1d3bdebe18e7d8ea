"""The emulator answers what the real services answered, request for request.

``fixtures/current_transcript.json`` and ``fixtures/legacy_transcript.json``
hold every request a probe sent to the real current and legacy services, in
order and per connection, with the reply each gave (credentials replaced by
placeholders such as ``<jwt viewer>``), and the changes made to the simulated
cameras in between. The test replays them against the emulator and compares
each reply with the recorded one:

- on shape: the same keys, recursively, and the same JSON type for every
  value (int and float apart). Values that depend on the run (timestamps,
  ids, file names, sizes) are compared on their type only;
- on value where the value is the point: ``jsonrpc``, the error ``code`` and
  ``message`` and, on the current service, ``error.data.reason``.

The current service runs with every quirk on, so that its defects are
reproduced too (by default the emulator leaves them out: ``docs/emulator.md``).
Values a later request takes from an earlier reply (a snapshot's file name) are
mapped from the recorded value to the emulator's.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import jwt
import pytest

from mediamtx_camera_sdk.testing import CameraServiceEmulator

from .helpers import RawClient

FIXTURES = Path(__file__).parent / "fixtures"
SECRET = "transcript-replay-secret-" + "0123456789abcdef" * 4  # long enough for HS512

#: Objects whose keys are data (device paths, topic or method names), not fields:
#: their values are compared with the shape of the recorded values.
MAPS = {
    ("result", "camera_metrics", "cameras"),
    ("result", "global_stats", "topic_counts"),
    ("result", "avg_response_times"),
    ("result", "methods"),
}

#: Recorded requests the emulator answers differently on purpose, and why.
LEGACY_DIFFERENCES = {
    # The real legacy server takes any 32-character string as an API key (a
    # security hole no test should rely on); the emulator knows its own keys.
    "authenticate ARBITRARY 32-char string as api_key (upstream accepts any 32-char key)",
}


def load(name: str) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = json.loads((FIXTURES / name).read_text("utf-8"))
    return records


def json_type(value: Any) -> str:
    """The JSON type of ``value`` (int and float kept apart)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    for kind, name in ((int, "int"), (float, "float"), (str, "str"), (list, "array")):
        if isinstance(value, kind):
            return name
    return "object"


def shape_problems(recorded: Any, got: Any, path: tuple[str, ...] = ()) -> list[str]:
    """Where ``got`` differs from ``recorded`` in keys or JSON types."""
    where = "/" + "/".join(path)
    if json_type(recorded) != json_type(got):
        return [f"{where}: {json_type(got)} instead of {json_type(recorded)} ({got!r})"]
    if isinstance(recorded, dict):
        if path in MAPS:
            # Every value is one more instance of the same shape.
            samples = list(recorded.values())
            problems = []
            if samples:
                for key, value in got.items():
                    problems += shape_problems(samples[0], value, (*path, str(key)))
            return problems
        problems = []
        if set(recorded) != set(got):
            missing = sorted(set(recorded) - set(got))
            extra = sorted(set(got) - set(recorded))
            problems.append(f"{where}: keys missing {missing}, extra {extra}")
        for key in set(recorded) & set(got):
            problems += shape_problems(recorded[key], got[key], (*path, key))
        return problems
    if isinstance(recorded, list) and recorded and got:
        return shape_problems(recorded[0], got[0], (*path, "0"))
    return []


def value_problems(recorded: dict[str, Any], got: dict[str, Any], current: bool) -> list[str]:
    """The values that must be equal: jsonrpc, the error's code and message, its reason."""
    problems = []
    if got.get("jsonrpc") != recorded.get("jsonrpc"):
        problems.append(f"jsonrpc {got.get('jsonrpc')!r}")
    if "id" in recorded and got.get("id") != recorded["id"]:
        problems.append(f"id {got.get('id')!r} instead of {recorded['id']!r}")
    error, wanted = got.get("error"), recorded.get("error")
    if isinstance(error, dict) and isinstance(wanted, dict):
        for key in ("code", "message"):
            if error.get(key) != wanted.get(key):
                problems.append(f"error {key} {error.get(key)!r} instead of {wanted.get(key)!r}")
        if current:
            reason, wanted_reason = (error.get("data") or {}), (wanted.get("data") or {})
            if reason.get("reason") != wanted_reason.get("reason"):
                problems.append(
                    f"reason {reason.get('reason')!r} instead of {wanted_reason.get('reason')!r}"
                )
    return problems


def learn(recorded: Any, got: Any, mapping: dict[str, str]) -> None:
    """Remember which emulator file name stands for which recorded one."""
    if isinstance(recorded, dict) and isinstance(got, dict):
        for key in set(recorded) & set(got):
            one, other = recorded[key], got[key]
            if key == "filename" and isinstance(one, str) and isinstance(other, str):
                mapping.setdefault(one, other)
            else:
                learn(one, other, mapping)
    elif isinstance(recorded, list) and isinstance(got, list):
        for one, other in zip(recorded, got, strict=False):
            learn(one, other, mapping)


def substitute(value: Any, mapping: dict[str, str]) -> Any:
    if isinstance(value, str):
        return mapping.get(value, value)
    if isinstance(value, dict):
        return {key: substitute(item, mapping) for key, item in value.items()}
    if isinstance(value, list):
        return [substitute(item, mapping) for item in value]
    return value


def credentials(emu: CameraServiceEmulator) -> dict[str, Callable[[], str]]:
    """What each placeholder of the transcripts stands for: a fresh one at each use."""

    def signed(claims: dict[str, Any], secret: str = SECRET, algorithm: str = "HS256") -> str:
        now = int(time.time())
        return str(jwt.encode({"iat": now, "exp": now + 3600, **claims}, secret, algorithm))

    return {
        "<jwt viewer>": lambda: emu.token("viewer"),
        "<jwt operator>": lambda: emu.token("operator"),
        "<jwt admin>": lambda: emu.token("admin"),
        "<jwt expired operator>": lambda: emu.token("operator", -60),
        "<jwt wrong secret admin>": lambda: signed(
            {"user_id": "u", "role": "admin"}, SECRET + "-other"
        ),
        "<jwt invalid role>": lambda: signed({"user_id": "u", "role": "superuser"}),
        "<jwt missing user id>": lambda: signed({"role": "admin"}),
        "<jwt hs512 admin>": lambda: signed({"user_id": "u", "role": "admin"}, algorithm="HS512"),
        "<api key>": lambda: emu.api_key("operator"),
    }


class Replay:
    """Plays the recorded requests against one emulator, one raw client per connection."""

    def __init__(self, emu: CameraServiceEmulator) -> None:
        self.emu = emu
        self.current = emu.dialect == "current"
        self.secrets = credentials(emu)
        self.mapping: dict[str, str] = {}
        self.clients: dict[str, RawClient] = {}
        self.problems: list[str] = []
        self.compared = 0
        self.started = ""  # the file name of the last recording started

    def client(self, record: dict[str, Any]) -> RawClient:
        name = record["connection"]
        if name not in self.clients:
            base = self.emu.url.rsplit("/", 1)[0]
            self.clients[name] = RawClient(base + record.get("path", "/ws"))
        return self.clients[name]

    def host(self, record: dict[str, Any]) -> None:
        action = record["host"]
        if action == "open":
            self.client(record)
        elif action == "plug":
            self.emu.plug_camera(record["device"])
        elif action == "unplug":
            self.emu.unplug_camera(record["device"])
        elif action == "cameras":
            wanted = set(record["devices"])
            for device in wanted:
                self.emu.plug_camera(device)
            for device in set(self.emu.devices) - wanted:
                self.emu.unplug_camera(device)
        elif action == "await_stop":
            # The probe waited for its timed recording to end by itself.
            started = self.started
            self.client(record).notification(
                "recording_status_update",
                lambda params: (
                    params["status"] == "STOPPED" and str(params["filename"]).endswith(started)
                ),
            )
        elif action == "expire_tokens":
            self.emu.expire_tokens()
        elif action == "mediamtx_down":
            self.emu.set_mediamtx_available(False)
        elif action == "pings":
            client = self.client(record)
            for rid in range(record["first"], record["last"] + 1):
                assert client.reply(client.request("ping", rid=rid))["result"] == "pong"
        else:  # pragma: no cover - a fixture this test does not know
            raise AssertionError(f"unknown host action {action!r}")

    def request(self, record: dict[str, Any]) -> None:
        client = self.client(record)
        if record.get("binary") is not None:
            client.send(record["binary"].encode("utf-8"))
            return
        text = record["request"]
        for placeholder, make in self.secrets.items():
            if placeholder in text:
                text = text.replace(placeholder, make())
        try:
            message = json.loads(text)
        except ValueError:
            message = None
        else:
            if isinstance(message, dict) and "params" in message:
                message["params"] = substitute(message["params"], self.mapping)
            text = json.dumps(message)
        client.send(text)
        recorded = record["reply"]
        if recorded is None:
            return  # none is due: a later reply would show up in ``client.other``
        if isinstance(message, dict) and "id" in message and recorded.get("id") is not None:
            got = client.reply(message["id"])
        else:
            got = self.next_frame(client)
        self.compare(record, recorded, got)

    @staticmethod
    def next_frame(client: RawClient) -> Any:
        while True:
            frame = client.recv()
            if isinstance(frame, dict) and "method" in frame and "id" not in frame:
                client.notifications.append(frame)
                continue
            return frame

    def compare(self, record: dict[str, Any], recorded: Any, got: Any) -> None:
        self.compared += 1
        label = f"[{record['connection']}] {record['request']} ({record['note']})"
        problems = shape_problems(recorded, got)
        if isinstance(recorded, dict) and isinstance(got, dict):
            problems += value_problems(recorded, got, self.current)
        if problems:
            self.problems.append(f"{label}:\n    " + "\n    ".join(problems))
        learn(recorded, got, self.mapping)
        result = got.get("result") if isinstance(got, dict) else None
        if '"start_recording"' in record["request"] and isinstance(result, dict):
            self.started = str(result.get("filename", ""))

    def run(self, records: list[dict[str, Any]], skip: set[str]) -> None:
        for record in records:
            if "host" in record:
                self.host(record)
            elif record.get("note") not in skip:
                self.request(record)
        for name, client in self.clients.items():
            # Nothing answered a notification, nothing arrived without being asked for.
            if client.other:
                self.problems.append(f"[{name}] unexpected frames: {client.other}")

    def close(self) -> None:
        for client in self.clients.values():
            client.close()


@pytest.fixture
def replay_of() -> Iterator[Callable[..., Replay]]:
    made: list[tuple[CameraServiceEmulator, Replay]] = []

    def make(**settings: Any) -> Replay:
        emu = CameraServiceEmulator(jwt_secret=SECRET, idle_timeout=None, **settings)
        emu.start()
        replay = Replay(emu)
        made.append((emu, replay))
        return replay

    yield make
    for emu, replay in made:
        replay.close()
        emu.stop()


def test_current_replies_match_the_real_service(replay_of: Callable[..., Replay]) -> None:
    replay = replay_of(dialect="current", quirks=CameraServiceEmulator.QUIRKS)
    records = load("current_transcript.json")
    replay.run(records, set())
    assert replay.compared == sum(1 for r in records if r.get("reply") is not None)
    assert not replay.problems, "\n".join(replay.problems)
    # The real service never pushed a notification; neither did the emulator.
    assert all(not client.notifications for client in replay.clients.values())


def test_legacy_replies_match_the_real_service(replay_of: Callable[..., Replay]) -> None:
    replay = replay_of(dialect="legacy", cameras=1, rate_limit=(120, 60.0), time_scale=0.01)
    records = load("legacy_transcript.json")
    replay.run(records, LEGACY_DIFFERENCES)
    assert replay.compared >= 90
    assert not replay.problems, "\n".join(replay.problems)
    # The legacy service pushes camera updates to every connection, even anonymous ones.
    listener = replay.clients["N@1"]
    assert listener.notification("camera_status_update")["device"] == "/dev/video1"


#: The recorded requests that meet a defect of the real service: only there does
#: the emulator answer differently by default (without ``quirks``).
CURRENT_DEFECTS = {
    "path traversal filename",
    "bad duration type",
    "negative duration",
    "unsupported format",
    "clean up after accepted 'bad duration type'",
    "clean up after accepted 'negative duration'",
    "clean up after accepted 'unsupported format'",
    "filename from list_recordings",
    "on-disk name without extension (= start_recording 'filename')",
    "on-disk file name",
    "unknown recording",
}


def test_by_default_only_the_defects_differ(replay_of: Callable[..., Replay]) -> None:
    replay = replay_of(dialect="current")
    records = load("current_transcript.json")
    differing: list[str] = []
    compare = replay.compare

    def note_differences(record: dict[str, Any], recorded: Any, got: Any) -> None:
        before = len(replay.problems)
        compare(record, recorded, got)
        if len(replay.problems) > before:
            differing.append(record["note"])

    replay.compare = note_differences  # type: ignore[method-assign]
    replay.run(records, set())
    assert differing
    assert set(differing) <= CURRENT_DEFECTS, differing


SHARED = Path(__file__).parent.parent / "fixtures" / "transcripts"


@pytest.mark.parametrize(("mine", "shared"), [("current", "current"), ("legacy", "legacy")])
def test_the_replay_covers_the_projects_recorded_replies(mine: str, shared: str) -> None:
    """Every reply in ``tests/fixtures/transcripts`` (the SDK's decoding fixtures) is replayed here.

    That extraction has no camera changes between the requests, which a replay
    needs, so this one is separate; both come from the same probe runs. The
    legacy replay covers the runs against a working MediaMTX and the one where
    MediaMTX is down (the others need a missing FFmpeg or a never-ready path).
    """
    path = SHARED / f"{shared}.json"
    if not path.exists():
        pytest.skip("tests/fixtures/transcripts not present")
    ours = {json.dumps(r.get("reply"), sort_keys=True) for r in load(f"{mine}_transcript.json")}
    theirs = json.loads(path.read_text("utf-8"))
    replayed = [
        r
        for r in theirs
        if r.get("reply") is not None and str(r.get("run", "1)")).startswith(("1)", "5)"))
    ]
    assert replayed
    missing = [r for r in replayed if json.dumps(r["reply"], sort_keys=True) not in ours]
    assert not missing, missing[:3]


def test_shape_comparison_sees_differences() -> None:
    recorded = {"result": {"a": 1, "b": [{"c": "x"}], "d": None}}
    assert shape_problems(recorded, {"result": {"a": 2, "b": [{"c": "y"}], "d": None}}) == []
    assert shape_problems(recorded, {"result": {"a": 1.5, "b": [], "d": None}}) != []
    assert shape_problems(recorded, {"result": {"a": 1, "b": [{"c": 1}], "d": None}}) != []
    assert shape_problems(recorded, {"result": {"a": 1, "b": [], "d": None, "e": 0}}) != []
    assert shape_problems(recorded, {"result": {"a": 1, "b": []}}) != []
