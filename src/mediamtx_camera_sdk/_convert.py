"""The one converter between wire JSON and the models of :mod:`.models`.

How it works: a :class:`cattrs.Converter` (``converter``) owns the dispatch from
a type to its structure hook. The hook of each model class is the function
cattrs generates for it with :func:`cattrs.gen.make_dict_structure_fn_from_attrs`,
fed by the fields' :class:`~.models._Wire` metadata: ``override(rename=...)``
for the wire name (``device`` for ``device_path``), ``override(struct_hook=...)``
for each field's value. Around it, per model, a few lines of plain Python check
that the value is an object, resolve the fields that a wire member of another
name may stand in for (``session_id`` or else ``filename``) and keep the whole
wire mapping in the model's ``raw``.

Speed: where it can, a field's ``struct_hook`` is the value's own hook (a
primitive's, a nested model's), so cattrs's function calls it with no closure
between. A model's hook keeps one generated function per shape of wire object
(its members, in order; up to :data:`_SHAPES`), in which the members present are
read as required ones: no membership test and no dict of optional fields per
member. ISO 8601 texts are parsed once each (a small cache).

Values are *checked*, not coerced: the hooks registered here for ``str``,
``int``, ``float`` and ``bool`` refuse a string where an integer belongs (no
``int("3")``) and a boolean where a number belongs. The only conversions are
the ones JSON's single number type calls for (``30.0`` is a fine integer, ``30``
a fine float) and timestamps (ISO 8601 text to epoch seconds).

Errors: the success path does no bookkeeping. When a model's generated hook
fails, its wrapper walks the model's fields once more with the same hooks to
find the first that does not fit, and the private :class:`_Invalid` collects
that field's wire path while it unwinds; :func:`decode` turns it into a
:class:`~.errors.ProtocolError` whose ``data`` holds ``field`` (e.g.
``"cameras[3].device"``), ``reason`` and ``model``.
"""

from __future__ import annotations

import datetime as _dt
import functools
import re
import types
import typing
from collections.abc import Callable, Mapping
from typing import Any, Final, TypeVar

import attrs
import cattrs
from cattrs.gen import make_dict_structure_fn_from_attrs, override

from . import models
from .errors import ProtocolError

__all__ = [
    "converter",
    "decode",
    "decode_notification",
    "encode",
    "format_timestamp",
    "parse_timestamp",
]

T = TypeVar("T")

#: A structure hook: ``hook(wire_value, type) -> value`` (cattrs's calling convention).
Hook = Callable[[Any, Any], Any]

#: The SDK's one converter. Its hooks check types strictly (no coercion).
converter: Final = cattrs.Converter(detailed_validation=False, forbid_extra_keys=False)


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


@functools.lru_cache(maxsize=256)
def _parse_text_timestamp(text: str) -> float:
    # The same timestamps come again and again (a recording's start in each of
    # its notifications, a file's time in each listing): parsed once each.
    return parse_timestamp(text)


def _structure_timestamp(value: Any, _: Any = None) -> float | None:
    if type(value) is str and value:
        try:
            return _parse_text_timestamp(value)
        except ValueError:
            raise _Invalid(f"expected an ISO 8601 timestamp, got {value!r}") from None
    if value == "":
        return None  # the current service's "no time yet"
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        try:
            return parse_timestamp(value)
        except ValueError:
            raise _Invalid(f"expected an ISO 8601 timestamp, got {value!r}") from None
    raise _Invalid(f"expected a timestamp, got {_kind(value)}")


# --------------------------------------------------------------------------- strict primitives


def _structure_str(value: Any, _: Any = None) -> str:
    if isinstance(value, str):
        return value
    raise _Invalid(f"expected a string, got {_kind(value)}")


def _structure_int(value: Any, _: Any = None) -> int:
    if type(value) is int:
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    # JSON has one number type: 3.0 is a fine integer, 3.5 is not.
    if isinstance(value, float) and value.is_integer():
        return int(value)
    raise _Invalid(f"expected an integer, got {_kind(value)} {value!r}")


def _structure_float(value: Any, _: Any = None) -> float:
    if type(value) is float:
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    raise _Invalid(f"expected a number, got {_kind(value)}")


def _structure_bool(value: Any, _: Any = None) -> bool:
    if isinstance(value, bool):
        return value
    raise _Invalid(f"expected a boolean, got {_kind(value)}")


def _structure_any(value: Any, _: Any = None) -> Any:
    return value


