"""The specs of the SDK document (the blocks of tests/waygrid_sdk/seed.md, run as the seed tests run them) and of
the demo (examples/waygrid_demo.py), by name, plus the demo's handlers."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

from tests.waygrid_sdk.test_seed_examples import BLOCKS, run_block
from waygrid import Spec

EXAMPLES = Path(__file__).parents[2] / "examples"


def _demo() -> Any:
    sys.path.insert(0, str(EXAMPLES))
    try:
        import waygrid_demo
    finally:
        sys.path.remove(str(EXAMPLES))
    return waygrid_demo


DEMO = _demo()


def seed_specs() -> dict[str, Spec]:
    """Every spec the seed document builds; a block that builds a node (not a spec) gives `Spec.single(node)`,
    the fork and join blocks give the fork alone (the router refuses it: drawn all the same) and joined."""
    quick_start = run_block(0, BLOCKS[0].split("# Or use the client")[0])["spec"]
    fork, join = run_block(3)["fork"], run_block(4)["join"]
    quorum = run_block(10)
    build_workflow = run_block(13)["build_workflow"]
    return {
        "seed-quick-start": quick_start,
        "seed-multiple-entry-points": run_block(1)["spec"],
        "seed-standard-node-full": Spec.single(run_block(2)["node"]),
        "seed-fork-without-join": Spec.single(fork),
        "seed-fork-and-join": Spec.single(fork.with_join(join)),
        "seed-error-handling": Spec.single(run_block(9)["workflow"]),
        "seed-parallel-quorum-unjoined": quorum["spec"],
        "seed-parallel-quorum": Spec.single(quorum["spec"].entry_points[0].with_join(quorum["join"])),
        "seed-type-hints": build_workflow("waygrid://processor/openai", "waygrid://destination/webhook", 4),
    }


def demo_specs() -> dict[str, Spec]:
    specs = {"demo-" + re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-"): spec
             for title, spec in DEMO.documented_specs().items()}  # fmt: skip
    specs["demo-error-handling"] = DEMO.error_handling_workflow()
    specs["demo-retried"] = DEMO.retried_spec()
    return specs


SPECS: dict[str, Spec] = {**seed_specs(), **demo_specs()}
