"""Pictures of what the demo runs: the documented Waygrid specs, a simulation timeline, the seed's Exosphere graph
and an executed run. SVG when Graphviz is installed, Mermaid text (`.mmd`) otherwise.

    python examples/pictures.py DIR       # the spec, graph and timeline pictures into DIR
    python examples/pictures.py --readme  # regenerate docs/pictures, the two pictures the README shows

The demo (`examples/demo.py`) calls `demo_pictures` with the run it executed.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

import waygrid_demo

from exospherehost import Graph
from sdkcore.graphviz import graphviz_available
from waygrid import Spec, simulate
from waygrid.simulation import SimulationResult, fail

README_PICTURES = Path(__file__).resolve().parents[1] / "docs" / "pictures"
FLAKY_OPENAI = "waygrid://processor/openai"


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def retry_timeline() -> SimulationResult:
    """The quick start simulated with its AI step failing twice: two retries 1075 and 2300 ms apart."""
    return simulate(waygrid_demo.documented_specs()["quick start"], {FLAKY_OPENAI: fail(times=2)})


def seed_graph() -> Graph:
    """The Exosphere document's graph (the demo's my-workflow), as the demo upserts it."""
    from exosphere_demo import seed_graph as graph

    return graph()


def _write(folder: Path, name: str, picture: Any) -> Path:
    """`picture` (a Spec, Graph, SimulationResult or RunResult-like with .render) as SVG, else Mermaid."""
    if graphviz_available("dot") and graphviz_available("neato"):
        path = folder / f"{name}.svg"
        path.write_bytes(picture.render("svg"))
    else:
        path = folder / f"{name}.mmd"
        path.write_text(picture.to_mermaid() + "\n", encoding="utf-8")
    return path


def demo_pictures(folder: Path, run: Any = None, run_name: str = "run") -> list[Path]:
    """Every picture of the demo into `folder`: each documented spec, the retry timeline, the seed graph and, when
    given, the executed run (a run graph from the state manager)."""
    from exospherehost.rendering import render_run, run_mermaid

    folder.mkdir(parents=True, exist_ok=True)
    written = [_write(folder, f"spec-{slug(name)}", spec) for name, spec in waygrid_demo.documented_specs().items()]
    written.append(_write(folder, "simulation-quick-start-retries", retry_timeline()))
    written.append(_write(folder, "graph-my-workflow", seed_graph()))
    if run is not None:
        if graphviz_available("dot"):
            path = folder / f"{run_name}.svg"
            path.write_bytes(render_run(run, "svg"))
        else:
            path = folder / f"{run_name}.mmd"
            path.write_text(run_mermaid(run) + "\n", encoding="utf-8")
        written.append(path)
    return written


def readme_pictures() -> dict[str, tuple[str, Any]]:
    """The two pictures the README shows: name -> (DOT source, the object that draws it)."""
    spec: Spec = waygrid_demo.documented_specs()["parallel enrichment (fork + AND join)"]
    timeline = retry_timeline()
    return {"parallel-enrichment": (spec.to_dot(), spec), "quick-start-retries": (timeline.render("dot"), timeline)}


def write_readme_pictures(folder: Path = README_PICTURES) -> list[Path]:
    """docs/pictures: each README picture's DOT source and its SVG (drawn by Graphviz, which this needs)."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, (dot, picture) in readme_pictures().items():
        (folder / f"{name}.dot").write_text(dot + "\n", encoding="utf-8")
        (folder / f"{name}.svg").write_bytes(picture.render("svg"))
        written += [folder / f"{name}.dot", folder / f"{name}.svg"]
    return written


def main(argv: list[str]) -> int:
    if argv == ["--readme"]:
        paths = write_readme_pictures()
    elif len(argv) == 1 and not argv[0].startswith("-"):
        paths = demo_pictures(Path(argv[0]))
    else:
        print(__doc__, file=sys.stderr)
        return 2
    for path in paths:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
