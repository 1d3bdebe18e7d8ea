"""Benchmarks: the SDK's clients beside the raw WebSocket clients and the peer SDK.

Usage::

    python benchmarks/run.py [--quick] [--json PATH] [--repetitions N] [--clients a,b,...]

Starts the benchmark server (:mod:`server`) in its own process, then runs each
client (:mod:`client`) in its own process, alternating the clients A B C ...
C B A A B C ... over the repetitions, and prints one table of medians plus the
SDK's ratios to the reference clients of this same run (picows, the raw
websockets and websocket-client clients, the peer SDK jsonrpc-websocket) and
issue 14's targets. With two or more usable CPUs the server is pinned to one
and every client to another (``os.sched_setaffinity``); otherwise everything
runs unpinned, and the output says which.

The SDK measured is the installed one (``pip install -e DIR``, so this harness
can measure another checkout's SDK), or this checkout's ``src/`` when none is
installed; the report names its path and git commit.

Ratios: for times (µs per call, ms per connect, CPU per call) ``sdk / ref``,
lower is better; for rates (calls/s, notifications/s) ``sdk / ref``, higher is
better. ``--json`` writes every figure under a stable key, e.g.
``ratios.async_asyncio_vs_picows.ping`` or ``results.sync.ping.us_per_call``.

Exit status: 0 when every workload of every available client completed (and,
in a full run, picows and jsonrpc-websocket were available), 1 otherwise
(targets missed do not fail the run: they are reported).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import importlib.util
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path
from typing import Any

import _common

HERE = Path(__file__).resolve().parent

#: Every client: raw ones, the peer SDK, the SDK's. ``core`` is the core
#: micro-benchmark (no server).
CLIENTS = (
    "ws_asyncio",
    "ws_sync",
    "websocket_client",
    "picows",
    "jsonrpc_websocket",
    "async_asyncio",
    "async_trio",
    "sync",
    "core",
)

#: Optional libraries (the ``bench`` extra) that a quick run may go without;
#: a full run without them is incomplete (their targets could not be checked).
OPTIONAL = ("picows", "jsonrpc_websocket")

SDK_CLIENTS = ("async_asyncio", "async_trio", "sync")
ASYNC_CLIENTS = ("async_asyncio", "async_trio")

#: (metric of a workload, "time" (lower is better) or "rate" (higher is better)).
RATIO_METRICS: dict[str, tuple[str, str, str]] = {
    "ping": ("ping", "us_per_call", "time"),
    "ping_cpu": ("ping", "cpu_us_per_call", "time"),
    "camera_list": ("camera_list", "us_per_call", "time"),
    "camera_list_cpu": ("camera_list", "cpu_us_per_call", "time"),
    "inflight100": ("inflight100", "calls_per_s", "rate"),
    "inflight100_cpu": ("inflight100", "cpu_us_per_call", "time"),
    "notifications": ("notifications", "per_s", "rate"),
    "notifications_cpu": ("notifications", "cpu_us_per_notification", "time"),
    "connect": ("connect", "ms", "time"),
}

#: (SDK client, reference client) pairs whose ratios are reported.
PAIRS = (
    *((sdk, "picows") for sdk in SDK_CLIENTS),
    *((sdk, "ws_asyncio") for sdk in ASYNC_CLIENTS),
    ("sync", "websocket_client"),
    *((sdk, "jsonrpc_websocket") for sdk in SDK_CLIENTS),
)


def target_list(sizes: dict[str, Any]) -> list[tuple[str, str, float]]:
    """Issue 14's speed targets: (key, "<=" or ">=", limit), on the ratios of one run."""
    out: list[tuple[str, str, float]] = []
    for sdk in SDK_CLIENTS:
        # Sequential calls: at most 1.4x picows' time.
        out += [(f"ratios.{sdk}_vs_picows.{w}", "<=", 1.4) for w in ("ping", "camera_list")]
    # 100 calls in flight: async clients at least 0.7x picows' throughput,
    # the sync one at least websocket-client's.
    out += [(f"ratios.{sdk}_vs_picows.inflight100", ">=", 0.7) for sdk in ASYNC_CLIENTS]
    out.append(("ratios.sync_vs_websocket_client.inflight100", ">=", 1.0))
    # Notifications through events(), typed: async clients at least the raw
    # websockets asyncio client's rate, the sync one 1.5x websocket-client's.
    out += [(f"ratios.{sdk}_vs_ws_asyncio.notifications", ">=", 1.0) for sdk in ASYNC_CLIENTS]
    out.append(("ratios.sync_vs_websocket_client.notifications", ">=", 1.5))
    # Every SDK client at least as fast as the peer SDK on every workload.
    for sdk in SDK_CLIENTS:
        out += [
            (f"ratios.{sdk}_vs_jsonrpc_websocket.{w}", "<=", 1.0) for w in ("ping", "camera_list")
        ]
        out += [
            (f"ratios.{sdk}_vs_jsonrpc_websocket.{w}", ">=", 1.0)
            for w in ("inflight100", "notifications")
        ]
    # 10,000 calls in flight all complete, with at most 2 KiB of SDK memory each.
    for sdk in SDK_CLIENTS:
        out.append((f"results.{sdk}.inflight10k.completed", ">=", float(sizes["inflight10k"])))
        out.append((f"results.{sdk}.inflight10k.client_bytes_per_call", "<=", 2048.0))
    return out


