"""Every benchmark, side by side: `python -m nox -s bench` runs this. Writes docs/benchmarks.md and
docs/benchmarks.png, prints the report, and exits 1 when a target is missed.

Each suite runs in a fresh interpreter, so none is timed on a heap another one left behind. Set ORIGINAL_PYTHON to
an interpreter with exospherehost 0.0.3 installed (the nox session builds one) to compare with it; without it
those columns read "not run". `--quick` runs small sizes only (a check of the harness, not a measurement)."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import console_startup
import exosphere_graph
import http_stacks
import import_time
import report
import request_cpu
import runtime_throughput
import scaling
import throughput
import waygrid_simulation
import waygrid_spec
from results import Section


def suites(quick: bool, original_python: str | None) -> dict[str, Callable[[], Section]]:
    sizes = (100, 1_000) if quick else (100, 1_000, 10_000)
    if quick:
        throughput.UPSERTS, throughput.RUNS, import_time.RUNS = 100, 1, 3
        scaling.SIZES = (100, 1_000, 10_000)
        runtime_throughput.STATES, runtime_throughput.ROUNDS = 200, 1
        request_cpu.CALLS, request_cpu.ROUNDS = 100, 1
        http_stacks.REQUESTS, http_stacks.ROUNDS = 200, 1
    return {
        "exosphere-graph": lambda: exosphere_graph.measure(sizes, original_python),
        "waygrid-spec": lambda: waygrid_spec.measure(sizes),
        "waygrid-simulation": waygrid_simulation.measure,
        "console-startup": console_startup.measure,
        "import-time": lambda: import_time.measure(original_python),
        "throughput": lambda: throughput.measure(original_python),
        "scaling": scaling.measure,
        "runtime-throughput": lambda: runtime_throughput.measure(original_python),
        "request-cpu": lambda: request_cpu.measure(original_python),
        "http-stacks": http_stacks.measure,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).parent.parent / "docs")
    parser.add_argument("--quick", action="store_true", help="small sizes and few upserts: checks the harness")
    parser.add_argument("--suite", help="run one suite in this interpreter and print its section as JSON")
    options = parser.parse_args(argv)
    original_python = os.environ.get("ORIGINAL_PYTHON") or None
    measures = suites(options.quick, original_python)
    if options.suite:
        print(measures[options.suite]().to_json())
        return 0
    started = time.perf_counter()
    sections = []
    for name in measures:
        print(f"measuring: {name}", file=sys.stderr, flush=True)
        command = [sys.executable, __file__, "--suite", name, *(["--quick"] if options.quick else [])]
        done = subprocess.run(command, stdout=subprocess.PIPE, text=True, check=True)
        sections.append(Section.from_json(done.stdout))
    options.out.mkdir(parents=True, exist_ok=True)
    text = report.markdown(sections, original_python, time.perf_counter() - started)
    (options.out / "benchmarks.md").write_text(text)
    report.chart(sections, options.out / "benchmarks.png")
    print(text)
    missed = [check for section in sections for check in section.checks if not check.met]
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
