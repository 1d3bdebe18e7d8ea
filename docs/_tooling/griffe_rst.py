"""Griffe extension: render the few reStructuredText habits of the docstrings as Markdown.

The package's docstrings are written to read well in ``help()`` and in an editor:
Google-style sections, plus Sphinx roles such as ``:class:`CameraServiceError```
and ``::`` before literal blocks. mkdocstrings renders docstrings as Markdown,
where those would show up verbatim, so this extension rewrites them while the
API is loaded:

- ``:role:`target``` becomes the code span ```target```, and ``:role:`~a.b.C```
  becomes ```C``` (the ``~`` form shows only the last component, as in Sphinx);
- a paragraph ending in ``::`` ends in ``:`` (the indented block that follows
  is already a Markdown code block).

Nothing else is touched, so the source docstrings stay the single source of truth.
"""

from __future__ import annotations

import re
from typing import Any

import griffe

_ROLE = re.compile(r":(?:class|meth|func|mod|attr|data|exc|obj):`(~?)([^`]+)`")
_LITERAL_INTRO = re.compile(r"(?<=\S)::$", re.MULTILINE)


def _role_to_code(match: re.Match[str]) -> str:
    short, target = match.group(1), match.group(2)
    if short:
        target = target.rsplit(".", 1)[-1]
    return f"`{target}`"


def markdownify(text: str) -> str:
    """The docstring ``text`` with Sphinx roles and ``::`` intros turned into Markdown."""
    return _LITERAL_INTRO.sub(":", _ROLE.sub(_role_to_code, text))


class RstToMarkdown(griffe.Extension):
    """Rewrites every loaded object's docstring with :func:`markdownify`."""

    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        """Called by griffe for every object it loads (module, class, function, attribute)."""
        if obj.docstring is not None:
            obj.docstring.value = markdownify(obj.docstring.value)
