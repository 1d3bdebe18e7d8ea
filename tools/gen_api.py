"""Generate the clients' typed methods from the method table.

Usage::

    python tools/gen_api.py           # rewrite src/mediamtx_camera_sdk/{_async,_sync}/_api.py
    python tools/gen_api.py --check   # exit 1 if either file is stale

The output is already in ``ruff format`` style (line length 100), so that a
formatter run never makes the files differ from what this script writes; the
test suite compares the files with :func:`render` and fails when they are stale.
"""

from __future__ import annotations

import argparse
import re
import sys
import textwrap
import typing
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src"
if str(SRC) not in sys.path:  # run from a checkout without installing
    sys.path.insert(0, str(SRC))

from mediamtx_camera_sdk import methods, models  # noqa: E402
from mediamtx_camera_sdk.methods import MethodSpec, Param  # noqa: E402

LINE_LENGTH = 100
TARGETS = {
    "async": SRC / "mediamtx_camera_sdk" / "_async" / "_api.py",
    "sync": SRC / "mediamtx_camera_sdk" / "_sync" / "_api.py",
}

HEADER = """\
# GENERATED FILE, DO NOT EDIT.
# Written by tools/gen_api.py from the method table in src/mediamtx_camera_sdk/methods.py.
# Change the table (or the generator) and run `python tools/gen_api.py`.
"""

_TYPING_NAMES = ("Any", "Literal")
_ABC_NAMES = ("Mapping", "Sequence")


def _type_source(tp: Any) -> str:
    """A result type as source text (``CameraList``, ``list[StreamInfo]``, ``str``)."""
    origin = typing.get_origin(tp)
    if origin is not None:
        args = ", ".join(_type_source(arg) for arg in typing.get_args(tp))
        return f"{origin.__name__}[{args}]"
    return str(tp.__name__)


def _model_names(tp: Any) -> set[str]:
    """The model classes a result type mentions (to import them)."""
    origin = typing.get_origin(tp)
    if origin is not None:
        return set().union(*(_model_names(arg) for arg in typing.get_args(tp)))
    if getattr(tp, "__module__", "") == "mediamtx_camera_sdk.models":
        return {tp.__name__}
    return set()


def _annotation_models(text: str) -> set[str]:
    """The model names (``HasDevicePath``, ...) that parameter annotations use."""
    words = set(re.findall(r"[A-Za-z_]\w*", text))
    return {name for name in models.__all__ if name in words}


def _param_source(param: Param) -> str:
    if param.required:
        return f"{param.name}: {param.annotation}"
    return f"{param.name}: {param.annotation} | None = None"


def _signature_items(spec: MethodSpec[Any]) -> list[str]:
    items = ["self"]
    star = False
    for param in spec.params:
        if param.keyword_only and not star:
            items.append("*")
            star = True
        items.append(_param_source(param))
    if not star:
        items.append("*")
    items.append("timeout: float | None = None")
    return items


def _wrap_call(head: str, items: list[str], tail: str, indent: str) -> list[str]:
    """Lay out ``head(items)tail`` the way ruff format does."""
    one_line = f"{indent}{head}({', '.join(items)}){tail}"
    if len(one_line) <= LINE_LENGTH:
        return [one_line]
    inner = f"{indent}    {', '.join(items)}"
    if len(inner) <= LINE_LENGTH:
        return [f"{indent}{head}(", inner, f"{indent}){tail}"]
    return [f"{indent}{head}(", *(f"{indent}    {item}," for item in items), f"{indent}){tail}"]


def _wrap_text(text: str, indent: str, hanging: str = "") -> list[str]:
    return textwrap.wrap(
        text,
        width=LINE_LENGTH,
        initial_indent=indent,
        subsequent_indent=indent + hanging,
        break_long_words=False,
        break_on_hyphens=False,
    )


def _docstring(spec: MethodSpec[Any]) -> list[str]:
    indent = " " * 8
    lines: list[str] = []
    summary = spec.summary.replace("\\", "\\\\")
    lines += _wrap_text(summary, indent)
    lines[0] = f'{indent}"""{lines[0].lstrip()}'
    lines.append("")
    role = spec.role or "none (no authentication needed)"
    facts = f"Lowest role: {role}"
    if "legacy" in spec.dialects and spec.legacy_role != spec.role:
        facts += f" (legacy service: {spec.legacy_role or 'none'})"
    dialects = " and ".join(d for d in ("current", "legacy") if d in spec.dialects)
    facts += f". Dialects: {dialects}."
    if spec.read_only:
        facts += " Read-only: safe to repeat."
    lines += _wrap_text(facts, indent)
    lines.append("")
    lines.append(f"{indent}Args:")
    for param in spec.params:
        text = param.doc
        if param.rule != "a string":  # too obvious to print
            text += f" Rule: {param.rule}."
        text = text.replace("\\", "\\\\")
        lines += _wrap_text(f"{param.name}: {text}", indent + "    ", "    ")
    lines += _wrap_text(
        "timeout: seconds to wait for the reply; ``None`` uses the client's default.",
        indent + "    ",
        "    ",
    )
    lines.append("")
    lines.append(f"{indent}Returns:")
    lines += _wrap_text(f"{_type_source(spec.result)}: the decoded result.", indent + "    ")
    warned = [param for param in spec.params if param.warning is not None]
    if warned:
        lines.append("")
        lines.append(f"{indent}Warns:")
        for param in warned:
            lines += _wrap_text(
                f"UserWarning: {param.warning}.",
                indent + "    ",
                "    ",
            )
    lines.append("")
    lines.append(f"{indent}Raises:")
    raises: list[tuple[str, str]] = []
    if spec.params:
        raises.append(("InvalidParamsError", "an argument breaks its rule (nothing is sent)."))
    if spec.role is not None or spec.legacy_role is not None:
        raises.append(("AuthenticationError", "not authenticated, or the token expired."))
        raises.append(("PermissionDeniedError", f"the role is below {spec.role}."))
    raises += list(spec.raises)
    if "legacy" not in spec.dialects:
        raises.append(("MethodNotFoundError", "the service does not have the call (legacy)."))
    raises += [
        ("CallTimeoutError", "no reply within ``timeout``."),
        ("ConnectionError", "the connection failed or was lost."),
        ("ProtocolError", "the result does not fit the model."),
    ]
    for name, when in raises:
        lines += _wrap_text(f"{name}: {when}", indent + "    ", "    ")
    lines.append(f'{indent}"""')
    return lines


