"""One benchmark client process: ``python benchmarks/client.py NAME --url URL --sizes JSON``.

Pins itself to ``--cpu`` (before importing any client library), runs every
workload of :data:`_common.WORKLOADS` with the client ``NAME`` against the
benchmark server at ``--url``, and prints one ``RESULT {...}`` line:
``{"workloads": {workload: {metric: value} | {"error": text}}}``, or
``{"unavailable": reason}`` when the client cannot be imported (an optional
library that is not installed).

Clients: ``ws_asyncio``, ``ws_sync``, ``websocket_client``, ``picows`` (raw
libraries, :mod:`clients_raw`); ``jsonrpc_websocket`` (the peer SDK,
:mod:`clients_peer`); ``async_asyncio``, ``async_trio``, ``sync`` (the SDK,
:mod:`clients_sdk`); ``core`` (the sans-IO core alone, no server:
:mod:`core_bench`).
"""

from __future__ import annotations

import argparse
import json
import traceback
from typing import Any

import _common

RAW = ("ws_asyncio", "ws_sync", "websocket_client", "picows")
PEER = ("jsonrpc_websocket",)
SDK = ("async_asyncio", "async_trio", "sync")
CLIENTS = (*RAW, *PEER, *SDK, "core")


def main() -> None:
    """Parse the command line, run the client's workloads, print the result line."""
    parser = argparse.ArgumentParser(description="one benchmark client process")
    parser.add_argument("client", choices=CLIENTS)
    parser.add_argument("--url", default="")
    parser.add_argument("--sizes", default=json.dumps(_common.FULL_SIZES))
    parser.add_argument("--cpu", type=int, default=None)
    parser.add_argument(
        "--workloads", default=",".join(_common.WORKLOADS), help="comma-separated subset"
    )
    args = parser.parse_args()
    _common.pin_to(args.cpu)
    sizes: dict[str, Any] = json.loads(args.sizes)
    workloads = [w for w in args.workloads.split(",") if w]
    try:
        if args.client in RAW:
            import clients_raw as family
        elif args.client in PEER:
            import clients_peer as family  # type: ignore[no-redef]
        elif args.client in SDK:
            import clients_sdk as family  # type: ignore[no-redef]
        else:
            import core_bench as family  # type: ignore[no-redef]
        runner = family.make_runner(args.client)
    except ImportError as exc:
        _common.emit({"unavailable": f"{type(exc).__name__}: {exc}"})
        return
    try:
        results = runner(args.url, sizes, workloads)
    except Exception as exc:  # report, do not hide: run.py prints it
        traceback.print_exc()
        results = {w: {"error": f"{type(exc).__name__}: {exc}"} for w in workloads}
    _common.emit({"workloads": results})


if __name__ == "__main__":
    main()
