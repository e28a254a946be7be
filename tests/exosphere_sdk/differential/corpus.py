"""The differential corpus: graphs (as constructor arguments) for exospherehost 0.0.3 and this SDK to send, and
bad model inputs whose messages must match. Plain data, built deterministically, importable by both."""

from __future__ import annotations

import random
from typing import Any

STRATEGIES = [
    "EXPONENTIAL", "EXPONENTIAL_FULL_JITTER", "EXPONENTIAL_EQUAL_JITTER", "LINEAR", "LINEAR_FULL_JITTER",
    "LINEAR_EQUAL_JITTER", "FIXED", "FIXED_FULL_JITTER", "FIXED_EQUAL_JITTER",
]  # fmt: skip
INPUT_VALUES: list[Any] = ["1", "", " padded ", "caf\u00e9 \u2603", "${{ a.outputs.x }}", 5, 2.5, True, None,
                           {"nested": [1, "two"]}, ["x"]]  # fmt: skip


def graphs(count: int = 40, seed: int = 7) -> list[dict[str, Any]]:
    """Upsert calls: `nodes` (GraphNodeModel kwargs), `secrets`, and optional `retry_policy`, `store_config`
    (kwargs) and `triggers` (expressions); each key left out means the argument is left out."""
    rng = random.Random(seed)
    cases: list[dict[str, Any]] = []
    for number in range(count):
        size = rng.randint(1, 6)
        ids = [f"n{index}" for index in range(size)]
        nodes = []
        for index, identifier in enumerate(ids):
            node: dict[str, Any] = {
                "node_name": rng.choice(["Loader", " Padded ", "Processor"]),
                "namespace": rng.choice(["ns", " spaced ns "]),
                "identifier": identifier if rng.random() < 0.7 else f"  {identifier} ",
            }
            if rng.random() < 0.8:
                node["inputs"] = {f"k{k}": rng.choice(INPUT_VALUES) for k in range(rng.randint(0, 3))}
            choice = rng.random()
            if choice < 0.5 and index + 1 < size:
                node["next_nodes"] = [f" {ids[index + 1]}", *ids[index + 2 : index + 3]]
            elif choice < 0.7:
                node["next_nodes"] = None
            elif choice < 0.8:
                node["next_nodes"] = []
            if index > 0 and rng.random() < 0.3:
                unites: dict[str, Any] = {"identifier": f" {ids[0]} "}
                if rng.random() < 0.5:
                    unites["strategy"] = rng.choice(["ALL_SUCCESS", "ALL_DONE"])
                node["unites"] = unites
            nodes.append(node)
        case: dict[str, Any] = {
            "graph_name": f"graph-{number}",
            "nodes": nodes,
            "secrets": {f"s{k}": f"v{k}" for k in range(rng.randint(0, 2))},
        }
        if rng.random() < 0.6:
            policy: dict[str, Any] = {}
            for name, values in (("max_retries", [0, 3, 10]), ("strategy", STRATEGIES), ("backoff_factor", [1, 2000]),
                                 ("exponent", [1, 3]), ("max_delay", [None, 60000])):  # fmt: skip
                if rng.random() < 0.6:
                    policy[name] = rng.choice(values)
            case["retry_policy"] = policy
        if rng.random() < 0.5:
            case["store_config"] = {
                "required_keys": rng.sample([" cursor ", "batch_id", "page"], rng.randint(0, 3)),
                "default_values": {" cursor ": "0", "size": "100"} if rng.random() < 0.5 else {},
            }
        if rng.random() < 0.5:
            case["triggers"] = rng.sample(["0 9 * * 1-5", "*/15 * * * *", "0 0 1 * *"], rng.randint(0, 3))
        cases.append(case)
    return cases


