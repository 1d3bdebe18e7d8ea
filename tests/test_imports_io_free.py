"""The sans-IO core must not import anything that does I/O, threads or reads a clock.

Checked statically on the source (every ``import``, also those inside
functions), for the core's modules and for the package modules they import at
module level (``errors.py``), so that the rule cannot be dodged through a helper.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import mediamtx_camera_sdk

PACKAGE = "mediamtx_camera_sdk"
PACKAGE_DIR = Path(mediamtx_camera_sdk.__file__).parent
FORBIDDEN = frozenset(
    {
        "anyio",
        "asyncio",
        "trio",
        "websockets",
        "websocket",
        "socket",
        "threading",
        "time",
        "select",
        "selectors",
        "ssl",
        "subprocess",
        "concurrent",
        "multiprocessing",
        "httpx",
        "urllib",
        "http",
    }
)
CORE_MODULES = ("protocol", "_state")


def module_path(name: str) -> Path | None:
    """The source file of ``mediamtx_camera_sdk.<name>`` (dotted), if it exists."""
    base = PACKAGE_DIR.joinpath(*name.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.exists():
            return candidate
    return None


def imports_of(path: Path, module: str) -> list[tuple[str, bool]]:
    """Absolute names imported by a module, each with "imported at module level"."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    top_level = {id(node) for node in tree.body}
    package_parts = module.split(".")[:-1] if path.name != "__init__.py" else module.split(".")
    found: list[tuple[str, bool]] = []
    for node in ast.walk(tree):
        at_top = id(node) in top_level
        if isinstance(node, ast.Import):
            found.extend((alias.name, at_top) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package_parts[: len(package_parts) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
                if node.module is None:
                    found.extend((f"{target}.{alias.name}", at_top) for alias in node.names)
                    continue
            else:
                target = node.module or ""
            found.append((target, at_top))
    return found


def check_module(name: str, seen: set[str]) -> list[str]:
    """Forbidden imports of a package module and of the package modules it needs."""
    if name in seen:
        return []
    seen.add(name)
    path = module_path(name)
    if path is None:
        return []
    problems = []
    for imported, at_top in imports_of(path, f"{PACKAGE}.{name}"):
        root = imported.split(".")[0]
        if root in FORBIDDEN:
            problems.append(f"{PACKAGE}.{name} imports {imported}")
        elif root == PACKAGE and at_top:
            problems.extend(check_module(imported[len(PACKAGE) + 1 :], seen))
    return problems


# _state.py is optional (the core may be split in two); protocol.py is not.
EXISTING_CORE_MODULES = [name for name in CORE_MODULES if module_path(name) is not None]


def test_the_core_module_exists() -> None:
    assert "protocol" in EXISTING_CORE_MODULES


@pytest.mark.parametrize("name", EXISTING_CORE_MODULES)
def test_core_module_imports_nothing_that_does_io(name: str) -> None:
    assert check_module(name, set()) == []


def test_the_checker_catches_forbidden_imports(tmp_path: Path) -> None:
    # Guard against a checker that silently finds nothing.
    source = tmp_path / "bad.py"
    source.write_text(
        "import os\n"
        "import time\n"
        "from asyncio import sleep\n"
        "def f():\n"
        "    import socket\n"
        "    from threading import Lock\n"
        "from . import errors\n"
        "from .x import y\n"
    )
    names = [name for name, _ in imports_of(source, f"{PACKAGE}.bad")]
    assert sorted(names) == sorted(
        ["os", "time", "asyncio", f"{PACKAGE}.errors", f"{PACKAGE}.x", "socket", "threading"]
    )
    assert {name.split(".")[0] for name in names} & FORBIDDEN == {
        "time",
        "asyncio",
        "socket",
        "threading",
    }


def test_the_core_follows_its_package_imports() -> None:
    path = module_path("protocol")
    assert path is not None
    top_level = {name for name, at_top in imports_of(path, f"{PACKAGE}.protocol") if at_top}
    assert f"{PACKAGE}.errors" in top_level
    assert "json" in top_level