def _or_none(strict: Hook, exact: type) -> Hook:
    """``strict``'s check for a field whose wire null means its default ``None``.

    One per primitive type, handed to cattrs as the hook of such fields.
    """

    def structure_or_none(value: Any, _: Any = None) -> Any:
        if type(value) is exact or value is None:
            return value
        return strict(value, exact)

    return structure_or_none


_PRIMITIVES: Final[Mapping[Any, Hook]] = {
    str: _structure_str,
    int: _structure_int,
    float: _structure_float,
    bool: _structure_bool,
    Any: _structure_any,
    object: _structure_any,
}

# Types whose exact-type test lets a list hook return the elements without a call.
_EXACT: Final[Mapping[Any, type]] = {str: str, int: int, bool: bool, float: float}

#: The hooks of fields whose default is ``None`` (null reads as absent), by the
#: strict hook (a primitive's; each model adds its own, see :func:`_model_hook`).
_OR_NONE: Final[dict[Hook, Hook]] = {
    hook: _or_none(hook, exact) for exact, hook in _PRIMITIVES.items() if exact in _EXACT
}
_OR_NONE[_structure_any] = _structure_any


# --------------------------------------------------------------------------- containers


def _is_union(tp: Any) -> bool:
    return typing.get_origin(tp) in (typing.Union, types.UnionType)


def _is_list(tp: Any) -> bool:
    return tp is list or typing.get_origin(tp) is list


def _is_dict(tp: Any) -> bool:
    return tp in (dict, Mapping) or typing.get_origin(tp) in (dict, Mapping)


def _is_model(tp: Any) -> bool:
    return isinstance(tp, type) and attrs.has(tp)


def _type_name(tp: Any) -> str:
    if _is_list(tp):
        return "array"
    if _is_dict(tp):
        return "object"
    return {str: "string", int: "integer", float: "number", bool: "boolean"}.get(
        tp, getattr(tp, "__name__", str(tp))
    )


def _failing_index(item: Hook, item_type: Any, value: list[Any]) -> int:
    for index, element in enumerate(value):
        try:
            item(element, item_type)
        except _Invalid:  # noqa: PERF203 - the failure path only
            return index
    return -1  # pragma: no cover - called only after an element failed


def _list_hook(tp: Any) -> Hook:
    args = typing.get_args(tp)
    item_type = args[0] if args else Any
    if item_type in (Any, object):

        def structure_any_list(value: Any, _: Any = None) -> list[Any]:
            if isinstance(value, list):
                return list(value)
            raise _Invalid(f"expected an array, got {_kind(value)}")

        return structure_any_list
    item = _hook(item_type)
    exact = _EXACT.get(item_type)

    def structure_list(value: Any, _: Any = None) -> list[Any]:
        if not isinstance(value, list):
            raise _Invalid(f"expected an array, got {_kind(value)}")
        if exact is not None:
            # list[str] is common (formats, topics, ...): no call per element.
            for element in value:
                if type(element) is not exact:
                    break
            else:
                return list(value)
        try:
            return [item(element, item_type) for element in value]
        except _Invalid as exc:
            # Only the failure path pays for finding which element it was.
            exc.path.append(_failing_index(item, item_type, value))
            raise

    return structure_list


def _dict_hook(tp: Any) -> Hook:
    args = typing.get_args(tp)
    value_type = args[1] if len(args) == 2 else Any
    item = None if value_type in (Any, object) else _hook(value_type)

    def structure_dict(value: Any, _: Any = None) -> dict[str, Any]:
        if not isinstance(value, Mapping):
            raise _Invalid(f"expected an object, got {_kind(value)}")
        if item is None:
            return dict(value)
        out = {}
        key = ""
        try:
            for key, element in value.items():
                out[key] = item(element, value_type)
        except _Invalid as exc:
            exc.path.append(key)
            raise
        return out

    return structure_dict


def _union_hook(tp: Any) -> Hook:
    args = typing.get_args(tp)
    rest = [arg for arg in args if arg is not type(None)]
    nullable = len(rest) < len(args)
    if len(rest) == 1:
        inner_type = rest[0]
        inner = _hook(inner_type)

        def structure_optional(value: Any, _: Any = None) -> Any:
            return None if value is None else inner(value, inner_type)

        return structure_optional
    options = [(option, _hook(option)) for option in rest]
    names = " or ".join(_type_name(option) for option in rest)

    def structure_union(value: Any, _: Any = None) -> Any:
        if value is None and nullable:
            return None
        for option_type, option in options:
            try:
                return option(value, option_type)
            except _Invalid:  # noqa: PERF203 - only unions pay for it, and rarely
                continue
        raise _Invalid(f"expected {names}, got {_kind(value)}")

    return structure_union


