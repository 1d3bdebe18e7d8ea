"""Griffe extension: render the few reStructuredText habits of the docstrings as Markdown.

The package's docstrings are written to read well in ``help()`` and in an editor:
Google-style sections, plus Sphinx roles such as ``:class:`CameraServiceError```
and ``::`` before literal blocks. mkdocstrings renders docstrings as Markdown,
where those would show up verbatim, so this extension rewrites them while the
API is loaded:

- ``:role:`target``` becomes the code span ```target```, and ``:role:`~a.b.C```
  becomes ```C``` (the ``~`` form shows only the last component, as in Sphinx);
- a paragraph ending in ``::`` ends in ``:`` (the indented block that follows
  is already a Markdown code block);
- in a ``Raises:`` section, an entry that names a second exception after a
  sentence (``NotFoundError: no such file. AuthenticationError: refused.``)
  becomes two entries, so the rendered table has one row per exception.

Nothing else is touched, so the source docstrings stay the single source of truth.
"""

from __future__ import annotations

import re
from typing import Any

import griffe

_ROLE = re.compile(r":(?:class|meth|func|mod|attr|data|exc|obj):`(~?)([^`]+)`")
_LITERAL_INTRO = re.compile(r"(?<=\S)::$", re.MULTILINE)
_SECTION = re.compile(r"^(\s*)([A-Z][A-Za-z ]*):\s*$")
#: A sentence end followed by ``SomeError:`` (the start of another Raises entry).
_NEXT_EXCEPTION = re.compile(
    r"(?<=[.;])\s+(?=[A-Z]\w*(?:Error|Exception|Warning|Exit|Interrupt):\s)"
)


def _role_to_code(match: re.Match[str]) -> str:
    short, target = match.group(1), match.group(2)
    if short:
        target = target.rsplit(".", 1)[-1]
    return f"`{target}`"


def split_raises(text: str) -> str:
    """``text`` with every ``Raises:`` entry that names two exceptions split in two."""
    out: list[str] = []
    in_raises = False
    section_indent = ""
    entry_indent: str | None = None
    for line in text.splitlines():
        section = _SECTION.match(line)
        if section is not None:
            in_raises = section.group(2) == "Raises"
            section_indent, entry_indent = section.group(1), None
            out.append(line)
            continue
        indent = line[: len(line) - len(line.lstrip())]
        if in_raises and line.strip() and len(indent) <= len(section_indent):
            in_raises = False  # the section ended (text back at its level)
        if in_raises and line.strip():
            if entry_indent is None:
                entry_indent = indent
            if indent == entry_indent:
                parts = _NEXT_EXCEPTION.split(line.strip())
                out.extend(f"{entry_indent}{part}" for part in parts)
                continue
        out.append(line)
    return "\n".join(out) + ("\n" if text.endswith("\n") else "")


def markdownify(text: str) -> str:
    """The docstring ``text`` with Sphinx roles and ``::`` intros turned into Markdown.

    Also splits ``Raises:`` entries that name two exceptions (see :func:`split_raises`).
    """
    return split_raises(_LITERAL_INTRO.sub(":", _ROLE.sub(_role_to_code, text)))


class RstToMarkdown(griffe.Extension):
    """Rewrites every loaded object's docstring with :func:`markdownify`."""

    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        """Called by griffe for every object it loads (module, class, function, attribute)."""
        if obj.docstring is not None:
            obj.docstring.value = markdownify(obj.docstring.value)
