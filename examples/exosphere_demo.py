"""The Exosphere SDK document, end to end: register the nodes the graph uses (as a runtime does), upsert the
documented graph, wait until the state manager says VALID, trigger a run and print its id; then one invalid
graph, with the errors you get.

    python examples/exosphere_demo.py http://127.0.0.1:8000 exo-local-key     # against `exosphere dev`
"""

from __future__ import annotations

import asyncio
import sys

from exosphere_api import operations
from exosphere_api.models.runtime import NodeRegistration, RegisterNodesRequest
from exospherehost import (
    CronTrigger,
    GraphNodeModel,
    GraphValidationError,
    RetryPolicyModel,
    RetryStrategyEnum,
    StateManager,
    StoreConfigModel,
)
from exospherehost._api import PROFILE
from exospherehost.validation import GraphTemplateError
from sdkcore.transport import SyncTransport

NAMESPACE = "MyProject"
STRING = {"type": "string"}


def register_nodes(uri: str, key: str) -> None:
    """What a runtime does when it starts: announce the node classes it executes (the graph's nodes must be
    registered before the state manager calls the graph VALID)."""
    body = RegisterNodesRequest(runtime_name="demo-runtime", runtime_namespace=NAMESPACE, nodes=[
        NodeRegistration(name="DataLoaderNode", namespace=NAMESPACE, secrets=["api_key"],
                         inputs_schema={"type": "object", "properties": {"source": STRING}},
                         outputs_schema={"type": "object", "properties": {"data": STRING}}),
        NodeRegistration(name="DataProcessorNode", namespace=NAMESPACE, secrets=[],
                         inputs_schema={"type": "object", "properties": {"data": STRING}},
                         outputs_schema={"type": "object", "properties": {}}),
    ])  # fmt: skip
    with SyncTransport(uri, profile=PROFILE, api_key=key) as transport:
        answer = operations.register_nodes(transport, namespace=NAMESPACE, body=body)
    print(f"  registered {', '.join(node.name for node in answer.registered_nodes)} for runtime {answer.runtime_name}")


async def create_graph(uri: str, key: str) -> None:
    """The document's Basic Usage block, as written, then a trigger."""
    state_manager = StateManager(namespace=NAMESPACE, state_manager_uri=uri, key=key)
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
    result = await state_manager.upsert_graph(
        graph_name="my-workflow", graph_nodes=graph_nodes, secrets={"api_key": "your-key"},
        retry_policy=retry_policy, store_config=store_config, triggers=triggers,
    )  # fmt: skip
    print(f"  upserted my-workflow: {result['validation_status']} ({len(result['nodes'])} nodes)")
    run = await state_manager.trigger(
        "my-workflow", inputs={"source": "demo"}, store={"cursor": "0", "batch_id": "b-1"}
    )
    print(f"  triggered my-workflow: run {run.run_id} ({run['status']})")


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


async def run(uri: str, key: str) -> None:
    print(f"Exosphere state manager at {uri}")
    register_nodes(uri, key)
    await create_graph(uri, key)
    await invalid_graphs(uri, key)


if __name__ == "__main__":
    asyncio.run(run(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000",
                    sys.argv[2] if len(sys.argv) > 2 else "exo-local-key"))  # fmt: skip