def _strip_none(tp: Any) -> Any:
    """``X | None`` -> ``X`` (the field hooks test for ``None`` themselves)."""
    if _is_union(tp):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(args) == 1:
            return args[0]
        return typing.Union[tuple(args)]  # noqa: UP007 - built from a runtime tuple
    return tp


def _hook(tp: Any) -> Hook:
    """The converter's structure hook for ``tp``, for the types the wire contract uses.

    Raises:
        TypeError: ``tp`` is not one of them (a set, a tuple, an arbitrary class).
    """
    if not (
        tp in _PRIMITIVES
        or _is_union(tp)
        or _is_list(tp)
        or _is_dict(tp)
        or _is_model(tp)
        or tp in (models.CameraList, models.StreamList)
    ):
        raise TypeError(f"the converter cannot decode {tp!r}")
    return converter.get_structure_hook(tp)


# --------------------------------------------------------------------------- model hooks

#: How many shapes of wire object (sets of members, in order) a model's hook keeps
#: a function of its own for.
_SHAPES: Final = 8

#: Stands for a field the generated hook could not fill (resolved afterwards).
_ABSENT: Final = object()


def _get_path(value: Any, path: tuple[str, ...]) -> Any:
    # A path through something that is not an object leads nowhere: the value is
    # absent (the intermediate member itself is checked by its own field, if any).
    for key in path:
        if type(value) is not dict and not isinstance(value, Mapping):
            return None
        value = value.get(key)
    return value


def _maker(fallback: Any) -> Callable[[], Any]:
    """A zero-argument function giving a field's default (a fresh one for a factory)."""
    if isinstance(fallback, attrs.Factory):  # type: ignore[arg-type]
        return typing.cast(Callable[[], Any], fallback.factory)
    return lambda: fallback


@attrs.frozen(slots=True)
class _Field:
    """How one model field is read from the wire (the plan the hooks are built from)."""

    name: str
    sources: tuple[tuple[str, ...], ...]
    type: Any
    value_hook: Hook
    required: bool
    default: Callable[[], Any]
    derive: Callable[[Mapping[str, Any]], Any] | None = None

    def fetch(self, data: Mapping[str, Any]) -> tuple[Any, tuple[str, ...]]:
        """The first source present and not null, and its path (else ``None``, the first)."""
        for path in self.sources:
            value = data.get(path[0]) if len(path) == 1 else _get_path(data, path)
            if value is not None:
                return value, path
        return None, self.sources[0]


def _word_hook(vocabulary: Callable[[str], str]) -> Hook:
    """A status word read into its model's vocabulary (a ``models.StatusWord``)."""
    seen: Callable[[str], str | None] = (
        vocabulary.words.get if isinstance(vocabulary, models._Vocabulary) else lambda _: None
    )

    def structure_word(value: Any, _: Any = None) -> str:
        if type(value) is str:
            word = seen(value)  # the words a service sends are few: read once each
            if word is not None:
                return word
        if isinstance(value, str):
            return vocabulary(value)
        raise _Invalid(f"expected a string, got {_kind(value)}")

    return structure_word


def _rejects_null(hook: Hook, tp: Any) -> bool:
    try:
        hook(None, tp)
    except _Invalid:
        return True
    return False


def _field_hook(field: _Field, none_default: bool) -> Hook:
    """The ``struct_hook`` override of a field read from one wire key (and maybe a path below).

    Where it can, this is the value's own hook, which cattrs then calls directly:
    for a required field (a null fails the hook, and the wrapper's :func:`_locate`
    then reports it as null) and for a primitive whose default is ``None``.
    """
    value_hook, tp, default = field.value_hook, field.type, field.default
    rest = field.sources[0][1:]
    if len(rest) == 1:
        key = rest[0]

        def structure_member(value: Any, _: Any = None) -> Any:
            value = value.get(key) if type(value) is dict else _get_path(value, rest)
            return default() if value is None else value_hook(value, tp)

        return structure_member
    if rest:

        def structure_path(value: Any, _: Any = None) -> Any:
            value = _get_path(value, rest)
            return default() if value is None else value_hook(value, tp)

        return structure_path
    if field.required and (value_hook is _structure_any or _rejects_null(value_hook, tp)):
        return value_hook
    if field.required:

        def structure_required(value: Any, _: Any = None) -> Any:
            if value is None:
                raise _Invalid("is null")
            return value_hook(value, tp)

        return structure_required
    if none_default:
        lean = _OR_NONE.get(value_hook)  # a primitive's or a model's own
        if lean is not None:
            return lean

        def structure_or_none(value: Any, _: Any = None) -> Any:
            return None if value is None else value_hook(value, tp)

        return structure_or_none
    # The exact-type shortcut only where the hook would return the value as it is.
    exact = _EXACT.get(tp) if value_hook is _PRIMITIVES.get(tp) else None
    if exact is not None:

        def structure_exact(value: Any, _: Any = None) -> Any:
            if type(value) is exact:
                return value
            return default() if value is None else value_hook(value, tp)

        return structure_exact

    def structure_optional(value: Any, _: Any = None) -> Any:
        return default() if value is None else value_hook(value, tp)

    return structure_optional


