"""The documentation site cannot drift from the code.

- Every public name (the package's ``__all__``, the models, the errors, both
  clients and their public methods, the emulator and the pytest fixtures) has a
  docstring, and the generated API reference shows every one of them.
- Every code example of ``docs/`` runs against the emulator: ```python blocks
  are executed (in a subprocess, with ``MEDIAMTX_URL`` and a token pointing at
  a fresh emulator), ```console transcripts are replayed and their output
  compared, ``mediamtx-camera`` lines of ```bash blocks must parse, and
  ``--8<--`` includes must name a script of ``examples/`` that
  ``tests/test_examples.py`` runs.
- The tables that restate the code (the error tree and codes, the call table,
  the environment variables, the exit codes) match it.
- ``mkdocs build --strict`` succeeds (any broken link, missing reference or
  unreadable docstring fails it).

How a ```python block is run is said by an HTML comment on the line just before
it, ``<!-- docs-test: OPTION ... -->``. Options (default: current dialect,
operator JWT in ``MEDIAMTX_AUTH_TOKEN``):

``dialect=current|legacy|both``  which emulator(s); ``both`` runs the block twice
``role=viewer|operator|admin``   the role of the token
``tls``                          the emulator serves ``wss://``; ``CAMERA_CA_FILE``
                                 names the PEM of its certificate authority
``delay=METHOD:SECONDS``         the emulator answers METHOD late
``token_file``                   the token is in a file named by
                                 ``MEDIAMTX_AUTH_TOKEN_FILE`` instead
``pytest``                       the block is a test module: run it with pytest
``expect=TEXT``                  the output must contain TEXT (repeatable)
"""

from __future__ import annotations

import ast
import importlib.util
import inspect
import os
import re
import shlex
import ssl
import subprocess
import sys
import textwrap
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

import mediamtx_camera_sdk as sdk
from mediamtx_camera_sdk import cli, config, errors, models
from mediamtx_camera_sdk.methods import METHODS

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
PAGES = sorted(p for p in DOCS.rglob("*.md") if "_tooling" not in p.parts)

#: Python blocks of pages other engineers own that are not programs (a
#: signature listing, an internal sketch). Keyed by (page, first line). Every
#: other ```python block in docs/ runs; show signatures in ```text blocks.
NOT_PROGRAMS: dict[tuple[str, str], str] = {}

SUBPROCESS_TIMEOUT = 90


# --------------------------------------------------------------------------- Markdown


@dataclass
class Block:
    """One fenced code block of a docs page."""

    page: str
    line: int
    lang: str
    body: str
    options: list[str] = field(default_factory=list)

    @property
    def id(self) -> str:
        return f"{self.page}:{self.line}"

    def option(self, key: str, default: str | None = None) -> str | None:
        for option in self.options:
            name, _, value = option.partition("=")
            if name == key:
                return value
        return default

    def values(self, key: str) -> list[str]:
        return [o.partition("=")[2] for o in self.options if o.partition("=")[0] == key]

    def has(self, flag: str) -> bool:
        return flag in self.options

    @property
    def includes(self) -> list[str] | None:
        """The files a block made only of ``--8<--`` lines includes, else None."""
        lines = [line.strip() for line in self.body.splitlines() if line.strip()]
        paths = [re.fullmatch(r'--8<--\s+"([^"]+)"', line) for line in lines]
        if lines and all(paths):
            return [m.group(1) for m in paths if m]
        return None


_FENCE = re.compile(
    r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})(?P<lang>[\w+-]*)[^\n]*\n"
    r"(?P<body>.*?)"
    r"^(?P=indent)(?P=fence)[ \t]*$",
    re.M | re.S,
)
_DIRECTIVE = re.compile(r"<!--\s*docs-test:(.*?)-->")