#: Columns of the main table: (header, workload, metric, format).
COLUMNS = (
    ("ping µs", "ping", "us_per_call", "{:.1f}"),
    ("(CPU)", "ping", "cpu_us_per_call", "{:.1f}"),
    ("camera list µs", "camera_list", "us_per_call", "{:.1f}"),
    ("(CPU)", "camera_list", "cpu_us_per_call", "{:.1f}"),
    ("100 in flight calls/s", "inflight100", "calls_per_s", "{:,.0f}"),
    ("(CPU µs/call)", "inflight100", "cpu_us_per_call", "{:.1f}"),
    ("notifications/s", "notifications", "per_s", "{:,.0f}"),
    ("10k in flight: client B/call", "inflight10k", "client_bytes_per_call", "{:,.0f}"),
    ("(with task)", "inflight10k", "bytes_per_call", "{:,.0f}"),
    ("(RSS)", "inflight10k", "rss_bytes_per_call", "{:,.0f}"),
    ("connect+auth ms", "connect", "ms", "{:.2f}"),
)


def versions() -> dict[str, str]:
    """Versions of the libraries involved (absent ones are left out)."""
    out = {"python": platform.python_version()}
    for name in (
        "mediamtx-camera-sdk",
        "websockets",
        "websocket-client",
        "picows",
        "jsonrpc-websocket",
        "aiohttp",
        "orjson",
        "anyio",
        "trio",
        "attrs",
        "cattrs",
    ):
        with contextlib.suppress(metadata.PackageNotFoundError):
            out[name] = metadata.version(name)
    return out


def cpus() -> list[int]:
    """The CPUs this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return sorted(os.sched_getaffinity(0))
    return list(range(os.cpu_count() or 1))


def sdk_source() -> tuple[Path, bool]:
    """The SDK package the clients will import, and whether it needs this checkout's src/.

    The installed SDK wins (``pip install -e DIR``: the harness of one checkout
    can measure the SDK of another); when none is installed, the clients
    import the one in this checkout's ``src/``.
    """
    spec = importlib.util.find_spec("mediamtx_camera_sdk")
    if spec is not None and spec.origin:
        return Path(spec.origin).resolve().parent, False
    return HERE.parent / "src" / "mediamtx_camera_sdk", True


def sdk_commit(package: Path) -> str:
    """The git commit of the SDK's source tree, ``+ uncommitted changes`` when it has some."""

    def git(*args: str) -> str:
        done = subprocess.run(
            ["git", "-C", str(package), *args], capture_output=True, text=True, check=False
        )
        return done.stdout.strip() if done.returncode == 0 else ""

    commit = git("rev-parse", "--short", "HEAD")
    if not commit:
        return "unknown (not a git checkout)"
    dirty = git("status", "--porcelain", "--untracked-files=no", "--", ".")
    return commit + (" + uncommitted changes" if dirty else "")


