"""Branch coverage of the core modules, measured in a run of its own and reported.

Why a separate run: the SDK's pytest plugin (registered through the package's
``pytest11`` entry point) is imported by pytest before any coverage plugin
starts, and with it the whole package, so an in-process measurement counts
every module-level line as missed. ``coverage run -m pytest`` starts measuring
first. The figures are printed in the terminal summary of the main run.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORE_MODULES = ("protocol.py", "errors.py", "methods.py", "_convert.py")
CORE_TESTS = (
    "tests/test_protocol.py",
    "tests/test_protocol_properties.py",
    "tests/test_errors.py",
    "tests/test_methods.py",
    "tests/test_convert.py",
    "tests/test_models.py",
    "tests/test_generated_api.py",
)
MINIMUM = 95.0

#: Filled by the test, printed by ``pytest_terminal_summary`` in conftest.py.
REPORT: dict[str, float] = {}


def test_core_modules_branch_coverage(tmp_path: Path) -> None:
    data = tmp_path / ".coverage"
    env_args = [f"--data-file={data}"]
    subprocess.run(
        [
            sys.executable,
            "-m",
            "coverage",
            "run",
            *env_args,
            "--branch",
            "--source=mediamtx_camera_sdk",
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-x",
            *CORE_TESTS,
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
        timeout=600,
    )
    out = tmp_path / "coverage.json"
    subprocess.run(
        [sys.executable, "-m", "coverage", "json", *env_args, "-o", str(out)],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    files = json.loads(out.read_text())["files"]
    for module in CORE_MODULES:
        (summary,) = [
            f["summary"]
            for name, f in files.items()
            if name.endswith(f"mediamtx_camera_sdk/{module}")
        ]
        REPORT[module] = summary["percent_covered"]
    low = {m: round(p, 1) for m, p in REPORT.items() if p < MINIMUM}
    assert not low, f"branch coverage below {MINIMUM}%: {low}"
