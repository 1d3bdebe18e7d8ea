"""The one converter between wire JSON and the models of :mod:`.models`.

How it works: a :class:`cattrs.Converter` (``converter``) owns the dispatch from a
type to its structure/unstructure hook. The structure hook of each model class is
generated once, on first use, by :func:`_compile_model` from the attrs fields and
their :class:`~.models._Wire` metadata: straight-line Python with one block per
field and no per-call introspection, so decoding stays cheap on hot paths such as
``get_camera_list``. Values are *checked*, not coerced: a string where an integer
belongs is a protocol violation, not ``int("3")``. The only conversions are the
ones JSON's single number type calls for (``30.0`` is a fine integer, ``30`` a
fine float) and timestamps (ISO 8601 text to epoch seconds).

Failures inside the hooks raise the private :class:`_Invalid`, which collects the
path of the offending field as it unwinds (no bookkeeping on the success path);
:func:`decode` turns it into :class:`~.errors.ProtocolError` whose ``data`` holds
``field`` (e.g. ``"cameras[3].device"``), ``reason`` and ``model``.
"""

from __future__ import annotations

import datetime as _dt
import os
import re
import types
import typing
from collections.abc import Callable, Mapping
from typing import Any, Final, TypeVar

import attrs
import cattrs

from . import models
from .errors import ProtocolError

try:  # the optional C decoders (built at install time when a C compiler is there)
    from . import _speedups
except ImportError:  # pragma: no cover - depends on the build
    _speedups = None  # type: ignore[assignment]

#: Set (to anything but "" or "0") to decode with the Python decoders alone.
PURE_PYTHON_ENV: Final = "MEDIAMTX_CAMERA_SDK_PURE_PYTHON"

__all__ = [
    "converter",
    "decode",
    "decode_notification",
    "encode",
    "format_timestamp",
    "parse_timestamp",
]

T = TypeVar("T")

_Check = Callable[[Any], Any]


class _Invalid(Exception):
    """A wire value does not fit its model; ``path`` grows (innermost first) while unwinding."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.path: list[str | int] = []


def _kind(value: Any) -> str:
    """The JSON name of a value's type, for error messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, Mapping):
        return "object"
    if isinstance(value, (list, tuple)):
        return "array"
    return type(value).__name__


# --------------------------------------------------------------------------- timestamps

_ISO_RE: Final = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})"
    r"(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?"
    r"\s*(?:([Zz])|([+-])(\d{2}):?(\d{2}))?"
)


def parse_timestamp(value: str | float) -> float:
    """Turn an ISO 8601 timestamp (or epoch seconds) into epoch seconds.

    Accepts what Go and Python servers emit: ``2025-01-15T14:30:00Z``, any number
    of fractional digits (Go sends nanoseconds), ``+02:00``/``+0200`` offsets, a
    space instead of ``T``, a date alone. A timestamp without an offset is taken
    as UTC. Numbers are already epoch seconds.

    Raises:
        ValueError: the value is not a timestamp.
    """
    if isinstance(value, bool):
        raise TypeError("a boolean is not a timestamp")
    if isinstance(value, (int, float)):
        return float(value)
    m = _ISO_RE.fullmatch(value.strip())
    if m is None:
        raise ValueError(f"not an ISO 8601 timestamp: {value!r}")
    year, month, day, hour, minute, second, frac, _z, sign, off_h, off_m = m.groups()
    offset = _dt.timedelta(0)
    if sign is not None:
        offset = _dt.timedelta(hours=int(off_h), minutes=int(off_m))
        if sign == "-":
            offset = -offset
    moment = _dt.datetime(
        int(year),
        int(month),
        int(day),
        int(hour or 0),
        int(minute or 0),
        int(second or 0),
        tzinfo=_dt.timezone(offset),
    )
    seconds = moment.timestamp()
    if frac:
        seconds += int(frac) / 10 ** len(frac)
    return seconds