def blocks(path: Path) -> list[Block]:
    """Every fenced block of ``path``, with the options of a directive just before it."""
    text = path.read_text(encoding="utf-8")
    found = []
    for match in _FENCE.finditer(text):
        indent = match.group("indent")
        body = textwrap.dedent(match.group("body")) if indent else match.group("body")
        before = text[: match.start()].rstrip("\n").rsplit("\n", 1)[-1]
        directive = _DIRECTIVE.fullmatch(before.strip())
        options = shlex.split(directive.group(1)) if directive else []
        found.append(
            Block(
                page=str(path.relative_to(DOCS)),
                line=text.count("\n", 0, match.start()) + 1,
                lang=match.group("lang").lower(),
                body=body,
                options=options,
            )
        )
    return found


ALL_BLOCKS = [b for page in PAGES for b in blocks(page)]
PYTHON_BLOCKS = [b for b in ALL_BLOCKS if b.lang in ("python", "py")]
INCLUDES = [b for b in PYTHON_BLOCKS if b.includes is not None]


def _is_program(block: Block) -> bool:
    first = block.body.lstrip().splitlines()[0]
    return not any(page == block.page and first.startswith(start) for page, start in NOT_PROGRAMS)


PROGRAMS = [b for b in PYTHON_BLOCKS if b.includes is None and _is_program(b)]
CONSOLE_BLOCKS = [b for b in ALL_BLOCKS if b.lang == "console"]
SHELL_BLOCKS = [b for b in ALL_BLOCKS if b.lang in ("bash", "sh", "shell")]

OPTIONS = {"dialect", "role", "tls", "delay", "token_file", "pytest", "expect"}


def page_text(name: str) -> str:
    return (DOCS / name).read_text(encoding="utf-8")


