"""A copy of the repository's spec/, codegen/ and generated/ that a test changes the way a maintainer would, and
the steps of the maintainer's loop run in it: drift check, regeneration, the diff of generated/, the regenerated
package and the hand-written SDK layer (src/) imported together in a subprocess, mypy, the contract runner."""

from __future__ import annotations

import difflib
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src"
IGNORED = shutil.ignore_patterns("__pycache__")
# The test suite without the Node.js runner, snapshots and this package: what the Python contract runner imports.
TESTS_IGNORED = shutil.ignore_patterns("__pycache__", "node_modules", "__snapshots__", "maintainer_loop")
DRIFT_HEADER = "generated/ is not up to date with spec/ and codegen/:"
DRIFT_FOOTER = "Run `nox -s codegen` and commit the result."
REFUSED = "codegen refused the spec: "

# Run first in every probe: the regenerated models come from the copy, the SDK layer from the repository's src/.
PREAMBLE = '''
import asyncio
import importlib.util
import json
import os
import traceback
from pathlib import Path

COPY = Path(os.environ["MAINTAINER_LOOP_COPY"]).resolve()
SRC = Path(os.environ["MAINTAINER_LOOP_SRC"]).resolve()

import exosphere_api
import waygrid_api

for _package in (exosphere_api, waygrid_api):
    assert Path(_package.__file__).resolve().is_relative_to(COPY / "generated"), _package.__file__
for _name in ("waygrid", "exospherehost", "sdkcore"):
    _origin = importlib.util.find_spec(_name).origin
    assert Path(_origin).resolve().is_relative_to(SRC), _origin
facts = {}


def failure(call):
    """What `call()` raises: type, text, and the innermost frame in src/ as `src/<file>:<function>` (or None)."""
    try:
        call()
    except Exception as error:
        frames = [frame for frame in traceback.extract_tb(error.__traceback__)
                  if Path(frame.filename).resolve().is_relative_to(SRC)]
        where = None
        if frames:
            where = f"src/{Path(frames[-1].filename).resolve().relative_to(SRC).as_posix()}:{frames[-1].name}"
        return {"type": type(error).__name__, "text": str(error), "where": where}
    return None


def keys_anywhere(value):
    """Every object key in a JSON value, at any depth."""
    if isinstance(value, dict):
        return set(value).union(*(keys_anywhere(item) for item in value.values()))
    if isinstance(value, list):
        return set().union(*(keys_anywhere(item) for item in value))
    return set()
'''

# The local Exosphere state manager in process: register the nodes' classes, then upsert with StateManager.
EXOSPHERE_LOCAL = '''
import httpx
from exospherehost.local import MEMORY, LocalStateManager
from sdkcore.local.http import InProcessTransport

KEY, NS = "maintainer-loop-key", "ns"


def upsert(nodes, **arguments):
    """The async StateManager's upsert answer, and the raw JSON the server answers to a GET of the same graph."""
    registration = {"runtime_name": "rt", "runtime_namespace": NS, "nodes": [
        {"name": node.node_name, "namespace": NS, "secrets": [],
         "inputs_schema": {"type": "object", "properties": {key: {"type": "string"} for key in node.inputs}},
         "outputs_schema": {"type": "object", "properties": {}}} for node in nodes]}
    with LocalStateManager(MEMORY, api_key=KEY) as local, httpx.Client(
        transport=InProcessTransport(local), base_url=f"http://local/v0/namespace/{NS}", headers={"x-api-key": KEY}
    ) as http:
        assert http.put("/nodes/", json=registration).status_code == 200
        manager = local.state_manager(NS)
        graph = asyncio.run(manager.upsert_graph("loop", nodes, {}, polling_interval=0.01, **arguments))
        return graph, http.get("/graph/loop").json()
'''

# The local Waygrid router in process.
WAYGRID_LOCAL = '''
from waygrid.local import MEMORY as ROUTER_MEMORY
from waygrid.local import LocalRouter


def submit(spec):
    """The traversal id the router answers, and the spec as it stored it."""
    with LocalRouter(ROUTER_MEMORY) as router, router.sync_client() as client:
        result = client.submit(spec)
        return result.traversal_id, router.traversals()[-1]["spec"]
'''

EPILOGUE = "\nprint(json.dumps(facts))\n"


