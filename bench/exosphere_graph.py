"""Benchmark: a 1,000-node Exosphere graph, built and encoded, and its GET answer decoded and validated, with this
SDK, with the bare generated Structs, and with exospherehost 0.0.3 (when ORIGINAL_PYTHON names its interpreter);
and the import time of both packages.

Run with `python -m nox -s bench`. Targets (exit 1 on a miss): each step >= 5x faster than exospherehost 0.0.3
and <= 1.3x the bare Structs; `import exospherehost` <= 1/10 of the original's.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import timeit
from collections.abc import Callable

from exosphere_api import codec
from exosphere_api.models.graph_node import GraphNode
from exosphere_api.models.upsert_graph import UpsertGraphRequest, UpsertGraphResponse
from exospherehost import GraphNodeModel
from exospherehost._wire import upsert_body
from exospherehost.results import GraphTemplate

NODES = 1000
SPEEDUP = 5.0
BARE_RATIO = 1.3
IMPORT_SHARE = 0.1


def sdk_build_and_encode() -> bytes:
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
    return upsert_body(nodes, {"k": "v"}, None, None, None)


def bare_build_and_encode() -> bytes:
    nodes = [
        GraphNode(
            node_name="Worker",
            namespace="bench",
            identifier=f"n{i}",
            inputs={"x": f"${{{{ n{i - 1}.outputs.y }}}}" if i else "seed"},
            next_nodes=[f"n{i + 1}"] if i + 1 < NODES else None,
            unites=None,
        )
        for i in range(NODES)
    ]
    return codec.encode(UpsertGraphRequest(secrets={"k": "v"}, nodes=nodes))


def response() -> bytes:
    body = json.loads(sdk_build_and_encode())
    return json.dumps(
        {
            "nodes": body["nodes"],
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
    ).encode()


def best(function: Callable[[], object]) -> float:
    return min(timeit.repeat(function, number=5, repeat=5)) / 5


def import_seconds(python: str, own_path: bool) -> float:
    """Wall time of `import exospherehost` in a fresh interpreter, minus an empty one; best of 7. Bytecode caching
    is on, as on a user's machine, and a first import writes the caches."""
    dropped = {"PYTHONDONTWRITEBYTECODE"} if own_path else {"PYTHONDONTWRITEBYTECODE", "PYTHONPATH"}
    env = {name: value for name, value in os.environ.items() if name not in dropped}

    def run(code: str) -> float:
        started = time.perf_counter()
        subprocess.run([python, "-c", code], env=env, check=True)
        return time.perf_counter() - started

    run("import exospherehost")
    empty = min(run("pass") for _ in range(7))
    return max(min(run("import exospherehost") for _ in range(7)) - empty, 1e-6)


def main() -> int:
    data = response()
    ours = {
        "build_and_encode": best(sdk_build_and_encode),
        "decode_and_validate": best(lambda: codec.decode(data, GraphTemplate)),
    }
    bare = {
        "build_and_encode": best(bare_build_and_encode),
        "decode_and_validate": best(lambda: codec.decode(data, UpsertGraphResponse)),
    }
    failed = False
    print(f"Exosphere graph of {NODES} nodes (best of 5 rounds, ms):")
    original_python = os.environ.get("ORIGINAL_PYTHON")
    original: dict[str, float] = {}
    if original_python:
        script = os.path.join(os.path.dirname(__file__), "exosphere_original.py")
        env = {name: value for name, value in os.environ.items() if name != "PYTHONPATH"}
        answer = subprocess.run(
            [original_python, script, str(NODES)],
            input=data.decode(),
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        original = json.loads(answer.stdout)
        assert json.loads(original.pop("body"), object_pairs_hook=list) == json.loads(
            sdk_build_and_encode(), object_pairs_hook=list
        ), "both must send the same document"
    for step in ("build_and_encode", "decode_and_validate"):
        ratio = ours[step] / bare[step]
        line = f"  {step:<20} SDK {ours[step] * 1e3:8.3f}   bare Structs {bare[step] * 1e3:8.3f} ({ratio:.2f}x"
        failed |= ratio > BARE_RATIO
        if original:
            speedup = original[step] / ours[step]
            line += f")   exospherehost 0.0.3 {original[step] * 1e3:8.3f} ({speedup:.1f}x faster"
            failed |= speedup < SPEEDUP
        print(line + ")")
    ours_import = import_seconds(sys.executable, own_path=True)
    print(f"  import exospherehost: {ours_import * 1e3:.1f} ms", end="")
    if original_python:
        original_import = import_seconds(original_python, own_path=False)
        share = ours_import / original_import
        print(f"; exospherehost 0.0.3: {original_import * 1e3:.1f} ms (share {share:.2f}, target <= {IMPORT_SHARE})")
        failed |= share > IMPORT_SHARE
    else:
        print(" (set ORIGINAL_PYTHON to compare with exospherehost 0.0.3)")
    print(f"targets: SDK <= {BARE_RATIO}x bare Structs, >= {SPEEDUP}x faster than exospherehost 0.0.3")
    print("FAILED" if failed else "targets met")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
