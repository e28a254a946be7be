"""Local validation as the graph grows: `validate_graph` (Exosphere, a chain of nodes) and `Spec.problems()`
(Waygrid, fork/join blocks) at about 1k, 10k and 100k nodes. Expected linear: the time per node at 100k is
checked against the time per node at 1k."""

from __future__ import annotations

import exosphere_graph
import waygrid_spec
from results import Check, Section, ms, nodes

SIZES = (1_000, 10_000, 100_000)
TEN_THOUSAND_MS = 50.0
PER_NODE_GROWTH = 1.5


def measure() -> Section:
    section = Section(
        "Local validation scaling",
        f"Median time of one validation. Targets: the 10k-node graph in under {TEN_THOUSAND_MS:g} ms, and linear "
        f"growth (time per node at 100k at most {PER_NODE_GROWTH}x the time per node at 1k).",
        ["SDK", "nodes", "ms", "us / node"],
    )
    timings = {
        "exospherehost": [(size, exosphere_graph.validation_seconds(size)) for size in SIZES],
        "waygrid": [waygrid_spec.validation_seconds(size) for size in SIZES],
    }
    for sdk, measured in timings.items():
        for count, seconds in measured:
            section.rows.append([f"`{sdk}`", nodes(count), ms(seconds), f"{seconds / count * 1e6:.2f}"])
        (small, small_seconds), (middle, middle_seconds), (large, large_seconds) = measured
        section.checks.append(Check(f"{sdk}: validation of {nodes(middle)} nodes", middle_seconds * 1e3,
                                    TEN_THOUSAND_MS, at_most=True, group="validation", unit=" ms"))  # fmt: skip
        growth = (large_seconds / large) / (small_seconds / small)
        section.checks.append(Check(f"{sdk}: time per node, {nodes(large)} / {nodes(small)} nodes", growth,
                                    PER_NODE_GROWTH, at_most=True, group="linear"))  # fmt: skip
    return section