def child_env(add_src: bool) -> dict[str, str]:
    """The environment of the child processes: no MEDIAMTX_* settings leak in."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MEDIAMTX_")}
    if add_src:
        src = str(HERE.parent / "src")
        env["PYTHONPATH"] = src + os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else src
    return env


def start_server(cpu: int | None, env: dict[str, str]) -> tuple[subprocess.Popen[bytes], int]:
    """Start the server process; returns it and its port."""
    command = [sys.executable, str(HERE / "server.py")]
    if cpu is not None:
        command += ["--cpu", str(cpu)]
    server = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)
    line = server.stdout.readline().decode().split() if server.stdout is not None else []
    if len(line) != 2 or line[0] != "PORT":
        server.kill()
        raise RuntimeError(f"the benchmark server did not start: {line!r}")
    return server, int(line[1])


def run_client(
    name: str,
    url: str,
    sizes: dict[str, Any],
    cpu: int | None,
    timeout: float,
    workloads: list[str],
    env: dict[str, str],
) -> dict[str, Any]:
    """Run one client process; returns its parsed result (or an error entry)."""
    command = [sys.executable, str(HERE / "client.py"), name, "--url", url]
    command += ["--sizes", json.dumps(sizes)]
    if cpu is not None:
        command += ["--cpu", str(cpu)]
    command += ["--workloads", "core" if name == "core" else ",".join(workloads)]
    try:
        done = subprocess.run(command, capture_output=True, timeout=timeout, env=env, check=False)
    except subprocess.TimeoutExpired:
        return {"failed": f"timed out after {timeout:.0f} s"}
    for line in reversed(done.stdout.decode(errors="replace").splitlines()):
        if line.startswith("RESULT "):
            result: dict[str, Any] = json.loads(line[len("RESULT ") :])
            if done.stderr.strip():
                result["stderr"] = done.stderr.decode(errors="replace")[-2000:]
            return result
    return {
        "failed": f"exit status {done.returncode}",
        "stderr": done.stderr.decode(errors="replace")[-2000:],
    }


def ratio(sdk: float | None, raw: float | None) -> float | None:
    """``sdk / raw``, or None when either is missing."""
    if sdk is None or raw is None or raw == 0:
        return None
    return sdk / raw


def get_path(data: dict[str, Any], key: str) -> Any:
    """The value at a dotted key (``ratios.async_asyncio_vs_ws_asyncio.ping``), or None."""
    value: Any = data
    for part in key.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def summarize(
    runs: dict[str, dict[str, dict[str, list[float]]]], n_expected: int
) -> dict[str, dict[str, dict[str, Any]]]:
    """Medians of every metric: ``{client: {workload: {metric: median}}}``."""
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for client, workloads in runs.items():
        for workload, metrics in workloads.items():
            for metric, values in metrics.items():
                if values:
                    out.setdefault(client, {}).setdefault(workload, {})[metric] = statistics.median(
                        values
                    )
    return out


def fmt(value: Any, pattern: str) -> str:
    """A table cell."""
    if value is None:
        return "-"
    return pattern.format(value)


def markdown_table(headers: list[str], rows: list[list[str]]) -> str:
    """A GitHub-flavoured Markdown table."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def report(data: dict[str, Any]) -> str:
    """The human-readable report: setup, medians, ratios, targets."""
    meta = data["meta"]
    results = data["results"]
    lines = [
        f"Benchmarks {meta['date']} ({'quick' if meta['quick'] else 'full'} run, "
        f"{meta['repetitions']} repetitions ({meta['sequential_repetitions']} for ping and "
        f"camera list), order {' '.join(meta['order'][0])} / reversed)",
        f"machine: {meta['cpu_count']} CPUs ({meta['cpu_model']}), {meta['platform']}; "
        f"{meta['pinning']}",
        f"load average before/after: {meta['load_before']} / {meta['load_after']}",
        "versions: " + ", ".join(f"{k} {v}" for k, v in meta["versions"].items()),
        f"SDK measured: {meta['sdk_path']} at commit {meta['sdk_commit']}",
        "",
        "Medians per client:",
        "",
    ]
    rows = []
    for client in CLIENTS:
        if client == "core" or client not in results:
            continue
        rows.append(
            [client] + [fmt(get_path(results, f"{client}.{w}.{m}"), f) for _, w, m, f in COLUMNS]
        )
    lines.append(markdown_table(["client"] + [c[0] for c in COLUMNS], rows))
    core = results.get("core", {}).get("core", {})
    if core:
        lines += [
            "",
            "Core alone (µs, JSON excluded / JSON included): "
            f"reply {fmt(core.get('reply_us'), '{:.2f}')} / "
            f"{fmt(core.get('reply_json_us'), '{:.2f}')}, "
            f"notification {fmt(core.get('notification_us'), '{:.2f}')} / "
            f"{fmt(core.get('notification_json_us'), '{:.2f}')}",
        ]
    lines += ["", "Ratios SDK / reference (time: lower is better; rate: higher is better):", ""]
    ratio_rows = []
    for pair, values in data["ratios"].items():
        ratio_rows.append([pair] + [fmt(values.get(k), "{:.2f}") for k in RATIO_METRICS])
    headers = ["pair"] + [f"{k} ({RATIO_METRICS[k][2]})" for k in RATIO_METRICS]
    lines.append(markdown_table(headers, ratio_rows))
    lines += ["", "Targets:", ""]
    target_rows = [
        [
            key,
            f"{'≤' if t['op'] == '<=' else '≥'} {t['limit']:,g}",
            fmt(t["value"], "{:,.0f}" if abs(t["value"] or 0) >= 1000 else "{:.3g}"),
            "yes" if t["holds"] else ("no" if t["holds"] is False else "n/a"),
        ]
        for key, t in data["targets"].items()
    ]
    lines.append(markdown_table(["target", "limit", "value", "holds"], target_rows))
    if data["errors"]:
        lines += ["", "Errors:"] + [f"- {e}" for e in data["errors"]]
    if data["unavailable"]:
        lines += ["", "Unavailable clients:"] + [
            f"- {k}: {v}" for k, v in data["unavailable"].items()
        ]
    return "\n".join(lines)


