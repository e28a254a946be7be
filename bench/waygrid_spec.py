"""Benchmark: building, validating and encoding a 1,000-node Waygrid spec with the SDK, against building the same
generated Structs by hand and encoding them; and how validation time grows with the spec's size.

Run with `python -m nox -s bench` (or `python bench/waygrid_spec.py`). Exits 1 when a target is missed:
- SDK build + validate + encode <= 1.3x hand-built Structs + encode, for the same 1,000-node spec;
- validation time per node at 4,000 nodes <= 1.5x the time per node at 250 nodes (linear growth).
"""

from __future__ import annotations

import sys
import timeit
from collections.abc import Callable
from datetime import timedelta

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

TARGET_RATIO = 1.3
LINEAR_SLACK = 1.5
BRANCHES = 20
CHAIN = 49  # 1 fork + 20 branches x 49 steps + 20 join copies + 1 after the join = 1,002 nodes


def sdk(branches: int = BRANCHES, chain: int = CHAIN) -> bytes:
    retry = RetryPolicy.exponential(timedelta(seconds=1), max_retries=3)

    def branch(b: int) -> Node:
        node = Node.standard("waygrid://destination/webhook").label(f"b{b}-{chain - 1}").with_retry(retry)
        for step in range(chain - 2, -1, -1):
            node = Node.standard("waygrid://processor/enrich").label(f"b{b}-{step}").with_retry(retry).on_success(node)
        return node

    join = (
        Node.join("waygrid://system/waystation")
        .join_id("fan")
        .strategy(JoinStrategy.quorum(branches // 2))
        .on_success(Node.standard("waygrid://destination/archive"))
    )
    fork = (
        Node.fork("waygrid://system/waystation").join_id("fan").branches({f"b{b}": branch(b) for b in range(branches)})
    )
    spec = Spec.single(fork.with_join(join)).validate()
    return spec.to_bytes()


def hand_spec(branches: int = BRANCHES, chain: int = CHAIN) -> SpecStruct:
    retry = ExponentialRetry(base=Duration.from_timedelta(timedelta(seconds=1)), max_retries=3)
    immediate = ImmediateDelivery()
    join = JoinNode(address="waygrid://system/waystation", retry_policy=NoRetry(), delivery_strategy=immediate,
                    join_node_id="fan", strategy=QuorumJoin(n=branches // 2))  # fmt: skip
    after = StandardNode(address="waygrid://destination/archive", retry_policy=NoRetry(), delivery_strategy=immediate)
    carrier = JoinNode(address="waygrid://system/waystation", retry_policy=NoRetry(), delivery_strategy=immediate,
                       join_node_id="fan", strategy=QuorumJoin(n=branches // 2), on_success=after)  # fmt: skip

    def branch(b: int) -> StandardNode:
        node = StandardNode(address="waygrid://destination/webhook", label=f"b{b}-{chain - 1}", retry_policy=retry,
                            delivery_strategy=immediate, on_success=carrier if b == 0 else join)  # fmt: skip
        for step in range(chain - 2, -1, -1):
            node = StandardNode(address="waygrid://processor/enrich", label=f"b{b}-{step}", retry_policy=retry,
                                delivery_strategy=immediate, on_success=node)  # fmt: skip
        return node

    fork = ForkNode(address="waygrid://system/waystation", retry_policy=NoRetry(), delivery_strategy=immediate,
                    branches={f"b{b}": branch(b) for b in range(branches)}, join_node_id="fan")  # fmt: skip
    return SpecStruct(entry_points=[fork], repeat_policy=NoRepeat())


def by_hand() -> bytes:
    return codec.encode(hand_spec())


def by_hand_validated() -> bytes:
    return Spec.from_struct(hand_spec()).validate().to_bytes()


def best(function: Callable[[], object], number: int = 20, repeat: int = 7) -> float:
    """Seconds per call: the best of `repeat` rounds of `number` calls (the least disturbed measurement)."""
    return min(timeit.repeat(function, number=number, repeat=repeat)) / number


def main() -> int:
    assert sdk() == by_hand(), "the two ways must produce the same bytes"
    nodes = 1 + BRANCHES * CHAIN + BRANCHES + 1
    spec = Spec.from_json(sdk())
    hand_total = best(by_hand)
    hand_checked = best(by_hand_validated)
    sdk_total = best(sdk)
    encode_only = best(spec.to_bytes)
    validate_only = best(spec.problems)
    ratio = sdk_total / hand_total
    rows = [
        ("by hand: build Structs + encode", hand_total, ""),
        ("by hand: build Structs + validate + encode", hand_checked, f"ratio {sdk_total / hand_checked:.2f}"),
        ("SDK: build + validate + encode", sdk_total, f"ratio {ratio:.2f} (target <= {TARGET_RATIO})"),
        ("encode only", encode_only, ""),
        ("validate only", validate_only, ""),
    ]
    print(f"Waygrid spec of {nodes} nodes (best of 7 rounds):")
    for name, seconds, note in rows:
        print(f"  {name:<44} {seconds * 1e3:8.3f} ms  {note}")
    print("validation time by size:")
    per_node = {}
    for branches in (5, 10, 20, 40, 80):
        sized = Spec.from_json(sdk(branches=branches))
        count = 1 + branches * CHAIN + branches + 1
        seconds = best(sized.problems, number=5)
        per_node[count] = seconds / count
        print(f"  {count:6d} nodes  {seconds * 1e3:8.3f} ms  {seconds / count * 1e6:6.3f} us/node")
    growth = per_node[max(per_node)] / per_node[min(per_node)]
    print(f"  per-node time, largest / smallest: {growth:.2f} (target <= {LINEAR_SLACK})")
    failed = ratio > TARGET_RATIO or growth > LINEAR_SLACK
    print("FAILED" if failed else "targets met")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
