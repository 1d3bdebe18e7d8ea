"""MkDocs hooks: the benchmark results on the performance page; pages written later in the nav.

**Pages that may not exist yet.** ``EXPECTED_PAGES`` are pages other work adds
to ``docs/`` (the reliability report). A static nav entry for a missing page
fails the strict build, and a page left out of the nav is hard to find, so
:func:`on_config` adds each one to its nav section once the file exists.

**Benchmarks.**

The benchmark results and the way they are measured live in
``benchmarks/README.md``, next to the code that produces them. The performance
page does not repeat them; it has two placeholders that this hook fills in from
that file on every build, so the site always shows what the repository holds:

``<!-- benchmarks:latest -->``
    the README's section whose title starts with "Latest" (e.g. "Latest full
    run"), when it has a results table; otherwise a note that no results are
    recorded yet.
``<!-- benchmarks:method -->``
    everything before that section (how to run the benchmarks and how they
    measure), without the README's own title.

Headings are nested under the page's ``##`` sections. A README without a
"Latest" section is a build warning, so ``mkdocs build --strict`` fails rather
than show a page that silently lost its numbers.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

LATEST = "<!-- benchmarks:latest -->"
METHOD = "<!-- benchmarks:method -->"

log = logging.getLogger("mkdocs.hooks.benchmarks")

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")

NO_RESULTS = """\
!!! note "No results recorded yet"

    `benchmarks/README.md` holds no results table yet. Run the benchmarks as
    described below to measure on your own machine.
"""

NO_README = """\
!!! note "No benchmarks in this checkout"

    `benchmarks/README.md` does not exist here.
"""


def split_readme(text: str) -> tuple[str, str | None]:
    """``text`` split into (the method part, the "Latest" section or None).

    The method part is everything between the first heading (the title, dropped)
    and the "Latest" section; the section runs to the next heading of its level
    or higher. Both keep their Markdown as written.
    """
    lines = text.splitlines()
    fence = False
    headings: list[tuple[int, int, str]] = []  # (line index, level, title)
    for index, line in enumerate(lines):
        if line.lstrip().startswith(("```", "~~~")):
            fence = not fence
        match = None if fence else _HEADING.match(line)
        if match:
            headings.append((index, len(match.group(1)), match.group(2)))
    start = headings[0][0] + 1 if headings and headings[0][1] == 1 else 0
    latest = next((h for h in headings if h[2].lower().startswith("latest")), None)
    if latest is None:
        return "\n".join(lines[start:]).strip("\n"), None
    end = next((i for i, level, _ in headings if i > latest[0] and level <= latest[1]), len(lines))
    method = "\n".join(lines[start : latest[0]]).strip("\n")
    section = "\n".join(lines[latest[0] + 1 : end]).strip("\n")
    return method, section


def has_table(markdown: str) -> bool:
    """Whether ``markdown`` holds a Markdown table (a header row and a ``---`` row)."""
    rows = [line.strip() for line in markdown.splitlines() if line.strip().startswith("|")]
    return any(re.fullmatch(r"\|[\s:|-]+\|", row) and "-" in row for row in rows)


def demote(markdown: str, levels: int) -> str:
    """Every heading of ``markdown`` made ``levels`` deeper (at most ``######``)."""
    out = []
    fence = False
    for line in markdown.splitlines():
        if line.lstrip().startswith(("```", "~~~")):
            fence = not fence
        match = None if fence else _HEADING.match(line)
        if match:
            line = "#" * min(len(match.group(1)) + levels, 6) + " " + match.group(2)
        out.append(line)
    return "\n".join(out)


def fill(markdown: str, readme: Path) -> str:
    """The performance page's Markdown with both placeholders filled from ``readme``."""
    if not readme.is_file():
        return markdown.replace(LATEST, NO_README).replace(METHOD, "")
    method, latest = split_readme(readme.read_text(encoding="utf-8"))
    if latest is None:
        log.warning("benchmarks/README.md has no 'Latest ...' section for the performance page")
        results = NO_RESULTS
    elif has_table(latest):
        results = demote(latest, 1)
    else:
        results = NO_RESULTS
    # The README's "##" sections become "###" under the page's "##" section.
    return markdown.replace(LATEST, results).replace(METHOD, demote(method, 1))


#: (section title, page title, file) of pages the nav gets as soon as they exist.
EXPECTED_PAGES: tuple[tuple[str, str, str], ...] = (("Quality", "Reliability", "reliability.md"),)


def add_expected_pages(nav: list[Any], docs_dir: Path) -> list[str]:
    """Add every existing ``EXPECTED_PAGES`` file missing from ``nav``; returns the added."""
    added = []
    for section_title, title, file in EXPECTED_PAGES:
        if not (docs_dir / file).is_file() or file in repr(nav):
            continue
        section = next(
            (item for item in nav if isinstance(item, dict) and section_title in item), None
        )
        if section is None:
            nav.append({section_title: [{title: file}]})
        else:
            section[section_title].append({title: file})
        added.append(file)
    return added


def on_config(config: Any) -> Any:
    """Put the expected pages that exist into the nav (an MkDocs event)."""
    if config["nav"] is not None:
        add_expected_pages(config["nav"], Path(config["docs_dir"]))
    return config


def on_page_markdown(markdown: str, *, page: Any, config: Any, files: Any) -> str:
    """Fill the placeholders of the page that has them (an MkDocs event)."""
    if LATEST not in markdown and METHOD not in markdown:
        return markdown
    root = Path(config["config_file_path"]).parent
    return fill(markdown, root / "benchmarks" / "README.md")