TRIGGERS: list[dict[str, Any]] = [
    {"graph_name": "graph-0"},
    {"graph_name": "graph-1", "inputs": {"user_id": "123"}},
    {"graph_name": "graph-2", "inputs": {"a": "1"}, "store": {"cursor": "0"}, "start_delay": 5000},
    {"graph_name": "graph-3", "store": None, "inputs": None},
]

# Model inputs, good and bad: pydantic's lax integers (what code written for 0.0.3 may pass), strict strings, and
# the validators' messages.
MODELS: list[tuple[str, dict[str, Any]]] = [
    ("RetryPolicyModel", {"max_retries": "3", "backoff_factor": 2.0, "exponent": True}),
    ("RetryPolicyModel", {"max_retries": " 4 ", "backoff_factor": "2.0", "max_delay": "1_000"}),
    ("RetryPolicyModel", {"max_retries": False, "exponent": "+7", "max_delay": 2**70}),
    ("RetryPolicyModel", {"max_retries": 1.5}),
    ("RetryPolicyModel", {"max_retries": None, "backoff_factor": "1e2", "exponent": "1.5"}),
    ("RetryPolicyModel", {"max_retries": [], "backoff_factor": {}, "exponent": "abc", "max_delay": "  "}),
    ("RetryPolicyModel", {"backoff_factor": 1e20, "exponent": False, "max_delay": "0"}),
    ("RetryPolicyModel", {"max_retries": "-1", "backoff_factor": "-2.0", "exponent": "0x10", "max_delay": 9.3e18}),
    ("StoreConfigModel", {"required_keys": [1, None, "a"], "default_values": {"k": 1, "j": None}}),
    ("StoreConfigModel", {"required_keys": "abc", "default_values": []}),
    ("GraphNodeModel", {"node_name": 1, "namespace": None, "identifier": "a"}),
    ("GraphNodeModel", {"node_name": "A", "namespace": "ns", "identifier": "a", "inputs": []}),
    ("GraphNodeModel", {"node_name": "A", "namespace": "ns", "identifier": "a", "next_nodes": "b"}),
    ("GraphNodeModel", {"node_name": "A", "namespace": "ns", "identifier": "a", "next_nodes": [1, " b"]}),
    ("GraphNodeModel", {"node_name": "A", "namespace": "ns", "identifier": "a", "unites": {"strategy": "ALL_DONE"}}),
    ("GraphNodeModel", {"node_name": "A", "namespace": "ns", "identifier": "a", "unites": {"identifier": 1}}),
    ("GraphNodeModel", {"node_name": "A", "namespace": "ns"}),
    ("GraphNodeModel", {"node_name": " A ", "namespace": " ns ", "identifier": " a ", "next_nodes": None}),
    ("UnitesModel", {"identifier": "a", "strategy": "ALL_SOMETIMES"}),
    ("CronTrigger", {"expression": 5}),
    ("GraphNodeModel", {"node_name": " ", "namespace": "ns", "identifier": "a"}),
    ("GraphNodeModel", {"node_name": "A", "namespace": "ns", "identifier": "  "}),
    ("GraphNodeModel", {"node_name": "A", "namespace": "ns", "identifier": " store"}),
    ("GraphNodeModel", {"node_name": "A", "namespace": "ns", "identifier": "a", "next_nodes": ["b", " b", " "]}),
    ("GraphNodeModel", {"node_name": "A", "namespace": "ns", "identifier": "a", "unites": {"identifier": " "}}),
    ("GraphNodeModel", {"node_name": "", "namespace": "ns", "identifier": "store", "next_nodes": [""]}),
    ("RetryPolicyModel", {"max_retries": -1}),
    ("RetryPolicyModel", {"backoff_factor": 0, "exponent": 0}),
    ("RetryPolicyModel", {"max_delay": 0}),
    ("RetryPolicyModel", {"strategy": "SOMETIMES"}),
    ("StoreConfigModel", {"required_keys": ["a.b", "c", " c", "  "]}),
    ("StoreConfigModel", {"default_values": {"x.y": "1", " ": "2"}}),
]
