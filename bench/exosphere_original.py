"""The exospherehost 0.0.3 side of bench/exosphere_graph.py, run with that package's own interpreter.

Reads {size: GET answer} as JSON on stdin; prints {size: {build_and_encode, decode_and_validate, body}}."""

from __future__ import annotations

import json
import sys

from timing import median_seconds

from exospherehost import GraphNodeModel


def build_and_encode(count: int) -> bytes:
    nodes = [
        GraphNodeModel(
            node_name="Worker",
            namespace="bench",
            identifier=f"n{i}",
            inputs={"x": f"${{{{ n{i - 1}.outputs.y }}}}" if i else "seed"},
            next_nodes=[f"n{i + 1}"] if i + 1 < count else None,
        )
        for i in range(count)
    ]
    return json.dumps({"secrets": {"k": "v"}, "nodes": [node.model_dump() for node in nodes]}).encode()


def decode_and_validate(answer: str) -> list[GraphNodeModel]:
    graph = json.loads(answer)
    return [GraphNodeModel.model_validate(node) for node in graph["nodes"]]


def main() -> None:
    answers = {int(count): answer for count, answer in json.load(sys.stdin).items()}
    results = {
        count: {
            "build_and_encode": median_seconds(lambda count=count: build_and_encode(count)),
            "decode_and_validate": median_seconds(lambda answer=answer: decode_and_validate(answer)),
            "body": build_and_encode(count).decode(),
        }
        for count, answer in answers.items()
    }
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    main()
