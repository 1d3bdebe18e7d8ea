"""examples/notebook.ipynb runs top to bottom in a real Jupyter kernel.

The notebook starts the emulator itself, so it needs nothing but the SDK. It is
executed with nbclient in an ipykernel kernel (which runs its own event loop,
as Jupyter does: the sync client must work there) and fails on any cell error.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOK = Path(__file__).resolve().parent.parent / "examples" / "notebook.ipynb"
KERNEL = "mediamtx-sdk-test"


@pytest.fixture
def kernel_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A kernelspec that runs this interpreter, whatever kernels the machine has."""
    spec_dir = tmp_path / "jupyter" / "kernels" / KERNEL
    spec_dir.mkdir(parents=True)
    spec = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "SDK tests",
        "language": "python",
    }
    (spec_dir / "kernel.json").write_text(json.dumps(spec), encoding="utf-8")
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    # Opt in to the platformdirs paths, or jupyter_core warns (an error here).
    monkeypatch.setenv("JUPYTER_PLATFORM_DIRS", "1")
    return KERNEL


def _outputs(nb: Any) -> list[dict[str, Any]]:
    return [out for cell in nb.cells if cell.cell_type == "code" for out in cell.outputs]


def test_notebook_runs_in_a_kernel(kernel_name: str, tmp_path: Path) -> None:
    nb = nbformat.read(NOTEBOOK, as_version=4)
    work = tmp_path / "work"
    work.mkdir()
    client = NotebookClient(
        nb,
        timeout=60,
        kernel_name=kernel_name,
        resources={"metadata": {"path": str(work)}},
    )
    client.execute()  # raises CellExecutionError on the first failing cell
    outputs = _outputs(nb)
    assert not [out for out in outputs if out.output_type == "error"]
    text = "".join(out.get("text", "") for out in outputs if out.output_type == "stream")
    # The kernel's loop runs on the cells' thread, but a cell is synchronous code:
    # the blocking client does not warn about blocking that loop.
    assert "RuntimeWarning" not in text and "blocks the event loop" not in text
    assert "connected: True | role: operator" in text
    assert "camera0" in text and "camera1" in text
    assert "stopped: STOPPED" in text
    assert "camera_status_update camera1 DISCONNECTED" in text
    assert "camera_status_update camera1 CONNECTED" in text
    assert "2 updates also reached the callback" in text
    # The snapshot is shown inline as an image.
    images = [out for out in outputs if "image/jpeg" in out.get("data", {})]
    assert len(images) == 1


def test_the_notebook_is_committed_without_outputs() -> None:
    """Outputs belong to a run, not to the repository (and would go stale)."""
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    assert code
    assert all(not cell.outputs and cell.execution_count is None for cell in code)