def table_rows(text: str, header_start: str) -> list[list[str]]:
    """The rows of the Markdown table whose header row starts with ``header_start``."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(header_start))
    rows = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        cells = re.split(r"(?<!\\)\|", line.strip())[1:-1]
        rows.append([cell.strip() for cell in cells])
    return rows


def test_the_docs_have_examples_of_every_kind() -> None:
    """Guard the extraction itself: a regex that finds nothing would pass everything."""
    assert len(PAGES) >= 15
    assert len(PROGRAMS) >= 15
    assert len(INCLUDES) >= 8
    assert len(CONSOLE_BLOCKS) >= 3
    assert any(b.has("pytest") for b in PROGRAMS)
    assert any(b.option("dialect") == "both" for b in PROGRAMS)
    # Indented blocks inside tabs are found and dedented.
    tabbed = [b for b in INCLUDES if b.page == "getting-started.md"]
    assert [b.includes for b in tabbed] == [
        ["examples/basic_usage.py"],
        ["examples/trio_client.py"],
        ["examples/sync_client.py"],
    ]


def test_directives_are_known_and_sit_on_python_blocks() -> None:
    for block in ALL_BLOCKS:
        if block.options:
            assert block.lang == "python", f"{block.id}: docs-test directive on a {block.lang}"
            for option in block.options:
                assert option.partition("=")[0] in OPTIONS, f"{block.id}: unknown {option!r}"
    every_directive = sum(len(_DIRECTIVE.findall(p.read_text())) for p in PAGES)
    assert every_directive == sum(1 for b in ALL_BLOCKS if b.options), (
        "a docs-test directive that is not right before a fenced block"
    )


# --------------------------------------------------------------------------- (a) docstrings


def _own_doc(obj: object) -> bool:
    doc = obj.__dict__.get("__doc__") if inspect.isclass(obj) else getattr(obj, "__doc__", None)
    return isinstance(doc, str) and bool(doc.strip())


def public_members(cls: type) -> Iterator[tuple[str, Any]]:
    """(name, function) for every public method and property ``cls`` has from this package."""
    for name in dir(cls):
        if name.startswith("_"):
            continue
        owner = next(k for k in cls.__mro__ if name in vars(k))
        if not owner.__module__.startswith("mediamtx_camera_sdk"):
            continue  # inherited from Python (Exception.args, str.upper, ...)
        raw = vars(owner)[name]
        if isinstance(raw, (staticmethod, classmethod)):
            raw = raw.__func__
        if isinstance(raw, property):
            yield name, raw.fget
        elif inspect.isfunction(raw):
            yield name, raw
        # else: a data attribute (an attrs field, an enum member), documented
        # in its class's docstring.


def documented_objects() -> dict[str, Any]:
    """Every public class and function, by the name users import it under."""
    from mediamtx_camera_sdk import testing
    from mediamtx_camera_sdk.testing import pytest_plugin

    objects: dict[str, Any] = {}
    for module, names in (
        (sdk, sdk.__all__),
        (models, models.__all__),
        (errors, errors.__all__),
        (config, ["Settings"]),
    ):
        for name in names:
            objects[f"{module.__name__}.{name}"] = getattr(module, name)
    for name in testing.__all__:  # loaded on first access
        objects[f"mediamtx_camera_sdk.testing.{name}"] = getattr(testing, name)
    for name in pytest_plugin.__all__:
        fixture = getattr(pytest_plugin, name)
        # A fixture object wraps the function that carries the docstring.
        objects[f"{pytest_plugin.__name__}.{name}"] = getattr(fixture, "__wrapped__", fixture)
    for qualname, obj in list(objects.items()):
        if inspect.isclass(obj):
            for name, member in public_members(obj):
                objects[f"{qualname}.{name}"] = member
    # Constants and type aliases (TOPICS, DIALECTS, Dialect) cannot carry a
    # docstring of their own; the reference documents them from the source.
    return {n: o for n, o in objects.items() if inspect.isclass(o) or inspect.isfunction(o)}


def test_every_public_name_has_a_docstring() -> None:
    objects = documented_objects()
    # Both clients, with every call, the emulator and its controls are in the list.
    for name in ("connect", "take_snapshot", "events", "download_recording", "on"):
        assert f"mediamtx_camera_sdk.CameraClient.{name}" in objects
        assert f"mediamtx_camera_sdk.SyncCameraClient.{name}" in objects
    assert "mediamtx_camera_sdk.testing.CameraServiceEmulator.fail_next" in objects
    assert "mediamtx_camera_sdk.testing.pytest_plugin.camera_service" in objects
    assert len(objects) > 200
    missing = sorted(name for name, obj in objects.items() if not _own_doc(obj))
    assert missing == [], f"public names without a docstring: {missing}"


def test_the_docstring_check_notices_a_missing_docstring() -> None:
    class Documented:
        """Has one."""

        def method(self) -> None:
            pass

        @property
        def prop(self) -> int:
            """Has one."""
            return 1

    Documented.__module__ = "mediamtx_camera_sdk.fake"
    assert _own_doc(Documented)
    members = dict(public_members(Documented))
    assert not _own_doc(members["method"])
    assert _own_doc(members["prop"])

    class Undocumented(Documented):
        pass

    assert not _own_doc(Undocumented)  # a docstring is not inherited


# --------------------------------------------------------------------------- (b) examples


def test_includes_name_tested_examples() -> None:
    tested = (ROOT / "tests" / "test_examples.py").read_text(encoding="utf-8")
    for block in INCLUDES:
        for path in block.includes or []:
            assert path.startswith("examples/"), f"{block.id}: include {path} outside examples/"
            assert (ROOT / path).is_file(), f"{block.id}: {path} does not exist"
            assert f'"{Path(path).name}"' in tested, (
                f"{block.id}: {path} is not run by tests/test_examples.py"
            )


def _emulator_settings(block: Block, tmp_path: Path) -> tuple[dict[str, Any], dict[str, str]]:
    """The emulator keyword arguments and extra environment a block's options ask for."""
    settings: dict[str, Any] = {}
    env: dict[str, str] = {}
    if block.has("tls"):
        import trustme

        authority = trustme.CA()
        server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        authority.issue_cert("127.0.0.1", "localhost").configure_cert(server)
        ca_file = tmp_path / "ca.pem"
        authority.cert_pem.write_to_path(str(ca_file))
        settings["ssl_context"] = server
        env["CAMERA_CA_FILE"] = str(ca_file)
    return settings, env


def _clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MEDIAMTX_")}
    env["PYTHONUNBUFFERED"] = "1"
    return env


def _dialects(block: Block) -> list[str]:
    dialect = block.option("dialect", "current")
    return ["current", "legacy"] if dialect == "both" else [str(dialect)]


