"""Checking call parameters the way each dialect does.

Current dialect: every parameter is checked, unknown ones are refused, and the
-32602 error says which parameter broke which rule (``data.param``,
``data.rule``, ``data.hint``). Legacy dialect: unknown parameters are ignored
and the error carries no ``data``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from ._constants import INVALID_PARAMS
from ._world import Fault

_MISSING = object()


class Params:
    """The ``params`` object of one call, read field by field."""

    def __init__(
        self,
        raw: Mapping[str, Any] | None,
        *,
        strict: bool,
        on_fail: Callable[[str, str, str], Fault] | None = None,
    ) -> None:
        self.raw: Mapping[str, Any] = raw or {}
        self.strict = strict
        self.seen: set[str] = set()
        # The observed current service reports bad parameters its own way
        # (an internal error naming the problem); it passes a factory here.
        self.on_fail = on_fail

    def fail(self, param: str, rule: str, hint: str) -> Fault:
        """The invalid-params error for ``param``."""
        if self.on_fail is not None:
            return self.on_fail(param, rule, hint)
        if self.strict:
            return Fault(
                INVALID_PARAMS, "Invalid params", {"param": param, "rule": rule, "hint": hint}
            )
        return Fault(INVALID_PARAMS, "Invalid params")

    def _get(self, name: str, required: bool) -> Any:
        self.seen.add(name)
        value = self.raw.get(name, _MISSING)
        if value is None and not self.strict:
            value = _MISSING  # the legacy server reads params with .get(): null = absent
        if value is _MISSING and required:
            raise self.fail(name, "required", f"'{name}' is required")
        return value

    def string(self, name: str, *, required: bool = True, default: str | None = None) -> str | None:
        """A non-empty string parameter."""
        value = self._get(name, required)
        if value is _MISSING:
            return default
        if not isinstance(value, str) or not value:
            raise self.fail(name, "type", f"'{name}' must be a non-empty string")
        return value

    def req_string(self, name: str) -> str:
        """A required non-empty string parameter."""
        value = self.string(name, required=True)
        if value is None:  # pragma: no cover - string() raised already
            raise self.fail(name, "required", f"'{name}' is required")
        return value

    def integer(
        self,
        name: str,
        *,
        required: bool = False,
        low: int | None = None,
        high: int | None = None,
        default: int | None = None,
    ) -> int | None:
        """An integer parameter within ``low..high`` (booleans are not integers)."""
        value = self._get(name, required)
        if value is _MISSING:
            return default
        if isinstance(value, float) and value.is_integer() and not self.strict:
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(name, "type", f"'{name}' must be an integer")
        if (low is not None and value < low) or (high is not None and value > high):
            raise self.fail(name, "range", f"'{name}' must be in {low}..{high}")
        return value

    def number(self, name: str, *, required: bool = False, positive: bool = True) -> float | None:
        """A number parameter (strictly positive unless told otherwise)."""
        value = self._get(name, required)
        if value is _MISSING:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.fail(name, "type", f"'{name}' must be a number")
        if positive and value <= 0:
            raise self.fail(name, "range", f"'{name}' must be greater than 0")
        return float(value)

    def boolean(self, name: str, *, required: bool = False, default: bool = False) -> bool:
        """A boolean parameter."""
        value = self._get(name, required)
        if value is _MISSING:
            return default
        if not isinstance(value, bool):
            raise self.fail(name, "type", f"'{name}' must be a boolean")
        return value

    def enum(
        self,
        name: str,
        choices: Iterable[str],
        *,
        required: bool = False,
        default: str | None = None,
    ) -> str | None:
        """A string parameter that must be one of ``choices``."""
        allowed = list(choices)
        value = self._get(name, required)
        if value is _MISSING:
            return default
        if not isinstance(value, str) or value not in allowed:
            raise self.fail(name, "enum", f"'{name}' must be one of {', '.join(allowed)}")
        return value

    def string_list(self, name: str, *, required: bool = False) -> list[str] | None:
        """A list of strings."""
        value = self._get(name, required)
        if value is _MISSING:
            return None
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise self.fail(name, "type", f"'{name}' must be a list of strings")
        return list(value)

    def mapping(self, name: str) -> dict[str, Any] | None:
        """An optional JSON object."""
        value = self._get(name, False)
        if value is _MISSING:
            return None
        if not isinstance(value, dict):
            raise self.fail(name, "type", f"'{name}' must be an object")
        return dict(value)

    def finish(self) -> None:
        """Refuse parameters nobody read (current dialect only)."""
        if not self.strict:
            return
        for name in self.raw:
            if name not in self.seen:
                raise self.fail(name, "unknown", f"unknown parameter '{name}'")
