"""The Exosphere SDK document, end to end and executed: a Runtime registers and runs the seed's DataLoaderNode and
DataProcessorNode, the documented graph is upserted, validated and triggered, and the run's states and outputs are
printed when it finishes; then a fan-out graph (a split, a failure retried, a unites, a prune) runs the same way;
then one invalid graph, with the errors you get.

    python examples/exosphere_demo.py http://127.0.0.1:8000 exo-local-key     # against `exosphere dev`
"""

from __future__ import annotations

import asyncio
import sys

from exosphere_nodes import NODES

from exospherehost import (
    CronTrigger,
    Graph,
    GraphNodeModel,
    GraphValidationError,
    RetryPolicyModel,
    RetryStrategyEnum,
    Runtime,
    StateManager,
    StoreConfigModel,
    UnitesModel,
)
from exospherehost.observation import RunResult
from exospherehost.validation import GraphTemplateError

NAMESPACE = "MyProject"


def show(result: RunResult) -> None:
    for state in result.states:
        print(f"    {state.identifier:<10} {state.status.value:<14} {state.error or ''}")
    for identifier, outputs in result.outputs.items():
        print(f"    outputs of {identifier}: {outputs}")
    print(f"  run {result.run_id}: {result.status.value}")


async def wait_for_registration(state_manager: StateManager) -> None:
    """The graph's nodes must be registered (the runtime does it as it starts) before the state manager can call
    the graph VALID."""
    wanted = {node.__name__ for node in NODES}
    while wanted - {node.name for node in (await state_manager.list_registered_nodes()).nodes}:
        await asyncio.sleep(0.05)


def seed_graph() -> Graph:
    """The document's Basic Usage graph: its nodes, secrets, retry policy, store and triggers."""
    graph_nodes = [
        GraphNodeModel(node_name="DataLoaderNode", namespace=NAMESPACE, identifier="loader",
                       inputs={"source": "initial"}, next_nodes=["processor"]),
        GraphNodeModel(node_name="DataProcessorNode", namespace=NAMESPACE, identifier="processor",
                       inputs={"data": "${{ loader.outputs.data }}"}, next_nodes=[]),
    ]  # fmt: skip
    retry_policy = RetryPolicyModel(
        max_retries=3, strategy=RetryStrategyEnum.EXPONENTIAL, backoff_factor=2000, exponent=2
    )
    store_config = StoreConfigModel(
        required_keys=["cursor", "batch_id"], default_values={"cursor": "0", "batch_size": "100"}
    )
    triggers = [CronTrigger(expression="0 9 * * 1-5"), CronTrigger(expression="0 */6 * * *")]
    return Graph(graph_nodes, name="my-workflow", secrets={"api_key": "your-key"}, retry_policy=retry_policy,
                 store_config=store_config, triggers=triggers)  # fmt: skip


async def create_graph(uri: str, key: str) -> None:
    """The document's Basic Usage block (upsert_graph with the graph's parts), then a trigger."""
    state_manager = StateManager(namespace=NAMESPACE, state_manager_uri=uri, key=key)
    graph = seed_graph()
    result = await state_manager.upsert_graph(
        graph_name="my-workflow", graph_nodes=list(graph.nodes), secrets=dict(graph.secrets),
        retry_policy=graph.retry_policy, store_config=graph.store_config, triggers=list(graph.triggers or ()),
    )  # fmt: skip
    print(f"  upserted my-workflow: {result['validation_status']} ({len(result['nodes'])} nodes)")
    run = await state_manager.trigger(
        "my-workflow", inputs={"source": "demo"}, store={"cursor": "0", "batch_id": "b-1"}
    )
    print(f"  triggered my-workflow: run {run.run_id} ({run['status']}); the runtime executes it:")
    show(await state_manager.wait_for_run("my-workflow", run.run_id, timeout=60, polling_interval=0.1))