@pytest.mark.parametrize("block", PROGRAMS, ids=[b.id for b in PROGRAMS])
def test_python_example_runs(
    block: Block, tmp_path: Path, camera_service_factory: Callable[..., Any]
) -> None:
    script = tmp_path / ("test_docs_example.py" if block.has("pytest") else "example.py")
    script.write_text(block.body, encoding="utf-8")
    for dialect in _dialects(block):
        settings, extra = _emulator_settings(block, tmp_path)
        service = camera_service_factory(dialect=dialect, **settings)
        delay = block.option("delay")
        if delay:
            method, _, seconds = delay.partition(":")
            service.delay(method, float(seconds))
        env = _clean_env()
        env.update(extra)
        env["MEDIAMTX_URL"] = service.url
        token = service.token(block.option("role", "operator"))
        if block.has("token_file"):
            token_file = tmp_path / "token"
            token_file.write_text(token + "\n", encoding="utf-8")
            env["MEDIAMTX_AUTH_TOKEN_FILE"] = str(token_file)
        else:
            env["MEDIAMTX_AUTH_TOKEN"] = token
        if block.has("pytest"):
            command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(script)]
        else:
            command = [sys.executable, str(script)]
        result = subprocess.run(
            command,
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=SUBPROCESS_TIMEOUT,
            check=False,
        )
        output = result.stdout + result.stderr
        assert result.returncode == 0, f"{block.id} failed on the {dialect} emulator:\n{output}"
        assert "Traceback" not in output, f"{block.id} logged a traceback:\n{output}"
        if block.has("pytest"):
            assert re.search(r"\b[1-9]\d* passed\b", result.stdout), output
            assert "failed" not in result.stdout and "skipped" not in result.stdout, output
        else:
            assert output.strip(), f"{block.id} printed nothing"
        for text in block.values("expect"):
            assert text in result.stdout, f"{block.id}: {text!r} not in its output:\n{output}"


def test_token_file_option_is_used_where_the_example_reads_the_file() -> None:
    for block in PROGRAMS:
        reads = "MEDIAMTX_AUTH_TOKEN_FILE" in block.body
        assert reads == block.has("token_file"), block.id


def _line_pattern(expected: str) -> re.Pattern[str]:
    """``expected`` as a regex: ``...`` matches anything, runs of spaces any spacing."""
    parts = [re.escape(part) for part in " ".join(expected.split()).split("...")]
    return re.compile(r"\s*" + ".*".join(parts).replace(r"\ ", r"\s+") + r"\s*")


def transcript(body: str) -> list[tuple[list[str], list[str]]]:
    """The (command words, expected output lines) pairs of a console block."""
    steps: list[tuple[list[str], list[str]]] = []
    for line in body.splitlines():
        if line.startswith("$ "):
            steps.append((shlex.split(line[2:]), []))
        else:
            assert steps, f"output before any command: {line!r}"
            steps[-1][1].append(line)
    return steps


def test_transcript_patterns() -> None:
    assert _line_pattern("pong from ws://127.0.0.1:.../ws in ... ms").fullmatch(
        "pong from ws://127.0.0.1:8002/ws in 1.2 ms"
    )
    assert _line_pattern("A  B").fullmatch("A        B")
    assert not _line_pattern("camera0  CONNECTED").fullmatch("camera0  DISCONNECTED")
    assert transcript("$ a b\nout\n$ echo $?\n0") == [
        (["a", "b"], ["out"]),
        (["echo", "$?"], ["0"]),
    ]


