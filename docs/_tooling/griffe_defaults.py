"""Griffe extension: show a signature's default values, not the constants that hold them.

The clients' constructors take their defaults from named constants
(``host: str = DEFAULT_HOST``) so that one place defines them and the
environment may override them (see ``mediamtx_camera_sdk.config``). Read
statically, griffe shows those names, and a reader of the API reference learns
nothing from ``port: int = DEFAULT_PORT``. Once the package is loaded, this
extension imports each function, reads its runtime signature and, for every
default written as a name (or a call) whose runtime value is a plain
``str``/``int``/``float``/``bool``/``None``, shows that value instead:
``port: int = 8080``.

Defaults that are literals already, or whose values are not plain (a
sentinel object, a callable), are left as written. Nothing is changed when a
module cannot be imported: the static rendering is the fallback.
"""

from __future__ import annotations

import importlib
import inspect
import re
from typing import Any

import griffe

_PLAIN = (bool, int, float, str)


def plain_repr(value: Any) -> str | None:
    """``repr`` of ``value`` as its plain builtin type (``str`` subclasses as ``str``), or None."""
    if value is None:
        return "None"
    for kind in _PLAIN:  # bool before int: bool is an int
        if isinstance(value, kind):
            return repr(kind(value))
    return None


def _runtime_object(path: str) -> Any:
    """The live object for a dotted griffe path (``pkg.module.Class.method``), or None."""
    parts = path.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj: Any = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        try:
            for name in parts[cut:]:
                obj = getattr(obj, name)
        except AttributeError:
            return None
        return obj
    return None


def _written_as_literal(default: Any) -> bool:
    """Whether the source already shows the value: a literal, or arithmetic on numbers."""
    text = str(default).strip()
    if text in ("None", "True", "False") or text[:1] in ("'", '"'):
        return True
    return re.fullmatch(r"[-+*/%().\d\s_e]+", text) is not None  # 8080, 16 * 1024 * 1024


def resolve_defaults(func: griffe.Function) -> int:
    """Replace ``func``'s named defaults by their runtime values; returns how many changed."""
    live = _runtime_object(func.path)
    if live is None:
        return 0
    try:
        signature = inspect.signature(live)
    except (TypeError, ValueError):
        return 0
    changed = 0
    for parameter in func.parameters:
        if parameter.default is None or _written_as_literal(parameter.default):
            continue
        runtime = signature.parameters.get(parameter.name)
        if runtime is None or runtime.default is inspect.Parameter.empty:
            continue
        shown = plain_repr(runtime.default)
        if shown is not None:
            parameter.default = shown
            changed += 1
    return changed


def _functions(obj: griffe.Object) -> list[griffe.Function]:
    found: list[griffe.Function] = []
    for member in obj.members.values():
        if member.is_alias:
            continue
        if isinstance(member, griffe.Function):
            found.append(member)
        elif isinstance(member, (griffe.Class, griffe.Module)):
            found.extend(_functions(member))
    return found


class RuntimeDefaults(griffe.Extension):
    """Shows runtime default values in signatures (see the module docstring)."""

    def on_package(self, *, pkg: griffe.Module, **kwargs: Any) -> None:
        """Called by griffe once the whole package is loaded."""
        for func in _functions(pkg):
            resolve_defaults(func)
