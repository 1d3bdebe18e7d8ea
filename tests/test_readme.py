"""The README's fresh-machine commands are what CI runs."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def fenced_bash_blocks(text: str) -> list[str]:
    return [m.group(1).strip() for m in re.finditer(r"```bash\n(.*?)```", text, re.S)]


def test_readme_starts_with_the_two_commands_and_ci_runs_the_second() -> None:
    readme = (ROOT / "README.md").read_text()
    blocks = fenced_bash_blocks(readme)
    assert len(blocks) >= 2
    main_job, test_command = blocks[0], blocks[1]
    assert "mediamtx-camera demo" in main_job
    assert "pytest" in test_command
    ci = (ROOT / ".ci" / "run").read_text()
    marked = re.search(r"# --- README test command.*?\n(.*?)\n# --- end ---", ci, re.S)
    assert marked is not None
    assert marked.group(1).strip() == test_command
    # Nothing in the README comes before the two commands but the title and intro.
    assert readme.index(main_job) < readme.index("## Quick start")


def example_blocks(text: str) -> list[tuple[str, str]]:
    return [
        (m.group(1), m.group(2))
        for m in re.finditer(r"<!-- example: (\S+) -->\n```python\n(.*?)```", text, re.S)
    ]


def test_every_python_block_mirrors_a_tested_example_file() -> None:
    readme = (ROOT / "README.md").read_text()
    python_blocks = re.findall(r"```python\n", readme)
    mirrored = example_blocks(readme)
    assert len(mirrored) == len(python_blocks), "a python block without <!-- example: -->"
    for path, body in mirrored:
        assert (ROOT / path).read_text() == body, f"README block differs from {path}"


def test_call_table_lists_every_method_with_its_dialects() -> None:
    from mediamtx_camera_sdk.methods import METHODS

    readme = (ROOT / "README.md").read_text()
    rows = {
        m.group(1): m.group(2)
        for m in re.finditer(r"^\| `(\w+)[(` ][^|]*\|[^|]*\|[^|]*\| (yes|no) \|$", readme, re.M)
    }
    for name, spec in METHODS.items():
        if spec.alias_of:
            continue
        assert name in rows, name
        assert rows[name] == ("yes" if "legacy" in spec.dialects else "no"), name
    assert "get_recording_status" in rows


def test_configuration_table_lists_every_variable() -> None:
    from mediamtx_camera_sdk.config import ENV_VARS

    readme = (ROOT / "README.md").read_text()
    for name in ENV_VARS:
        assert f"| `{name}` |" in readme, name


def test_error_tree_names_every_exception() -> None:
    from mediamtx_camera_sdk import errors

    readme = (ROOT / "README.md").read_text()
    for name in errors.__all__:
        obj = getattr(errors, name)
        if isinstance(obj, type) and issubclass(obj, Exception):
            assert name in readme, name


def test_cli_sample_output_is_what_the_cli_prints(
    camera_service: object, capsys: object, monkeypatch: object
) -> None:
    import pytest

    from mediamtx_camera_sdk import cli

    assert isinstance(monkeypatch, pytest.MonkeyPatch)
    readme = (ROOT / "README.md").read_text()
    sample = re.search(r"```text\n\$ mediamtx-camera cameras\n(.*?)```", readme, re.S)
    assert sample is not None
    monkeypatch.setenv("MEDIAMTX_URL", camera_service.url)  # type: ignore[attr-defined]
    monkeypatch.setenv("MEDIAMTX_AUTH_TOKEN", camera_service.token())  # type: ignore[attr-defined]
    assert cli.mediamtx_camera(["cameras"]) == 0
    assert capsys.readouterr().out == sample.group(1)  # type: ignore[attr-defined]


def test_constructor_block_matches_the_signature() -> None:
    import inspect

    from mediamtx_camera_sdk import CameraClient

    readme = (ROOT / "README.md").read_text()
    block = re.search(r"```text\n(CameraClient\(.*?\))\n```", readme, re.S)
    assert block is not None
    documented = dict(re.findall(r"(\w+)=([^,)]+)", block.group(1)))
    parameters = inspect.signature(CameraClient).parameters
    assert list(documented) == list(parameters)
    for name, text in documented.items():
        default = parameters[name].default
        if isinstance(default, (str, int, float, bool)) or default is None:
            if text.endswith("MiB"):
                assert default == int(text.split()[0]) * 1024 * 1024, name
            else:
                assert default == ast.literal_eval(text), name
