"""The exospherehost 0.0.3 side of bench/exosphere_graph.py: run with the original's interpreter, prints JSON."""

from __future__ import annotations

import json
import sys
import timeit

from exospherehost import GraphNodeModel

NODES = int(sys.argv[1])
RESPONSE = sys.stdin.read()


def build_and_encode() -> bytes:
    nodes = [
        GraphNodeModel(
            node_name="Worker",
            namespace="bench",
            identifier=f"n{i}",
            inputs={"x": f"${{{{ n{i - 1}.outputs.y }}}}" if i else "seed"},
            next_nodes=[f"n{i + 1}"] if i + 1 < NODES else None,
        )
        for i in range(NODES)
    ]
    return json.dumps({"secrets": {"k": "v"}, "nodes": [node.model_dump() for node in nodes]}).encode()


def decode_and_validate() -> list[GraphNodeModel]:
    graph = json.loads(RESPONSE)
    return [GraphNodeModel.model_validate(node) for node in graph["nodes"]]


def best(function: object) -> float:
    return min(timeit.repeat(function, number=5, repeat=5)) / 5  # type: ignore[arg-type]


print(
    json.dumps(
        {
            "build_and_encode": best(build_and_encode),
            "decode_and_validate": best(decode_and_validate),
            "body": build_and_encode().decode(),
        }
    )
)
