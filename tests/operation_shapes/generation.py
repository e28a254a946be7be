"""Running codegen on the fixture API, and importing what it wrote without leaving it importable afterwards."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType

from tests.support.generated import imported as imported_from

ROOT = Path(__file__).resolve().parents[2]
SPEC = Path(__file__).resolve().parent / "spec"
API = "shapes"
PACKAGE = "shapes_api"
GENERATE = ROOT / "codegen" / "generate.py"


def run_codegen(spec_root: Path, output: Path) -> subprocess.CompletedProcess[str]:
    """`generate.py --spec spec_root --output output --api shapes:shapes_api`, as a separate process."""
    command = [
        sys.executable,
        str(GENERATE),
        "--spec",
        str(spec_root),
        "--output",
        str(output),
        "--api",
        f"{API}:{PACKAGE}",
    ]
    return subprocess.run(command, capture_output=True, text=True, check=False, timeout=120, cwd=ROOT)


@contextmanager
def imported(output: Path, *modules: str) -> Iterator[list[ModuleType]]:
    """The generated `modules` (e.g. `shapes_api.operations`) imported from `output`, and forgotten on exit."""
    with imported_from(output, PACKAGE, *modules) as found:
        yield found
