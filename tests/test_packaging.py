"""What users get from the package index must work, not only the editable checkout.

Builds the sdist and the wheel with ``python -m build``, checks what the wheel
holds, installs it into a brand-new virtual environment and imports it there.
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
from _build import compiler_available

ROOT = Path(__file__).resolve().parent.parent


def _extensions(names: list[str]) -> list[str]:
    return [n for n in names if n.startswith("mediamtx_camera_sdk/_speedups") and n.endswith(".so")]


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
    names = zipfile.ZipFile(wheel).namelist()
    assert "mediamtx_camera_sdk/py.typed" in names
    assert "mediamtx_camera_sdk/__init__.py" in names
    assert "mediamtx_camera_sdk/testing/__init__.py" in names
    assert not [n for n in names if n.startswith(("tests/", "mediamtx_camera_sdk/tests/"))]
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    text = zipfile.ZipFile(wheel).read(entry_points).decode()
    assert "mediamtx-camera = mediamtx_camera_sdk.cli:main" in text
    assert "[pytest11]" in text
    # The optional C decoders: built wherever a compiler is available, typed by a stub.
    assert "mediamtx_camera_sdk/_speedups.pyi" in names
    assert len(_extensions(names)) == (1 if compiler_available() else 0)
    (sdist,) = dist.glob("mediamtx_camera_sdk-*.tar.gz")
    with tarfile.open(sdist) as archive:
        members = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    assert {"src/mediamtx_camera_sdk/_speedups.c", "pyproject.toml", "setup.py"} <= members
    assert any(m.startswith("tests/") for m in members)
    assert not [m for m in members if m.endswith(".so")]


def test_wheel_without_a_compiler_installs_and_decodes(dist: Path, tmp_path: Path) -> None:
    # The extension is optional: with no working compiler the build still
    # succeeds and the package decodes through the Python decoders. Built from
    # the unpacked sdist, a clean tree (no build directory left from before).
    (sdist,) = dist.glob("mediamtx_camera_sdk-*.tar.gz")
    with tarfile.open(sdist) as archive:
        archive.extractall(tmp_path / "unpacked", filter="data")
    (tree,) = (tmp_path / "unpacked").iterdir()
    out = tmp_path / "dist"
    env = {**os.environ, "CC": "false-compiler-that-does-not-exist"}
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--outdir", str(out), str(tree)],
        check=True,
        capture_output=True,
        timeout=300,
        env=env,
    )
    (wheel,) = out.glob("mediamtx_camera_sdk-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        assert _extensions(archive.namelist()) == []
        archive.extractall(tmp_path / "site")
    code = (
        "from mediamtx_camera_sdk import _convert, models\n"
        "assert _convert._speedups is None\n"
        "c = _convert.decode(models.CameraInfo, {'device': 'c0', 'status': 'CONNECTED'})\n"
        "print(c.device_path, _convert.__file__)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        check=True,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(tmp_path / "site")},
    )
    device, location = done.stdout.split()
    assert device == "c0"
    assert location.startswith(str(tmp_path / "site"))


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
        "from mediamtx_camera_sdk import _convert;"
        "print(m.__version__, m.__file__, _convert._speedups is not None)"
    )
    result = subprocess.run(
        [str(python), "-c", code], check=True, capture_output=True, text=True, cwd=tmp_path
    )
    version, location, accelerated = result.stdout.split()
    assert accelerated == str(compiler_available())
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