async def fan_out_graph(uri: str, key: str) -> str:
    """A listing split into one state per item (fan-out), each resized (one fails once and is retried by the
    graph's retry policy), collected once all are done (unites), then a publish step that prunes its branch."""
    state_manager = StateManager(namespace=NAMESPACE, state_manager_uri=uri, key=key)
    graph_nodes = [
        GraphNodeModel(node_name="ListNode", namespace=NAMESPACE, identifier="listing",
                       inputs={"folder": "photos/"}, next_nodes=["split"]),
        GraphNodeModel(node_name="SplitNode", namespace=NAMESPACE, identifier="split",
                       inputs={"items": "${{ listing.outputs.items }}"}, next_nodes=["resize"]),
        GraphNodeModel(node_name="ResizeNode", namespace=NAMESPACE, identifier="resize",
                       inputs={"item": "${{ split.outputs.item }}"}, next_nodes=["collect"]),
        GraphNodeModel(node_name="CollectNode", namespace=NAMESPACE, identifier="collect",
                       inputs={"items": "${{ listing.outputs.items }}"}, next_nodes=["publish"],
                       unites=UnitesModel(identifier="listing")),
        GraphNodeModel(node_name="PublishNode", namespace=NAMESPACE, identifier="publish",
                       inputs={"items": "${{ listing.outputs.items }}"}),
    ]  # fmt: skip
    retry_policy = RetryPolicyModel(max_retries=2, strategy=RetryStrategyEnum.FIXED, backoff_factor=200)
    await state_manager.upsert_graph("thumbnails", graph_nodes, secrets={}, retry_policy=retry_policy)
    run = await state_manager.trigger("thumbnails")
    print(f"\nA fan-out graph (split, a retried failure, unites, prune): run {run.run_id}")
    show(await state_manager.wait_for_run("thumbnails", run.run_id, timeout=60, polling_interval=0.1))
    return run.run_id


async def invalid_graphs(uri: str, key: str) -> None:
    state_manager = StateManager(namespace=NAMESPACE, state_manager_uri=uri, key=key)
    broken = [
        GraphNodeModel(node_name="DataLoaderNode", namespace=NAMESPACE, identifier="loader", next_nodes=["processor"]),
        GraphNodeModel(node_name="DataProcessorNode", namespace=NAMESPACE, identifier="processor",
                       inputs={"data": "${{ summarizer.outputs.text }}"}, next_nodes=["checker"]),
        GraphNodeModel(node_name="DataProcessorNode", namespace=NAMESPACE, identifier="checker",
                       next_nodes=["processor"]),
    ]  # fmt: skip
    print("\nAn invalid graph (a cycle, and an input naming a node that is not a parent):")
    try:
        await state_manager.upsert_graph("broken-workflow", broken, secrets={})
        raise SystemExit("expected the local check to refuse the graph")
    except GraphTemplateError as error:
        print(f"  checked before sending -> {type(error).__name__}: {error}")
    unregistered = [GraphNodeModel(node_name="SummarizerNode", namespace=NAMESPACE, identifier="summarizer")]
    print("A graph whose node no runtime has registered (found by the state manager's background check):")
    try:
        await state_manager.upsert_graph("unregistered-workflow", unregistered, secrets={}, polling_interval=0.2)
        raise SystemExit("expected the state manager to find the graph INVALID")
    except GraphValidationError as error:
        print(f"  {type(error).__name__}: {error}")


async def run(uri: str, key: str) -> str:
    """Both graphs and the invalid ones; the fan-out run's id."""
    print(f"Exosphere state manager at {uri}")
    runtime = Runtime(NAMESPACE, "demo-runtime", NODES, uri, key, poll_interval=0.1)
    runtime.start()  # inside a running loop: a task; `await runtime.stop()` ends it
    try:
        await wait_for_registration(StateManager(namespace=NAMESPACE, state_manager_uri=uri, key=key))
        print(f"  runtime demo-runtime registered {', '.join(node.__name__ for node in NODES)}")
        await create_graph(uri, key)
        fan_out = await fan_out_graph(uri, key)
        await invalid_graphs(uri, key)
    finally:
        await runtime.stop()
    return fan_out


if __name__ == "__main__":
    asyncio.run(run(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000",
                    sys.argv[2] if len(sys.argv) > 2 else "exo-local-key"))  # fmt: skip
