"""The published distributions (distributions/): one per SDK on a shared core, each installable alone.

Without a package index: the import graph (each SDK's packages import only themselves and the core, the core only
itself) and the distributions' configuration. With one (pip's configured index: PyPI, or a mirror): every wheel is
built with distributions/build.py, its files and metadata are checked, and each SDK's wheel is installed with the
core's into an empty virtual environment of its own (dependencies from the index), where every module imports, the
other SDK is absent, the console command answers `--version` and the README's example runs.
"""

from __future__ import annotations

import ast
import email.parser
import os
import re
import subprocess
import sys
import venv
import zipfile
from pathlib import Path
from typing import Any

import pytest
from packaging.requirements import Requirement

if sys.version_info >= (3, 11):
    import tomllib
else:  # pytest's own dependency there
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
DISTRIBUTIONS = ROOT / "distributions"
CORE = "workflow-sdk-core"
SDKS = ("waygrid-sdk", "exospherehost")
# Each distribution's packages: import name -> the package's folder in the repository.
PACKAGES = {
    CORE: {"sdkcore": "src/sdkcore"},
    "waygrid-sdk": {"waygrid": "src/waygrid", "waygrid_api": "generated/waygrid_api"},
    "exospherehost": {"exospherehost": "src/exospherehost", "exosphere_api": "generated/exosphere_api"},
}
SCRIPTS = {"waygrid-sdk": "waygrid", "exospherehost": "exosphere"}
FIRST_PARTY = {name for packages in PACKAGES.values() for name in packages}
TIMEOUT = 300  # seconds, for any one pip or build command (they take a few)


def _toml(path: Path) -> dict[str, Any]:
    with path.open("rb") as file:
        loaded: dict[str, Any] = tomllib.load(file)
    return loaded


def _workspace() -> dict[str, Any]:
    project: dict[str, Any] = _toml(ROOT / "pyproject.toml")["project"]
    return project


def _requirements(entries: list[str]) -> set[str]:
    return {str(Requirement(entry)) for entry in entries}


def _package_files(folder: str) -> set[str]:
    """The files of a package of the repository that its wheel carries, as paths in the wheel."""
    base = ROOT / folder
    return {
        f"{base.name}/{path.relative_to(base).as_posix()}"
        for path in base.rglob("*")
        if path.is_file()
        and "__pycache__" not in path.parts
        and path.suffix not in {".pyc", ".pyo"}
        and not any(part.startswith(".") for part in path.relative_to(base).parts)
    }


def _imported_first_party(folder: str) -> dict[str, set[str]]:
    """First-party top-level packages the package's modules import (anywhere: in functions, under TYPE_CHECKING,
    or by name through importlib.import_module), each with the files that do."""
    found: dict[str, set[str]] = {}
    for path in sorted((ROOT / folder).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            elif isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) in {
                "import_module", "__import__", "find_spec"}:  # fmt: skip
                names = [arg.value for arg in node.args[:1] if isinstance(arg, ast.Constant)
                         and isinstance(arg.value, str)]  # fmt: skip
            for name in names:
                top = name.split(".")[0]
                if top in FIRST_PARTY:
                    found.setdefault(top, set()).add(str(path.relative_to(ROOT)))
    return found


@pytest.mark.parametrize("distribution", list(PACKAGES))
def test_import_graph(distribution: str) -> None:
    """An SDK's packages import only each other and the core; the core imports only itself."""
    allowed = set(PACKAGES[distribution]) | {"sdkcore"}
    for folder in PACKAGES[distribution].values():
        foreign = {top: files for top, files in _imported_first_party(folder).items() if top not in allowed}
        assert not foreign, f"{folder} imports packages of another distribution: {foreign}"


def test_distribution_configuration() -> None:
    """One folder per distribution, naming the packages above; the core's dependencies and the pydantic extra are
    the workspace's (root pyproject.toml); console commands as the root project declares them."""
    workspace = _workspace()
    folders = {path.parent.name for path in DISTRIBUTIONS.glob("*/pyproject.toml")}
    assert folders == set(PACKAGES)
    for distribution, packages in PACKAGES.items():
        config = _toml(DISTRIBUTIONS / distribution / "pyproject.toml")
        assert config["project"]["name"] == distribution
        assert config["tool"]["hatch"]["build"]["targets"]["wheel"]["packages"] == list(packages.values())
        assert (DISTRIBUTIONS / distribution / "README.md").is_file()
        if distribution in SCRIPTS:
            script = SCRIPTS[distribution]
            assert config["project"]["scripts"] == {script: workspace["scripts"][script]}
    core = _toml(DISTRIBUTIONS / CORE / "pyproject.toml")["project"]
    assert _requirements(core["dependencies"]) | EXOSPHERE_ONLY == _requirements(workspace["dependencies"])
    hook = _toml(DISTRIBUTIONS / "exospherehost" / "pyproject.toml")["tool"]["hatch"]["metadata"]["hooks"]["custom"]
    assert _requirements([entry for entry in hook["dependencies"] if not entry.startswith(CORE)]) == EXOSPHERE_ONLY
    exosphere = _toml(DISTRIBUTIONS / "exospherehost" / "pyproject.toml")["project"]
    pydantic = workspace["optional-dependencies"]["pydantic"]
    assert _requirements(exosphere["optional-dependencies"]["pydantic"]) == _requirements(pydantic)


