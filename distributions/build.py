"""Build the published distributions (wheels, and sdists with --sdist) into one folder.

    python distributions/build.py [--out dist] [--sdist] [--no-isolation] [NAME ...]

Each folder of distributions/ holding a pyproject.toml is one distribution (NAME is the folder's name:
workflow-sdk-core, waygrid-sdk, exospherehost). Nothing is copied into the repository: for each distribution this
script makes a build directory in a temporary folder holding that pyproject.toml and README.md, the root LICENSE,
distributions/hatch_build.py, a VERSION file (`[project].version` of the root pyproject.toml, the one place the
version is written) and the package trees the pyproject's `[tool.hatch.build.targets.wheel].packages` names, copied
from the repository at the same paths (`src/waygrid`, `generated/waygrid_api`, ...). hatchling then builds there, so
every wheel and sdist is an ordinary self-contained hatchling build (an sdist builds its wheel again with pip).

The backend (BACKEND below, the `[build-system].requires` of every distribution) is installed with pip into a
temporary folder, like `python -m build` does, unless --no-isolation says to use the one this Python already has.
Standard library only otherwise (tomllib; on Python 3.10 the tomli that hatchling brings).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BACKEND = ["hatchling>=1.27"]
_SKIPPED = shutil.ignore_patterns("__pycache__", "*.py[co]", ".*")


def distributions() -> dict[str, Path]:
    """Each distribution's folder under distributions/, by the folder's name."""
    return {path.parent.name: path.parent for path in sorted(HERE.glob("*/pyproject.toml"))}


def _toml() -> Any:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # hatchling's own dependency there
        import tomli as tomllib
    return tomllib


def _load(path: Path) -> dict[str, Any]:
    with path.open("rb") as file:
        loaded: dict[str, Any] = _toml().load(file)
    return loaded


def workspace_version() -> str:
    """The root pyproject.toml's `[project].version`: every distribution's version."""
    version = _load(ROOT / "pyproject.toml")["project"]["version"]
    if not isinstance(version, str) or not version:
        raise SystemExit("pyproject.toml: [project].version must be a static string")
    return version


def packages(config: dict[str, Any]) -> list[str]:
    """The package trees (repository paths) a distribution's wheel carries."""
    listed = config.get("tool", {}).get("hatch", {}).get("build", {}).get("targets", {}).get("wheel", {})
    return list(listed.get("packages", []))


def install_backend(folder: Path) -> None:
    """BACKEND installed with pip into `folder` (used on PYTHONPATH), as an isolated build does."""
    command = [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
               "--no-warn-script-location", "--target", str(folder), *BACKEND]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    if done.returncode != 0:
        raise SystemExit(f"cannot install the build backend ({' '.join(BACKEND)}):\n{done.stdout}{done.stderr}")


def stage(name: str, folder: Path, version: str, into: Path) -> Path:
    """The self-contained build directory of the distribution in `folder`, made under `into`."""
    config = _load(folder / "pyproject.toml")
    requires = config.get("build-system", {}).get("requires")
    if requires != BACKEND:
        raise SystemExit(f"{folder}/pyproject.toml: [build-system].requires must be {BACKEND} (build.py installs it)")
    trees = packages(config)
    if not trees:
        raise SystemExit(f"{folder}/pyproject.toml names no [tool.hatch.build.targets.wheel].packages")
    build_dir = into / name
    build_dir.mkdir(parents=True)
    for file in ("pyproject.toml", "README.md"):
        shutil.copy2(folder / file, build_dir / file)
    shutil.copy2(ROOT / "LICENSE", build_dir / "LICENSE")
    shutil.copy2(HERE / "hatch_build.py", build_dir / "hatch_build.py")
    (build_dir / "VERSION").write_text(version + "\n", encoding="utf-8")
    for tree in trees:
        source = ROOT / tree
        if not (source / "__init__.py").is_file():
            raise SystemExit(f"{folder.name}: {tree} is not a package of the repository")
        if not (source / "py.typed").is_file():
            raise SystemExit(f"{folder.name}: {tree}/py.typed is missing (every package ships typed)")
        shutil.copytree(source, build_dir / tree, ignore=_SKIPPED)
    return build_dir


def run_backend(build_dir: Path, kind: str, out: Path, backend: Path | None) -> Path:
    """hatchling's PEP 517 hook `build_<kind>` run in `build_dir`; the path of the file it made in `out`."""
    env = dict(os.environ)
    if backend is not None:  # isolated: the installed backend only (without --no-isolation, PYTHONPATH stays)
        env["PYTHONPATH"] = str(backend)
    script = f"import sys, hatchling.build as backend; print(backend.build_{kind}(sys.argv[1]))"
    done = subprocess.run([sys.executable, "-c", script, str(out)], cwd=build_dir, env=env, capture_output=True,
                          text=True, timeout=300, check=False)  # fmt: skip
    if done.returncode != 0:
        raise SystemExit(f"hatchling could not build the {kind} of {build_dir.name}:\n{done.stdout}{done.stderr}")
    return out / done.stdout.strip().splitlines()[-1]


def build(out: Path, names: list[str] | None = None, *, sdist: bool = False, isolation: bool = True) -> list[Path]:
    """Build the wheels (and sdists) of the named distributions (default: all) into `out`; the files made."""
    out = out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="distributions-") as scratch:
        backend: Path | None = None
        if isolation:
            backend = Path(scratch, "backend")
            install_backend(backend)
        elif importlib.util.find_spec("hatchling") is None:
            raise SystemExit(f"--no-isolation: this Python has no hatchling (install {' '.join(BACKEND)})")
        if backend is not None:
            try:
                _toml()
            except ModuleNotFoundError:
                sys.path.insert(0, str(backend))
        available = distributions()
        unknown = sorted(set(names or ()) - set(available))
        if unknown:
            raise SystemExit(f"unknown distribution(s) {', '.join(unknown)}; known: {', '.join(available)}")
        version = workspace_version()
        made: list[Path] = []
        for name in names or list(available):
            build_dir = stage(name, available[name], version, Path(scratch, "stage"))
            made.append(run_backend(build_dir, "wheel", out, backend))
            if sdist:
                made.append(run_backend(build_dir, "sdist", out, backend))
    return made


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", metavar="NAME", help=f"distributions to build (default: all: "
                        f"{', '.join(distributions())})")  # fmt: skip
    parser.add_argument("--out", type=Path, default=ROOT / "dist", help="folder for the files (default: dist/)")
    parser.add_argument("--sdist", action="store_true", help="build the sdists too")
    parser.add_argument("--no-isolation", action="store_true",
                        help=f"use the hatchling this Python imports (PYTHONPATH included) instead of installing "
                        f"{' '.join(BACKEND)}")  # fmt: skip
    options = parser.parse_args(argv)
    for path in build(options.out, options.names, sdist=options.sdist, isolation=not options.no_isolation):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
