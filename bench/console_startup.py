"""Console start-up: `waygrid validate` of a 100-node spec (the bench/waygrid_spec.py shape, as a JSON file) and
`exosphere validate` of the seed graph, each a fresh interpreter from start to exit (`python -m ...`, bytecode
caches written first), median of several runs."""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from interpreters import interpreter_env
from results import Check, Section, ms
from waygrid_spec import SHAPES, sdk_build

RUNS = 9
TARGET_SECONDS = 0.5
GRAPH = (b'{"secrets": {}, "nodes": [{"node_name": "DataLoaderNode", "namespace": "MyProject", "identifier": "loader",'
         b' "inputs": {"source": "initial"}, "next_nodes": ["processor"]}, {"node_name": "DataProcessorNode",'
         b' "namespace": "MyProject", "identifier": "processor", "inputs": {"data": "${{ loader.outputs.data }}"},'
         b' "next_nodes": []}]}')  # fmt: skip


def seconds(command: list[str]) -> float:
    env = interpreter_env(own_code=True)
    env.pop("PYTHONDONTWRITEBYTECODE", None)

    def once() -> float:
        started = time.perf_counter()
        subprocess.run(command, env=env, check=True, capture_output=True)
        return time.perf_counter() - started

    once()
    return statistics.median(once() for _ in range(RUNS))


def measure() -> Section:
    section = Section("Console start-up", __doc__.replace("\n", " "), ["command", "ms (median)"])
    with tempfile.TemporaryDirectory() as folder:
        spec, graph = Path(folder) / "spec.json", Path(folder) / "graph.json"
        spec.write_bytes(sdk_build(*SHAPES[100]))
        graph.write_bytes(GRAPH)
        for label, command in (
            ("waygrid validate (100-node spec)", ["waygrid", "validate", str(spec)]),
            ("exosphere validate (seed graph)", ["exospherehost", "validate", str(graph)]),
        ):
            taken = seconds([sys.executable, "-m", *command])
            section.rows.append([label, ms(taken)])
            section.checks.append(Check(f"{label}: seconds, start-up included", taken, TARGET_SECONDS, at_most=True,
                                        unit=" s", group="startup"))  # fmt: skip
    return section


if __name__ == "__main__":
    print(measure().to_json())
