"""Turn the probe transcripts of the two real services into recorded test fixtures.

Usage::

    python tools/extract_transcripts.py CURRENT_TRANSCRIPT LEGACY_TRANSCRIPT

writes ``tests/fixtures/transcripts/current.json`` and ``legacy.json``: one
record per request the probe sent, in transcript order::

    {"method": ..., "params": ..., "reply": {...} or null,
     "connection": ..., "comment": ..., "request": {...}}

``reply`` is the whole reply frame as the service sent it (``result`` or
``error``, ``id``, and ``metadata`` on the current service); it is null where
the service did not answer (a JSON-RPC notification, a binary frame).
``request`` is the frame the probe sent (``request_text`` instead where that
frame was not valid JSON); ``method`` and ``params`` are taken from it.
Server pushes (JSON-RPC notifications) go to ``<dialect>-notifications.json``
as ``{"method", "params", "connection", "comment"}``.

The transcripts already carry placeholders instead of credentials; this
script keeps them as they are. The tests only read the JSON files: the
transcripts themselves are not part of the repository.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "transcripts"

# [21:24:46.330] [anon#1] >>> {...}    # comment
_CURRENT_LINE = re.compile(r"^\[[0-9:.]+\] \[(?P<conn>[^\]]+)\] (?P<dir>>>>|<<<) (?P<rest>.*)$")
# >>> 14:18:50.400 {...}      <<< 14:18:54.865 [NOTIFICATION] {...}
# (the rate-limit burst is printed without times)
_LEGACY_LINE = re.compile(r"^(?P<dir>>>>|<<<) (?:[0-9:.]+ )?(?P<rest>.*)$")
_LEGACY_HEADER = re.compile(r"^### \[(?P<conn>[^\]]+)\] (?P<title>.*)$")
_LEGACY_RUN = re.compile(r"^# RUN: (?P<run>.*)$")
_LEGACY_CONN = re.compile(r"^=== [0-9:.]+ connection (?P<conn>\S+)")
_LEGACY_MEANWHILE = re.compile(r"^--- frames received meanwhile on (?P<conn>\S+)")


def _split_comment(rest: str) -> tuple[str, str]:
    """The frame text and the probe's ``# comment`` after it (if any)."""
    try:
        json.loads(rest)
    except ValueError:
        pass
    else:
        return rest, ""
    if "    # " in rest:
        frame, comment = rest.rsplit("    # ", 1)
        return frame.rstrip(), comment.strip()
    return rest, ""


def _record(frame: str, connection: str, comment: str) -> dict[str, Any]:
    record: dict[str, Any] = {"method": None, "params": None, "reply": None}
    try:
        request = json.loads(frame)
    except ValueError:
        record["request_text"] = frame
    else:
        record["request"] = request
        if isinstance(request, dict):
            method = request.get("method")
            record["method"] = method if isinstance(method, str) else None
            record["params"] = request.get("params")
    record["connection"] = connection
    record["comment"] = comment
    return record


def _attach(pending: list[dict[str, Any]], reply: dict[str, Any]) -> None:
    """Give ``reply`` to the unanswered request with its id (else the oldest one)."""
    open_ = [r for r in pending if r["reply"] is None]
    for record in open_:
        request = record.get("request")
        if isinstance(request, dict) and "id" in reply and request.get("id") == reply["id"]:
            record["reply"] = reply
            return
    if open_:
        open_[-1]["reply"] = reply
        return
    raise ValueError(f"reply without a request: {reply!r}")


def extract_current(text: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    records: list[dict[str, Any]] = []
    notifications: list[dict[str, Any]] = []
    pending: dict[str, list[dict[str, Any]]] = {}
    for line in text.splitlines():
        match = _CURRENT_LINE.match(line)
        if match is None:
            continue
        conn, rest = match["conn"], match["rest"]
        if match["dir"] == ">>>":
            frame, comment = _split_comment(rest)
            record = _record(frame, conn, comment)
            records.append(record)
            pending.setdefault(conn, []).append(record)
            continue
        if rest.startswith("NOTIFICATION"):
            push = json.loads(rest.split(None, 1)[1])
            notifications.append(
                {"method": push.get("method"), "params": push.get("params"), "connection": conn}
            )
            continue
        _attach(pending.get(conn, []), json.loads(rest))
    return records, notifications


def extract_legacy(text: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    records: list[dict[str, Any]] = []
    notifications: list[dict[str, Any]] = []
    run = ""
    conn = ""
    title = ""
    listener = ""
    pending: list[dict[str, Any]] = []
    for line in text.splitlines():
        if m := _LEGACY_RUN.match(line):
            run = m["run"].strip()
            continue
        if m := _LEGACY_HEADER.match(line):
            conn, title, listener = m["conn"], m["title"].strip(), ""
            continue
        if m := _LEGACY_CONN.match(line):
            listener = ""
            continue
        if m := _LEGACY_MEANWHILE.match(line):
            listener = m["conn"]
            continue
        match = _LEGACY_LINE.match(line)
        if match is None:
            continue
        rest = match["rest"]
        if match["dir"] == ">>>":
            record = _record(rest, conn, title)
            record["run"] = run
            records.append(record)
            pending.append(record)
            listener = ""
            continue
        if rest.startswith("[NOTIFICATION] "):
            push = json.loads(rest[len("[NOTIFICATION] ") :])
            notifications.append(
                {
                    "method": push.get("method"),
                    "params": push.get("params"),
                    "connection": listener or conn,
                    "comment": title,
                    "run": run,
                }
            )
            continue
        _attach(pending[-1:], json.loads(rest))
    return records, notifications


def _write(name: str, data: list[dict[str, Any]]) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"{name}.json"
    path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"{path}: {len(data)} records")


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    current, legacy = (Path(arg).read_text(encoding="utf-8") for arg in argv[1:])
    for name, (records, pushes) in (
        ("current", extract_current(current)),
        ("legacy", extract_legacy(legacy)),
    ):
        _write(name, records)
        _write(f"{name}-notifications", pushes)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
