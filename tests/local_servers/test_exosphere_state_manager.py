"""The local Exosphere state manager: the seed's graph through the SDK (in process and over loopback), the 400,
401, 404 and 422 bodies, background verification, runs from trigger to the next states (placeholders, fan-out,
retries, unites), idempotency, and persistence across a restart and a kill -9."""

from __future__ import annotations

import signal
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

from exosphere_api.models.retry_policy import RetryPolicy, RetryStrategy
from exospherehost import (
    GraphNodeModel,
    GraphValidationError,
    RetryPolicyModel,
    StateManager,
    StoreConfigModel,
    SyncStateManager,
)
from exospherehost.errors import AuthenticationError, BadRequestError, NotFoundError
from exospherehost.local import MEMORY, LocalStateManager
from exospherehost.local.runs import retry_delay
from sdkcore.local.http import InProcessTransport
from tests.local_servers.conftest import dev_process

KEY = "exo-test-key"
NS = "MyProject"
STRING = {"type": "string"}


def registration(*nodes: tuple[str, list[str], list[str], list[str]]) -> dict[str, Any]:
    return {"runtime_name": "rt", "runtime_namespace": NS, "nodes": [
        {"name": name, "namespace": NS, "secrets": secrets,
         "inputs_schema": {"type": "object", "properties": dict.fromkeys(inputs, STRING)},
         "outputs_schema": {"type": "object", "properties": dict.fromkeys(outputs, STRING)}}
        for name, inputs, outputs, secrets in nodes]}  # fmt: skip


SEED_NODES = registration(("DataLoaderNode", ["source"], ["data"], ["api_key"]),
                          ("DataProcessorNode", ["data"], [], []))  # fmt: skip


def seed_graph() -> list[GraphNodeModel]:
    return [
        GraphNodeModel(node_name="DataLoaderNode", namespace=NS, identifier="loader", inputs={"source": "initial"},
                       next_nodes=["processor"]),
        GraphNodeModel(node_name="DataProcessorNode", namespace=NS, identifier="processor",
                       inputs={"data": "${{ loader.outputs.data }}"}, next_nodes=[]),
    ]  # fmt: skip


def http(local: LocalStateManager, key: str = KEY) -> httpx.Client:
    return httpx.Client(transport=InProcessTransport(local), base_url=f"http://local/v0/namespace/{NS}",
                        headers={"x-api-key": key})  # fmt: skip


def enqueue(client: httpx.Client, *names: str) -> list[dict[str, Any]]:
    answer = client.post("/states/enqueue", json={"nodes": list(names), "batch_size": 10})
    assert answer.status_code == 200, answer.text
    states: list[dict[str, Any]] = answer.json()["states"]
    return states


def test_the_seed_graph_end_to_end_in_process() -> None:
    with LocalStateManager(MEMORY, api_key=KEY) as local, http(local) as client:
        assert client.put("/nodes/", json=SEED_NODES).status_code == 200
        manager = local.sync_state_manager(NS)
        graph = manager.upsert_graph("my-workflow", seed_graph(), {"api_key": "secret"},
                                     RetryPolicyModel(max_retries=1, backoff_factor=1),
                                     StoreConfigModel(required_keys=["cursor"]), polling_interval=0.01)  # fmt: skip
        assert graph["validation_status"] == "VALID"
        assert graph.validation_errors == []
        with pytest.raises(BadRequestError, match=r"Missing store keys: \{'cursor'\}"):
            manager.trigger("my-workflow")
        run = manager.trigger("my-workflow", inputs={"source": "given", "extra": "dropped"}, store={"cursor": "7"})
        assert uuid.UUID(run.run_id)
        assert run["status"] == "CREATED"
        (loader,) = enqueue(client, "DataLoaderNode")
        assert loader["inputs"] == {"source": "given"}
        assert loader["identifier"] == "loader"
        assert client.get(f"/state/{loader['state_id']}/secrets").json() == {"secrets": {"api_key": "secret"}}
        outputs = {"outputs": [{"data": "A"}, {"data": "B"}]}
        executed = client.post(f"/state/{loader['state_id']}/executed", json=outputs)
        assert executed.json() == {"status": "EXECUTED"}
        again = client.post(f"/state/{loader['state_id']}/executed", json={"outputs": []})
        assert again.status_code == 400
        assert again.json() == {"detail": "State is not queued"}
        first, second = enqueue(client, "DataProcessorNode")
        assert [first["inputs"], second["inputs"]] == [{"data": "A"}, {"data": "B"}]  # one state per output
        retried = client.post(f"/state/{first['state_id']}/errored", json={"error": "boom"})
        assert retried.json() == {"status": "ERRORED", "retry_created": True}
        time.sleep(0.01)
        (retry,) = enqueue(client, "DataProcessorNode")
        assert retry["inputs"] == {"data": "A"}
        final = client.post(f"/state/{retry['state_id']}/errored", json={"error": "boom"})
        assert final.json() == {"status": "ERRORED", "retry_created": False}  # max_retries=1 used up
        pruned = client.post(f"/state/{second['state_id']}/prune", json={"data": {"why": "test"}})
        assert pruned.json()["status"] == "PRUNED"
        later = client.post(f"/state/{second['state_id']}/re-enqueue-after", json={"enqueue_after": 60_000})
        assert later.json()["status"] == "CREATED"
        assert enqueue(client, "DataProcessorNode") == []


