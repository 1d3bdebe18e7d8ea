"""The 60-second soak (``tools/soak.py --duration 60``), part of the default test run.

It runs in its own process, so that its leak accounting (threads, file
descriptors, memory) sees only the soak, and so that pytest's own threads and
files do not blur it. Deselect it locally with ``pytest -m "not soak"``; the
10-minute version is ``nox -s soak`` (see ``docs/reliability.md``).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
DURATION = 60


@pytest.mark.soak
def test_soak_60_seconds(tmp_path: Path) -> None:
    figures = tmp_path / "soak.json"
    command = [sys.executable, str(ROOT / "tools" / "soak.py"), "--duration", str(DURATION)]
    process = subprocess.run(
        [*command, "--json", str(figures)],
        capture_output=True,
        text=True,
        # The soak's own end: its duration, the recovery wait and the joins.
        timeout=DURATION + 180,
        check=False,
    )
    summary = process.stdout[process.stdout.find("soak ") :]
    assert figures.exists(), f"the soak did not finish:\n{process.stdout}\n{process.stderr}"
    report = json.loads(figures.read_text())
    print(summary)  # shown with -s, or in the failure report
    assert report["calls"] > 0 and report["succeeded"] > 0
    assert report["unexpected"] == [], summary
    assert report["hangs"] == [] and report["crashes"] == [], summary
    assert report["not_recovered"] == [], summary
    leaks = report["leaks"]
    assert leaks["pending_calls"] == 0 and leaks["tasks"] == 0, summary
    assert leaks["threads"] == [] and leaks["sdk_threads"] == [], summary
    assert leaks["fds"]["end"] <= leaks["fds"]["baseline"], summary
    assert leaks["resource_warnings"] == {}, summary
    assert report["passed"], summary
    assert process.returncode == 0, summary
    # Faults did strike, and the clients came back from them.
    assert sum(report["faults"].values()) >= 10 and report["reconnects"] > 0, summary
