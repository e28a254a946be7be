"""The graphs the pictures are tested on: every graph of the seed document and of the demo, caught where their code
calls `upsert_graph` (a stand-in StateManager records the call), and a small run executed for real."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import importlib
import io
import re
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, ClassVar

import msgspec

import exospherehost
from exospherehost import (
    BaseNode,
    Graph,
    GraphNodeModel,
    PruneSignal,
    RetryPolicyModel,
    RetryStrategyEnum,
    StoreConfigModel,
    UnitesModel,
    UnitesStrategyEnum,
)
from exospherehost.observation import RunResult
from exospherehost.results import RunGraph
from exospherehost.validation import GraphTemplateError

ROOT = Path(__file__).parents[2]
SEED = ROOT / "tests" / "exosphere_sdk" / "seed.md"
EXAMPLES = ROOT / "examples"
SECRET_VALUE = "hunter2-do-not-print-me"


class _Recorder:
    """StateManager's constructor and upsert_graph: records the graph, then refuses it (GraphTemplateError), so
    that the code under test moves on to its next graph or stops."""

    graphs: ClassVar[list[Graph]] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass

    async def upsert_graph(self, graph_name: str, graph_nodes: list[GraphNodeModel], secrets: dict[str, str],
                           retry_policy: Any = None, store_config: Any = None, triggers: Any = None,
                           **options: Any) -> Any:  # fmt: skip
        self.graphs.append(Graph(graph_nodes, name=graph_name, secrets=secrets, retry_policy=retry_policy,
                                 store_config=store_config, triggers=triggers))  # fmt: skip
        raise GraphTemplateError([])


def _recorded(call: Any) -> list[Graph]:
    _Recorder.graphs = []
    with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(GraphTemplateError):
        asyncio.run(call())
    return list(_Recorder.graphs)


def seed_graphs() -> dict[str, Graph]:
    """The Basic Usage block's graph (as upserted), and the GraphNodeModel block's node as a graph of one."""
    blocks = re.findall(r"```python[^\n]*\n(.*?)```", SEED.read_text(encoding="utf-8"), re.S)
    namespace: dict[str, Any] = {"EXOSPHERE_STATE_MANAGER_URI": "http://unused", "EXOSPHERE_API_KEY": "unused"}
    exec(compile(blocks[0], "seed.md block 0", "exec"), namespace)
    namespace["StateManager"] = _Recorder  # the block imported the real one; its function looks it up when called
    (basic,) = _recorded(namespace["create_graph"])
    models = {name: getattr(exospherehost, name) for name in exospherehost.__all__}
    exec(f"model = {blocks[1]}", models)
    return {"seed-basic-usage": basic, "seed-graph-node-model": Graph([models["model"]], name="graph-node-model")}


def demo_graphs() -> dict[str, Graph]:
    """Each graph examples/exosphere_demo.py upserts, by name."""
    sys.path.insert(0, str(EXAMPLES))
    try:
        exosphere_demo: Any = importlib.import_module("exosphere_demo")
    finally:
        sys.path.remove(str(EXAMPLES))
    found: list[Graph] = []
    real = exosphere_demo.StateManager
    exosphere_demo.StateManager = _Recorder
    try:
        for step in (exosphere_demo.create_graph, exosphere_demo.fan_out_graph, exosphere_demo.invalid_graphs):
            found += _recorded(lambda step=step: step("http://unused", "unused"))
    finally:
        exosphere_demo.StateManager = real
    return {f"demo-{graph.name}": graph for graph in found}


@functools.cache
def all_graphs() -> dict[str, Graph]:
    return {**seed_graphs(), **demo_graphs()}


# --- a real run: a fan-out, a failure retried and then passing, one failing for good, a unites, a prune ----------

NS = "rendering"
KEY = "exo-rendering-key"
attempts: dict[str, int] = {}


class Listing(BaseNode):
    class Inputs(msgspec.Struct):
        folder: str

    class Outputs(msgspec.Struct):
        items: str

    async def execute(self) -> Outputs:
        return self.Outputs(items="a,b,c")


class Split(BaseNode):
    class Inputs(msgspec.Struct):
        items: str

    class Outputs(msgspec.Struct):
        item: str

    async def execute(self) -> list[Outputs]:
        return [self.Outputs(item=item) for item in self.inputs.items.split(",")]


class Work(BaseNode):
    """Fails once for "b" (then the retry passes), and always for the whole listing (the audit)."""

    class Inputs(msgspec.Struct):
        item: str

    class Outputs(msgspec.Struct):
        done: str

    async def execute(self) -> Outputs:
        key = f"{type(self).__name__}:{self.inputs.item}"
        attempts[key] = attempts.get(key, 0) + 1
        if "," in self.inputs.item or (self.inputs.item == "b" and attempts[key] == 1):
            raise RuntimeError(f"cannot process {self.inputs.item} (attempt {attempts[key]}): " + "quota " * 30)
        return self.Outputs(done=self.inputs.item)


class Audit(Work):
    pass


class Collect(BaseNode):
    class Inputs(msgspec.Struct):
        items: str

    class Outputs(msgspec.Struct):
        report: str

    async def execute(self) -> Outputs:
        return self.Outputs(report=f"collected {self.inputs.items}")


class Publish(BaseNode):
    class Inputs(msgspec.Struct):
        items: str

    class Outputs(msgspec.Struct):
        url: str

    async def execute(self) -> Outputs:
        raise PruneSignal({"reason": "dry run"})


RUN_GRAPH = Graph(
    [
        GraphNodeModel(node_name="Listing", namespace=NS, identifier="listing",
                       inputs={"folder": "${{ store.folder }}"}, next_nodes=["split", "audit"]),
        GraphNodeModel(node_name="Audit", namespace=NS, identifier="audit",
                       inputs={"item": "${{ listing.outputs.items }}"}),
        GraphNodeModel(node_name="Split", namespace=NS, identifier="split",
                       inputs={"items": "${{ listing.outputs.items }}"}, next_nodes=["work"]),
        GraphNodeModel(node_name="Work", namespace=NS, identifier="work", inputs={"item": "${{ split.outputs.item }}"},
                       next_nodes=["collect"]),
        GraphNodeModel(node_name="Collect", namespace=NS, identifier="collect",
                       inputs={"items": "${{ listing.outputs.items }}"}, next_nodes=["publish"],
                       unites=UnitesModel(identifier="split", strategy=UnitesStrategyEnum.ALL_DONE)),
        GraphNodeModel(node_name="Publish", namespace=NS, identifier="publish",
                       inputs={"items": "${{ listing.outputs.items }}"}),
    ],
    name="rendered-run",
    secrets={"api_key": SECRET_VALUE},
    retry_policy=RetryPolicyModel(max_retries=1, strategy=RetryStrategyEnum.FIXED, backoff_factor=100),
    store_config=StoreConfigModel(default_values={"folder": "photos/"}),
)  # fmt: skip


async def execute(graph: Graph) -> tuple[RunGraph, RunResult]:
    """Upsert `graph` (with `Graph.upsert`) to a local state manager in memory, trigger it, run it with a Runtime
    on a virtual clock until nothing is left, and read back its run graph and its result."""
    from exospherehost.local import MEMORY, LocalStateManager
    from exospherehost.local.clock import VirtualClock, from_ms
    from exospherehost.runtime import Runtime
    from sdkcore.local.http import AsyncInProcessTransport

    attempts.clear()
    clock = VirtualClock(datetime(2025, 1, 1, tzinfo=timezone.utc))
    with LocalStateManager(MEMORY, api_key=KEY, clock=clock) as local:
        nodes: list[type[BaseNode]] = [Listing, Split, Work, Audit, Collect, Publish]
        runtime = Runtime(NS, "rendering-runtime", nodes, "http://exosphere.in-process", KEY,
                          http_transport=AsyncInProcessTransport(local))  # fmt: skip
        manager = local.state_manager(NS)
        async with manager, runtime.connected():
            await graph.upsert(manager, polling_interval=0)
            assert graph.name is not None
            run = await manager.trigger(graph.name)
            for _ in range(1000):
                if await runtime.run_once(one_at_a_time=True):
                    continue
                due = local.next_due_ms(NS)
                if due is None:
                    break
                clock.advance_to(from_ms(due))
            run_graph = await manager.get_run_graph(run.run_id)
            result = await manager.wait_for_run(graph.name, run.run_id, timeout=10, polling_interval=0)
    return run_graph, result
