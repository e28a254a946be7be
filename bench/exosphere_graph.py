"""Exosphere graph: build and encode the upsert body, and decode and validate a GET answer, at several sizes, with
this SDK, with the bare generated Structs (the floor) and with exospherehost 0.0.3 (bench/exosphere_original.py,
in its own interpreter); and local validation time as the graph grows."""

from __future__ import annotations

import json
import os
import subprocess

from interpreters import interpreter_env
from results import Check, Section, ms, nodes
from timing import median_seconds

from exosphere_api import codec
from exosphere_api.models.graph_node import GraphNode
from exosphere_api.models.upsert_graph import UpsertGraphRequest, UpsertGraphResponse
from exospherehost import GraphNodeModel
from exospherehost._wire import upsert_body
from exospherehost.results import GraphTemplate
from exospherehost.validation import validate_graph

SPEEDUP = 5.0
FLOOR_RATIO = 1.3
STEPS = {"build_and_encode": "build + encode", "decode_and_validate": "decode + validate"}


# The graph is written out in each builder (here, in exosphere_original.py and in throughput_client.py) on
# purpose: the timed code is what a user of each package writes. A shared builder taking the class and **kwargs
# added about 0.4 us per node to every side and pulled the ratios towards 1.
def sdk_nodes(count: int) -> list[GraphNodeModel]:
    return [
        GraphNodeModel(
            node_name="Worker",
            namespace="bench",
            identifier=f"n{i}",
            inputs={"x": f"${{{{ n{i - 1}.outputs.y }}}}" if i else "seed"},
            next_nodes=[f"n{i + 1}"] if i + 1 < count else None,
        )
        for i in range(count)
    ]


def sdk_build_and_encode(count: int) -> bytes:
    return upsert_body(sdk_nodes(count), {"k": "v"}, None, None, None)


def bare_build_and_encode(count: int) -> bytes:
    built = [
        GraphNode(
            node_name="Worker",
            namespace="bench",
            identifier=f"n{i}",
            inputs={"x": f"${{{{ n{i - 1}.outputs.y }}}}" if i else "seed"},
            next_nodes=[f"n{i + 1}"] if i + 1 < count else None,
            unites=None,
        )
        for i in range(count)
    ]
    return codec.encode(UpsertGraphRequest(secrets={"k": "v"}, nodes=built))


def get_answer(count: int) -> bytes:
    """What GET /graph/{name} answers for the graph: the upsert body's nodes and the server's defaults."""
    answer = {
        "nodes": json.loads(sdk_build_and_encode(count))["nodes"],
        "secrets": {"k": True},
        "retry_policy": {
            "max_retries": 3,
            "strategy": "EXPONENTIAL",
            "backoff_factor": 2000,
            "exponent": 2,
            "max_delay": None,
        },
        "store_config": {"required_keys": [], "default_values": {}},
        "triggers": [],
        "created_at": "2026-11-22T10:00:00",
        "updated_at": "2026-11-22T10:00:00",
        "validation_status": "VALID",
        "validation_errors": None,
    }
    return json.dumps(answer).encode()


def original_timings(python: str, answers: dict[int, bytes]) -> dict[int, dict[str, float]]:
    """exospherehost 0.0.3's times, in its own interpreter; it must send the very document this SDK sends."""
    script = os.path.join(os.path.dirname(__file__), "exosphere_original.py")
    env = interpreter_env(own_code=False)
    request = json.dumps({str(count): answer.decode() for count, answer in answers.items()})
    done = subprocess.run([python, script], input=request, env=env, capture_output=True, text=True, check=True)
    timings: dict[int, dict[str, float]] = {}
    for count, measured in json.loads(done.stdout).items():
        body = measured.pop("body")
        ours = sdk_build_and_encode(int(count))
        if json.loads(body, object_pairs_hook=list) != json.loads(ours, object_pairs_hook=list):
            raise AssertionError(f"exospherehost 0.0.3 and this SDK send different bodies for {count} nodes")
        timings[int(count)] = measured
    return timings


def measure(sizes: tuple[int, ...], original_python: str | None) -> Section:
    section = Section(
        "Exosphere graph",
        "A chain of nodes, each reading the previous one's output. *Build + encode*: GraphNodeModel objects to "
        "the PUT /graph body. *Decode + validate*: a GET /graph answer to typed objects (exospherehost 0.0.3: "
        "`json.loads`, then `GraphNodeModel.model_validate` per node, as its users must).",
        [
            "step",
            "nodes",
            "this SDK (ms)",
            "bare Structs (ms)",
            "exospherehost 0.0.3 (ms)",
            "SDK / floor",
            "faster than 0.0.3",
        ],
    )
    answers = {count: get_answer(count) for count in sizes}
    original = original_timings(original_python, answers) if original_python else {}
    for step, name in STEPS.items():
        for count in sizes:
            answer = answers[count]
            if step == "build_and_encode":
                ours = median_seconds(lambda count=count: sdk_build_and_encode(count))
                bare = median_seconds(lambda count=count: bare_build_and_encode(count))
            else:
                ours = median_seconds(lambda answer=answer: codec.decode(answer, GraphTemplate))
                bare = median_seconds(lambda answer=answer: codec.decode(answer, UpsertGraphResponse))
            floor = Check(
                f"Exosphere {name}, {nodes(count)} nodes: SDK / bare Structs",
                ours / bare,
                FLOOR_RATIO,
                at_most=True,
                group="floor",
            )
            section.checks.append(floor)
            row = [name, nodes(count), ms(ours), ms(bare), "not run", floor.describe(), "not run"]
            if count in original:
                theirs = original[count][step]
                faster = Check(
                    f"Exosphere {name}, {nodes(count)} nodes: vs exospherehost 0.0.3", theirs / ours, SPEEDUP
                )
                section.checks.append(faster)
                row[4], row[6] = ms(theirs), faster.describe()
            section.rows.append(row)
    return section


def validation_seconds(count: int) -> float:
    graph = sdk_nodes(count)
    if validate_graph(graph):
        raise AssertionError("the benchmark graph must be valid")
    return median_seconds(lambda: validate_graph(graph), rounds=5)
