"""Every project task is a nox session. `python -m nox` runs the whole test suite (the default sessions)."""

from __future__ import annotations

import shutil
from pathlib import Path

import nox

ROOT = Path(__file__).parent
NODE_RUNNER = ROOT / "tests" / "contract" / "node"

nox.options.default_venv_backend = "venv"
nox.options.error_on_missing_interpreters = True
nox.options.sessions = ["drift", "lint", "typecheck", "tests", "contract"]


@nox.session
def codegen(session: nox.Session) -> None:
    """Regenerate generated/ from spec/ (`-- --check` only reports drift)."""
    session.install("-e", ".[codegen]")
    session.run("python", "codegen/generate.py", *session.posargs)


@nox.session
def drift(session: nox.Session) -> None:
    """Fail when generated/ is not what codegen makes of spec/ today."""
    session.install("-e", ".[codegen]")
    session.run("python", "codegen/generate.py", "--check")


@nox.session
def lint(session: nox.Session) -> None:
    """ruff on the hand-written code; generated/ is checked by the same ruff with the codegen's own settings."""
    session.install("-e", ".[codegen]")
    session.run("ruff", "check", "src", "tests", "codegen", "bench", "noxfile.py")
    session.run("ruff", "format", "--check", "src", "tests", "codegen", "bench", "noxfile.py")
    session.run("python", "codegen/generate.py", "--lint")


@nox.session
def typecheck(session: nox.Session) -> None:
    """mypy --strict and pyright (strict) over src/ and generated/."""
    session.install("-e", ".[typecheck]")
    session.run("mypy", "src", "generated")
    session.run("pyright")


@nox.session
def tests(session: nox.Session) -> None:
    """The pytest suite: unit, snapshot, codegen and the Python contract-vector runner."""
    session.install("-e", ".[test,codegen]")
    session.run("pytest", *session.posargs)


@nox.session(python=["3.10", "3.11", "3.12", "3.13"])
def tests_all(session: nox.Session) -> None:
    """The pytest suite on every supported Python (needs those interpreters on PATH; not in the default run)."""
    session.install("-e", ".[test,codegen]")
    session.run("pytest", *session.posargs)


@nox.session
def contract(session: nox.Session) -> None:
    """Cross-language contract vectors: the Python runner (msgspec + jsonschema) and the Node.js runner (ajv)."""
    session.install("-e", ".[test]")
    session.run("pytest", "tests/contract", "-q")
    npm = shutil.which("npm")
    if npm is None:
        session.error("npm is required for the Node.js contract runner (install Node.js 20 or newer)")
    session.run(npm, "ci", "--no-audit", "--no-fund", "--prefix", str(NODE_RUNNER), external=True)
    session.run("node", str(NODE_RUNNER / "run-vectors.mjs"), external=True)


@nox.session
def bench(session: nox.Session) -> None:
    """Benchmarks, each checked against its target (exit 1 on a miss); not in the default run."""
    session.install("-e", ".")
    session.run("python", "bench/waygrid_spec.py")
