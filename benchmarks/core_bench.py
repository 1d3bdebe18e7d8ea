"""Micro-benchmark of the sans-IO core alone: strings in, strings out, no I/O.

``reply_us``: one call through :class:`RpcProtocol`: ``start_call`` (with a
deadline, as the clients pass one) and ``receive_text`` of its reply, up to the
``CallCompleted`` event. ``notification_us``: ``receive_text`` of one
notification, up to the ``Notification`` event. Both exclude JSON parsing and
encoding (the issue's definition of the core's own cost): the protocol gets a
``loads`` that looks up a pre-parsed object and a ``dumps`` that returns a fixed
string. The ``*_json_us`` figures are the same with the stdlib JSON functions
the clients use (orjson when installed), for reference. Each figure is the
best of five runs in the process; run.py then takes the median over processes.
"""

from __future__ import annotations

import inspect
import json
import time
from collections.abc import Callable
from typing import Any

from _common import FLOOD_METHOD, FLOOD_PARAMS

from mediamtx_camera_sdk.protocol import CallCompleted, Notification, RpcProtocol

Result = dict[str, Any]


def _reply_texts(n: int) -> list[str]:
    return [f'{{"jsonrpc":"2.0","id":{i},"result":"pong"}}' for i in range(1, n + 1)]


def _time_replies(n: int, fast: bool) -> float:
    texts = _reply_texts(n)
    if fast:
        parsed = {text: json.loads(text) for text in texts}
        proto = RpcProtocol("current", loads=parsed.__getitem__, dumps=lambda message: "{}")
    else:
        proto = RpcProtocol("current")
    proto.connection_made()
    start_call = proto.start_call
    receive = proto.receive_text
    # The deadline and timeout the clients pass, where the core takes them.
    accepted = inspect.signature(start_call).parameters
    extra = {k: v for k, v in {"deadline": 1e9, "timeout": 10.0}.items() if k in accepted}
    start = time.perf_counter()
    for text in texts:
        call = start_call("ping", None, **extra)
        events = receive(text)
        if type(events[0]) is not CallCompleted or events[0].call is not call:
            raise RuntimeError("the reply did not complete its call")
    return (time.perf_counter() - start) / n * 1e6


def _time_notifications(n: int, fast: bool) -> float:
    text = json.dumps(
        {"jsonrpc": "2.0", "method": FLOOD_METHOD, "params": FLOOD_PARAMS}, separators=(",", ":")
    )
    if fast:
        # A fresh object per frame, as a parser would return.
        objects = [json.loads(text) for _ in range(n)]
        feed = iter(objects).__next__
        proto = RpcProtocol("current", loads=lambda _text: feed())
    else:
        proto = RpcProtocol("current")
    proto.connection_made()
    receive = proto.receive_text
    start = time.perf_counter()
    for _ in range(n):
        events = receive(text)
        if type(events[0]) is not Notification:
            raise RuntimeError("the notification was not delivered")
    return (time.perf_counter() - start) / n * 1e6


def _best(measure: Callable[[], float]) -> float:
    # The least disturbed of five runs (timeit's convention): on a machine
    # shared with other work, slower runs measure the neighbours, not the core.
    return min(measure() for _ in range(5))


def run(url: str, sizes: Result, workloads: list[str]) -> dict[str, Result]:
    """Time the core; ``url`` and ``workloads`` are unused (no server involved)."""
    n = sizes["core_calls"]
    return {
        "core": {
            "reply_us": _best(lambda: _time_replies(n, True)),
            "notification_us": _best(lambda: _time_notifications(n, True)),
            "reply_json_us": _best(lambda: _time_replies(n, False)),
            "notification_json_us": _best(lambda: _time_notifications(n, False)),
        }
    }


def make_runner(name: str) -> Callable[[str, Result, list[str]], dict[str, Result]]:
    """The core micro-benchmark runner (``name`` is ``"core"``)."""
    return run
