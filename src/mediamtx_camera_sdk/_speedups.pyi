# Types of the optional C extension built from _speedups.c.
from collections.abc import Callable
from typing import Any, Final

DEFAULT_NONE: Final[int]
DEFAULT_VALUE: Final[int]
DEFAULT_LIST: Final[int]
DEFAULT_DICT: Final[int]
DEFAULT_FACTORY: Final[int]
DEFAULT_REQUIRED: Final[int]

class Decoder:
    fallback: Final[Callable[[Any], Any]]
    cls: Final[type[Any]]
    def __init__(
        self, cls: type[Any], fields: tuple[tuple[Any, ...], ...], fallback: Callable[[Any], Any]
    ) -> None: ...
    def __call__(self, data: Any) -> Any: ...