@pytest.mark.parametrize("block", CONSOLE_BLOCKS, ids=[b.id for b in CONSOLE_BLOCKS])
def test_console_transcript_replays(
    block: Block, tmp_path: Path, camera_service_factory: Callable[..., Any]
) -> None:
    service = camera_service_factory(dialect="current")
    env = _clean_env()
    env["MEDIAMTX_URL"] = service.url
    env["MEDIAMTX_AUTH_TOKEN"] = service.token("operator")
    steps = transcript(block.body)
    last_code: int | None = None
    for index, (words, expected) in enumerate(steps):
        if words == ["echo", "$?"]:
            actual = [str(last_code)]
        else:
            assert words[0] == "mediamtx-camera", f"{block.id}: only mediamtx-camera runs"
            result = subprocess.run(
                [sys.executable, "-m", "mediamtx_camera_sdk", *words[1:]],
                cwd=tmp_path,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,  # a transcript shows both, in order
                text=True,
                timeout=SUBPROCESS_TIMEOUT,
                check=False,
            )
            last_code = result.returncode
            actual = result.stdout.splitlines()
            # A command whose exit status the transcript does not show must succeed.
            status_shown = index + 1 < len(steps) and steps[index + 1][0] == ["echo", "$?"]
            assert status_shown or last_code == 0, (
                f"{block.id}: {words} exited with {last_code}:\n{result.stdout}"
            )
        shown = "\n".join(actual)
        assert len(actual) == len(expected), f"{block.id}: {words} printed:\n{shown}"
        for want, got in zip(expected, actual, strict=True):
            assert _line_pattern(want).fullmatch(got), f"{block.id}: {got!r} is not {want!r}"


def test_shell_commands_parse() -> None:
    parser = cli.build_parser()
    checked = 0
    for block in SHELL_BLOCKS:
        for line in block.body.splitlines():
            line = line.split("#", 1)[0].strip()
            for command in re.split(r"&&|;", line):
                words = shlex.split(command)
                if words[:1] == ["mediamtx-camera"]:
                    parser.parse_args(words[1:])  # SystemExit on a bad command line
                    checked += 1
    assert checked >= 3


def test_readme_links_to_the_docs_pages() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Documentation", 1)[1].split("\n## ", 1)[0]
    links = re.findall(r"\]\((docs/[^)#]+)\)", section)
    assert len(links) >= 12
    for link in links:
        assert (ROOT / link).is_file(), link
    nav = nav_files()
    for link in links:
        assert link.removeprefix("docs/") in nav, f"{link} is not in the site's nav"


def nav_files() -> set[str]:
    """The pages of the site's nav: mkdocs.yml's, plus those the hook adds once they exist."""
    import yaml  # type: ignore[import-untyped]  # comes with mkdocs

    def walk(item: Any) -> Iterator[str]:
        if isinstance(item, str):
            yield item
        elif isinstance(item, list):
            for child in item:
                yield from walk(child)
        elif isinstance(item, dict):
            for child in item.values():
                yield from walk(child)

    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    expected = {file for _, _, file in _load_tooling("hooks").EXPECTED_PAGES}
    return set(walk(config["nav"])) | {f for f in expected if (DOCS / f).is_file()}


def test_every_page_is_in_the_nav() -> None:
    pages = {str(p.relative_to(DOCS)) for p in PAGES}
    assert pages - nav_files() == set(), "pages missing from mkdocs.yml's nav"


def test_getting_started_has_the_readme_commands() -> None:
    def bash_blocks(text: str) -> list[str]:
        return [m.group(1).strip() for m in re.finditer(r"```bash\n(.*?)```", text, re.S)]

    readme = bash_blocks((ROOT / "README.md").read_text(encoding="utf-8"))
    assert bash_blocks(page_text("getting-started.md"))[:2] == readme[:2]


# --------------------------------------------------------------------------- tables


def test_error_tree_matches_the_class_hierarchy() -> None:
    text = page_text("errors.md")
    tree = text.split("## The tree", 1)[1].split("```text\n", 1)[1].split("```", 1)[0]
    parents: dict[int, str] = {}
    seen = []
    for line in tree.splitlines():
        match = re.match(r"^([│├└─ ]*)(\w+)", line)
        assert match, line
        depth, name = len(match.group(1)) // 4, match.group(2)
        cls = getattr(errors, name)
        if depth:
            assert cls.__bases__[0] is getattr(errors, parents[depth - 1]), name
        parents[depth] = name
        seen.append(name)
    exceptions = {n for n in errors.__all__ if isinstance(getattr(errors, n), type)}
    assert set(seen) == exceptions
    assert len(seen) == len(set(seen))


