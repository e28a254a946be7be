"""Waygrid simulation: `waygrid.simulate` on specs of 1,000 and 10,000 nodes, every node with an exponential retry
policy and one service in seven failing its first attempt (so about a seventh of the nodes retry once).

The spec is a fork into `branches` chains of `chain` nodes meeting at an And join, then one more node. *Warm*:
the same spec object again (its compiled DAG is cached), so the time is the simulation alone; *cold*: a new but
equal spec each call, so the router's decode rules, the compile to a DAG and its structure checks are in the
time too. Executions: node dispatches (first attempts and retries) per second of a warm simulation."""

from __future__ import annotations

from datetime import timedelta

from results import Check, Section, ms
from timing import median_seconds

import waygrid
from waygrid import JoinStrategy, Node, RetryPolicy, Spec
from waygrid.simulation import fail, sequence, succeed

EXECUTIONS_PER_SECOND = 100_000
LARGE_SPEC_SECONDS = 0.100
SHAPES = {1_000: (20, 50), 10_000: (200, 50)}
WAYSTATION = "waygrid://system/waystation"
RETRY_ONCE = sequence(fail(), succeed())


def spec_of(branches: int, chain: int) -> Spec:
    retry = RetryPolicy.exponential(timedelta(milliseconds=100), max_retries=2)

    def branch(b: int) -> Node:
        node = None
        for step in reversed(range(chain)):
            # An address per branch: the router's compiler merges equal-address nodes whose path bits collide,
            # which long chains in wide forks reach (the simulator then reports the router's runtime error).
            current = Node.standard(f"waygrid://processor/b{b}-s{(b + step) % 7}").with_retry(retry)
            node = current if node is None else current.on_success(node)
        assert node is not None
        return node

    join = Node.join(WAYSTATION).strategy(JoinStrategy.AND).on_success(Node.standard("waygrid://processor/end"))
    fork = Node.fork(WAYSTATION).join_id("all").branches({f"b{b:03d}": branch(b) for b in range(branches)})
    return Spec.single(Node.standard("waygrid://origin/start").on_success(fork.with_join(join)))


def handlers(branches: int) -> dict[str, object]:
    return {f"waygrid://processor/b{b}-s3": RETRY_ONCE for b in range(branches)}


def measure() -> Section:
    section = Section(
        "Waygrid simulation",
        __doc__.split("\n\n")[0].replace("\n", " ").split(": ", 1)[1],
        ["nodes", "dispatches", "warm (ms)", "cold (ms)", "executions/s (warm)"],
    )
    for size, (branches, chain) in SHAPES.items():
        spec = spec_of(branches, chain)
        text = spec.to_json()
        scripted = handlers(branches)
        result = waygrid.simulate(spec, scripted)
        assert result.outcome == "completed", result.outcome
        dispatches = len(result.of_kind("dispatched"))
        warm = median_seconds(lambda spec=spec, scripted=scripted: waygrid.simulate(spec, scripted), rounds=5)
        cold = median_seconds(
            lambda text=text, scripted=scripted: waygrid.simulate(Spec.from_json(text), scripted), rounds=5
        )
        decode = median_seconds(lambda text=text: Spec.from_json(text), rounds=5)
        cold -= decode
        nodes = branches * chain + 4
        rate = dispatches / warm
        section.rows.append([f"{nodes:,}", f"{dispatches:,}", ms(warm), ms(cold), f"{rate:,.0f}"])
        section.checks.append(Check(f"Waygrid simulation, {nodes:,} nodes: executions per second",
                                    rate, EXECUTIONS_PER_SECOND, unit="/s", group="simulation"))  # fmt: skip
        if size == 10_000:
            section.checks.append(Check(f"Waygrid simulation, {nodes:,} nodes with retries: cold (ms)",
                                        cold * 1e3, LARGE_SPEC_SECONDS * 1e3, at_most=True, unit=" ms",
                                        group="simulation"))  # fmt: skip
    return section


if __name__ == "__main__":
    print(measure().to_json())