def test_errors_are_the_servers_bodies() -> None:
    with LocalStateManager(MEMORY, api_key=KEY) as local, http(local) as client:
        with http(local, key="wrong") as stranger:
            denied = stranger.get("/graph/g")
        assert denied.status_code == 401
        assert denied.json() == {"detail": "Invalid API key"}
        assert client.get("/graph/g").json() == {"detail": f"Graph template g not found in namespace {NS}"}
        missing = client.post("/graph/g/trigger", json={})
        assert missing.status_code == 404
        assert "graph g" in missing.json()["detail"]
        bad = client.put("/graph/g", json={"secrets": {}, "nodes": [
            {"node_name": " ", "namespace": NS, "identifier": "store", "inputs": {}}]})  # fmt: skip
        assert bad.status_code == 422
        assert [(item["loc"], item["msg"]) for item in bad.json()["detail"]] == [
            (["body", "nodes", 0, "node_name"], "Value error, Node name cannot be empty"),
            (["body", "nodes", 0, "identifier"], "Value error, Node identifier cannot be reserved word 'store'"),
        ]
        shape = client.put("/graph/g", json={"secrets": {}, "nodes": [], "retry_policy": {"max_retries": "x"}})
        assert shape.status_code == 422
        assert shape.json()["detail"][0]["loc"][:2] == ["body", "retry_policy"]
        cycle = client.put("/graph/g", json={"secrets": {}, "nodes": [
            {"node_name": "A", "namespace": NS, "identifier": "a", "inputs": {}, "next_nodes": ["b"]},
            {"node_name": "B", "namespace": NS, "identifier": "b", "inputs": {}, "next_nodes": ["zz"]}]})  # fmt: skip
        assert cycle.status_code == 400
        assert cycle.json() == {
            "detail": (
                "Error validating graph template: 1 validation error for GraphTemplate\nnodes\n  Value error, Node "
                "identifier zz does not exist in the graph [type=value_error, input_value=[NodeTemplate(node_name='"
                "...es=['zz'], unites=None)], input_type=list]\n    For further information visit "
                "https://errors.pydantic.dev/2.11/v/value_error"
            )
        }  # pydantic's text; more in test_server_verdicts.py
        unknown_state = client.post("/state/nope/executed", json={"outputs": []})
        assert unknown_state.status_code == 404
        assert unknown_state.json() == {"detail": "State not found"}
        request_id = str(uuid.uuid4())
        assert client.get("/graph/g", headers={"x-exosphere-request-id": request_id}).headers[
            "x-exosphere-request-id"] == request_id  # fmt: skip
        assert uuid.UUID(client.get("/graph/g").headers["x-exosphere-request-id"])


def test_background_verification_reports_what_the_server_reports() -> None:
    with LocalStateManager(MEMORY, api_key=KEY) as local, http(local) as client:
        client.put("/nodes/", json=registration(("DataLoaderNode", ["source", "limit"], ["data"], ["api_key"])))
        manager = local.sync_state_manager(NS)
        with pytest.raises(GraphValidationError) as caught:
            manager.upsert_graph("g", seed_graph(), {}, polling_interval=0.01)
        assert caught.value.errors == [
            "Node DataProcessorNode in namespace MyProject does not exist.",
            "Secret api_key is required but not present in the graph template",
            "Input limit in node DataLoaderNode in namespace MyProject is not present in the graph template",
            "Node DataProcessorNode in namespace MyProject does not exist",
        ]
        with pytest.raises(BadRequestError, match="Graph template is not valid"):
            manager.trigger("g")


def test_a_unites_node_starts_once_when_every_branch_succeeded() -> None:
    nodes = [
        GraphNodeModel(node_name="Split", namespace=NS, identifier="split", next_nodes=["left", "right"]),
        GraphNodeModel(node_name="Work", namespace=NS, identifier="left", inputs={"part": "${{ split.outputs.l }}"},
                       next_nodes=["merge"]),
        GraphNodeModel(node_name="Work", namespace=NS, identifier="right", inputs={"part": "${{ split.outputs.r }}"},
                       next_nodes=["merge"]),
        GraphNodeModel(node_name="Merge", namespace=NS, identifier="merge", unites={"identifier": "split"},
                       inputs={"from": "${{ split.outputs.l }}+${{ store.tag }}"}),
    ]  # fmt: skip
    with LocalStateManager(MEMORY, api_key=KEY) as local, http(local) as client:
        client.put("/nodes/", json=registration(("Split", [], ["l", "r"], []), ("Work", ["part"], [], []),
                                                ("Merge", ["from"], [], [])))  # fmt: skip
        manager = local.sync_state_manager(NS)
        manager.upsert_graph("u", nodes, {}, store_config=StoreConfigModel(default_values={"tag": "t"}),
                             polling_interval=0.01)  # fmt: skip
        manager.trigger("u")
        (split,) = enqueue(client, "Split")
        client.post(f"/state/{split['state_id']}/executed", json={"outputs": [{"l": "L", "r": "R"}]})
        left, right = enqueue(client, "Work")
        assert {left["inputs"]["part"], right["inputs"]["part"]} == {"L", "R"}
        client.post(f"/state/{left['state_id']}/executed", json={"outputs": [{}]})
        assert enqueue(client, "Merge") == []  # right is still running
        client.post(f"/state/{right['state_id']}/executed", json={"outputs": [{}]})
        (merge,) = enqueue(client, "Merge")
        assert merge["inputs"] == {"from": "L+t"}