def _expected_codes(cls: type[errors.RpcError], dialect: errors.Dialect) -> set[int]:
    """The codes that raise exactly ``cls`` on ``dialect``, with the data refinements."""
    probes: list[dict[str, str] | None] = [None, {"resource": "camera"}, {"state": "RECORDING"}]
    return {
        code
        for code in errors.CODE_TABLES[dialect]
        for data in probes
        if type(errors.error_for_code(code, "m", data, dialect=dialect)) is cls
    }


def test_error_code_table_matches_the_code_tables() -> None:
    rows = table_rows(page_text("errors.md"), "| exception | current service |")
    documented = {row[0].strip("`"): row for row in rows}
    rpc_errors = {
        n for n in errors.__all__ if isinstance(getattr(errors, n), type) and n != "RpcError"
    }
    rpc_errors = {n for n in rpc_errors if issubclass(getattr(errors, n), errors.RpcError)}
    assert set(documented) == rpc_errors | {"RpcError"}
    for name in rpc_errors:
        row = documented[name]
        for column, dialect in enumerate(errors.DIALECTS, start=1):  # current, legacy
            codes = {int(c) for c in re.findall(r"-\d+", row[column])}
            assert codes == _expected_codes(getattr(errors, name), dialect), (name, dialect)
    assert "any other code" in documented["RpcError"][1]
    # The refinements documented are the ones error_for_code applies.
    assert "`data.resource` `camera`" in documented["CameraNotFoundError"][1]
    assert "`data.state` `RECORDING`" in documented["RecordingInProgressError"][1]


def test_call_table_matches_the_method_table() -> None:
    rows = table_rows(page_text("generations.md"), "| method | returns |")
    by_name = {re.match(r"`(\w+)\(", row[0]).group(1): row for row in rows}  # type: ignore[union-attr]
    generated = {n: s for n, s in METHODS.items() if s.generate}
    assert set(by_name) == set(generated)
    for name, spec in generated.items():
        method, returns, role, legacy = by_name[name]
        signature = ", ".join(p.name + ("" if p.required else "?") for p in spec.params)
        assert method == f"`{name}({signature})`", name
        result = spec.result.__name__ if isinstance(spec.result, type) else str(spec.result)
        assert returns.strip("`") == result.replace("mediamtx_camera_sdk.models.", ""), name
        assert role == (spec.role or "none"), name
        if "legacy" in spec.dialects:
            assert legacy == (spec.legacy_role or "none"), name
        else:
            assert legacy == "no", name
    counts = {
        d: sum(1 for s in METHODS.values() if d in s.dialects and not s.alias_of)
        for d in ("current", "legacy")
    }
    text = page_text("generations.md")
    assert f"with {counts['current']} calls" in text
    assert f"with the {counts['legacy']} calls" in text


@pytest.mark.parametrize("client", [sdk.CameraClient, sdk.SyncCameraClient])
def test_constructor_and_settings_table_match_the_signature(client: type) -> None:
    text = page_text("configuration.md")
    listing = text.split("## Every setting", 1)[1].split("```text\n", 1)[1].split("```", 1)[0]
    assert listing.startswith("CameraClient(")
    documented = re.findall(r"(\w+)=([^,)]+|\d+ MiB)", listing)
    parameters = list(inspect.signature(client).parameters.values())
    assert [name for name, _ in documented] == [p.name for p in parameters]
    for (name, default), parameter in zip(documented, parameters, strict=True):
        if default.endswith(" MiB"):
            assert parameter.default == int(default.split()[0]) * 1024 * 1024, name
        else:
            assert ast.literal_eval(default) == parameter.default, name
    positional = listing.split("*,")[0]
    for parameter in parameters:
        in_front = f"{parameter.name}=" in positional
        assert in_front == (parameter.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD)
    rows = table_rows(text, "| setting |")
    in_table = {name for row in rows for name in re.findall(r"`(\w+)`", row[0])}
    assert in_table == {p.name for p in parameters}


def test_environment_table_lists_every_variable() -> None:
    rows = table_rows(page_text("configuration.md"), "| variable |")
    assert [row[0].strip("`") for row in rows] == list(config.ENV_VARS)


