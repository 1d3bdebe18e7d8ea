"""Developer sessions: ``nox -s tests``, ``lint``, ``typecheck``, ``wheel``, ``bench``, ``docs``."""

from __future__ import annotations

import nox

nox.options.sessions = ["lint", "typecheck", "tests"]
nox.options.reuse_existing_virtualenvs = True


@nox.session
def tests(session: nox.Session) -> None:
    """The whole test suite, as .ci/run runs it."""
    session.install("-e", ".[dev]")
    session.run("pytest", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    """ruff lint and format check on the sources and tests."""
    session.install("ruff")
    session.run("ruff", "check", "src", "tests")
    session.run("ruff", "format", "--check", "src", "tests")


@nox.session
def typecheck(session: nox.Session) -> None:
    """mypy --strict on the package."""
    session.install("-e", ".[dev]")
    session.run("mypy", "--strict", "src")


@nox.session
def wheel(session: nox.Session) -> None:
    """Build the sdist and wheel, install the wheel alone and import it."""
    session.install("build")
    session.run("python", "-m", "build", "--outdir", "dist")
    wheels = sorted(__import__("glob").glob("dist/mediamtx_camera_sdk-*.whl"))
    session.install(wheels[-1])
    session.run("python", "-c", "import mediamtx_camera_sdk as m; print(m.__version__)")


@nox.session
def bench(session: nox.Session) -> None:
    """The benchmarks: the SDK's clients beside the raw ones and the peer SDK (``-- --quick``).

    The ``bench`` extra brings picows and jsonrpc-websocket, which a full run needs.
    """
    session.install("-e", ".[bench]")
    session.run("python", "benchmarks/run.py", *session.posargs)


@nox.session
def soak(session: nox.Session) -> None:
    """The soak: 8 clients under random faults for 10 minutes (``nox -s soak -- --duration 60``).

    Prints calls, failures by type, reconnects, the longest wait and leaks;
    fails on an unexpected exception, a hang or a leak (see docs/reliability.md).
    """
    session.install("-e", ".[dev]")
    session.run("python", "tools/soak.py", *session.posargs)
    # The lifecycle state machines with their large budget (docs/reliability.md).
    session.run(
        "pytest",
        "tests/lifecycle/test_lifecycle_state_machine.py",
        env={"MEDIAMTX_SOAK": "1"},
    )


@nox.session
def docs(session: nox.Session) -> None:
    """Build the documentation site in strict mode (any warning fails) into ``build/site/``.

    ``nox -s docs -- serve`` serves it with live reload instead.
    """
    session.install("-e", ".[docs]")
    session.env["NO_MKDOCS_2_WARNING"] = "1"  # the theme's end-of-life banner
    if session.posargs[:1] == ["serve"]:
        session.run("mkdocs", "serve", *session.posargs[1:])
    else:
        session.run("mkdocs", "build", "--strict", *session.posargs)