def compare(runs: list[dict[str, Any]]) -> str:
    """Targets and headline medians of full runs side by side (``--compare A.json B.json``)."""

    def target_cell(data: dict[str, Any], key: str) -> str:
        t = data["targets"].get(key)
        if t is None or t["value"] is None:
            return "-"
        mark = {True: "yes", False: "no"}.get(t["holds"], "n/a")
        value = fmt(t["value"], "{:,.0f}" if abs(t["value"]) >= 100 else "{:.2f}")
        return f"{value} ({mark})"

    names = [f"{d['meta']['sdk_commit']}, {d['meta']['date']}" for d in runs]
    lines = [
        "| target | limit | " + " | ".join(names) + " |",
        "|---|---|" + "---|" * len(runs),
    ]
    # In target_list's order (the JSON's keys are sorted), then any others.
    ordered = [k for k, _, _ in target_list(runs[-1]["meta"]["sizes"])]
    keys = list(dict.fromkeys(ordered + [k for d in runs for k in d["targets"]]))
    for key in keys:
        t = next(d["targets"][key] for d in runs if key in d["targets"])
        limit = f"{'≤' if t['op'] == '<=' else '≥'} {t['limit']:,g}"
        cells = [target_cell(d, key) for d in runs]
        lines.append(f"| {key} | {limit} | " + " | ".join(cells) + " |")
    headline = [COLUMNS[i] for i in (0, 2, 4, 6, 7)]
    lines += ["", "| client | " + " | ".join(c[0] for c in headline) + " |"]
    lines.append("|---|" + "---|" * len(headline))
    for client in CLIENTS:
        if client == "core" or not any(client in d["results"] for d in runs):
            continue
        cells = [
            " / ".join(fmt(get_path(d["results"], f"{client}.{w}.{m}"), f) for d in runs)
            for _, w, m, f in headline
        ]
        lines.append(f"| {client} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def cpu_model() -> str:
    """The CPU model name (Linux), or the platform's processor string."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def main(argv: list[str] | None = None) -> int:
    """Run the benchmarks; see the module docstring."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (a smoke test)")
    parser.add_argument("--json", type=Path, default=None, help="write every figure here")
    parser.add_argument(
        "--repetitions", type=int, default=None, help="rounds (>= 3; default 3 quick, 5 full)"
    )
    parser.add_argument("--clients", default=",".join(CLIENTS), help="comma-separated subset")
    parser.add_argument(
        "--workloads", default=",".join(_common.WORKLOADS), help="comma-separated subset"
    )
    parser.add_argument(
        "--extra-sequential",
        type=int,
        default=None,
        help="extra rounds of the sequential workloads alone (default 0 quick, 4 full)",
    )
    parser.add_argument("--no-pin", action="store_true", help="do not pin processes to CPUs")
    parser.add_argument(
        "--compare",
        type=Path,
        nargs="+",
        default=None,
        metavar="JSON",
        help="print the targets and medians of runs written by --json side by side; run nothing",
    )
    args = parser.parse_args(argv)
    if args.compare:
        print(compare([json.loads(path.read_text(encoding="utf-8")) for path in args.compare]))
        return 0

    sizes = dict(_common.QUICK_SIZES if args.quick else _common.FULL_SIZES)
    repetitions = args.repetitions or (3 if args.quick else 5)
    if repetitions < 1:
        parser.error("--repetitions must be >= 1")
    extra = args.extra_sequential if args.extra_sequential is not None else (0 if args.quick else 4)
    if extra < 0:
        parser.error("--extra-sequential must be >= 0")
    clients = [c for c in args.clients.split(",") if c]
    unknown = set(clients) - set(CLIENTS)
    if unknown:
        parser.error(f"unknown clients: {', '.join(sorted(unknown))}")
    workloads = [w for w in args.workloads.split(",") if w]
    unknown = set(workloads) - set(_common.WORKLOADS)
    if unknown:
        parser.error(f"unknown workloads: {', '.join(sorted(unknown))}")
    available_cpus = cpus()
    server_cpu: int | None = None
    client_cpu: int | None = None
    if len(available_cpus) >= 2 and not args.no_pin:
        server_cpu, client_cpu = available_cpus[0], available_cpus[1]
        pinning = f"pinned: server on CPU {server_cpu}, each client on CPU {client_cpu}"
    else:
        pinning = "unpinned" + (" (--no-pin)" if args.no_pin else " (fewer than 2 CPUs)")
    timeout = 120.0 if args.quick else 600.0

    load_before = [round(x, 2) for x in os.getloadavg()]
    started = time.perf_counter()
    sdk_package, add_src = sdk_source()
    env = child_env(add_src)
    server, port = start_server(server_cpu, env)
    url = f"ws://127.0.0.1:{port}/ws"
    runs: dict[str, dict[str, dict[str, list[float]]]] = {}
    errors: list[str] = []
    unavailable: dict[str, str] = {}
    order: list[list[str]] = []
    # The sequential workloads take a second or two per client while the VM's
    # speed drifts over tens of seconds, so their medians get extra rounds
    # (same alternation, every client, nothing else run in them).
    sequential = [w for w in workloads if w in _common.SEQUENTIAL_WORKLOADS]
    rounds = [workloads] * repetitions + ([sequential] * extra if sequential else [])
    try:
        for rep, round_workloads in enumerate(rounds):
            round_order = clients if rep % 2 == 0 else list(reversed(clients))
            round_order = [c for c in round_order if c not in unavailable]
            if round_workloads is not workloads:
                round_order = [c for c in round_order if c != "core"]
            order.append(round_order)
            for client in round_order:
                result = run_client(client, url, sizes, client_cpu, timeout, round_workloads, env)
                print(
                    f"  round {rep + 1}/{len(rounds)} {client}: "
                    f"{time.perf_counter() - started:.1f} s",
                    file=sys.stderr,
                    flush=True,
                )
                if "unavailable" in result:
                    unavailable[client] = result["unavailable"]
                    continue
                if "failed" in result:
                    errors.append(
                        f"{client} round {rep + 1}: {result['failed']}: "
                        f"{result.get('stderr', '')[-500:]}"
                    )
                    continue
                for workload, metrics in result["workloads"].items():
                    if "error" in metrics:
                        errors.append(f"{client} round {rep + 1} {workload}: {metrics['error']}")
                        continue
                    for metric, value in metrics.items():
                        if isinstance(value, (int, float)) and not isinstance(value, bool):
                            runs.setdefault(client, {}).setdefault(workload, {}).setdefault(
                                metric, []
                            ).append(float(value))
    finally:
        if server.stdin is not None:
            server.stdin.close()
        try:
            server.wait(5)
        except subprocess.TimeoutExpired:
            server.kill()
    elapsed = time.perf_counter() - started
    if not args.quick:
        errors += [
            f"{client} is unavailable, a full run needs it (pip install -e '.[bench]'): "
            f"{unavailable[client]}"
            for client in OPTIONAL
            if client in unavailable
        ]

    results = summarize(runs, repetitions)
    ratios: dict[str, dict[str, float | None]] = {}
    for sdk, raw in PAIRS:
        if sdk not in results or raw not in results:
            continue
        values: dict[str, float | None] = {}
        for key, (workload, metric, _kind) in RATIO_METRICS.items():
            values[key] = ratio(
                get_path(results, f"{sdk}.{workload}.{metric}"),
                get_path(results, f"{raw}.{workload}.{metric}"),
            )
        ratios[f"{sdk}_vs_{raw}"] = values
    data: dict[str, Any] = {
        "meta": {
            "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "quick": args.quick,
            "repetitions": repetitions,
            "sequential_repetitions": repetitions + (extra if sequential else 0),
            "order": order,
            "sizes": sizes,
            "workloads": workloads,
            "seconds": round(elapsed, 1),
            "cpu_count": os.cpu_count(),
            "cpu_model": cpu_model(),
            "platform": platform.platform(),
            "pinned": server_cpu is not None,
            "pinning": pinning,
            "load_before": load_before,
            "load_after": [round(x, 2) for x in os.getloadavg()],
            "versions": versions(),
            "sdk_path": str(sdk_package),
            "sdk_commit": sdk_commit(sdk_package),
        },
        "results": results,
        "runs": runs,
        "ratios": ratios,
        "errors": errors,
        "unavailable": unavailable,
    }
    targets: dict[str, dict[str, Any]] = {}
    for key, op, limit in target_list(sizes):
        value = get_path(data, key)
        holds = None if value is None else (value <= limit if op == "<=" else value >= limit)
        targets[key] = {"op": op, "limit": limit, "value": value, "holds": holds}
    data["targets"] = targets
    print(report(data))
    print(f"\n(total {elapsed:.1f} s)")
    if args.json is not None:
        args.json.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
