"""Every project task is a nox session. `python -m nox` runs the whole test suite (the default sessions)."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import nox

ROOT = Path(__file__).parent
NODE_RUNNER = ROOT / "tests" / "contract" / "node"

# uv makes an environment in seconds where venv + pip take a minute; without uv (not installed beside nox), venv.
nox.options.default_venv_backend = "uv|venv"
nox.options.error_on_missing_interpreters = True
# pytest on every core (pytest-xdist); work stealing keeps both cores busy until the slowest tests end.
# `-- -n 0` runs serially: a later -n wins.
PARALLEL = ["-n", "auto", "--dist", "worksteal"]


def _uv() -> str | None:
    """The uv beside nox (`pip install uv`), else on PATH."""
    try:
        import uv

        return str(uv.find_uv_bin())
    except (ImportError, FileNotFoundError):
        return shutil.which("uv")


# An environment uv makes has no pip unless seeded; venv's has (some tests run `python -m pip`).
SEED_PIP = ["--seed"] if _uv() else []
# uv installs no bytecode unless told, as pip does: with PYTHONDONTWRITEBYTECODE set (as on CI) every process of the
# suite would compile its imports again (~20 s of CPU over the suite; aiohttp's import alone ~0.3 s more).
os.environ.setdefault("UV_COMPILE_BYTECODE", "1")


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


def _environment(session: nox.Session, location: Path, python: str, *requirements: str) -> Path:
    """A fresh environment at `location` for `python` holding `requirements`; the path of its interpreter."""
    uv = _uv()
    interpreter = location / "bin" / "python"
    if uv is not None:
        session.run(uv, "venv", "--quiet", "--clear", *SEED_PIP, "--python", python, str(location), external=True)
        session.run(uv, "pip", "install", "--quiet", "--python", str(interpreter), *requirements, external=True)
    else:
        session.run(python, "-m", "venv", "--clear", str(location), external=True)
        session.run(str(interpreter), "-m", "pip", "install", "--quiet", *requirements, external=True)
    return interpreter


# drift, lint, typecheck, tests and contract need the same packages: they share one environment (.nox/_shared),
# made once per nox run, by the first of them that runs (each still runs alone: `nox -s lint`).
SHARED = ("-e", ".[test,codegen,typecheck]")
_shared_made: set[Path] = set()


def _shared(session: nox.Session) -> Callable[..., Any]:
    """`session.run` in the shared environment: a command is looked up in its bin/ first, as in a session's own."""
    location = session.env_dir.parent / "_shared"
    if location not in _shared_made:
        _environment(session, location, sys.executable, *SHARED)
        _shared_made.add(location)
    bin_dir = location / "bin"
    env = {"VIRTUAL_ENV": str(location), "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}

    def run(program: str, *args: str, **kwargs: Any) -> Any:
        command = bin_dir / program
        return session.run(str(command) if command.exists() else program, *args, env={**env, **kwargs.pop("env", {})},
                           external=True, **kwargs)  # fmt: skip

    return run


@nox.session
def codegen(session: nox.Session) -> None:
    """Regenerate generated/ from spec/ (`-- --check` only reports drift)."""
    session.install("-e", ".[codegen]")
    session.run("python", "codegen/generate.py", *session.posargs)


@nox.session(venv_backend="none")
def drift(session: nox.Session) -> None:
    """Fail when generated/ is not what codegen makes of spec/ today."""
    run = _shared(session)
    run("python", "codegen/generate.py", "--check")


@nox.session(venv_backend="none")
def lint(session: nox.Session) -> None:
    """ruff on the hand-written code; generated/ is checked by the same ruff with the codegen's own settings."""
    run = _shared(session)
    run("ruff", "check", "src", "tests", "codegen", "bench", "examples", "distributions", "tools", "noxfile.py")
    run(
        "ruff",
        "format",
        "--check",
        "src",
        "tests",
        "codegen",
        "bench",
        "examples",
        "distributions",
        "tools",
        "noxfile.py",
    )
    run("python", "codegen/generate.py", "--lint")


@nox.session(venv_backend="none")
def typecheck(session: nox.Session) -> None:
    """mypy --strict and pyright (strict) over src/ and generated/."""
    run = _shared(session)
    run("mypy", "src", "generated")
    run("pyright")


@nox.session
def demo(session: nox.Session) -> None:
    """The main job (the README's first command): local Waygrid and Exosphere servers, and both SDKs' documented
    examples run against them over HTTP (examples/); fails if any step fails."""
    session.install("-e", ".[pydantic]")  # the demo's DataLoaderNode is written as for 0.0.3, with pydantic
    session.run("python", "examples/demo.py")


# Set when `tests` ran the whole suite and passed in this nox run: tests/contract was part of it.
_whole_suite_passed: list[bool] = []


@nox.session(venv_backend="none")
def tests(session: nox.Session) -> None:
    """The pytest suite: unit, snapshot, codegen and the Python contract-vector runner (in parallel)."""
    run = _shared(session)
    run("pytest", *PARALLEL, *session.posargs)
    if not session.posargs:
        _whole_suite_passed.append(True)


SUPPORTED = ("3.10", "3.11", "3.12", "3.13")
# Each supported Python found as the differential session finds 3.12 (on PATH, else installed by pyenv).
INSTALLED = [python for python in map(_working_python, SUPPORTED) if python is not None]


@nox.session(python=INSTALLED or list(SUPPORTED), venv_params=SEED_PIP)
def tests_all(session: nox.Session) -> None:
    """The pytest suite on every supported Python installed here (not in the default run)."""
    session.install("-e", ".[test,codegen]")
    session.run("pytest", *PARALLEL, *session.posargs)


@nox.session(venv_backend="none")
def contract(session: nox.Session) -> None:
    """Cross-language contract vectors: the Python runner (msgspec + jsonschema) and the Node.js runner (ajv); and
    ajv as a second validator of the agreement check's instances (tests/agreement/export.py, agreement.mjs).
    The Python runner (tests/contract) is skipped when `tests` has just passed the whole suite, which holds it."""
    run = _shared(session)
    if _whole_suite_passed:
        session.log("tests/contract: passed in this run's tests session")
    else:
        run("pytest", "tests/contract", "-q", *PARALLEL)
    npm = shutil.which("npm")
    if npm is None:
        session.error("npm is required for the Node.js contract runner (install Node.js 20 or newer)")
    # --prefer-offline: ajv comes from npm's cache (~/.npm) when it holds the locked version, else from the registry.
    run(npm, "ci", "--no-audit", "--no-fund", "--prefer-offline", "--prefix", str(NODE_RUNNER))
    run("node", str(NODE_RUNNER / "run-vectors.mjs"))
    # ajv as the agreement check's second validator: the check's instances, with the model's verdicts, re-validated.
    # (Not session.create_tmp(): it points TMPDIR into the repository, where the recipe check refuses to run.)
    instances = Path(tempfile.mkdtemp(prefix="agreement-")) / "instances.json"
    run("python", "tests/agreement/export.py", str(instances))
    run("node", str(NODE_RUNNER / "agreement.mjs"), str(instances))
    # The documented recipe alone validates every vector: spec/ copied to an empty folder outside the repository.
    run("python", "tests/contract/recipe/check_recipe.py")


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
    return str(_environment(session, Path(session.create_tmp()) / "exospherehost-0.0.3", PYTHON_312,
                            "exospherehost==0.0.3"))  # fmt: skip


@nox.session(python=PYTHON_312 or "3.12", venv_params=SEED_PIP)
def differential(session: nox.Session) -> None:
    """exospherehost 0.0.3 (in its own Python 3.12 environment) and this SDK send the same requests."""
    session.install("-e", ".[test]")
    original_python = _original_exospherehost(session)
    session.run("pytest", "tests/exosphere_sdk/differential", "-q", *PARALLEL, env={"ORIGINAL_PYTHON": original_python})