def test_exit_code_table_matches_the_cli() -> None:
    rows = table_rows(page_text("cli.md"), "| exit code |")
    documented = {int(row[0]): set(re.findall(r"`(\w+)`", row[2])) for row in rows}
    expected: dict[int, set[str]] = {0: set(), cli.EXIT_INTERRUPTED: set()}
    for cls, code in cli.EXIT_CODES:
        expected.setdefault(code, set()).add(cls.__name__)
    assert documented == expected


# --------------------------------------------------------------------------- (c) the build


def _load_tooling(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        f"docs_tooling_{name}", DOCS / "_tooling" / f"{name}.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_rst_roles_become_markdown() -> None:
    markdown = _load_tooling("griffe_rst").markdownify
    assert markdown("see :class:`~mediamtx_camera_sdk.errors.ConnectionError`.") == (
        "see `ConnectionError`."
    )
    assert (
        markdown("raises :exc:`ValueError` (:meth:`Foo.bar`)") == "raises `ValueError` (`Foo.bar`)"
    )
    assert markdown("the tree::\n\n    A\n") == "the tree:\n\n    A\n"
    assert markdown("Args:\n    x: a thing") == "Args:\n    x: a thing"


def test_raises_entries_naming_two_exceptions_are_split() -> None:
    split = _load_tooling("griffe_rst").split_raises
    text = (
        "Fetch it.\n\nRaises:\n"
        "    NotFoundError: no such file. AuthenticationError: credentials refused.\n"
        "    ConnectionError: the download failed;\n"
        "        a retry may help. ValueError: quoted, not an entry.\n"
        "\nReturns:\n    The path. ValueError: left alone.\n"
    )
    assert split(text) == (
        "Fetch it.\n\nRaises:\n"
        "    NotFoundError: no such file.\n"
        "    AuthenticationError: credentials refused.\n"
        "    ConnectionError: the download failed;\n"
        "        a retry may help. ValueError: quoted, not an entry.\n"
        "\nReturns:\n    The path. ValueError: left alone.\n"
    )


def test_runtime_defaults_shows_plain_values() -> None:
    defaults = _load_tooling("griffe_defaults")
    assert defaults.plain_repr(config.DEFAULT_HOST) == "'localhost'"
    assert defaults.plain_repr(config.DEFAULT_PORT) == "8080"
    assert defaults.plain_repr(True) == "True"
    assert defaults.plain_repr(None) == "None"
    assert defaults.plain_repr(object()) is None


def test_benchmark_hook_copies_the_latest_section(tmp_path: Path) -> None:
    hooks = _load_tooling("hooks")
    page = f"# Performance\n\n## Latest results\n\n{hooks.LATEST}\n\n## How\n\n{hooks.METHOD}\n"
    readme = tmp_path / "README.md"
    assert "does not exist" in hooks.fill(page, readme)
    readme.write_text(
        "# Benchmarks\n\nRun `run.py`.\n\n```bash\n# not a heading\n```\n\n"
        "## Method\n\nHow.\n\n## Latest full run\n\n(to be filled in)\n\n## After\n\nx\n"
    )
    filled = hooks.fill(page, readme)
    assert "No results recorded yet" in filled
    assert "Run `run.py`." in filled and "### Method" in filled and "# not a heading" in filled
    assert "# Benchmarks" not in filled and "## After" not in filled
    readme.write_text(
        "# Benchmarks\n\n## Latest full run\n\n### ping\n\n| client | µs |\n|---|---|\n"
        "| sync | 42 |\n\n## Older\n\n| client | µs |\n|---|---|\n| sync | 99 |\n"
    )
    filled = hooks.fill(page, readme)
    assert "| sync | 42 |" in filled and "#### ping" in filled
    assert "| sync | 99 |" not in filled


def test_expected_pages_join_the_nav_once_they_exist(tmp_path: Path) -> None:
    hooks = _load_tooling("hooks")
    nav: list[Any] = [{"Home": "index.md"}, {"Quality": [{"Performance": "performance.md"}]}]
    assert hooks.add_expected_pages(nav, tmp_path) == []
    (tmp_path / "reliability.md").write_text("# Reliability\n")
    assert hooks.add_expected_pages(nav, tmp_path) == ["reliability.md"]
    assert nav[1] == {
        "Quality": [{"Performance": "performance.md"}, {"Reliability": "reliability.md"}]
    }
    assert hooks.add_expected_pages(nav, tmp_path) == []  # not twice


def read_inventory(path: Path) -> set[str]:
    """The object names of a Sphinx ``objects.inv`` (version 2) that mkdocstrings writes."""
    data = path.read_bytes()
    header_end = 0
    for _ in range(4):
        header_end = data.index(b"\n", header_end) + 1
    lines = zlib.decompress(data[header_end:]).decode("utf-8").splitlines()
    return {line.split(" ", 1)[0] for line in lines if line}


@pytest.fixture(scope="module", autouse=True)
def site_build(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[subprocess.Popen[str], Path]]:
    """Start building the site the way ``nox -s docs`` does, as soon as this module runs.

    The build takes a while and needs no emulator, so it runs in its own process
    while the examples run; the tests that look at the site wait for it.
    """
    out = tmp_path_factory.mktemp("site")
    with subprocess.Popen(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", "mkdocs.yml", "-d", str(out)],
        cwd=ROOT,
        env=dict(os.environ, NO_MKDOCS_2_WARNING="1"),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    ) as build:
        try:
            yield build, out
        finally:
            if build.poll() is None:  # the site tests were not selected
                build.kill()
            build.communicate()


@pytest.fixture(scope="module")
def site(site_build: tuple[subprocess.Popen[str], Path]) -> Path:
    """The built site (fails when the strict build does)."""
    build, out = site_build
    log, _ = build.communicate(timeout=300)
    assert build.returncode == 0, log
    assert "WARNING" not in log, log
    return out


def test_strict_build_succeeds(site: Path) -> None:
    assert (site / "index.html").is_file()
    assert (site / "reference" / "clients" / "index.html").is_file()


def test_reference_covers_every_public_name(site: Path) -> None:
    inventory = read_inventory(site / "objects.inv")
    missing = []
    for name, obj in documented_objects().items():
        module = getattr(obj, "__module__", "") or ""
        canonical = f"{module}.{getattr(obj, '__qualname__', '')}"
        if name not in inventory and canonical not in inventory:
            missing.append(name)
    assert missing == [], f"not in the API reference: {missing}"
    assert "mediamtx_camera_sdk.CameraClient.take_snapshot" in inventory


def test_performance_page_shows_the_benchmark_readme(site: Path) -> None:
    html = (site / "performance" / "index.html").read_text(encoding="utf-8")
    assert "benchmarks:latest" not in html and "benchmarks:method" not in html
    readme = ROOT / "benchmarks" / "README.md"
    if readme.is_file():
        hooks = _load_tooling("hooks")
        _method, latest = hooks.split_readme(readme.read_text(encoding="utf-8"))
        assert latest is not None, "benchmarks/README.md lost its 'Latest ...' section"
        # Every results row of the latest run is on the page (cells as rendered text).
        for row in latest.splitlines():
            cells = [c.strip() for c in row.strip().strip("|").split("|")]
            if row.startswith("|") and not set("".join(cells)) <= set("-: "):
                for cell in cells:
                    plain = re.sub(r"[`*]", "", cell)
                    assert plain.replace("&", "&amp;") in html, plain


def test_reference_shows_default_values_and_one_exception_per_raises_row(site: Path) -> None:
    for page in ("clients", "config", "testing"):
        html = (site / "reference" / page / "index.html").read_text(encoding="utf-8")
        text = re.sub(r"<[^>]+>", "", html)
        # Signatures show values, not the constants that hold them.
        assert not re.search(r"= DEFAULT_[A-Z_]+", text), page
        for section in re.findall(r"Raises:</span>(.*?)</table>", html, re.S):
            for row in re.findall(r"<tr.*?</tr>", section, re.S)[1:]:
                cells = re.findall(r"<td.*?</td>", row, re.S)
                description = re.sub(r"<[^>]+>", " ", cells[-1]) if cells else ""
                assert not re.search(r"\b[A-Z]\w*Error:", description), (page, description)
    clients = (site / "reference" / "clients" / "index.html").read_text(encoding="utf-8")
    assert "8080" in re.sub(r"<[^>]+>", "", clients)