# The workspace's dependencies that only the Exosphere SDK needs (cron triggers are judged by croniter).
EXOSPHERE_ONLY = {"croniter==6.0.0"}


# With a package index from here on.


QUIET = ["--quiet", "--disable-pip-version-check"]


def _run(command: list[str | Path], python_path: Path | None = None, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTHON")}
    if python_path is not None:
        env["PYTHONPATH"] = str(python_path)
    return subprocess.run([str(part) for part in command], capture_output=True, text=True, timeout=TIMEOUT,
                          check=False, env=env, **kwargs)  # fmt: skip


def _check(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 0, f"{' '.join(done.args)} failed ({done.returncode}):\n{done.stdout}{done.stderr}"
    return done.stdout


def _pip(*arguments: str | Path) -> list[str | Path]:
    return [sys.executable, "-m", "pip", *arguments[:1], *QUIET, *arguments[1:]]


@pytest.fixture(scope="module")
def wheelhouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The build backend and the workspace's runtime dependencies, downloaded once from pip's configured index
    (PyPI or a mirror); the builds and installs below take them from here, with no index. Skips when the index is
    unreachable."""
    folder = tmp_path_factory.mktemp("wheelhouse")
    backend = _toml(DISTRIBUTIONS / CORE / "pyproject.toml")["build-system"]["requires"]
    done = _run(_pip("download", "--dest", folder, *backend, *_workspace()["dependencies"]))
    if done.returncode != 0:
        probe = _run(_pip("download", "--no-deps", "--dest", tmp_path_factory.mktemp("probe"), "sniffio"))
        if probe.returncode != 0:
            last = (probe.stderr.strip().splitlines() or ["(no output)"])[-1]
            pytest.skip(f"the package index is unreachable (pip download sniffio: {last})")
        _check(done)
    return folder


@pytest.fixture(scope="module")
def wheels(wheelhouse: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every distribution's wheel, built by distributions/build.py with the backend from the wheelhouse."""
    backend = tmp_path_factory.mktemp("backend")
    requires = _toml(DISTRIBUTIONS / CORE / "pyproject.toml")["build-system"]["requires"]
    _check(_run(_pip("install", "--no-index", "--find-links", wheelhouse, "--target", backend, *requires)))
    out = tmp_path_factory.mktemp("wheels")
    _check(_run([sys.executable, DISTRIBUTIONS / "build.py", "--no-isolation", "--out", out], backend, cwd=out))
    built = {path.name.split("-")[0]: path for path in out.glob("*.whl")}
    expected = {distribution.replace("-", "_"): distribution for distribution in PACKAGES}
    assert set(built) == set(expected), sorted(path.name for path in out.iterdir())
    return {expected[key]: path for key, path in built.items()}


@pytest.mark.parametrize("distribution", list(PACKAGES))
def test_wheel_contents(wheels: dict[str, Path], distribution: str) -> None:
    """Exactly the distribution's packages (each with py.typed), the LICENSE, its README as the description, the
    workspace's version, the core pinned to it, the console command."""
    version = _workspace()["version"]
    wheel = wheels[distribution]
    assert wheel.name == f"{distribution.replace('-', '_')}-{version}-py3-none-any.whl"
    info = f"{distribution.replace('-', '_')}-{version}.dist-info"
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        metadata = email.parser.Parser().parsestr(archive.read(f"{info}/METADATA").decode())
        license_text = archive.read(f"{info}/licenses/LICENSE")
        scripts = archive.read(f"{info}/entry_points.txt").decode() if f"{info}/entry_points.txt" in names else ""
    packages = set().union(*(_package_files(folder) for folder in PACKAGES[distribution].values()))
    assert {name for name in names if not name.startswith(info)} == packages
    for package in PACKAGES[distribution]:
        assert f"{package}/py.typed" in names
    extra_info = {"entry_points.txt"} if distribution in SCRIPTS else set()
    assert {name[len(info) + 1 :] for name in names if name.startswith(info)} == {
        "METADATA", "WHEEL", "RECORD", "licenses/LICENSE", *extra_info}  # fmt: skip
    assert license_text == (ROOT / "LICENSE").read_bytes()
    assert metadata["License-Expression"] == "MIT"
    assert metadata.get_all("License-File") == ["LICENSE"]
    assert metadata["Name"] == distribution
    assert metadata["Version"] == version
    assert metadata["Description-Content-Type"] == "text/markdown"
    readme = (DISTRIBUTIONS / distribution / "README.md").read_text(encoding="utf-8")
    assert str(metadata.get_payload()).strip() == readme.strip()
    requires = set(metadata.get_all("Requires-Dist") or [])
    workspace = _workspace()
    if distribution == CORE:
        assert {str(Requirement(entry)) for entry in requires} | EXOSPHERE_ONLY == _requirements(
            workspace["dependencies"])  # fmt: skip
    else:
        assert f"{CORE}=={version}" in requires
        assert requires >= EXOSPHERE_ONLY if distribution == "exospherehost" else not EXOSPHERE_ONLY & requires
        assert re.search(rf"^\[console_scripts\]\n{SCRIPTS[distribution]} = ", scripts, re.MULTILINE), scripts
    if distribution == "exospherehost":
        assert metadata.get_all("Provides-Extra") == ["pydantic"]


def _pip_has_python_option() -> bool:
    """pip >= 22.3 installs into another interpreter's environment (`pip --python`)."""
    done = _run([sys.executable, "-m", "pip", "--version"])
    match = re.match(r"pip (\d+)\.(\d+)", done.stdout)
    return match is not None and (int(match[1]), int(match[2])) >= (22, 3)


@pytest.fixture(scope="module")
def environments(
    wheels: dict[str, Path], wheelhouse: Path, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Path]:
    """Each SDK's own empty virtual environment with its wheel, the core's and their dependencies (resolved by pip
    from the wheels' metadata, found in the wheelhouse); their Pythons."""
    base = tmp_path_factory.mktemp("environments")
    with_pip = not _pip_has_python_option()
    pythons = {}
    for sdk in SDKS:
        venv.EnvBuilder(with_pip=with_pip).create(base / sdk)
        python = base / sdk / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
        pip: list[str | Path] = [python, "-m", "pip"] if with_pip else [sys.executable, "-m", "pip", "--python", python]
        _check(_run([*pip, "install", *QUIET, "--no-compile", "--no-index", "--find-links", wheelhouse,
                     wheels[CORE], wheels[sdk]]))  # fmt: skip
        _check(_run([*pip, "check"]))
        pythons[sdk] = python
    return pythons


# Run in an SDK's environment with -I: imports every module of the packages given, after checking that the
# packages named second are not installed; prints how many modules and any first-party module loaded beyond them.
IMPORT_ALL = """
import importlib, importlib.util, pkgutil, sys
own, absent, first_party = (argument.split(",") for argument in sys.argv[1:4])
assert not [name for name in absent if importlib.util.find_spec(name) is not None], "installed: " + repr(absent)
count = 0
for top in own:
    package = importlib.import_module(top)
    count += 1
    for module in pkgutil.walk_packages(package.__path__, top + "."):
        if not module.name.endswith(".__main__"):
            importlib.import_module(module.name)
            count += 1
print(count, *sorted({name.split(".")[0] for name in sys.modules} & set(first_party) - set(own)))
"""


def _import_all(python: Path, own: list[str], absent: list[str], cwd: Path) -> list[str]:
    done = _run([python, "-I", "-c", IMPORT_ALL, ",".join(own), ",".join(absent), ",".join(FIRST_PARTY)], cwd=cwd)
    count, *loaded = _check(done).split()
    assert int(count) > len(own)
    return loaded


@pytest.mark.parametrize("sdk", SDKS)
def test_installs_alone(environments: dict[str, Path], sdk: str, tmp_path: Path) -> None:
    """Every module of the SDK and of the core imports with only the two wheels installed; nothing of the other
    SDK is there or gets loaded; the core loads neither SDK; the console command answers --version."""
    python = environments[sdk]
    (other,) = (name for name in SDKS if name != sdk)
    own, foreign = list(PACKAGES[sdk]), list(PACKAGES[other])
    assert _import_all(python, own, foreign, tmp_path) == ["sdkcore"]
    assert _import_all(python, ["sdkcore"], foreign, tmp_path) == []
    done = _run([python, "-I", "-c", f"import {foreign[0]}"], cwd=tmp_path)
    assert done.returncode == 1
    assert f"ModuleNotFoundError: No module named '{foreign[0]}'" in done.stderr
    script = python.parent / (SCRIPTS[sdk] + (".exe" if os.name == "nt" else ""))
    assert _check(_run([script, "--version"], cwd=tmp_path)).strip() == f"{SCRIPTS[sdk]} {_workspace()['version']}"


@pytest.mark.parametrize("sdk", SDKS)
def test_readme_example_runs(environments: dict[str, Path], sdk: str, tmp_path: Path) -> None:
    """The Python blocks of the distribution's README (its long description on the index) run with the SDK
    installed alone."""
    readme = (DISTRIBUTIONS / sdk / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"^```python\n(.*?)^```", readme, re.MULTILINE | re.DOTALL)
    assert blocks
    for block in blocks:
        _check(_run([environments[sdk], "-I", "-c", block], cwd=tmp_path))
