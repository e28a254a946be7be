"""Waygrid spec: build, validate and encode a traversal spec, and decode one, at several sizes, with this SDK,
with the bare generated Structs (the floor: built by hand, encoded, no validation) and with pydantic v2 models
generated from the same schema (bench/pydantic_spec.py); and local validation time as the spec grows.

The spec is `entries` entry points, each a fork into `branches` chains of `chain` nodes that meet at a quorum join
followed by one more node: entries x (branches x (chain + 1) + 2) nodes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from pydantic_spec import models
from results import Check, Section, ms, nodes
from timing import median_seconds

from waygrid import JoinStrategy, Node, RetryPolicy, Spec
from waygrid_api import codec
from waygrid_api.duration import Duration
from waygrid_api.models.traversal_spec import (
    ExponentialRetry,
    ForkNode,
    ImmediateDelivery,
    JoinNode,
    NoRepeat,
    NoRetry,
    QuorumJoin,
    StandardNode,
)
from waygrid_api.models.traversal_spec import Spec as SpecStruct

FLOOR_RATIO = 1.3
SHAPES = {100: (1, 2, 48), 1_000: (1, 20, 49), 10_000: (10, 20, 49), 100_000: (100, 20, 49)}
STEPS = {"build_validate_encode": "build + validate + encode", "decode": "decode"}


def count_of(entries: int, branches: int, chain: int) -> int:
    return entries * (branches * (chain + 1) + 2)


def sdk_build(entries: int, branches: int, chain: int) -> bytes:
    retry = RetryPolicy.exponential(timedelta(seconds=1), max_retries=3)

    def block(e: int) -> Node:
        def branch(b: int) -> Node:
            node = Node.standard("waygrid://destination/webhook").label(f"e{e}b{b}-{chain - 1}").with_retry(retry)
            for step in range(chain - 2, -1, -1):
                node = (
                    Node.standard("waygrid://processor/enrich").label(f"e{e}b{b}-{step}").with_retry(retry)
                ).on_success(node)
            return node

        join = (
            Node.join("waygrid://system/waystation")
            .join_id(f"fan{e}")
            .strategy(JoinStrategy.quorum(max(1, branches // 2)))
            .on_success(Node.standard("waygrid://destination/archive"))
        )
        fork = (
            Node.fork("waygrid://system/waystation")
            .join_id(f"fan{e}")
            .branches({f"b{b}": branch(b) for b in range(branches)})
        )
        return fork.with_join(join)

    return Spec.multiple([block(e) for e in range(entries)]).validate().to_bytes()


def bare_spec(entries: int, branches: int, chain: int) -> SpecStruct:
    retry = ExponentialRetry(base=Duration.from_timedelta(timedelta(seconds=1)), max_retries=3)
    immediate = ImmediateDelivery()

    def block(e: int) -> ForkNode:
        quorum = QuorumJoin(n=max(1, branches // 2))
        join = JoinNode(address="waygrid://system/waystation", retry_policy=NoRetry(), delivery_strategy=immediate,
                        join_node_id=f"fan{e}", strategy=quorum)  # fmt: skip
        after = StandardNode(address="waygrid://destination/archive", retry_policy=NoRetry(),
                             delivery_strategy=immediate)  # fmt: skip
        carrier = JoinNode(address="waygrid://system/waystation", retry_policy=NoRetry(), delivery_strategy=immediate,
                           join_node_id=f"fan{e}", strategy=quorum, on_success=after)  # fmt: skip

        def branch(b: int) -> StandardNode:
            node = StandardNode(address="waygrid://destination/webhook", label=f"e{e}b{b}-{chain - 1}",
                                retry_policy=retry, delivery_strategy=immediate,
                                on_success=carrier if b == 0 else join)  # fmt: skip
            for step in range(chain - 2, -1, -1):
                node = StandardNode(address="waygrid://processor/enrich", label=f"e{e}b{b}-{step}", retry_policy=retry,
                                    delivery_strategy=immediate, on_success=node)  # fmt: skip
            return node

        return ForkNode(address="waygrid://system/waystation", retry_policy=NoRetry(), delivery_strategy=immediate,
                        branches={f"b{b}": branch(b) for b in range(branches)}, join_node_id=f"fan{e}")  # fmt: skip

    return SpecStruct(entry_points=[block(e) for e in range(entries)], repeat_policy=NoRepeat())


def bare_build(entries: int, branches: int, chain: int) -> bytes:
    return codec.encode(bare_spec(entries, branches, chain))


def pydantic_build(entries: int, branches: int, chain: int) -> bytes:
    """The same spec as pydantic models: built (which validates each field), then dumped as the router reads it."""
    m = models()
    retry = m.ExponentialRetry(base="1 second", max_retries=3)
    immediate = m.ImmediateDelivery()

    def block(e: int) -> Any:
        quorum = m.QuorumJoin(n=max(1, branches // 2))
        join = m.JoinNode(address="waygrid://system/waystation", retry_policy=m.NoRetry(), delivery_strategy=immediate,
                          join_node_id=f"fan{e}", strategy=quorum)  # fmt: skip
        after = m.StandardNode(address="waygrid://destination/archive", retry_policy=m.NoRetry(),
                               delivery_strategy=immediate)  # fmt: skip
        carrier = m.JoinNode(address="waygrid://system/waystation", retry_policy=m.NoRetry(),
                             delivery_strategy=immediate, join_node_id=f"fan{e}", strategy=quorum,
                             on_success=after)  # fmt: skip

        def branch(b: int) -> Any:
            node = m.StandardNode(address="waygrid://destination/webhook", label=f"e{e}b{b}-{chain - 1}",
                                  retry_policy=retry, delivery_strategy=immediate,
                                  on_success=carrier if b == 0 else join)  # fmt: skip
            for step in range(chain - 2, -1, -1):
                node = m.StandardNode(address="waygrid://processor/enrich", label=f"e{e}b{b}-{step}",
                                      retry_policy=retry, delivery_strategy=immediate, on_success=node)  # fmt: skip
            return node

        return m.ForkNode(address="waygrid://system/waystation", retry_policy=m.NoRetry(), delivery_strategy=immediate,
                          branches={f"b{b}": branch(b) for b in range(branches)}, join_node_id=f"fan{e}")  # fmt: skip

    spec = m.Spec(entry_points=[block(e) for e in range(entries)], repeat_policy=m.NoRepeat())
    dumped: bytes = spec.model_dump_json(by_alias=True, exclude_none=True).encode()
    return dumped


def measure(sizes: tuple[int, ...]) -> Section:
    section = Section(
        "Waygrid spec",
        "Entry points each forking into 20 chains of 49 nodes that meet at a quorum join (the 100-node spec: 2 "
        "chains of 48). *Build + validate + encode*: the SDK's builders, `validate()` (the router's DAG rules) and "
        "`to_bytes()`; the floor builds the generated Structs by hand and encodes them, without the DAG rules; "
        "pydantic builds its models (field validation) and dumps JSON. *Decode*: the router's JSON to typed objects "
        "(`Spec.from_json`, `codec.decode`, `Spec.model_validate_json`). All three produce the same bytes.",
        [
            "step",
            "nodes",
            "this SDK (ms)",
            "bare Structs (ms)",
            "pydantic v2 (ms)",
            "SDK / floor",
            "faster than pydantic",
        ],
    )
    m = models()
    for step, name in STEPS.items():
        for size in sizes:
            shape = SHAPES[size]
            if step == "build_validate_encode":
                ours = median_seconds(lambda shape=shape: sdk_build(*shape))
                bare = median_seconds(lambda shape=shape: bare_build(*shape))
                theirs = median_seconds(lambda shape=shape: pydantic_build(*shape))
            else:
                data = sdk_build(*shape)
                ours = median_seconds(lambda data=data: Spec.from_json(data))
                bare = median_seconds(lambda data=data: codec.decode(data, SpecStruct))
                theirs = median_seconds(lambda data=data: m.Spec.model_validate_json(data))
            count = nodes(count_of(*shape))
            floor = Check(f"Waygrid {name}, {count} nodes: SDK / bare Structs", ours / bare, FLOOR_RATIO, at_most=True,
                          group="floor")  # fmt: skip
            faster = Check(f"Waygrid {name}, {count} nodes: vs pydantic v2", theirs / ours, None)
            section.checks += [floor, faster]
            section.rows.append([name, count, ms(ours), ms(bare), ms(theirs), floor.describe(), faster.describe()])
    return section


def validation_seconds(size: int) -> tuple[int, float]:
    """(node count, seconds) of `Spec.problems()` on the spec of about `size` nodes."""
    shape = SHAPES[size]
    spec = Spec.from_json(sdk_build(*shape))
    if spec.problems():
        raise AssertionError("the benchmark spec must be valid")
    return count_of(*shape), median_seconds(spec.problems, rounds=5)
