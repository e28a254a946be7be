"""The observation calls and manual retry end to end, through `LocalStateManager(MEMORY)` in process: a run is
driven by hand over the worker routes (register, enqueue, executed, errored) and read back with every new
StateManager call, sync and async."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest

from exosphere_api import operations
from exosphere_api.models.runtime import (
    EnqueuedState,
    EnqueueRequest,
    ErroredRequest,
    ExecutedRequest,
    NodeRegistration,
    RegisterNodesRequest,
)
from exospherehost import GraphNodeModel, RetryPolicyModel, RunStatus, StateStatus, StoreConfigModel
from exospherehost._api import PROFILE
from exospherehost.errors import ConflictError, NotFoundError
from exospherehost.local import DEFAULT_API_KEY, MEMORY, LocalStateManager
from sdkcore.local.http import InProcessTransport
from sdkcore.transport import SyncTransport

NS = "obs"


def schema(field: str) -> dict[str, Any]:
    return {"properties": {field: {"title": field, "type": "string"}}, "required": [field], "type": "object"}


NODES = [
    GraphNodeModel(node_name="Split", namespace=NS, identifier="a", inputs={"x": "${{ store.seed }}"},
                   next_nodes=["b"]),
    GraphNodeModel(node_name="Shout", namespace=NS, identifier="b", inputs={"w": "${{ a.outputs.y }}"}),
]  # fmt: skip
STORE = StoreConfigModel(required_keys=["seed"])


@pytest.fixture
def local() -> Iterator[LocalStateManager]:
    with LocalStateManager(MEMORY) as server:
        yield server


class Worker:
    """The worker side of the protocol, by hand through the generated stubs."""

    def __init__(self, local: LocalStateManager) -> None:
        self.transport = SyncTransport("http://exosphere.in-process", profile=PROFILE, api_key=DEFAULT_API_KEY,
                                       http_transport=InProcessTransport(local))  # fmt: skip
        operations.register_nodes(self.transport, namespace=NS, body=RegisterNodesRequest(
            runtime_name="hands", runtime_namespace=NS,
            nodes=[NodeRegistration(name="Split", namespace=NS, inputs_schema=schema("x"), outputs_schema=schema("y"),
                                    secrets=[]),
                   NodeRegistration(name="Shout", namespace=NS, inputs_schema=schema("w"), outputs_schema=schema("z"),
                                    secrets=[])]))  # fmt: skip

    def claim(self, node: str, count: int) -> list[EnqueuedState]:
        body = EnqueueRequest(nodes=[node], batch_size=count)
        return operations.enqueue_states(self.transport, namespace=NS, body=body).states

    def done(self, state: EnqueuedState, *outputs: dict[str, Any]) -> None:
        operations.executed_state(self.transport, namespace=NS, state_id=state.state_id,
                                  body=ExecutedRequest(outputs=list(outputs)))  # fmt: skip

    def fail(self, state: EnqueuedState, error: str) -> None:
        operations.errored_state(
            self.transport, namespace=NS, state_id=state.state_id, body=ErroredRequest(error=error)
        )


def test_a_run_read_back_with_every_call_and_retried_by_hand(local: LocalStateManager) -> None:
    worker = Worker(local)
    manager = local.sync_state_manager(NS)
    assert manager.health().message == "OK"
    manager.upsert_graph("g", NODES, {"token": "s3cret"}, retry_policy=RetryPolicyModel(max_retries=0),
                         store_config=STORE, polling_interval=0)  # fmt: skip
    run = manager.trigger("g", store={"seed": "hi"})

    assert manager.list_namespaces().namespaces == [NS]
    assert [node.name for node in manager.list_registered_nodes().nodes] == ["Split", "Shout"]
    (template,) = manager.list_graphs().templates
    assert (template.name, template.retry_policy.max_retries, list(template.secrets)) == ("g", 0, ["token"])
    assert "s3cret" not in repr(template)
    (listed,) = manager.get_runs().runs
    assert (listed.run_id, listed.status, listed.pending_count) == (run.run_id, RunStatus.PENDING, 1)

    (a,) = worker.claim("Split", 1)
    assert (a.run_id, a.graph_name) == (run.run_id, "g")
    worker.done(a, {"y": "p"}, {"y": "q"})  # fans out into two b states
    first, second = worker.claim("Shout", 2)
    worker.done(first, {"z": "P!"})
    worker.fail(second, "boom")

    result = manager.wait_for_run("g", run.run_id, timeout=10, polling_interval=0.01)
    assert result.status == RunStatus.FAILED
    assert result.outputs == {"a": [{"y": "p"}, {"y": "q"}], "b": [{"z": "P!"}]}
    assert result.errors() == {"b": ["boom"]}
    assert manager.get_runs().runs[0].status == RunStatus.FAILED

    run_graph = manager.get_run_graph(run.run_id)
    assert run_graph.graph_name == "g"
    assert (run_graph.node_count, run_graph.edge_count) == (4, 2)
    assert run_graph.execution_summary["SUCCESS"] == 3
    detail = manager.get_node_run_details("g", run.run_id, second.state_id)
    assert (detail.status, detail.error, detail.inputs) == (StateStatus.ERRORED, "boom", {"w": "q"})
    assert list(detail.parents) == ["a"]

    retried = manager.manual_retry(second.state_id, "again-1")
    assert retried.status == StateStatus.CREATED
    with pytest.raises(ConflictError, match=r"^Failed to manual retry state: 409 .*Duplicate retry state detected"):
        manager.manual_retry(second.state_id, "again-1")
    assert manager.get_node_run_details("g", run.run_id, second.state_id).status == StateStatus.RETRY_CREATED
    (again,) = worker.claim("Shout", 1)
    assert again.state_id == retried.id
    worker.done(again, {"z": "Q!"})

    result = manager.wait_for_run("g", run.run_id, timeout=10, polling_interval=0.01)
    assert result.status == RunStatus.SUCCESS
    assert result.outputs == {"a": [{"y": "p"}, {"y": "q"}], "b": [{"z": "P!"}, {"z": "Q!"}]}
    assert manager.get_runs(1, 0).runs[0].status == RunStatus.SUCCESS


def test_the_async_manager_reads_the_same_run(local: LocalStateManager) -> None:
    worker = Worker(local)

    async def main() -> None:
        async with local.state_manager(NS) as manager:
            await manager.upsert_graph("g", NODES, {}, store_config=STORE, polling_interval=0)
            run = await manager.trigger("g", store={"seed": "hi"})
            (a,) = worker.claim("Split", 1)
            worker.done(a, {"y": "only"})
            (b,) = worker.claim("Shout", 1)
            waiting = asyncio.ensure_future(manager.wait_for_run("g", run.run_id, timeout=10, polling_interval=0.01))
            await asyncio.sleep(0.05)
            assert not waiting.done()
            worker.done(b, {"z": "ONLY"})
            result = await waiting
            assert (result.status, result.outputs) == (RunStatus.SUCCESS, {"a": [{"y": "only"}], "b": [{"z": "ONLY"}]})
            assert (await manager.list_namespaces()).count == 1
            assert (await manager.get_run_graph("no-such-run")).nodes == []
            with pytest.raises(NotFoundError, match=r"^Failed to manual retry state: 404 .*State not found"):
                await manager.manual_retry("0" * len(b.state_id))

    asyncio.run(main())
