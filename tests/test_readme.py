"""The README's fresh-machine commands are what CI runs."""

from __future__ import annotations

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
