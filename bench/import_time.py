"""Import time of `waygrid` and `exospherehost`, and of exospherehost 0.0.3 in its own interpreter: the cumulative
time `python -X importtime` reports for the package, median of fresh interpreters. Bytecode caches are on, as on a
user's machine (this repository's machine turns them off), and a first import writes them."""

from __future__ import annotations

import statistics
import subprocess
import sys

from interpreters import interpreter_env
from results import Check, Section

RUNS = 15
SHARE = 0.1


def import_seconds(python: str, package: str, own_code: bool) -> float:
    env = interpreter_env(own_code)
    env.pop("PYTHONDONTWRITEBYTECODE", None)

    def once() -> float:
        done = subprocess.run([python, "-X", "importtime", "-c", f"import {package}"], env=env, check=True,
                              capture_output=True, text=True)  # fmt: skip
        for line in done.stderr.splitlines():
            fields = [field.strip() for field in line.removeprefix("import time:").split("|")]
            if len(fields) == 3 and fields[2] == package:
                return int(fields[1]) / 1e6
        raise AssertionError(f"-X importtime did not report {package}: {done.stderr[-500:]}")

    once()
    return statistics.median(once() for _ in range(RUNS))


def measure(original_python: str | None) -> Section:
    section = Section(
        "Import time",
        f"`python -X importtime -c 'import <package>'`, the package's cumulative time, median of {RUNS} fresh "
        "interpreters with bytecode caches written. Each SDK is compared with `import exospherehost` 0.0.3.",
        ["package", "this SDK (ms)", "exospherehost 0.0.3 (ms)", "share of 0.0.3"],
    )
    original = import_seconds(original_python, "exospherehost", own_code=False) if original_python else None
    for package in ("waygrid", "exospherehost"):
        ours = import_seconds(sys.executable, package, own_code=True)
        row = [f"`{package}`", f"{ours * 1e3:.1f}", "not run", "not run"]
        if original is not None:
            share = Check(f"import {package}: share of exospherehost 0.0.3", ours / original, SHARE, at_most=True,
                          group="import", unit="")  # fmt: skip
            section.checks.append(share)
            row[2], row[3] = f"{original * 1e3:.1f}", share.describe()
        section.rows.append(row)
    return section
