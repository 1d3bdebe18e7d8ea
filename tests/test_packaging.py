"""What users get from the package index must work, not only the editable checkout.

Builds the sdist and the wheel with ``python -m build``, checks what the wheel
holds (pure Python: one ``py3-none-any`` wheel for every platform), installs it
into a brand-new virtual environment and imports it there.
"""

from __future__ import annotations

import ast
import os
import signal
import subprocess
import sys
import tarfile
import venv
import zipfile
from pathlib import Path

import pytest

import mediamtx_camera_sdk

ROOT = Path(__file__).resolve().parent.parent


def _compiled(names: list[str]) -> list[str]:
    """Compiled code or its sources: none of it belongs in a pure-Python package."""
    suffixes = (".so", ".pyd", ".dylib", ".c", ".h", ".pyx")
    return [name for name in names if name.endswith(suffixes)]


def _scripts() -> dict[str, str]:
    tomllib = pytest.importorskip("tomllib")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return dict(project["scripts"])


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "build", "--sdist", "--wheel", "--outdir", str(out), str(ROOT)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    return out


def test_wheel_contents(dist: Path) -> None:
    (wheel,) = dist.glob("mediamtx_camera_sdk-*.whl")
    # name-version-python-abi-platform.whl: pure Python, any interpreter, any platform.
    assert wheel.name.endswith("-py3-none-any.whl"), wheel.name
    names = zipfile.ZipFile(wheel).namelist()
    assert "mediamtx_camera_sdk/py.typed" in names
    assert "mediamtx_camera_sdk/__init__.py" in names
    assert "mediamtx_camera_sdk/testing/__init__.py" in names
    assert not [n for n in names if n.startswith(("tests/", "mediamtx_camera_sdk/tests/"))]
    assert _compiled(names) == []
    wheel_info = next(n for n in names if n.endswith(".dist-info/WHEEL"))
    wheel_text = zipfile.ZipFile(wheel).read(wheel_info).decode()
    assert "Root-Is-Purelib: true" in wheel_text
    assert "Tag: py3-none-any" in wheel_text
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    text = zipfile.ZipFile(wheel).read(entry_points).decode()
    for script, target in _scripts().items():
        assert f"{script} = {target}" in text
    assert "[pytest11]" in text
    (sdist,) = dist.glob("mediamtx_camera_sdk-*.tar.gz")
    with tarfile.open(sdist) as archive:
        members = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    assert {"pyproject.toml", "src/mediamtx_camera_sdk/py.typed"} <= members
    assert "setup.py" not in members
    assert any(m.startswith("tests/") for m in members)
    assert _compiled(sorted(members)) == []


def test_wheel_installs_and_imports_in_a_fresh_environment(dist: Path, tmp_path: Path) -> None:
    (wheel,) = dist.glob("mediamtx_camera_sdk-*.whl")
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = env_dir / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", f"{wheel}[emulator]"],
        check=True,
        capture_output=True,
        timeout=600,
    )
    code = (
        "import mediamtx_camera_sdk as m, mediamtx_camera_sdk.testing as t;"
        "from mediamtx_camera_sdk import _convert, models;"
        "c = _convert.decode(models.CameraInfo, {'device': 'c0', 'status': 'CONNECTED'});"
        "print(m.__version__, m.__file__, c.device_path)"
    )
    result = subprocess.run(
        [str(python), "-c", code], check=True, capture_output=True, text=True, cwd=tmp_path
    )
    version, location, device = result.stdout.split()
    assert device == "c0"
    assert version == mediamtx_camera_sdk.__version__
    # Imported from the fresh environment, not from this checkout.
    assert str(env_dir) in location

    # The main job, as the README's first command runs it: the demo, from the wheel.
    command = env_dir / "bin" / "mediamtx-camera"
    demo = subprocess.run(
        [str(command), "demo", "--record-seconds", "1"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=tmp_path,
        env={k: v for k, v in os.environ.items() if not k.startswith("MEDIAMTX_")},
    )
    assert demo.returncode == 0, demo.stderr
    assert "All good." in demo.stdout

    # The emulator starts from the fresh install of the `emulator` extra.
    with subprocess.Popen(
        [str(command), "emulator", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
    ) as proc:
        try:
            assert proc.stdout is not None
            header = [proc.stdout.readline() for _ in range(2)]
            assert any("ws://127.0.0.1:" in line for line in header), header
            # A program written for the 1.0 SDK runs unchanged on the wheel.
            exports: dict[str, str] = {}
            for _ in range(40):
                line = proc.stdout.readline().strip()
                if line.startswith("export "):
                    name, _, value = line[len("export ") :].partition("=")
                    exports[name] = value
                if line.startswith("Press Ctrl-C") or (not line and proc.poll() is not None):
                    break
            port = exports["MEDIAMTX_URL"].rsplit(":", 1)[1].split("/")[0]
            env = {k: v for k, v in os.environ.items() if not k.startswith("MEDIAMTX_")}
            env |= {
                "MEDIAMTX_HOST": "127.0.0.1",
                "MEDIAMTX_PORT": port,
                "MEDIAMTX_AUTH_TOKEN": exports["MEDIAMTX_AUTH_TOKEN"],
            }
            example = Path(__file__).parent.parent / "examples" / "migrating_from_1_0.py"
            program = subprocess.run(
                [str(python), str(example)],
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
                cwd=tmp_path,
                env=env,
            )
            assert program.returncode == 0, program.stderr
            assert "connected=True authenticated=True" in program.stdout
            assert "connected=False websocket=None" in program.stdout
            proc.send_signal(signal.SIGINT)
            assert proc.wait(timeout=20) == 0
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()


def test_version_matches_pyproject() -> None:
    text = (ROOT / "pyproject.toml").read_text()
    line = next(x for x in text.splitlines() if x.startswith("version = "))
    assert ast.literal_eval(line.split("=", 1)[1].strip()) == mediamtx_camera_sdk.__version__
