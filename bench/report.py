"""The benchmark report: docs/benchmarks.md (machine, versions, command, one table per suite, the targets) and
docs/benchmarks.png (every ratio against its target)."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

from interpreters import interpreter_env
from results import Check, Section

COMMAND = "python -m nox -s bench"
PANELS = {
    "faster": "times faster than the comparison (log scale; the black line is each bar's target)",
    "floor": "SDK time / bare generated Structs (target: at most 1.3x)",
    "import": "import time, share of exospherehost 0.0.3 (target: at most 0.1)",
    "linear": "validation time per node, 100k / 1k nodes (target: at most 1.5x)",
    "startup": "console start-up, seconds (target: at most 0.5 s)",
    "simulation": "Waygrid simulation: executions per second, and ms for a 10,000-node spec (black line: target)",
    "cpu": "client CPU per state or request, share of exospherehost 0.0.3's (target: at most 0.5; grey: no target)",
}
OUR_PACKAGES = (
    "msgspec",
    "httpx",
    "httpcore",
    "httpx-aiohttp",
    "aiohttp",
    "httpx2",
    "pydantic",
    "pydantic-core",
    "datamodel-code-generator",
    "matplotlib",
)
ORIGINAL_PACKAGES = ("exospherehost", "pydantic", "aiohttp")


def _cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _memory() -> str:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return f"{int(line.split()[1]) / 2**20:.0f} GiB"
    except OSError:
        pass
    return "unknown"


def _versions(python: str, packages: tuple[str, ...]) -> str:
    script = (
        "import json, platform, sys\nfrom importlib import metadata\nfound = {}\n"
        f"for name in {list(packages)!r}:\n"
        "    try:\n        found[name] = metadata.version(name)\n    except metadata.PackageNotFoundError:\n"
        "        pass\nprint(json.dumps([platform.python_version(), found]))\n"
    )
    env = interpreter_env(own_code=python == sys.executable)
    done = subprocess.run([python, "-c", script], capture_output=True, text=True, check=True, env=env)
    version, found = json.loads(done.stdout)
    listed = ", ".join(f"{name} {number}" for name, number in found.items())
    return f"Python {version}; {listed}"


def _table(section: Section) -> list[str]:
    lines = ["| " + " | ".join(section.columns) + " |", "|" + "---|" * len(section.columns)]
    lines += ["| " + " | ".join(row) + " |" for row in section.rows]
    return lines


def markdown(sections: list[Section], original_python: str | None, elapsed: float) -> str:
    checks = [check for section in sections for check in section.checks if check.target is not None]
    missed = [check for check in checks if not check.met]
    ours = _versions(sys.executable, OUR_PACKAGES)
    original = _versions(original_python, ORIGINAL_PACKAGES) if original_python else "not run (no Python 3.12)"
    lines = [
        "# Benchmarks",
        "",
        f"Written by `{COMMAND}` on {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC in {elapsed / 60:.1f} min; "
        "regenerate it with the same command. Every time is the median of repeated rounds (bench/timing.py); the "
        "ratios are the headline, and [benchmarks.png](benchmarks.png) draws each against its target.",
        "",
        f"- **Machine:** {_cpu()}, {os.cpu_count()} cores, {_memory()}; {platform.system()} {platform.release()}",
        f"- **This SDK:** {ours}",
        f"- **exospherehost 0.0.3** (its own environment): {original}",
        "",
        f"**Targets:** {len(checks) - len(missed)} of {len(checks)} met.",
    ]
    if missed:
        lines += ["", "Missed (the README's Benchmarks section says why):"]
        lines += [f"- {check.label}: {check.describe()}" for check in missed]
    for section in sections:
        lines += ["", f"## {section.title}", "", section.about, "", *_table(section)]
    lines += ["", "![Every ratio against its target](benchmarks.png)", ""]
    return "\n".join(lines)


def chart(sections: list[Section], target: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    checks = [check for section in sections for check in section.checks]
    panels = {group: [check for check in checks if check.group == group] for group in PANELS}
    panels = {group: drawn for group, drawn in panels.items() if drawn}
    heights = [max(1.2, 0.32 * len(drawn) + 0.6) for drawn in panels.values()]
    figure, axes = pyplot.subplots(len(panels), 1, figsize=(12, sum(heights) + 0.6), height_ratios=heights,
                                   squeeze=False)  # fmt: skip
    for axis, (group, drawn) in zip(axes[:, 0], panels.items(), strict=True):
        _panel(axis, PANELS[group], drawn, log=group == "faster")
    figure.tight_layout()
    figure.savefig(target, dpi=110, bbox_inches="tight")
    pyplot.close(figure)


def _panel(axis: object, title: str, drawn: list[Check], log: bool) -> None:
    from matplotlib.axes import Axes

    assert isinstance(axis, Axes)
    positions = list(range(len(drawn)))[::-1]
    colours = ["#9e9e9e" if check.target is None else "#2e7d32" if check.met else "#c62828" for check in drawn]
    axis.barh(positions, [check.value for check in drawn], color=colours, height=0.6)
    for position, check in zip(positions, drawn, strict=True):
        axis.annotate(f" {check.value:.2f}", (check.value, position), va="center", fontsize=7)
        if check.target is not None:
            axis.plot([check.target] * 2, [position - 0.4, position + 0.4], color="black", linewidth=1.5)
    axis.set_yticks(positions, [check.label for check in drawn], fontsize=7)
    axis.set_title(title, fontsize=9, loc="left")
    if log:
        axis.set_xscale("log")
    axis.grid(axis="x", alpha=0.3)