def test_retry_delays_follow_the_policy() -> None:
    policy = RetryPolicy(backoff_factor=1000, exponent=3, max_delay=5000)
    assert [retry_delay(policy, n) for n in (1, 2, 3)] == [1000, 3000, 5000]
    linear = RetryPolicy(strategy=RetryStrategy.LINEAR, backoff_factor=100)
    assert [retry_delay(linear, n) for n in (1, 2, 3)] == [100, 200, 300]
    jitter = RetryPolicy(strategy=RetryStrategy.FIXED_EQUAL_JITTER, backoff_factor=100)
    assert all(50 <= retry_delay(jitter, 4) <= 100 for _ in range(50))


def test_an_idempotent_trigger_starts_one_run() -> None:
    with LocalStateManager(MEMORY, api_key=KEY) as local, http(local) as client:
        client.put("/nodes/", json=SEED_NODES)
        local.sync_state_manager(NS).upsert_graph("g", seed_graph(), {"api_key": "s"}, polling_interval=0.01)
        first = client.post("/graph/g/trigger", json={}, headers={"Idempotency-Key": "t-1"})
        again = client.post("/graph/g/trigger", json={}, headers={"Idempotency-Key": "t-1"})
        other = client.post("/graph/g/trigger", json={"start_delay": 5}, headers={"Idempotency-Key": "t-1"})
        assert first.json() == again.json()
        assert other.status_code == 422
        assert len(enqueue(client, "DataLoaderNode")) == 1


def test_the_async_state_manager_over_loopback(tmp_path: Path) -> None:
    import asyncio

    async def run(url: str) -> str:
        async with StateManager(NS, url + "/", KEY) as manager:
            await manager.upsert_graph("g", seed_graph(), {"api_key": "s"}, polling_interval=0.01)
            return (await manager.trigger("g")).run_id

    with LocalStateManager(tmp_path / "sm.db", api_key=KEY) as local, local.serve() as server, http(local) as client:
        client.put("/nodes/", json=SEED_NODES)
        assert uuid.UUID(asyncio.run(run(server.url)))


def test_graphs_and_runs_survive_a_restart(tmp_path: Path) -> None:
    database = tmp_path / "sm.db"
    with LocalStateManager(database, api_key=KEY) as local, http(local) as client:
        client.put("/nodes/", json=SEED_NODES)
        local.sync_state_manager(NS).upsert_graph("g", seed_graph(), {"api_key": "s"}, polling_interval=0.01)
        local.sync_state_manager(NS).trigger("g")
    with LocalStateManager(database, api_key=KEY) as local, http(local) as client:
        assert local.sync_state_manager(NS).get_graph("g")["validation_status"] == "VALID"
        assert len(enqueue(client, "DataLoaderNode")) == 1


def test_exosphere_dev_keeps_its_data_through_a_kill_9(tmp_path: Path) -> None:
    database = tmp_path / "sm.db"
    with dev_process("exospherehost", "--database", str(database), "--api-key", KEY) as (process, url):
        headers = {"x-api-key": KEY}
        assert httpx.put(f"{url}/v0/namespace/{NS}/nodes/", json=SEED_NODES, headers=headers).status_code == 200
        manager = StateManager(NS, url, KEY)
        import asyncio

        asyncio.run(manager.upsert_graph("g", seed_graph(), {"api_key": "s"}, polling_interval=0.01))
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
    with dev_process("exospherehost", "--database", str(database), "--api-key", KEY) as (_, url):
        graph = httpx.get(f"{url}/v0/namespace/{NS}/graph/g", headers={"x-api-key": KEY}).json()
        assert graph["validation_status"] == "VALID"
        assert [node["identifier"] for node in graph["nodes"]] == ["loader", "processor"]
        denied = httpx.get(f"{url}/v0/namespace/{NS}/graph/g", headers={"x-api-key": "other"})
        assert denied.status_code == 401


def test_not_found_for_unknown_routes() -> None:
    with LocalStateManager(MEMORY, api_key=KEY) as local, http(local) as client:
        assert client.get("/nothing").status_code == 404
        with pytest.raises(NotFoundError):
            local.sync_state_manager(NS).get_graph("absent")
        stranger = SyncStateManager(NS, "http://local", "bad", http_transport=InProcessTransport(local))
        with pytest.raises(AuthenticationError):
            stranger.get_graph("x")
