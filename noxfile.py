"""Every project task is a nox session. `python -m nox` runs the whole test suite (the default sessions)."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import nox

ROOT = Path(__file__).parent
NODE_RUNNER = ROOT / "tests" / "contract" / "node"

nox.options.default_venv_backend = "venv"
nox.options.error_on_missing_interpreters = True


def _working_python(version: str) -> str | None:
    """An interpreter of `version` that runs (a pyenv shim without that version installed does not)."""
    pattern = os.path.expanduser(f"~/.pyenv/versions/{version}*/bin/python{version}")
    for candidate in [f"python{version}", *sorted(glob.glob(pattern))]:
        try:
            subprocess.run([candidate, "--version"], capture_output=True, check=True, timeout=30)
        except (OSError, subprocess.SubprocessError):
            continue
        return candidate
    return None


# The differential test needs Python 3.12 (exospherehost 0.0.3's minimum); it joins the default run when one runs.
PYTHON_312 = _working_python("3.12")
nox.options.sessions = ["drift", "lint", "typecheck", "tests", "contract", *(["differential"] if PYTHON_312 else [])]


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
    session.run("ruff", "check", "src", "tests", "codegen", "bench", "examples", "noxfile.py")
    session.run("ruff", "format", "--check", "src", "tests", "codegen", "bench", "examples", "noxfile.py")
    session.run("python", "codegen/generate.py", "--lint")


@nox.session
def typecheck(session: nox.Session) -> None:
    """mypy --strict and pyright (strict) over src/ and generated/."""
    session.install("-e", ".[typecheck]")
    session.run("mypy", "src", "generated")
    session.run("pyright")


@nox.session
def demo(session: nox.Session) -> None:
    """The main job (the README's first command): local Waygrid and Exosphere servers, and both SDKs' documented
    examples run against them over HTTP (examples/); fails if any step fails."""
    session.install("-e", ".[pydantic]")  # the demo's DataLoaderNode is written as for 0.0.3, with pydantic
    session.run("python", "examples/demo.py")


@nox.session
def tests(session: nox.Session) -> None:
    """The pytest suite: unit, snapshot, codegen and the Python contract-vector runner."""
    session.install("-e", ".[test,codegen]")
    session.run("pytest", *session.posargs)


SUPPORTED = ("3.10", "3.11", "3.12", "3.13")
# Each supported Python found as the differential session finds 3.12 (on PATH, else installed by pyenv).
INSTALLED = [python for python in map(_working_python, SUPPORTED) if python is not None]


@nox.session(python=INSTALLED or list(SUPPORTED))
def tests_all(session: nox.Session) -> None:
    """The pytest suite on every supported Python installed here (not in the default run)."""
    session.install("-e", ".[test,codegen]")
    session.run("pytest", *session.posargs)


@nox.session
def contract(session: nox.Session) -> None:
    """Cross-language contract vectors: the Python runner (msgspec + jsonschema) and the Node.js runner (ajv); and
    ajv as a second validator of the agreement check's instances (tests/agreement/export.py, agreement.mjs)."""
    session.install("-e", ".[test]")
    session.run("pytest", "tests/contract", "-q")
    npm = shutil.which("npm")
    if npm is None:
        session.error("npm is required for the Node.js contract runner (install Node.js 20 or newer)")
    session.run(npm, "ci", "--no-audit", "--no-fund", "--prefix", str(NODE_RUNNER), external=True)
    session.run("node", str(NODE_RUNNER / "run-vectors.mjs"), external=True)
    # ajv as the agreement check's second validator: the check's instances, with the model's verdicts, re-validated.
    # (Not session.create_tmp(): it points TMPDIR into the repository, where the recipe check refuses to run.)
    instances = Path(tempfile.mkdtemp(prefix="agreement-")) / "instances.json"
    session.run("python", "tests/agreement/export.py", str(instances))
    session.run("node", str(NODE_RUNNER / "agreement.mjs"), str(instances), external=True)
    # The documented recipe alone validates every vector: spec/ copied to an empty folder outside the repository.
    session.run("python", "tests/contract/recipe/check_recipe.py")


@nox.session
def bench(session: nox.Session) -> None:
    """Benchmarks side by side (bench/run.py): writes docs/benchmarks.md and docs/benchmarks.png and fails when a
    target is missed; not in the default run. exospherehost 0.0.3 joins when Python 3.12 is available for it.
    `-- --quick` runs the small sizes only."""
    session.install("-e", ".[bench,codegen]")
    env: dict[str, str] = {}
    if PYTHON_312:
        env["ORIGINAL_PYTHON"] = _original_exospherehost(session)
    session.run("python", "bench/run.py", *session.posargs, env=env)


def _original_exospherehost(session: nox.Session) -> str:
    """A Python 3.12 environment holding exospherehost 0.0.3 only; the path of its interpreter."""
    assert PYTHON_312 is not None
    original = Path(session.create_tmp()) / "exospherehost-0.0.3"
    session.run(PYTHON_312, "-m", "venv", "--clear", str(original), external=True)
    python = original / "bin" / "python"
    session.run(str(python), "-m", "pip", "install", "--quiet", "exospherehost==0.0.3", external=True)
    return str(python)


@nox.session(python=PYTHON_312 or "3.12")
def differential(session: nox.Session) -> None:
    """exospherehost 0.0.3 (in its own Python 3.12 environment) and this SDK send the same requests."""
    session.install("-e", ".[test]")
    original_python = _original_exospherehost(session)
    session.run("pytest", "tests/exosphere_sdk/differential", "-q", env={"ORIGINAL_PYTHON": original_python})