def format_timestamp(seconds: float) -> str:
    """Epoch seconds as an ISO 8601 UTC string (``...Z``), the current service's style."""
    moment = _dt.datetime.fromtimestamp(seconds, tz=_dt.timezone.utc)
    return moment.isoformat().replace("+00:00", "Z")


def _check_timestamp(value: Any) -> float:
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        try:
            return parse_timestamp(value)
        except ValueError:
            raise _Invalid(f"expected an ISO 8601 timestamp, got {value!r}") from None
    raise _Invalid(f"expected a timestamp, got {_kind(value)}")


# --------------------------------------------------------------------------- checkers


def _check_str(value: Any) -> str:
    if isinstance(value, str):
        return value
    raise _Invalid(f"expected a string, got {_kind(value)}")


def _check_int(value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    # JSON has one number type: 3.0 is a fine integer, 3.5 is not.
    if isinstance(value, float) and value.is_integer():
        return int(value)
    raise _Invalid(f"expected an integer, got {_kind(value)} {value!r}")


def _check_float(value: Any) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    raise _Invalid(f"expected a number, got {_kind(value)}")


def _check_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    raise _Invalid(f"expected a boolean, got {_kind(value)}")


def _check_any(value: Any) -> Any:
    return value


_SIMPLE: Final[Mapping[Any, _Check]] = {
    str: _check_str,
    int: _check_int,
    float: _check_float,
    bool: _check_bool,
    Any: _check_any,
    object: _check_any,
}


def _list_checker(item: _Check) -> _Check:
    def check(value: Any) -> list[Any]:
        if not isinstance(value, list):
            raise _Invalid(f"expected an array, got {_kind(value)}")
        try:
            return [item(element) for element in value]
        except _Invalid as exc:
            # Only the failure path pays for finding which element it was.
            exc.path.append(_failing_index(item, value))
            raise

    return check


def _failing_index(item: _Check, value: list[Any]) -> int:
    for index, element in enumerate(value):
        try:
            item(element)
        except _Invalid:  # noqa: PERF203 - the failure path only
            return index
    return -1  # pragma: no cover - called only after an element failed


def _str_list(value: Any) -> list[str]:
    # list[str] is common (formats, topics, ...): check without a call per element.
    if isinstance(value, list):
        for element in value:
            if type(element) is not str:
                break
        else:
            return list(value)
    return _list_checker(_check_str)(value)  # type: ignore[no-any-return]


def _dict_checker(item: _Check) -> _Check:
    def check(value: Any) -> dict[str, Any]:
        if not isinstance(value, Mapping):
            raise _Invalid(f"expected an object, got {_kind(value)}")
        if item is _check_any:
            return dict(value)
        out = {}
        key = ""
        try:
            for key, element in value.items():
                out[key] = item(element)
        except _Invalid as exc:
            exc.path.append(key)
            raise
        return out

    return check


def _optional_checker(inner: _Check) -> _Check:
    def check(value: Any) -> Any:
        return None if value is None else inner(value)

    return check


def _union_checker(options: list[tuple[Any, _Check]]) -> _Check:
    names = " or ".join(_type_name(t) for t, _ in options)

    def check(value: Any) -> Any:
        for _tp, option in options:
            try:
                return option(value)
            except _Invalid:  # noqa: PERF203 - only unions pay for it, and rarely
                continue
        raise _Invalid(f"expected {names}, got {_kind(value)}")

    return check


def _type_name(tp: Any) -> str:
    origin = typing.get_origin(tp)
    if origin is list:
        return "array"
    if origin in (dict, Mapping):
        return "object"
    return {str: "string", int: "integer", float: "number", bool: "boolean"}.get(
        tp, getattr(tp, "__name__", str(tp))
    )


_checkers: dict[Any, _Check] = {}


def _checker(tp: Any) -> _Check:
    """The (cached) checker that validates a wire value against the type ``tp``."""
    try:
        return _checkers[tp]
    except KeyError:
        pass
    check = _build_checker(tp)
    _checkers[tp] = check
    return check


def _build_checker(tp: Any) -> _Check:
    simple = _SIMPLE.get(tp)
    if simple is not None:
        return simple
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin in (typing.Union, types.UnionType):
        rest = [a for a in args if a is not type(None)]
        if len(rest) == 1:
            inner = _checker(rest[0])
        else:
            inner = _union_checker([(a, _checker(a)) for a in rest])
        return _optional_checker(inner) if len(rest) < len(args) else inner
    if origin is list:
        if not args or args[0] is Any:
            return _list_checker(_check_any)
        if args[0] is str:
            return _str_list
        return _list_checker(_checker(args[0]))
    if origin in (dict, Mapping):
        return _dict_checker(_checker(args[1]) if args else _check_any)
    if tp is models.CameraList:
        return _structure_camera_list
    if isinstance(tp, type) and attrs.has(tp):
        return _compile_model(tp)  # cached by _checker
    raise TypeError(f"the converter cannot decode {tp!r}")


# --------------------------------------------------------------------------- model hooks


def _missing(data: Mapping[str, Any], key: str) -> _Invalid:
    return _Invalid("is null" if key in data else "is missing")


def _get_path(value: Any, path: tuple[str, ...]) -> Any:
    # A path through something that is not an object leads nowhere: the value is
    # absent (the intermediate member itself is checked by its own field, if any).
    for key in path:
        if type(value) is not dict and not isinstance(value, Mapping):
            return None
        value = value.get(key)
    return value


def _strip_none(tp: Any) -> Any:
    """``X | None`` -> ``X`` (the generated code tests for ``None`` itself)."""
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(args) == 1:
            return args[0]
        return typing.Union[tuple(args)]  # noqa: UP007 - built from a runtime tuple
    return tp


# Types whose exact-type test lets the generated code skip the checker call.
_EXACT: Final[Mapping[Any, str]] = {
    str: "str",
    int: "int",
    bool: "bool",
    float: "float",
    str | None: "str",
    int | None: "int",
    bool | None: "bool",
    float | None: "float",
}


def _builds_in_place(cls: type[Any]) -> bool:
    """Whether the decoder may make ``cls`` without its ``__init__``.

    True for the plain attrs classes of :mod:`.models`: every field is an
    ``__init__`` argument stored as is (no validator, converter, setattr hook,
    pre/post-init, frozen class). The decoder then sets each slot the moment
    the field is checked, which spares the call of a twelve-argument
    ``__init__`` per model (a fifth of the cost of a camera). Anything else is
    built by calling the class.
    """
    setattr_hook = getattr(cls, "__setattr__", None) is not object.__setattr__
    if setattr_hook or hasattr(cls, "__attrs_pre_init__") or hasattr(cls, "__attrs_post_init__"):
        return False  # frozen, on_setattr hooks, or init hooks
    return all(
        field.init and field.validator is None and field.converter is None
        for field in attrs.fields(cls)
    )


# Factories the generated code writes as literals (no call).
_LITERAL_FACTORIES: Final[Mapping[Any, str]] = {list: "[]", dict: "{}"}


def _compile_model(cls: type[T]) -> Callable[[Any], T]:
    """Generate and compile the structure function of one attrs model class.

    The generated code reads every field in declaration order, checks it and
    stores it: straight into the new object's slot when the class allows it
    (:func:`_builds_in_place`), else into a local for one call of the class at
    the end. ``key`` tracks the field being read so that a failure can name it
    (a local store is the only cost on the success path). A wire member that
    several fields read (``streams`` for ``streams`` and ``stream_url``) is
    fetched once. The shape of the code, for a field ``device_path`` read from
    the required wire key ``device``::

        key = 'device'
        v = get('device')
        if type(v) is not str:
            if v is None:
                raise _missing(data, 'device')
            v = c_0(v)
        o.device_path = v
    """
    hints = typing.get_type_hints(cls)
    in_place = _builds_in_place(cls)
    # The same rules as data for the C decoder (None: it cannot take this class).
    accelerated = in_place and _accelerated() and typing.cast(Any, cls).__new__ is object.__new__
    plan: list[tuple[Any, ...]] | None = [] if accelerated else None
    namespace: dict[str, Any] = {
        "cls": cls,
        "Mapping": Mapping,
        "_Invalid": _Invalid,
        "_kind": _kind,
        "_missing": _missing,
        "_get_path": _get_path,
        "_dict": dict,
        "_new": object.__new__,
    }
    fields = [field for field in attrs.fields(typing.cast(Any, cls)) if field.init]
    specs = {field.name: field.metadata.get(models._WIRE_KEY, models._Wire()) for field in fields}
    # Wire members read by more than one source path: fetched once, up front.
    uses: dict[str, int] = {}
    for field in fields:
        if field.name != "raw":
            for path in specs[field.name].sources or ((field.name,),):
                uses[path[0]] = uses.get(path[0], 0) + 1
    shared = {member: f"m_{n}" for n, member in enumerate(m for m, c in uses.items() if c > 1)}

    lines = [
        "def structure(data):",
        "    if type(data) is not _dict and not isinstance(data, Mapping):",
        f"        raise _Invalid('expected a {cls.__name__} object, got ' + _kind(data))",
        "    get = data.get",
        "    key = ''",
        "    try:",
    ]
    lines += [f"        {local} = get({member!r})" for member, local in shared.items()]
    if in_place:
        lines.append("        o = _new(cls)")
    positional: list[str] = []
    keywords: list[str] = []
    for index, field in enumerate(fields):
        arg = f"a_{index}"
        store = f"o.{field.name}" if in_place else arg
        if field.kw_only:
            keywords.append(f"{field.alias}={arg}")
        else:
            positional.append(arg)
        if field.name == "raw":
            lines.append(f"        {store} = data")
            raw_slot = _slot(cls, field.name)
            if raw_slot is None:
                plan = None
            elif plan is not None:
                plan.append((raw_slot, True, (), None, None, 0, None))
            continue
        spec = specs[field.name]
        sources = spec.sources or ((field.name,),)
        tp = hints[field.name]
        check = f"c_{index}"
        namespace[check] = _check_timestamp if spec.timestamp else _checker(_strip_none(tp))
        has_default = field.default is not attrs.NOTHING
        required = (
            spec.required
            if spec.required is not None
            else not has_default and spec.missing is models._NO_DEFAULT
        )
        if spec.missing is not models._NO_DEFAULT:
            fallback: Any = spec.missing
        elif has_default:
            fallback = field.default
        else:
            fallback = None
        if isinstance(fallback, attrs.Factory):  # type: ignore[arg-type]
            default = _LITERAL_FACTORIES.get(fallback.factory)
            if default is None:
                namespace[f"f_{index}"] = fallback.factory
                default = f"f_{index}()"
        elif fallback is None:
            default = "None"
        else:
            namespace[f"d_{index}"] = fallback
            default = f"d_{index}"
        exact = None if spec.timestamp else _EXACT.get(tp)
        if plan is not None:
            exact_type = None if exact is None else _strip_none(tp)
            checker = namespace[check]
            entry = _plan_field(cls, field.name, sources, exact_type, checker, required, fallback)
            if entry is None:
                plan = None
            else:
                plan.append(entry)
        # Fetch: the first source present and not null wins.
        for n, path in enumerate(sources):
            guard = "    " if n else ""
            if n:
                lines.append("        if v is None:")
            lines.append(f"        {guard}key = {'.'.join(path)!r}")
            member = shared.get(path[0])
            lines.append(f"        {guard}v = {member or f'get({path[0]!r})'}")
            if len(path) > 1:
                lines.append(f"        {guard}if v is not None:")
                lines.append(
                    f"        {guard}    v = v.get({path[1]!r}) if type(v) is _dict"
                    f" else _get_path(v, {path[1:2]!r})"
                )
                if len(path) > 2:
                    lines.append(f"        {guard}    v = _get_path(v, {path[2:]!r})")
        simple = len(sources) == 1 and len(sources[0]) == 1
        first = ".".join(sources[0])
        if required and simple and exact is not None:
            # The common case in one test: a value of the exact type passes.
            lines += [
                f"        if type(v) is not {exact}:",
                "            if v is None:",
                f"                raise _missing(data, {first!r})",
                f"            v = {check}(v)",
            ]
        elif required:
            lines.append("        if v is None:")
            if simple:
                lines.append(f"            raise _missing(data, {first!r})")
            else:
                lines.append(f"            key = {first!r}")
                lines.append("            raise _Invalid('is missing')")
            if exact is not None:
                lines.append(f"        if type(v) is not {exact}:")
                lines.append(f"            v = {check}(v)")
            else:
                lines.append(f"        v = {check}(v)")
        elif exact is not None:
            lines += [
                f"        if type(v) is not {exact}:",
                f"            v = {default} if v is None else {check}(v)",
            ]
        else:
            lines += [
                "        if v is not None:",
                f"            v = {check}(v)",
            ]
            if default != "None":
                lines += ["        else:", f"            v = {default}"]
        lines.append(f"        {store} = v")
    lines += [
        "    except _Invalid as exc:",
        "        exc.path.append(key)",
        "        raise",
        "    return o" if in_place else f"    return cls({', '.join(positional + keywords)})",
    ]
    source = "\n".join(lines) + "\n"
    exec(compile(source, f"<structure {cls.__qualname__}>", "exec"), namespace)
    fn: Callable[[Any], T] = namespace["structure"]
    fn.__doc__ = source  # kept for debugging: the generated code
    if plan is not None:
        return typing.cast(Callable[[Any], T], _speedups.Decoder(cls, tuple(plan), fn))
    return fn


# --------------------------------------------------------------------------- C decoders
#
# The optional ``_speedups.Decoder`` builds a model from a plan: per field the
# slot descriptor, the wire paths (one or two keys each; the first that leads
# to a value other than null wins), the exact type taken as is, the checker of
# any other value and the default of an absent or null member.
# It follows the generated Python decoder on the success path and hands
# everything else (a missing member, a checker that raises, a path through
# something that is not a plain dict) to it, so errors stay the Python ones.


def _accelerated() -> bool:
    """Whether model decoders made now use the C decoder."""
    return _speedups is not None and os.environ.get(PURE_PYTHON_ENV, "") in ("", "0")


def _slot(cls: type[Any], name: str) -> Any:
    """The member descriptor of the slot ``name`` (None: not a plain slot)."""
    for klass in cls.__mro__:
        descr = klass.__dict__.get(name)
        if descr is not None:
            return descr if type(descr) is types.MemberDescriptorType else None
    return None


def _plan_field(
    cls: type[Any],
    name: str,
    sources: tuple[tuple[str, ...], ...],
    exact: type | None,
    check: _Check,
    required: bool,
    fallback: Any,
) -> tuple[Any, ...] | None:
    """One field's plan entry, or None when the C decoder cannot follow it."""
    descr = _slot(cls, name)
    if descr is None:
        return None
    if not all(1 <= len(path) <= 2 for path in sources):
        return None  # a deeper path: the Python decoder only
    assert _speedups is not None
    default: Any = None
    if required:
        kind = _speedups.DEFAULT_REQUIRED
    elif isinstance(fallback, attrs.Factory):  # type: ignore[arg-type]
        factory = fallback.factory
        kind = {list: _speedups.DEFAULT_LIST, dict: _speedups.DEFAULT_DICT}.get(
            factory, _speedups.DEFAULT_FACTORY
        )
        default = factory if kind == _speedups.DEFAULT_FACTORY else None
    elif fallback is None:
        kind = _speedups.DEFAULT_NONE
    else:
        kind, default = _speedups.DEFAULT_VALUE, fallback
    return (descr, False, tuple(sources), exact, check, kind, default)


def _camera_checker() -> _Check:
    try:
        return _checkers[models.CameraInfo]
    except KeyError:
        return _checker(models.CameraInfo)


def _structure_camera_list(data: Any) -> models.CameraList:
    if not isinstance(data, Mapping):
        raise _Invalid(f"expected a CameraList object, got {_kind(data)}")
    key = "cameras"
    try:
        cameras = data.get("cameras")
        if cameras is None:
            raise _missing(data, "cameras")
        camera = _camera_checker()
        if not isinstance(cameras, list):
            cameras = _list_checker(camera)(cameras)  # raises: not an array
        try:
            items = [camera(item) for item in cameras]
        except _Invalid as exc:
            # Only the failure path pays for finding which camera it was.
            exc.path.append(_failing_index(camera, cameras))
            raise
        key = "total"
        total = data.get("total")
        if total is not None:
            total = _check_int(total)
        key = "connected"
        connected = data.get("connected")
        if connected is not None:
            connected = _check_int(connected)
    except _Invalid as exc:
        exc.path.append(key)
        raise
    return models.CameraList(items, total=total, connected=connected, raw=data)


# --------------------------------------------------------------------------- encoding


def _compile_encoder(cls: type[Any]) -> Callable[[Any], dict[str, Any]]:
    plan: list[tuple[str, tuple[str, ...], bool]] = []
    has_raw = False
    for field in attrs.fields(cls):
        if field.name == "raw":
            has_raw = True
            continue
        spec: models._Wire = field.metadata.get(models._WIRE_KEY, models._Wire())
        if not spec.encode:
            continue
        path = spec.sources[0] if spec.sources else (field.name,)
        plan.append((field.name, path, spec.timestamp))

    def unstructure(obj: Any) -> dict[str, Any]:
        out: dict[str, Any] = _deep_copy_mapping(obj.raw) if has_raw else {}
        for name, path, timestamp in plan:
            value = getattr(obj, name)
            if value is None:
                continue
            wire_value = format_timestamp(value) if timestamp else converter.unstructure(value)
            set_path(out, path, wire_value)
        return out

    return unstructure


def set_path(out: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    """Store ``value`` at ``path`` in nested objects, making (or replacing) what is missing."""
    target = out
    for key in path[:-1]:
        nested = target.get(key)
        if not isinstance(nested, dict):
            nested = {}
            target[key] = nested
        target = nested
    target[path[-1]] = value


def _deep_copy_mapping(value: Mapping[str, Any]) -> dict[str, Any]:
    # The encoded wire value must not share containers with the model's raw mapping.
    return {key: _deep_copy_json(item) for key, item in value.items()}


def _deep_copy_json(value: Any) -> Any:
    if isinstance(value, Mapping):
        return _deep_copy_mapping(value)
    if isinstance(value, list):
        return [_deep_copy_json(item) for item in value]
    return value


def _unstructure_camera_list(obj: models.CameraList) -> dict[str, Any]:
    out = _deep_copy_mapping(obj.raw)
    out["cameras"] = [converter.unstructure(c) for c in obj]
    out["total"] = obj.total
    out["connected"] = obj.connected
    return out


# --------------------------------------------------------------------------- the converter

#: The SDK's one converter. Its hooks check types strictly (no coercion).
converter: Final = cattrs.Converter(detailed_validation=False)


def _structure_hook_factory(tp: Any) -> Callable[[Any, Any], Any]:
    fn = _checker(tp)
    return lambda value, _tp: fn(value)


def _is_model(tp: Any) -> bool:
    return isinstance(tp, type) and (attrs.has(tp) or tp is models.CameraList)


converter.register_structure_hook_factory(_is_model, _structure_hook_factory)
converter.register_unstructure_hook_factory(attrs.has, _compile_encoder)
converter.register_unstructure_hook(models.CameraList, _unstructure_camera_list)


def decode(model_type: type[T] | Any, value: Any, *, method: str | None = None) -> T:
    """Decode a wire value (parsed JSON) into ``model_type``.

    ``model_type`` is a model class, :class:`~.models.CameraList`, a builtin
    (``str``, ``int``, ...) or a ``list[...]``/``dict[...]`` of those. Unknown wire
    fields are ignored (and kept in the model's ``raw``).

    Raises:
        ProtocolError: a required field is missing or a field has the wrong type;
            ``data`` is ``{"field": "a.b[2].c", "reason": ..., "model": ...}`` and
            ``method`` is ``method``.
    """
    try:
        check = _checkers[model_type]
    except KeyError:
        check = _checker(model_type)
    try:
        return typing.cast(T, check(value))
    except _Invalid as exc:
        raise _protocol_error(model_type, exc, method) from None


def _format_path(path: list[str | int]) -> str:
    out = ""
    for part in reversed(path):
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out


def _protocol_error(model_type: Any, exc: _Invalid, method: str | None) -> ProtocolError:
    field = _format_path(exc.path)
    model = getattr(model_type, "__name__", str(model_type))
    where = f"field {field!r}" if field else "value"
    return ProtocolError(
        f"malformed {model}: {where} {exc.reason}",
        data={"field": field, "reason": exc.reason, "model": model},
        method=method,
    )


def encode(model: Any) -> Any:
    """Turn a model (or a list of them) back into wire JSON.

    Camera ids are written as ``device``, timestamps as ISO 8601 UTC strings, and
    ``None`` fields are left out. Fields derived from others (``capabilities``,
    ``stream_url``, ``recording_id``) are not written. The model's ``raw`` mapping
    is the starting point, so unknown wire fields survive a decode/encode round
    trip.
    """
    return converter.unstructure(model)


# --------------------------------------------------------------------------- notifications

_NOTIFICATION_MODELS: Final[Mapping[str, type[Any]]] = {
    "camera_status_update": models.CameraInfo,
    "recording_status_update": models.RecordingInfo,
}


def decode_notification(
    method: str, params: Mapping[str, Any], *, strict: bool = False
) -> Any | None:
    """Decode a server notification's params into its typed model.

    - ``camera_status_update`` -> :class:`~.models.CameraInfo`
    - ``recording_status_update`` -> :class:`~.models.RecordingInfo`
    - a subscription topic (any method with a dot, e.g. ``camera.connected``) ->
      :class:`~.models.TopicEvent`
    - anything else -> ``None`` (the caller keeps the raw params).

    Params that do not fit the model give ``None`` too, so that a malformed
    notification never breaks the reader; pass ``strict=True`` to get the
    :class:`~.errors.ProtocolError` instead.

    Raises:
        ProtocolError: only with ``strict=True``, for malformed params.
    """
    model = _NOTIFICATION_MODELS.get(method)
    if model is not None:
        try:
            return decode(model, params, method=method)
        except ProtocolError:
            if strict:
                raise
            return None
    if "." in method:
        if not isinstance(typing.cast(object, params), Mapping):
            if strict:
                raise ProtocolError(
                    f"malformed {method} notification: params is {_kind(params)}",
                    data={"field": "", "reason": "expected an object", "model": "TopicEvent"},
                    method=method,
                )
            return None
        device = params.get("device")
        return models.TopicEvent(
            topic=method, device=device if isinstance(device, str) else None, params=params
        )
    return None