def tree(directory: Path) -> dict[str, bytes]:
    """Every file under `directory` (no bytecode), by relative path."""
    return {
        path.relative_to(directory).as_posix(): path.read_bytes()
        for path in sorted(directory.rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts
    }


def insert_after(mapping: dict[str, Any], after: str, key: str, value: Any) -> dict[str, Any]:
    """`mapping` with `key` placed right after `after` (JSON object order is what codegen follows)."""
    result: dict[str, Any] = {}
    for existing, item in mapping.items():
        result[existing] = item
        if existing == after:
            result[key] = value
    return result


def rename_key(mapping: dict[str, Any], old: str, new: str, value: Any) -> dict[str, Any]:
    """`mapping` with `old` replaced by `new` (holding `value`) in the same place."""
    return {(new if key == old else key): (value if key == old else item) for key, item in mapping.items()}


@dataclass
class RepoCopy:
    """spec/, codegen/ and generated/ copied from the repository; `before` is generated/ as copied."""

    root: Path
    before: dict[str, bytes]

    @classmethod
    def make(cls, base: Path) -> RepoCopy:
        root = base / "repo"
        for name in ("spec", "codegen", "generated"):
            shutil.copytree(ROOT / name, root / name, ignore=IGNORED)
        return cls(root, tree(root / "generated"))

    def edit(self, relative: str, change: Callable[[dict[str, Any]], None]) -> None:
        """Change one JSON document of the copy in place, the way a maintainer edits spec/."""
        path = self.root / relative
        document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        change(document)
        path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")

    def codegen(self, *arguments: str) -> subprocess.CompletedProcess[str]:
        """`python codegen/generate.py ...` of the copy, run from the copy (its spec/ and generated/)."""
        return subprocess.run(
            [sys.executable, str(self.root / "codegen" / "generate.py"), *arguments],
            capture_output=True, text=True, check=False, cwd=self.root, env=_environment(PYTHONDONTWRITEBYTECODE="1"),
        )  # fmt: skip

    def loop(self, expected: list[str]) -> None:
        """Steps 1 and 2: `--check` exits 1 naming exactly `expected`, regenerating exits 0, `--check` then 0."""
        drift = self.codegen("--check")
        assert drift.returncode == 1, drift.stdout + drift.stderr
        lines = drift.stderr.splitlines()
        assert lines[0] == DRIFT_HEADER, drift.stderr
        assert lines[-1] == DRIFT_FOOTER, drift.stderr
        assert sorted(line.strip() for line in lines[1:-1]) == sorted(expected), drift.stderr
        assert tree(self.root / "generated") == self.before, "--check must not write generated/"
        regenerated = self.codegen()
        assert regenerated.returncode == 0, regenerated.stderr
        rewritten = f"generated/ rewritten ({len(expected)} file(s) changed)."
        assert regenerated.stdout.strip() == rewritten, regenerated.stdout
        again = self.codegen("--check")
        assert again.returncode == 0, again.stderr
        assert again.stdout.strip() == "generated/ is up to date."

    def text(self, relative: str) -> str:
        return (self.root / relative).read_text(encoding="utf-8")

    def diff(self, relative: str) -> tuple[list[str], list[str]]:
        """(removed, added) lines of generated/<relative> since the copy was made."""
        old = self.before.get(relative, b"").decode().splitlines()
        new = self.text(f"generated/{relative}").splitlines()
        changes = list(difflib.ndiff(old, new))
        removed = [line[2:] for line in changes if line.startswith("- ")]
        return removed, [line[2:] for line in changes if line.startswith("+ ")]

    def probe(self, script: str, *, exosphere: bool = False, waygrid: bool = False) -> dict[str, Any]:
        """Run `script` with the regenerated package and src/ on the path; it fills `facts`, returned here."""
        source = PREAMBLE + (EXOSPHERE_LOCAL if exosphere else "") + (WAYGRID_LOCAL if waygrid else "")
        source += textwrap.dedent(script) + EPILOGUE
        completed = subprocess.run(
            [sys.executable, "-c", source], capture_output=True, text=True, check=False, timeout=120, cwd=self.root,
            env=_environment(PYTHONPATH=os.pathsep.join([str(self.root / "generated"), str(SRC)]),
                             PYTHONDONTWRITEBYTECODE="1", MAINTAINER_LOOP_COPY=str(self.root),
                             MAINTAINER_LOOP_SRC=str(SRC)),
        )  # fmt: skip
        assert completed.returncode == 0, completed.stderr
        facts: dict[str, Any] = json.loads(completed.stdout.splitlines()[-1])
        return facts

    def mypy(self, package: str, cache: Path) -> list[str]:
        """mypy with the repository's settings on one src/ package against the regenerated models: the error lines,
        with paths under the repository written relative to it (`src/waygrid/policies.py:59: error: ...`)."""
        completed = subprocess.run(
            [sys.executable, "-m", "mypy", "--config-file", str(ROOT / "pyproject.toml"), "--cache-dir", str(cache),
             "--no-error-summary", "-p", package],
            capture_output=True, text=True, check=False, cwd=self.root,
            env=_environment(MYPYPATH=os.pathsep.join([str(self.root / "generated"), str(SRC)])),
        )  # fmt: skip
        assert completed.returncode in (0, 1), completed.stdout + completed.stderr
        return [line.replace(f"{ROOT}{os.sep}", "") for line in completed.stdout.splitlines() if ": error: " in line]

    def contract(self) -> tuple[int, set[str]]:
        """The Python contract runner (tests/contract/test_vectors.py) on the copy's spec/vectors/ and models:
        its exit code and the ids of the vector cases it failed (`waygrid/retry-linear`)."""
        if not (self.root / "tests").exists():
            shutil.copytree(ROOT / "tests", self.root / "tests", ignore=TESTS_IGNORED)
        completed = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--tb=no", "-rf",
             "tests/contract/test_vectors.py"],
            capture_output=True, text=True, check=False, cwd=self.root,
            env=_environment(PYTHONPATH=os.pathsep.join([str(self.root / "generated"), str(SRC), str(self.root)]),
                             PYTHONDONTWRITEBYTECODE="1"),
        )  # fmt: skip
        assert completed.returncode in (0, 1), completed.stdout + completed.stderr
        return completed.returncode, set(re.findall(r"^FAILED \S+::\w+\[([^\]]+)\]", completed.stdout, re.MULTILINE))


def _environment(**values: str) -> dict[str, str]:
    environment = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "MYPYPATH")}
    environment.update(values)
    return environment
