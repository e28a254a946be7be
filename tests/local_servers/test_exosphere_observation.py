"""The local state manager's observation routes (health, namespaces, node and graph lists, runs, run graph, node
details) and manual retry: exact bodies (bytes, so key order counts), status codes and messages, the API key, and
the fanout_id rule that makes a manual retry usable once per node of a run."""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from typing import Any

import httpx
import pytest

from exospherehost import GraphNodeModel, RetryPolicyModel
from exospherehost.local import MEMORY, LocalStateManager, VirtualClock
from sdkcore.local.http import InProcessTransport
from tests.local_servers.test_exosphere_state_manager import (
    KEY,
    NS,
    SEED_NODES,
    enqueue,
    http,
    registration,
    seed_graph,
)

START = datetime(2030, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
STAMP = "2030-01-02T03:04:05"
SUMMARY_ZERO = {"CREATED": 0, "QUEUED": 0, "EXECUTED": 0, "ERRORED": 0, "NEXT_CREATED_ERROR": 0, "SUCCESS": 0,
                "PRUNED": 0, "RETRY_CREATED": 0}  # fmt: skip


def exact(answer: httpx.Response, status: int, document: Any) -> None:
    """The answer has this status and exactly this JSON, key order included."""
    assert (answer.status_code, answer.json()) == (status, document)
    assert answer.content == json.dumps(document, separators=(",", ":")).encode()


def root(local: LocalStateManager) -> httpx.Client:
    return httpx.Client(transport=InProcessTransport(local), base_url="http://local", headers={"x-api-key": KEY})


def seeded(local: LocalStateManager, client: httpx.Client, max_retries: int = 0) -> None:
    assert client.put("/nodes/", json=SEED_NODES).status_code == 200
    local.sync_state_manager(NS).upsert_graph("g", seed_graph(), {"api_key": "s"},
                                              RetryPolicyModel(max_retries=max_retries, backoff_factor=1),
                                              polling_interval=0.01)  # fmt: skip


def trigger(client: httpx.Client) -> str:
    answer = client.post("/graph/g/trigger", json={})
    assert answer.status_code == 200, answer.text
    run_id: str = answer.json()["run_id"]
    return run_id


def row(local: LocalStateManager, state_id: str) -> Any:
    return local.database.query("SELECT * FROM states WHERE state_id = ?", (state_id,))[0]


def test_health_needs_no_key_and_every_other_new_route_does() -> None:
    with LocalStateManager(MEMORY, api_key=KEY) as local, local.serve() as server:
        assert server.host == "127.0.0.1"
        health = httpx.get(f"{server.url}/health")
        exact(health, 200, {"message": "OK"})
        assert health.headers["content-type"] == "application/json"
        assert re.fullmatch(r"[0-9a-f-]{36}", health.headers["x-exosphere-request-id"])
        exact(httpx.post(f"{server.url}/health"), 404, {"detail": "Not Found"})  # as any other wrong method
        base = f"{server.url}/v0/namespace/{NS}"
        routes = [("GET", f"{server.url}/v0/namespaces"), ("GET", f"{base}/nodes/"), ("GET", f"{base}/graphs/"),
                  ("GET", f"{base}/runs/1/10"), ("GET", f"{base}/runs/abc/10"), ("GET", f"{base}/states/run/r/graph"),
                  ("GET", f"{base}/graph/g/run/r/node/nope"),
                  ("POST", f"{base}/state/{'0' * 32}/manual-retry")]  # fmt: skip
        for method, url in routes:
            for headers in ({}, {"x-api-key": "wrong"}, {"x-api-key": ""}):
                exact(httpx.request(method, url, headers=headers, json={"fanout_id": "f"}), 401,
                      {"detail": "Invalid API key"})  # fmt: skip
        assert httpx.get(f"{base}/runs/abc/10", headers={"x-api-key": KEY}).status_code == 422  # after the key


def test_namespaces_are_those_of_registered_nodes_in_byte_order() -> None:
    with LocalStateManager(MEMORY, api_key=KEY) as local, root(local) as client:
        exact(client.get("/v0/namespaces"), 200, {"namespaces": [], "count": 0})
        for namespace in ("beta", NS, "Zeta", "beta"):
            body = {**registration(("N", [], [], [])), "runtime_namespace": "other"}
            body["nodes"][0]["namespace"] = "elsewhere"  # the path namespace counts, as on the server
            assert client.put(f"/v0/namespace/{namespace}/nodes/", json=body).status_code == 200
        assert (
            client.put(
                "/v0/namespace/only-graphs/graph/g",
                json={
                    "secrets": {},
                    "nodes": [{"node_name": "N", "namespace": "only-graphs", "identifier": "n", "inputs": {}}],
                },
            ).status_code
            == 201
        )
        exact(client.get("/v0/namespaces"), 200, {"namespaces": [NS, "Zeta", "beta"], "count": 3})
        exact(client.post("/v0/namespaces"), 404, {"detail": "Not Found"})


def test_registered_nodes_are_listed_as_the_server_stores_them() -> None:
    clock = VirtualClock(START)
    with LocalStateManager(MEMORY, api_key=KEY, clock=clock) as local, http(local) as client:
        exact(client.get("/nodes/"), 200, {"namespace": NS, "count": 0, "nodes": []})
        client.put("/nodes/", json=SEED_NODES)
        first = client.get("/nodes/").json()["nodes"]
        assert all(re.fullmatch(r"[0-9a-f]{24}", node["_id"]) for node in first)
        assert first[0]["_id"][:8] == f"{int(START.timestamp()):08x}"  # an ObjectId's creation second
        clock.advance(60)
        again = registration(("DataLoaderNode", ["source", "limit"], ["data"], []))
        again["runtime_name"] = "rt-2"
        client.put("/nodes/", json=again)
        loader_schema = {"type": "object", "properties": {"source": {"type": "string"}, "limit": {"type": "string"}}}
        expected = {"namespace": NS, "count": 2, "nodes": [
            {"_id": first[0]["_id"], "created_at": STAMP, "updated_at": STAMP, "name": "DataLoaderNode",
             "namespace": NS, "runtime_name": "rt-2", "runtime_namespace": NS, "inputs_schema": loader_schema,
             "outputs_schema": {"type": "object", "properties": {"data": {"type": "string"}}}, "secrets": []},
            {"_id": first[1]["_id"], "created_at": STAMP, "updated_at": STAMP, "name": "DataProcessorNode",
             "namespace": NS, "runtime_name": "rt", "runtime_namespace": NS,
             "inputs_schema": {"type": "object", "properties": {"data": {"type": "string"}}},
             "outputs_schema": {"type": "object", "properties": {}}, "secrets": []},
        ]}  # fmt: skip
        exact(client.get("/nodes/"), 200, expected)  # re-registration keeps id, times and place
        exact(client.get("/nodes"), 200, expected)
        exact(client.get("http://local/v0/namespace/other/nodes/"), 200, {"namespace": "other", "count": 0,
                                                                          "nodes": []})  # fmt: skip


def test_graph_templates_are_listed_with_what_was_stored_and_no_secret_values() -> None:
    clock = VirtualClock(START)
    body = {"secrets": {"api_key": "plain-text"}, "nodes": [node.model_dump(mode="json") for node in seed_graph()],
            "retry_policy": {"max_retries": 5, "strategy": "LINEAR", "backoff_factor": 10, "exponent": 3,
                             "max_delay": 100},
            "store_config": {"required_keys": ["k"], "default_values": {"d": "v"}},
            "triggers": [{"type": "CRON", "value": {"expression": "0 * * * *"}}]}  # fmt: skip
    with LocalStateManager(MEMORY, api_key=KEY, clock=clock) as local, http(local) as client:
        client.put("/nodes/", json=SEED_NODES)
        exact(client.get("/graphs/"), 200, {"namespace": NS, "count": 0, "templates": []})
        assert client.put("/graph/g", json=body).status_code == 201
        local.wait_until_verified()
        first_id = client.get("/graphs/").json()["templates"][0]["_id"]
        assert re.fullmatch(r"[0-9a-f]{24}", first_id)
        clock.advance(1.25)
        assert client.put("/graph/g", json=body).status_code == 201  # an update keeps the id and created_at
        assert client.put("/graph/h", json={**body, "secrets": {}}).status_code == 201
        local.wait_until_verified()
        listed = client.get("/graphs/")
        templates = listed.json()["templates"]
        assert [template["name"] for template in templates] == ["g", "h"]
        assert templates[1]["validation_errors"] == ["Secret api_key is required but not present in the graph template"]
        expected = {"_id": first_id, "created_at": STAMP, "updated_at": "2030-01-02T03:04:06.250000", "name": "g",
                    "namespace": NS, "nodes": [
                        {"node_name": "DataLoaderNode", "namespace": NS, "identifier": "loader",
                         "inputs": {"source": "initial"}, "next_nodes": ["processor"], "unites": None},
                        {"node_name": "DataProcessorNode", "namespace": NS, "identifier": "processor",
                         "inputs": {"data": "${{ loader.outputs.data }}"}, "next_nodes": [], "unites": None}],
                    "validation_status": "VALID", "validation_errors": [], "secrets": {"api_key": "********"},
                    "triggers": body["triggers"], "retry_policy": body["retry_policy"],
                    "store_config": body["store_config"]}  # fmt: skip
        exact(listed, 200, {"namespace": NS, "count": 2, "templates": [expected, templates[1]]})
        assert "plain-text" not in listed.text


def test_runs_are_paged_newest_first_with_their_counts() -> None:
    clock = VirtualClock(START)
    with LocalStateManager(MEMORY, api_key=KEY, clock=clock) as local, http(local) as client:
        seeded(local, client, max_retries=1)
        exact(client.get("/runs/1/10"), 200, {"namespace": NS, "total": 0, "page": 1, "size": 10, "runs": []})
        done = trigger(client)  # loader and processor succeed
        (loader,) = enqueue(client, "DataLoaderNode")
        client.post(f"/state/{loader['state_id']}/executed", json={"outputs": [{"data": "x"}]})
        (processor,) = enqueue(client, "DataProcessorNode")
        client.post(f"/state/{processor['state_id']}/executed", json={"outputs": []})
        clock.advance(1)
        failed = trigger(client)  # loader fails twice (one retry)
        for _ in range(2):
            clock.advance(0.001)
            (state,) = enqueue(client, "DataLoaderNode")
            client.post(f"/state/{state['state_id']}/errored", json={"error": "boom"})
        clock.advance(1)
        waiting = trigger(client)
        clock.advance(1)
        empty = trigger(client)  # a run whose states are gone: zero counts, FAILED
        with local.database.transaction() as connection:
            connection.execute("DELETE FROM states WHERE run_id = ?", (empty,))

        def item(run_id: str, stamp: str, counts: tuple[int, int, int, int, int], status: str) -> dict[str, Any]:
            keys = ("success_count", "pending_count", "errored_count", "retried_count", "total_count")
            return {"run_id": run_id, "graph_name": "g", **dict(zip(keys, counts, strict=True)), "status": status,
                    "created_at": f"2030-01-02T03:04:{stamp}"}  # fmt: skip

        runs = [item(empty, "08.002000", (0, 0, 0, 0, 0), "FAILED"), item(waiting, "07.002000", (0, 1, 0, 0, 1),
                "PENDING"), item(failed, "06", (0, 0, 1, 1, 2), "FAILED"), item(done, "05", (2, 0, 0, 0, 2),
                "SUCCESS")]  # fmt: skip
        page = {"namespace": NS, "total": 4}
        exact(client.get("/runs/1/2"), 200, {**page, "page": 1, "size": 2, "runs": runs[:2]})
        exact(client.get("/runs/2/2"), 200, {**page, "page": 2, "size": 2, "runs": runs[2:]})
        exact(client.get("/runs/2/3"), 200, {**page, "page": 2, "size": 3, "runs": runs[3:]})
        exact(client.get("/runs/3/2"), 200, {**page, "page": 3, "size": 2, "runs": []})
        exact(client.get("/runs/1/0"), 200, {**page, "page": 1, "size": 0, "runs": runs})
        exact(client.get("/runs/7/0"), 200, {**page, "page": 7, "size": 0, "runs": runs})  # size 0: all, any page
        exact(client.get("/runs/ 2.0 /+1_0"), 200, {**page, "page": 2, "size": 10, "runs": []})  # FastAPI's ints
        exact(client.get("http://local/v0/namespace/other/runs/1/10"), 200,
              {"namespace": "other", "total": 0, "page": 1, "size": 10, "runs": []})  # fmt: skip


def test_runs_refuse_what_is_not_a_page() -> None:
    not_int = "Input should be a valid integer, unable to parse string as an integer"
    with LocalStateManager(MEMORY, api_key=KEY) as local, http(local) as client:
        exact(client.get("/runs/abc/10"), 422, {"detail": [
            {"type": "int_parsing", "loc": ["path", "page"], "msg": not_int, "input": "abc"}]})  # fmt: skip
        exact(client.get("/runs/1.5/1e2"), 422, {"detail": [
            {"type": "int_parsing", "loc": ["path", "page"], "msg": not_int, "input": "1.5"},
            {"type": "int_parsing", "loc": ["path", "size"], "msg": not_int, "input": "1e2"}]})  # fmt: skip
        exact(client.get("/runs/0/10"), 422, {"detail": [  # the released server: 500 (a negative skip)
            {"type": "greater_than_equal", "loc": ["path", "page"], "msg": "Input should be greater than or equal "
             "to 1", "input": "0", "ctx": {"ge": 1}}]})  # fmt: skip
        exact(client.get("/runs/0/-1"), 422, {"detail": [
            {"type": "greater_than_equal", "loc": ["path", "page"], "msg": "Input should be greater than or equal "
             "to 1", "input": "0", "ctx": {"ge": 1}},
            {"type": "greater_than_equal", "loc": ["path", "size"], "msg": "Input should be greater than or equal "
             "to 0", "input": "-1", "ctx": {"ge": 0}}]})  # fmt: skip
        assert client.get("/runs/1").status_code == 404
        assert client.get("/runs/1/2/3").status_code == 404


def test_the_run_graph_links_each_state_to_its_direct_parent() -> None:
    with LocalStateManager(MEMORY, api_key=KEY) as local, http(local) as client:
        seeded(local, client, max_retries=1)
        run_id = trigger(client)
        (loader,) = enqueue(client, "DataLoaderNode")
        client.post(f"/state/{loader['state_id']}/executed", json={"outputs": [{"data": "A"}, {"data": "B"}]})
        first, second = enqueue(client, "DataProcessorNode")
        client.post(f"/state/{first['state_id']}/errored", json={"error": "boom"})
        answer = client.get(f"/states/run/{run_id}/graph")
        ids = [node["id"] for node in answer.json()["nodes"]]
        assert ids[0] == loader["state_id"]
        assert ids[2:4] == [first["state_id"], second["state_id"]]

        def node(index: int, name: str, status: str, error: str | None = None) -> dict[str, Any]:
            identifier = "loader" if name == "DataLoaderNode" else "processor"
            return {"id": ids[index], "node_name": name, "identifier": identifier, "status": status, "error": error}

        nodes = [node(0, "DataLoaderNode", "SUCCESS"), node(1, "DataLoaderNode", "SUCCESS"),
                 node(2, "DataProcessorNode", "RETRY_CREATED", "boom"), node(3, "DataProcessorNode", "QUEUED"),
                 node(4, "DataProcessorNode", "CREATED")]  # fmt: skip
        edges = [{"source": ids[0], "target": ids[2]}, {"source": ids[1], "target": ids[3]},
                 {"source": ids[0], "target": ids[4]}]  # fmt: skip
        summary = {**SUMMARY_ZERO, "CREATED": 1, "QUEUED": 1, "SUCCESS": 2, "RETRY_CREATED": 1}
        exact(answer, 200, {"root_states": nodes[:2], "graph_name": "g", "nodes": nodes, "edges": edges,
                            "node_count": 5, "edge_count": 3, "execution_summary": summary})  # fmt: skip
        empty = {"root_states": [], "graph_name": "", "nodes": [], "edges": [], "node_count": 0, "edge_count": 0,
                 "execution_summary": SUMMARY_ZERO}  # fmt: skip
        exact(client.get("/states/run/no-such-run/graph"), 200, empty)
        exact(client.get(f"http://local/v0/namespace/other/states/run/{run_id}/graph"), 200, empty)


def test_a_unites_state_hangs_under_its_target() -> None:
    nodes = [
        GraphNodeModel(node_name="Split", namespace=NS, identifier="split", next_nodes=["work"]),
        GraphNodeModel(node_name="Work", namespace=NS, identifier="work", next_nodes=["merge"]),
        GraphNodeModel(node_name="Merge", namespace=NS, identifier="merge", unites={"identifier": "split"}),
    ]  # fmt: skip
    with LocalStateManager(MEMORY, api_key=KEY) as local, http(local) as client:
        client.put("/nodes/", json=registration(("Split", [], [], []), ("Work", [], [], []), ("Merge", [], [], [])))
        local.sync_state_manager(NS).upsert_graph("u", nodes, {}, polling_interval=0.01)
        run_id = client.post("/graph/u/trigger", json={}).json()["run_id"]
        (split,) = enqueue(client, "Split")
        client.post(f"/state/{split['state_id']}/executed", json={"outputs": [{}]})
        (work,) = enqueue(client, "Work")
        client.post(f"/state/{work['state_id']}/executed", json={"outputs": [{}]})
        (merge,) = enqueue(client, "Merge")
        edges = client.get(f"/states/run/{run_id}/graph").json()["edges"]
        assert edges == [{"source": split["state_id"], "target": work["state_id"]},
                         {"source": split["state_id"], "target": merge["state_id"]}]  # fmt: skip


def test_node_details_of_a_state_of_the_run() -> None:
    clock = VirtualClock(START)
    with LocalStateManager(MEMORY, api_key=KEY, clock=clock) as local, http(local) as client:
        seeded(local, client)
        run_id = trigger(client)
        (loader,) = enqueue(client, "DataLoaderNode")
        client.post(f"/state/{loader['state_id']}/executed", json={"outputs": [{"data": "A"}]})
        (processor,) = enqueue(client, "DataProcessorNode")
        clock.advance(2.5)
        client.post(f"/state/{processor['state_id']}/errored", json={"error": "boom"})
        state_id = processor["state_id"]
        expected = {"id": state_id, "node_name": "DataProcessorNode", "identifier": "processor", "graph_name": "g",
                    "run_id": run_id, "status": "ERRORED", "inputs": {"data": "A"}, "outputs": {}, "error": "boom",
                    "parents": {"loader": loader["state_id"]}, "created_at": STAMP,
                    "updated_at": "2030-01-02T03:04:07.500000"}  # fmt: skip
        exact(client.get(f"/graph/g/run/{run_id}/node/{state_id}"), 200, expected)
        exact(client.get(f"/graph/g/run/{run_id}/node/{state_id.upper()}"), 200, expected)  # hex in any case
        for bad in ("nope", "66b0f0c0a1b2c3d4e5f60711", state_id + "0", "g" * 32):
            exact(client.get(f"/graph/g/run/{run_id}/node/{bad}"), 400, {"detail": f"Invalid node ID format: {bad}"})
        for graph, run, namespace in (("h", run_id, NS), ("g", "other-run", NS), ("g", run_id, "other")):
            url = f"http://local/v0/namespace/{namespace}/graph/{graph}/run/{run}/node/{state_id}"
            exact(client.get(url), 404, {"detail": f"Node {state_id} not found in run {run} for graph {graph}"})
        exact(client.get(f"/graph/g/run/{run_id}/node/{'a' * 32}"), 404,
              {"detail": f"Node {'a' * 32} not found in run {run_id} for graph g"})  # fmt: skip


def test_enqueued_states_name_their_run_and_graph() -> None:
    with LocalStateManager(MEMORY, api_key=KEY, clock=VirtualClock(START)) as local, http(local) as client:
        seeded(local, client)
        run_id = trigger(client)
        answer = client.post("/states/enqueue", json={"nodes": ["DataLoaderNode"], "batch_size": 5})
        state_id = answer.json()["states"][0]["state_id"]
        exact(answer, 200, {"count": 1, "namespace": NS, "status": "QUEUED", "states": [
            {"state_id": state_id, "node_name": "DataLoaderNode", "identifier": "loader",
             "inputs": {"source": "initial"}, "created_at": STAMP, "run_id": run_id, "graph_name": "g"}]})  # fmt: skip


def test_manual_retry_copies_the_state_once_per_fanout_id() -> None:
    with LocalStateManager(MEMORY, api_key=KEY) as local, http(local) as client:
        seeded(local, client)
        run_id = trigger(client)
        (loader,) = enqueue(client, "DataLoaderNode")
        client.post(f"/state/{loader['state_id']}/executed", json={"outputs": [{"data": "A"}]})
        (failed,) = enqueue(client, "DataProcessorNode")
        client.post(f"/state/{failed['state_id']}/errored", json={"error": "boom"})  # no retries left: ERRORED
        answer = client.post(f"/state/{failed['state_id']}/manual-retry", json={"fanout_id": "f-1", "extra": 1})
        retry_id = answer.json()["id"]
        exact(answer, 200, {"id": retry_id, "status": "CREATED"})
        assert re.fullmatch(r"[0-9a-f]{32}", retry_id)
        details = client.get(f"/graph/g/run/{run_id}/node/{retry_id}").json()
        assert (details["status"], details["inputs"], details["outputs"], details["error"], details["parents"]) == (
            "CREATED",
            {"data": "A"},
            {},
            None,
            {"loader": loader["state_id"]},
        )
        assert client.get(f"/graph/g/run/{run_id}/node/{failed['state_id']}").json()["status"] == "RETRY_CREATED"
        copy = row(local, retry_id)
        assert (copy["retry_count"], copy["fanout_id"], copy["manual_retry_fanout_id"]) == (0, "f-1", "f-1")
        (again,) = enqueue(client, "DataProcessorNode")  # due at once
        assert (again["state_id"], again["inputs"]) == (retry_id, {"data": "A"})

        duplicate = {"detail": "Duplicate retry state detected"}
        exact(client.post(f"/state/{retry_id}/manual-retry", json={"fanout_id": "f-1"}), 409, duplicate)
        assert row(local, retry_id)["status"] == "QUEUED"  # nothing changed by the refused retry
        own = row(local, loader["state_id"])["fanout_id"]  # the original's own, with retry_count 0
        exact(client.post(f"/state/{loader['state_id']}/manual-retry", json={"fanout_id": own}), 409, duplicate)
        assert row(local, loader["state_id"])["status"] == "SUCCESS"
        finished = client.post(f"/state/{loader['state_id']}/manual-retry", json={"fanout_id": "f-1"})
        assert finished.status_code == 200  # another node: the same fanout_id is free; any status is retried
        assert row(local, loader["state_id"])["status"] == "RETRY_CREATED"

        not_found = {"detail": "State not found"}
        exact(client.post(f"http://local/v0/namespace/other/state/{retry_id}/manual-retry", json={"fanout_id": "x"}),
              404, not_found)  # fmt: skip
        exact(client.post(f"/state/{'0' * 32}/manual-retry", json={"fanout_id": "x"}), 404, not_found)
        exact(client.post(f"/state/{retry_id}/manual-retry"), 422, {"detail": [
            {"type": "missing", "loc": ["body"], "msg": "Field required", "input": None}]})  # fmt: skip
        exact(
            client.post(f"/state/{retry_id}/manual-retry", json={"other": 1}),
            422,
            {
                "detail": [
                    {"type": "missing", "loc": ["body", "fanout_id"], "msg": "Field required", "input": {"other": 1}}
                ]
            },
        )
        exact(client.post(f"/state/{retry_id}/manual-retry", json={"fanout_id": 7}), 422, {"detail": [
            {"type": "string_type", "loc": ["body", "fanout_id"], "msg": "Input should be a valid string",
             "input": 7}]})  # fmt: skip
        exact(
            client.post(f"/state/{retry_id}/manual-retry", json=["f"]),
            422,
            {
                "detail": [
                    {
                        "type": "model_attributes_type",
                        "loc": ["body"],
                        "msg": "Input should be a valid dictionary or object to extract fields from",
                        "input": ["f"],
                    }
                ]
            },
        )
        assert client.get(f"/state/{retry_id}/manual-retry").status_code == 404  # wrong method, as elsewhere


def test_retries_keep_the_fanout_id_and_fan_out_copies_get_new_ones() -> None:
    clock = VirtualClock(START)
    with LocalStateManager(MEMORY, api_key=KEY, clock=clock) as local, http(local) as client:
        seeded(local, client, max_retries=3)
        trigger(client)
        (loader,) = enqueue(client, "DataLoaderNode")
        client.post(f"/state/{loader['state_id']}/executed", json={"outputs": [{"data": "A"}, {"data": "B"}]})
        first, second = enqueue(client, "DataProcessorNode")
        fanouts = {row(local, state["state_id"])["fanout_id"] for state in (first, second)}
        assert len(fanouts) == 2
        client.post(f"/state/{first['state_id']}/errored", json={"error": "boom"})
        clock.advance(1)
        (retry,) = enqueue(client, "DataProcessorNode")
        retried = row(local, retry["state_id"])
        assert (retried["fanout_id"], retried["retry_count"]) == (row(local, first["state_id"])["fanout_id"], 1)
        # the errored state run again (re-enqueue-after ignores the status) and failing again: its retry of
        # attempt 1 exists already, which counts as created, as on the server; no second copy is made
        client.post(f"/state/{first['state_id']}/re-enqueue-after", json={"enqueue_after": 1})
        clock.advance(1)
        (rerun,) = enqueue(client, "DataProcessorNode")
        assert rerun["state_id"] == first["state_id"]
        answer = client.post(f"/state/{first['state_id']}/errored", json={"error": "again"})
        assert answer.json() == {"status": "ERRORED", "retry_created": True}
        count = local.database.query("SELECT COUNT(*) AS n FROM states WHERE retry_count = 1")[0]["n"]
        assert count == 1


@pytest.mark.parametrize("path", ["/graphs", "/graphs/"])
def test_the_lists_answer_with_and_without_the_trailing_slash(path: str) -> None:
    with LocalStateManager(MEMORY, api_key=KEY) as local, http(local) as client:
        exact(client.get(path), 200, {"namespace": NS, "count": 0, "templates": []})
        exact(client.post(path), 404, {"detail": "Not Found"})