def _locate(fields: list[_Field], data: Mapping[str, Any], exc: Exception) -> _Invalid:
    """Find the first field of ``data`` that does not fit (the failure path only)."""
    for field in fields:
        value, path = field.fetch(data)
        if value is None:
            if not field.required:
                continue
            simple = len(field.sources) == 1 and len(path) == 1
            error = _Invalid("is null" if simple and path[0] in data else "is missing")
        else:
            try:
                field.value_hook(value, field.type)
            except _Invalid as invalid:
                error = invalid
            else:
                continue
        error.path.append(".".join(path))
        return error
    return _Invalid(f"could not be decoded ({type(exc).__name__}: {exc})")  # pragma: no cover


class _Defaults(functools.partial):  # type: ignore[type-arg]
    """The class with the defaults the wire may omit but its constructor requires.

    cattrs's generated function calls what it is given as the class to make the
    instance; this partial of the class is what it gets for such models. It carries
    the class's names, which cattrs uses to label the generated code.
    """


def _immutable(value: Any) -> bool:
    return value is None or isinstance(value, (str, int, float, bool, tuple))


def _model_hook(cls: type[T]) -> Callable[[Any, Any], T]:
    """The structure hook of one attrs model class: cattrs's generated function, wrapped.

    Each field becomes one entry of the attribute list handed to
    :func:`~cattrs.gen.make_dict_structure_fn_from_attrs`, keyword-only, with
    ``override(rename=<wire key>, struct_hook=<its value hook>)``. A field that is
    required on the wire has no default there (cattrs reads ``o[key]``); every
    other field is read when its member is present. A field the Python
    constructor requires but the wire may omit (``CameraInfo.name``) gets its
    default from :class:`_Defaults`. Fields with more than one wire source
    (``session_id``, else ``filename``) or derived from other members are left to
    the wrapper, which has the whole mapping; so is ``raw``.
    """
    hints = typing.get_type_hints(cls)
    name = cls.__name__
    fields: list[_Field] = []
    attributes: list[attrs.Attribute[Any]] = []
    overrides: dict[str, Any] = {}
    defaults: dict[str, Any] = {}
    later: list[_Field] = []  # read from the whole mapping after cattrs's function
    fresh: list[_Field] = []  # a factory default when the member was absent
    has_raw = False
    for attribute in attrs.fields(typing.cast(Any, cls)):
        if not attribute.init:
            continue
        if attribute.name == "raw":
            has_raw = True
            continue
        spec: models._Wire = attribute.metadata.get(models._WIRE_KEY, models._Wire())
        has_default = attribute.default is not attrs.NOTHING
        required = (
            spec.required
            if spec.required is not None
            else not has_default and spec.missing is models._NO_DEFAULT
        )
        if spec.missing is not models._NO_DEFAULT:
            fallback = spec.missing
        else:
            fallback = attribute.default if has_default else None
        tp = _strip_none(hints[attribute.name])
        value_hook: Hook
        if spec.timestamp:
            value_hook = _structure_timestamp
        elif spec.vocabulary is not None:
            value_hook = _word_hook(spec.vocabulary)
        else:
            value_hook = _hook(tp)
        field = _Field(
            name=attribute.name,
            sources=spec.sources or ((attribute.name,),),
            type=tp,
            value_hook=value_hook,
            required=required,
            default=_maker(fallback),
            derive=spec.derive,
        )
        fields.append(field)
        direct = len(field.sources) == 1 and len(field.sources[0]) == 1
        if spec.derive is not None or (not direct and (required or len(field.sources) > 1)):
            later.append(field)
            if not has_default:
                defaults[field.name] = _ABSENT
            continue
        if required:
            attributes.append(attribute.evolve(default=attrs.NOTHING, kw_only=True, type=tp))
        else:
            if not has_default:
                if _immutable(fallback):
                    defaults[field.name] = fallback
                else:
                    defaults[field.name] = _ABSENT
                    fresh.append(field)
            attributes.append(attribute.evolve(default=None, kw_only=True, type=tp))
        overrides[field.name] = override(
            rename=field.sources[0][0], struct_hook=_field_hook(field, fallback is None)
        )

    target: Any = cls
    if defaults:
        target = _Defaults(cls, **defaults)
        target.__name__ = target.__qualname__ = name
        target.__module__ = cls.__module__
    generated = make_dict_structure_fn_from_attrs(attributes, target, converter, **overrides)
    plan = [(attribute, overrides[attribute.name]) for attribute in attributes]
    required_keys = [o.rename for attribute, o in plan if attribute.default is attrs.NOTHING]
    shapes: dict[tuple[str, ...], Hook] = {}

    def shaped(data: Mapping[str, Any]) -> Hook:
        """cattrs's function for the objects with exactly ``data``'s members (cached).

        Each member present is read as a required one (no test, no dict of the
        optional ones); each field absent is left out, to its default. An object
        without a required member, or a model seen in too many shapes, gets the
        general function.
        """
        if len(shapes) >= _SHAPES or any(key not in data for key in required_keys):
            return generated
        present = [(attribute, o) for attribute, o in plan if o.rename in data]
        hook = shapes[tuple(data)] = make_dict_structure_fn_from_attrs(
            [attribute.evolve(default=attrs.NOTHING) for attribute, _ in present],
            target,
            converter,
            **{attribute.name: o for attribute, o in present},
        )
        return hook

    frozen = cls.__setattr__ is not object.__setattr__  # frozen or with setattr hooks

    def finish(obj: Any, data: Mapping[str, Any]) -> None:
        for field in later:
            value, _path = field.fetch(data)
            if value is None:
                value = None if field.derive is None else field.derive(data)
                if value is None:
                    if field.required:
                        raise _Invalid("is missing")
                    value = field.default()
            else:
                value = field.value_hook(value, field.type)
            object.__setattr__(obj, field.name, value)
        for key, attribute, make in fill:
            if key not in data:
                object.__setattr__(obj, attribute, make())

    # cattrs's function fills a field exactly when its wire key is there.
    fill = tuple((field.sources[0][0], field.name, field.default) for field in fresh)
    plain = has_raw and not frozen and not later

    def wrapper(nullable: bool) -> Hook:
        """The model's hook; ``nullable``: a null is ``None`` (for a field whose default it is)."""

        def refuse(data: Any) -> None:
            if nullable and data is None:
                return
            raise _Invalid(f"expected a {name} object, got {_kind(data)}")

        def structure(data: Any, _: Any = None) -> Any:
            # Most models: mutable, nothing derived; at most defaults to make fresh.
            if type(data) is not dict and not isinstance(data, Mapping):
                return refuse(data)
            try:
                make_obj = shapes[tuple(data)]
            except KeyError:
                make_obj = shaped(data)
            try:
                obj = make_obj(data, cls)
            except Exception as exc:
                raise _locate(fields, data, exc) from None
            for key, attribute, make in fill:
                if key not in data:
                    setattr(obj, attribute, make())
            obj.raw = data
            return obj

        def structure_general(data: Any, _: Any = None) -> Any:
            # Fields read from the whole mapping, a frozen model, or one without raw.
            if type(data) is not dict and not isinstance(data, Mapping):
                return refuse(data)
            try:
                obj = (shapes.get(tuple(data)) or shaped(data))(data, cls)
                finish(obj, data)
            except Exception as exc:
                raise _locate(fields, data, exc) from None
            if has_raw:
                object.__setattr__(obj, "raw", data)
            return obj

        return structure if plain else structure_general

    strict = wrapper(nullable=False)
    _OR_NONE[strict] = wrapper(nullable=True)
    return strict


