"""Prove that spec/vectors/README.md is enough to check every contract vector.

Copies spec/ and run-recipe.mjs (a minimal ajv script written from that README alone) into a fresh temporary
directory outside the repository, runs the script there with node, and fails unless it checked every case of
every vector file and found no disagreement. The script's only package, ajv, comes from the node_modules of
tests/contract/node (run `npm ci --prefix tests/contract/node` first), linked into the temporary directory.

Usage: python tests/contract/recipe/check_recipe.py [--node NODE] [--node-modules DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
SPEC = ROOT / "spec"
SCRIPT = HERE / "run-recipe.mjs"
NODE_MODULES = ROOT / "tests" / "contract" / "node" / "node_modules"

_SUMMARY = re.compile(r"^recipe: checked (\d+) cases \(([^)]*)\), (\d+) failure\(s\)$", re.MULTILINE)


def expected_counts(spec: Path) -> dict[str, int]:
    """How many cases each API's vector files hold, counted here rather than trusted from the script."""
    counts: dict[str, int] = {}
    for path in sorted((spec / "vectors").glob("*/*.json")):
        api = path.parent.name
        counts[api] = counts.get(api, 0) + len(json.loads(path.read_text(encoding="utf-8"))["cases"])
    return counts


def link_node_modules(source: Path, target: Path) -> None:
    try:
        os.symlink(source, target, target_is_directory=True)
    except OSError:  # no symlinks allowed here (some Windows setups): a copy does as well
        shutil.copytree(source, target, symlinks=True)


def run_recipe(node: str, node_modules: Path) -> tuple[int, str]:
    """Run the script on a copy of spec/ in a temporary directory; its exit status and output."""
    with tempfile.TemporaryDirectory(prefix="contract-recipe-") as name:
        work = Path(name).resolve()
        if work.is_relative_to(ROOT):
            raise SystemExit(f"the temporary directory {work} is inside the repository; set TMPDIR elsewhere")
        shutil.copytree(SPEC, work / "spec")
        shutil.copy2(SCRIPT, work / SCRIPT.name)
        link_node_modules(node_modules, work / "node_modules")
        done = subprocess.run(
            [node, SCRIPT.name], cwd=work, capture_output=True, text=True, encoding="utf-8", timeout=600, check=False
        )
        return done.returncode, done.stdout + done.stderr


def check(status: int, output: str, expected: dict[str, int]) -> list[str]:
    """Why the run does not prove the recipe; empty when it does."""
    problems = []
    if status != 0:
        problems.append(f"run-recipe.mjs exited with status {status}")
    summary = _SUMMARY.search(output)
    if summary is None:
        return [*problems, "run-recipe.mjs printed no 'recipe: checked N cases (...), M failure(s)' line"]
    total, breakdown, failures = int(summary[1]), summary[2], int(summary[3])
    reported = {api: int(n) for api, n in (part.rsplit(" ", 1) for part in breakdown.split(", ") if part)}
    if total != sum(expected.values()):
        problems.append(f"checked {total} cases, but the vector files hold {sum(expected.values())}")
    if reported != expected:
        problems.append(f"cases per API {reported}, but the vector files hold {expected}")
    if failures:
        problems.append(f"{failures} case(s) failed")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--node", default="node", help="the Node.js executable (default: node on PATH)")
    parser.add_argument("--node-modules", type=Path, default=NODE_MODULES, help="where ajv is installed")
    args = parser.parse_args(argv)
    node = shutil.which(args.node)
    if node is None:
        print(f"error: {args.node} not found; Node.js 20 or newer is needed", file=sys.stderr)
        return 1
    node_modules = args.node_modules.resolve()
    if not (node_modules / "ajv" / "package.json").is_file():
        print(f"error: no ajv in {node_modules}; run `npm ci --prefix tests/contract/node`", file=sys.stderr)
        return 1

    expected = expected_counts(SPEC)
    status, output = run_recipe(node, node_modules)
    print(output, end="" if output.endswith("\n") or not output else "\n")
    problems = check(status, output, expected)
    for problem in problems:
        print(f"check_recipe: {problem}", file=sys.stderr)
    if problems:
        return 1
    print(f"check_recipe: the README recipe alone checks all {sum(expected.values())} vectors")
    return 0


if __name__ == "__main__":
    sys.exit(main())
