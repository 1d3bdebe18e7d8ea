"""Smoke test of the benchmarks: ``benchmarks/run.py --quick`` runs every workload to the end.

No timing assertions (speed is what the benchmarks report, not what CI
checks): this only makes sure that every client and every workload runs and
completes, that in-flight calls all come back, and that the JSON report has
the stable keys other tools read. One repetition keeps it short; picows and
the peer SDK jsonrpc-websocket are optional (the ``bench`` extra) and may be
reported unavailable: then their targets are not checked (``holds`` is None).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
BENCHMARKS = ROOT / "benchmarks"
OPTIONAL_CLIENTS = ("picows", "jsonrpc_websocket")
REQUIRED_CLIENTS = (
    "ws_asyncio",
    "ws_sync",
    "websocket_client",
    "async_asyncio",
    "async_trio",
    "sync",
)
# The metric each workload must report (a positive number).
WORKLOAD_METRICS = {
    "connect": "ms",
    "inflight10k": "completed",
    "ping": "us_per_call",
    "camera_list": "us_per_call",
    "inflight100": "calls_per_s",
    "notifications": "per_s",
}
# Ratios of pairs whose clients are always there (not the optional ones).
RATIO_KEYS = (
    ("async_asyncio_vs_ws_asyncio", "notifications"),
    ("async_trio_vs_ws_asyncio", "notifications"),
    ("sync_vs_websocket_client", "inflight100"),
    ("sync_vs_websocket_client", "notifications"),
    ("sync_vs_websocket_client", "ping"),
)


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One quick run (one repetition, one extra round of ping and camera list), parsed."""
    out = tmp_path_factory.mktemp("bench") / "bench.json"
    done = subprocess.run(
        [
            sys.executable,
            str(BENCHMARKS / "run.py"),
            "--quick",
            "--repetitions",
            "1",
            "--extra-sequential",
            "1",
            "--json",
            str(out),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    data: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    data["_stdout"] = done.stdout
    data["_json"] = str(out)
    return data


def test_no_errors_and_required_clients_available(report: dict[str, Any]) -> None:
    assert report["errors"] == []
    assert set(report["unavailable"]) <= set(OPTIONAL_CLIENTS)
    for client in REQUIRED_CLIENTS:
        assert client in report["results"], client


@pytest.mark.parametrize("client", REQUIRED_CLIENTS + OPTIONAL_CLIENTS)
def test_every_workload_completes(report: dict[str, Any], client: str) -> None:
    if client in report["unavailable"]:
        pytest.skip(f"{client} is not installed (the bench extra installs it)")
    results = report["results"][client]
    for workload, metric in WORKLOAD_METRICS.items():
        value = results[workload][metric]
        assert isinstance(value, float)
        assert value > 0, (client, workload, metric)
    hold = results["inflight10k"]
    assert hold["completed"] == hold["calls"] == report["meta"]["sizes"]["inflight10k"]


def test_core_micro_benchmark_reports(report: dict[str, Any]) -> None:
    core = report["results"]["core"]["core"]
    for key in ("reply_us", "notification_us", "reply_json_us", "notification_json_us"):
        assert core[key] > 0


def test_json_has_stable_keys(report: dict[str, Any]) -> None:
    for pair, metric in RATIO_KEYS:
        assert report["ratios"][pair][metric] > 0, (pair, metric)
    meta = report["meta"]
    assert meta["repetitions"] == 1
    # The extra round runs the sequential workloads alone, for every client but the core.
    assert meta["sequential_repetitions"] == 2
    # (and without the clients found unavailable in the first round, e.g. picows).
    first, extra = meta["order"]
    assert extra == [c for c in reversed(first) if c != "core" and c not in report["unavailable"]]
    for client in REQUIRED_CLIENTS:
        runs = report["runs"][client]
        assert len(runs["ping"]["us_per_call"]) == len(runs["camera_list"]["us_per_call"]) == 2
        assert len(runs["inflight100"]["calls_per_s"]) == 1
    assert meta["quick"] is True
    assert meta["pinning"].startswith(("pinned", "unpinned"))
    assert "websockets" in meta["versions"]
    assert len(report["targets"]) == 30
    for key, target in report["targets"].items():
        assert target["op"] in ("<=", ">=")
        if target["holds"] is None:
            # Not checked only when it compares with a client that is not installed.
            assert any(f"_vs_{c}." in key for c in report["unavailable"]), key
        else:
            assert isinstance(target["holds"], bool)


def test_table_printed(report: dict[str, Any]) -> None:
    stdout = report["_stdout"]
    assert "| client | ping µs |" in stdout
    assert "async_asyncio_vs_ws_asyncio" in stdout
    assert "SDK measured: " in stdout
    assert "Targets:" in stdout


def test_compare_prints_runs_side_by_side(report: dict[str, Any]) -> None:
    done = subprocess.run(
        [sys.executable, str(BENCHMARKS / "run.py"), "--compare", report["_json"], report["_json"]],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    commit = report["meta"]["sdk_commit"]
    assert f"| target | limit | {commit}, " in done.stdout
    assert "| ratios.sync_vs_websocket_client.notifications | ≥ 1.5 | " in done.stdout
    assert "| client | ping µs |" in done.stdout