def _list_members(
    data: Mapping[str, Any], key: str, items: Hook, items_type: Any, others: Mapping[str, Hook]
) -> tuple[list[Any], dict[str, Any]]:
    """The required array ``key`` of a list result and its optional counters, by name."""
    value = data.get(key)
    if value is None:
        missing = _Invalid("is null" if key in data else "is missing")
        missing.path.append(key)
        raise missing
    try:
        decoded = items(value, items_type)
        counters: dict[str, Any] = {}
        for key, read in others.items():  # ``key``: the member being read, if it fails
            member = data.get(key)
            counters[key] = None if member is None else read(member, None)
    except _Invalid as exc:
        exc.path.append(key)
        raise
    return decoded, counters


def _structure_camera_list(data: Any, _: Any = None) -> models.CameraList:
    if not isinstance(data, Mapping):
        raise _Invalid(f"expected a CameraList object, got {_kind(data)}")
    cameras, counters = _list_members(
        data, "cameras", _camera_items, _CAMERA_ITEMS, _CAMERA_COUNTERS
    )
    return models.CameraList(cameras, raw=data, **counters)


def _structure_stream_list(data: Any, _: Any = None) -> models.StreamList:
    """``get_streams``: the documented array, or the current service's object around it."""
    if isinstance(data, list):
        return models.StreamList(_stream_items(data, _STREAM_ITEMS), raw=data)
    if not isinstance(data, Mapping):
        raise _Invalid(f"expected an array or a StreamList object, got {_kind(data)}")
    streams, counters = _list_members(
        data, "streams", _stream_items, _STREAM_ITEMS, _STREAM_COUNTERS
    )
    return models.StreamList(streams, raw=data, **counters)