def _method(spec: MethodSpec[Any], kind: str) -> list[str]:
    indent = "    "
    body = indent * 2
    prefix = "async def" if kind == "async" else "def"
    result = _type_source(spec.result)
    lines = _wrap_call(f"{prefix} {spec.name}", _signature_items(spec), f" -> {result}:", indent)
    lines += _docstring(spec)
    const = f"methods.{spec.const_name}"
    call = "return await self._invoke" if kind == "async" else "return self._invoke"
    if spec.params:
        args = [f"{param.name}={param.name}" for param in spec.params]
        lines += _wrap_call(f"params = {const}.build_params", args, "", body)
        lines += _wrap_call(call, [const, "params", "timeout"], "", body)
    else:
        lines += _wrap_call(call, [const, "None", "timeout"], "", body)
    return lines


def _models_import(models: list[str]) -> list[str]:
    line = f"from ..models import {', '.join(models)}"
    if len(line) <= LINE_LENGTH:
        return [line]
    return ["from ..models import (", *(f"    {name}," for name in models), ")"]


def render(kind: str) -> str:
    """The source text of ``_async/_api.py`` (``kind="async"``) or ``_sync/_api.py``."""
    specs = [spec for spec in methods.METHODS.values() if spec.generate]
    cls = "AsyncApi" if kind == "async" else "SyncApi"
    text = " ".join(param.annotation for spec in specs for param in spec.params)
    abc = [name for name in _ABC_NAMES if f"{name}[" in text]
    typing_names = sorted({"Any", "TypeVar"} | {n for n in _TYPING_NAMES if f"{n}[" in text})
    model_names = sorted(
        set().union(*(_model_names(spec.result) for spec in specs)) | _annotation_models(text)
    )
    blocking = "awaits" if kind == "async" else "blocks until"
    lines = [
        HEADER.rstrip("\n"),
        f'"""The typed service calls of the {kind} client, generated from ``methods.METHODS``."""',
        "",
        "from __future__ import annotations",
        "",
    ]
    if abc:
        lines.append(f"from collections.abc import {', '.join(abc)}")
    lines.append(f"from typing import {', '.join(typing_names)}")
    lines.append("")
    lines.append("from .. import methods")
    lines.append("from ..methods import MethodSpec")
    lines += _models_import(model_names)
    lines += [
        "",
        f'__all__ = ["{cls}"]',
        "",
        'T = TypeVar("T")',
        "",
        "",
        f"class {cls}:",
        f'    """Every call of the method table as a typed {kind} method.',
        "",
        "    A client inherits from this class and implements :meth:`_invoke`, which sends",
        f"    one call and {blocking} its decoded result. Each method validates its arguments",
        "    (``spec.build_params``) before anything is sent.",
        '    """',
        "",
        "    __slots__ = ()",
        "",
    ]
    invoke_prefix = "async def" if kind == "async" else "def"
    lines += _wrap_call(
        f"{invoke_prefix} _invoke",
        ["self", "spec: MethodSpec[T]", "params: dict[str, Any] | None", "timeout: float | None"],
        " -> T:",
        "    ",
    )
    lines += [
        '        """Send the call ``spec`` with the wire ``params`` and return its decoded result.',
        "",
        "        ``params`` is ``None`` when the request must omit ``params``. ``timeout`` is",
        "        seconds, or ``None`` for the client's default. Implemented by the client.",
        "",
        "        Raises:",
        "            NotImplementedError: always, here.",
        '        """',
        "        raise NotImplementedError",
    ]
    for spec in specs:
        lines.append("")
        lines += _method(spec, kind)
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Write (or with ``--check``, verify) the generated files; returns the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--check", action="store_true", help="fail if the files are stale")
    args = parser.parse_args(argv)
    stale = []
    for kind, path in TARGETS.items():
        text = render(kind)
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current == text:
            continue
        if args.check:
            stale.append(path)
        else:
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path.relative_to(ROOT)}")
    if stale:
        for path in stale:
            print(f"stale: {path.relative_to(ROOT)} (run python tools/gen_api.py)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