_CAMERA_ITEMS: Final = list[models.CameraInfo]
_CAMERA_COUNTERS: Final[Mapping[str, Hook]] = {"total": _structure_int, "connected": _structure_int}
_camera_items: Hook
_STREAM_ITEMS: Final = list[models.StreamInfo]
_STREAM_COUNTERS: Final[Mapping[str, Hook]] = {
    "total": _structure_int,
    "active": _structure_int,
    "inactive": _structure_int,
    "timestamp": _structure_timestamp,
}
_stream_items: Hook


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


def _unstructure_stream_list(obj: models.StreamList) -> Any:
    items = [converter.unstructure(s) for s in obj]
    if not isinstance(obj.raw, Mapping):
        return items  # the documented shape: a bare array
    out = _deep_copy_mapping(obj.raw)
    out.update(streams=items, total=obj.total, active=obj.active, inactive=obj.inactive)
    if obj.timestamp is not None:
        out["timestamp"] = format_timestamp(obj.timestamp)
    return out


# --------------------------------------------------------------------------- the converter

for _tp in (str, int, float, bool):
    converter.register_structure_hook(_tp, _PRIMITIVES[_tp])
# By identity: a hook registered for the class ``object`` would serve every class.
converter.register_structure_hook_func(lambda tp: tp is Any or tp is object, _structure_any)
converter.register_structure_hook_factory(_is_union, _union_hook)
converter.register_structure_hook_factory(_is_list, _list_hook)
converter.register_structure_hook_factory(_is_dict, _dict_hook)
converter.register_structure_hook_factory(_is_model, _model_hook)
converter.register_structure_hook(models.CameraList, _structure_camera_list)
converter.register_structure_hook(models.StreamList, _structure_stream_list)
converter.register_unstructure_hook_factory(attrs.has, _compile_encoder)
converter.register_unstructure_hook(models.CameraList, _unstructure_camera_list)
converter.register_unstructure_hook(models.StreamList, _unstructure_stream_list)
# A status word goes back to the wire as the service sent it.
converter.register_unstructure_hook(models.StatusWord, lambda word: word.raw)
_camera_items = _hook(_CAMERA_ITEMS)
_stream_items = _hook(_STREAM_ITEMS)


#: ``decode``'s own cache of the converter's hooks (a dict lookup, not a dispatch).
_decoders: dict[Any, Hook] = {}


def decode(model_type: type[T] | Any, value: Any, *, method: str | None = None) -> T:
    """Decode a wire value (parsed JSON) into ``model_type``.

    ``model_type`` is a model class, :class:`~.models.CameraList`, a builtin
    (``str``, ``int``, ...) or a ``list[...]``/``dict[...]`` of those. Unknown wire
    fields are ignored (and kept in the model's ``raw``).

    Raises:
        ProtocolError: a required field is missing or a field has the wrong type;
            ``data`` is ``{"field": "a.b[2].c", "reason": ..., "model": ...}`` and
            ``method`` is ``method``.
        TypeError: ``model_type`` is not a type the converter decodes.
    """
    try:
        hook = _decoders[model_type]
    except KeyError:
        hook = _decoders[model_type] = _hook(model_type)
    try:
        return typing.cast(T, hook(value, model_type))
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
