"""The StateManager's observation calls (health, namespaces, nodes, graphs, runs, run graph, node details) and
manual retry, sync and async, against an httpx.MockTransport that answers the released server's documented bodies
(the valid documents of spec/vectors/exosphere/observation-*.json): the request sent, the typed result, and the
typed error with the original's message style for each documented error status."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

import exospherehost
from exospherehost import RunStatus, StateManager, StateStatus, SyncStateManager
from exospherehost.errors import (
    AuthenticationError,
    BadRequestError,
    ConflictError,
    ExosphereError,
    NotFoundError,
    UnprocessableEntityError,
)

VECTORS = Path(__file__).parents[2] / "spec" / "vectors" / "exosphere"
URI = "http://exosphere.test"
KEY = "exo-observation-key"
RUN_ID = "3f1c2b7e-5d4a-4e8f-9a6b-0c1d2e3f4a5b"
STATE_ID = "66b0f0c0a1b2c3d4e5f60711"
INVALID_KEY = (401, {"detail": "Invalid API key"})


def documented(file: str, case: str) -> Any:
    """The body of a valid contract vector: what the released server answers."""
    cases = json.loads((VECTORS / file).read_text(encoding="utf-8"))["cases"]
    return next(c["document"] for c in cases if c["name"] == case)


def text(body: Any) -> str:
    """JSON as FastAPI writes it."""
    return json.dumps(body, separators=(",", ":"))


class Server:
    """Answers `(method, raw path)` from its routes (status, body); anything else is FastAPI's 404."""

    def __init__(self, routes: dict[tuple[str, str], tuple[int, Any]]) -> None:
        self.routes = routes
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        status, body = self.routes.get((request.method, request.url.raw_path.decode()), (404, {"detail": "Not Found"}))
        headers = {"content-type": "application/json", "x-exosphere-request-id": "rid-1"}
        return httpx.Response(status, content=text(body).encode(), headers=headers)

    @property
    def only(self) -> httpx.Request:
        (request,) = self.requests
        return request


Call = Callable[..., Any]


@pytest.fixture(params=["sync", "async"])
def call(request: pytest.FixtureRequest) -> Call:
    """`call(server, "method", *args, namespace=..., key=..., **kwargs)` on a SyncStateManager or a StateManager."""

    def run(server: Server, method: str, *args: Any, namespace: str = "ns", key: str | None = KEY,
            **kwargs: Any) -> Any:  # fmt: skip
        transport = httpx.MockTransport(server)
        if request.param == "sync":
            return getattr(SyncStateManager(namespace, URI, key, http_transport=transport), method)(*args, **kwargs)

        async def main() -> Any:
            return await getattr(StateManager(namespace, URI, key, http_transport=transport), method)(*args, **kwargs)

        return asyncio.run(main())

    return run


def test_health_needs_no_key(call: Call, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("EXOSPHERE_API_KEY", raising=False)
    server = Server({("GET", "/health"): (200, documented("observation-health.json", "health-ok"))})
    result = call(server, "health", key=None)
    assert isinstance(result, exospherehost.HealthResult)
    assert result.message == "OK"
    assert result["message"] == "OK"
    assert "x-api-key" not in server.only.headers
    assert server.only.method == "GET"


def test_health_sends_the_key_when_there_is_one(call: Call) -> None:
    server = Server({("GET", "/health"): (200, {"message": "OK"})})
    call(server, "health")
    assert server.only.headers["x-api-key"] == KEY


def test_list_namespaces(call: Call) -> None:
    body = documented("observation-namespaces.json", "namespaces")
    server = Server({("GET", "/v0/namespaces"): (200, body)})
    result = call(server, "list_namespaces")
    assert isinstance(result, exospherehost.Namespaces)
    assert (result.namespaces, result.count) == (["billing", "ns"], 2)
    assert result.to_dict() == body
    assert server.only.headers["x-api-key"] == KEY


def test_list_registered_nodes(call: Call) -> None:
    body = documented("observation-nodes.json", "nodes-list")
    server = Server({("GET", "/v0/namespace/ns/nodes/"): (200, body)})
    result = call(server, "list_registered_nodes")
    assert isinstance(result, exospherehost.RegisteredNodes)
    (node,) = result.nodes
    assert (node.id, node.name, node.runtime_name, node.secrets) == ("66b0f0c0a1b2c3d4e5f60701", "A", "worker",
                                                                     ["token"])  # fmt: skip
    assert node.inputs_schema["required"] == ["name"]
    assert result["nodes"][0]["_id"] == "66b0f0c0a1b2c3d4e5f60701"


def test_list_graphs_reads_the_stored_parts_and_hides_secret_values_in_the_repr(call: Call) -> None:
    body = documented("observation-graphs.json", "graphs-list")
    server = Server({("GET", "/v0/namespace/ns/graphs/"): (200, body)})
    result = call(server, "list_graphs")
    assert isinstance(result, exospherehost.GraphTemplates)
    (template,) = result.templates
    assert isinstance(template, exospherehost.StoredGraphTemplate)
    assert (template.name, template.validation_status) == ("g", "VALID")
    assert (template.retry_policy.max_retries, template.retry_policy.strategy) == (3, "EXPONENTIAL")
    assert template.store_config.required_keys == ["who"]
    assert template.triggers[0].value == {"expression": "0 9 * * 1-5"}
    assert template.nodes[1].unites is not None
    secret = body["templates"][0]["secrets"]["token"]
    assert template.secrets == {"token": secret}
    assert secret not in repr(result) + repr(template)
    assert "'token': '<redacted>'" in repr(template)


def test_get_runs_defaults_to_the_first_page_of_20(call: Call) -> None:
    body = documented("observation-runs.json", "runs-page")
    server = Server({("GET", "/v0/namespace/ns/runs/1/20"): (200, body)})
    result = call(server, "get_runs")
    assert isinstance(result, exospherehost.RunsPage)
    assert [run.status for run in result.runs] == [RunStatus.PENDING, RunStatus.SUCCESS]
    assert result.runs[1].retried_count == 1
    assert result.total == 2


def test_get_runs_writes_page_and_size_into_the_path(call: Call) -> None:
    body = documented("observation-runs.json", "runs-failed-without-states")
    server = Server({("GET", "/v0/namespace/ns/runs/3/0"): (200, body)})
    assert call(server, "get_runs", 3, size=0).runs[0].status == "FAILED"


@pytest.mark.parametrize(("page", "size", "message"), [
    (0, 20, "page must be an integer >= 1, got 0"),
    (1, -1, "size must be an integer >= 0, got -1"),
    (True, 20, "page must be an integer >= 1, got True"),
    (1, "20", "size must be an integer >= 0, got '20'"),
])  # fmt: skip
def test_get_runs_refuses_what_the_server_would_answer_500_to(call: Call, page: Any, size: Any, message: str) -> None:
    server = Server({})
    with pytest.raises(ValueError, match=f"^{message}$"):
        call(server, "get_runs", page, size)
    assert server.requests == []


def test_get_run_graph(call: Call) -> None:
    body = documented("observation-run-graph.json", "run-graph-fan-out")
    server = Server({("GET", f"/v0/namespace/ns/states/run/{RUN_ID}/graph"): (200, body)})
    result = call(server, "get_run_graph", RUN_ID)
    assert isinstance(result, exospherehost.RunGraph)
    assert [node.status for node in result.nodes] == [StateStatus.SUCCESS] * 3 + [StateStatus.ERRORED]
    assert result.nodes[3].error == "boom"
    assert (result.node_count, result.edge_count, len(result.root_states)) == (4, 3, 1)
    assert result.execution_summary["SUCCESS"] == 3


def test_get_run_graph_of_an_unknown_run_is_empty(call: Call) -> None:
    body = documented("observation-run-graph.json", "run-graph-unknown-run")
    server = Server({("GET", "/v0/namespace/ns/states/run/nope/graph"): (200, body)})
    result = call(server, "get_run_graph", "nope")
    assert (result.nodes, result.graph_name) == ([], "")


def test_get_node_run_details(call: Call) -> None:
    body = documented("observation-node-details.json", "node-details-success")
    path = f"/v0/namespace/ns/graph/g/run/{RUN_ID}/node/{STATE_ID}"
    server = Server({("GET", path): (200, body)})
    result = call(server, "get_node_run_details", "g", RUN_ID, STATE_ID)
    assert isinstance(result, exospherehost.NodeRunDetails)
    assert (result.status, result.outputs, result.error) == (StateStatus.SUCCESS, {"y": "2", "n": 3}, None)
    assert result.parents == {"a": "66b0f0c0a1b2c3d4e5f60710"}
    assert result.created_at == "2026-12-01T07:29:15.378000"


def test_get_node_run_details_errors(call: Call) -> None:
    bad_id = {"detail": "Invalid node ID format: a"}
    missing = {"detail": f"Node {STATE_ID} not found in run {RUN_ID} for graph g"}
    server = Server({("GET", f"/v0/namespace/ns/graph/g/run/{RUN_ID}/node/a"): (400, bad_id),
                     ("GET", f"/v0/namespace/ns/graph/g/run/{RUN_ID}/node/{STATE_ID}"): (404, missing)})  # fmt: skip
    with pytest.raises(BadRequestError) as caught:
        call(server, "get_node_run_details", "g", RUN_ID, "a")
    assert str(caught.value) == f"Failed to get node run details: 400 {text(bad_id)}"
    assert caught.value.server_message == "Invalid node ID format: a"
    with pytest.raises(NotFoundError, match=f"^Failed to get node run details: 404 {text(missing)}$"):
        call(server, "get_node_run_details", "g", RUN_ID, STATE_ID)


def test_manual_retry_sends_the_fanout_id(call: Call) -> None:
    body = documented("runtime-manual-retry-response.json", "manual-retry-response")
    server = Server({("POST", f"/v0/namespace/ns/state/{STATE_ID}/manual-retry"): (200, body)})
    result = call(server, "manual_retry", STATE_ID, "fan-1")
    assert isinstance(result, exospherehost.ManualRetryResult)
    assert (result.id, result.status) == ("66b0f0c0a1b2c3d4e5f60720", StateStatus.CREATED)
    assert server.only.content == b'{"fanout_id":"fan-1"}'
    assert server.only.headers["content-type"] == "application/json"


def test_manual_retry_without_a_fanout_id_sends_a_new_uuid(call: Call) -> None:
    server = Server(
        {("POST", f"/v0/namespace/ns/state/{STATE_ID}/manual-retry"): (200, {"id": "n", "status": "CREATED"})}
    )
    call(server, "manual_retry", STATE_ID)
    call(server, "manual_retry", STATE_ID)
    sent = [json.loads(request.content)["fanout_id"] for request in server.requests]
    assert len(set(sent)) == 2
    assert all(str(uuid.UUID(value)) == value for value in sent)


def test_manual_retry_refuses_a_fanout_id_that_is_not_a_string(call: Call) -> None:
    server = Server({})
    with pytest.raises(TypeError, match=r"^fanout_id must be a string or None, got int$"):
        call(server, "manual_retry", STATE_ID, 7)
    assert server.requests == []


UNPROCESSABLE: dict[str, Any] = {
    "detail": [{"type": "missing", "loc": ["body", "fanout_id"], "msg": "Field required", "input": {}}]
}


@pytest.mark.parametrize(("status", "body", "error"), [
    (404, {"detail": "State not found"}, NotFoundError),
    (409, {"detail": "Duplicate retry state detected"}, ConflictError),
    (422, UNPROCESSABLE, UnprocessableEntityError),
    (*INVALID_KEY, AuthenticationError),
])  # fmt: skip
def test_manual_retry_errors(call: Call, status: int, body: Any, error: type[ExosphereError]) -> None:
    server = Server({("POST", f"/v0/namespace/ns/state/{STATE_ID}/manual-retry"): (status, body)})
    with pytest.raises(error) as caught:
        call(server, "manual_retry", STATE_ID, "fan-1")
    assert str(caught.value) == f"Failed to manual retry state: {status} {text(body)}"
    assert caught.value.status_code == status  # type: ignore[attr-defined]
    assert caught.value.request_id == "rid-1"  # type: ignore[attr-defined]
    assert len(server.requests) == 1


def test_a_decoded_error_body_is_kept(call: Call) -> None:
    server = Server({("POST", f"/v0/namespace/ns/state/{STATE_ID}/manual-retry"): (422, UNPROCESSABLE)})
    with pytest.raises(UnprocessableEntityError) as caught:
        call(server, "manual_retry", STATE_ID, "fan-1")
    assert caught.value.body.detail[0].loc == ["body", "fanout_id"]


CALLS: list[tuple[str, tuple[Any, ...], str, str]] = [
    ("list_namespaces", (), "GET", "/v0/namespaces"),
    ("list_registered_nodes", (), "GET", "/v0/namespace/ns/nodes/"),
    ("list_graphs", (), "GET", "/v0/namespace/ns/graphs/"),
    ("get_runs", (2, 5), "GET", "/v0/namespace/ns/runs/2/5"),
    ("get_run_graph", (RUN_ID,), "GET", f"/v0/namespace/ns/states/run/{RUN_ID}/graph"),
    ("get_node_run_details", ("g", RUN_ID, STATE_ID), "GET", f"/v0/namespace/ns/graph/g/run/{RUN_ID}/node/{STATE_ID}"),
    ("manual_retry", (STATE_ID, "f"), "POST", f"/v0/namespace/ns/state/{STATE_ID}/manual-retry"),
]
WHAT = {"list_namespaces": "list namespaces", "list_registered_nodes": "list registered nodes",
        "list_graphs": "list graphs", "get_runs": "get runs", "get_run_graph": "get run graph",
        "get_node_run_details": "get node run details", "manual_retry": "manual retry state"}  # fmt: skip


@pytest.mark.parametrize(("method", "args", "verb", "path"), CALLS, ids=[c[0] for c in CALLS])
def test_a_wrong_key_is_an_authentication_error(call: Call, method: str, args: tuple[Any, ...], verb: str,
                                                 path: str) -> None:  # fmt: skip
    server = Server({(verb, path): INVALID_KEY})
    with pytest.raises(AuthenticationError) as caught:
        call(server, method, *args, key="wrong")
    assert str(caught.value) == f'Failed to {WHAT[method]}: 401 {{"detail":"Invalid API key"}}'
    assert server.only.headers["x-api-key"] == "wrong"
    assert (server.only.method, server.only.url.raw_path.decode()) == (verb, path)


@pytest.mark.parametrize(("method", "args", "verb", "path"), CALLS, ids=[c[0] for c in CALLS])
def test_a_wrong_version_is_not_found(call: Call, method: str, args: tuple[Any, ...], verb: str, path: str) -> None:
    server = Server({})
    with pytest.raises(NotFoundError, match=rf'^Failed to {WHAT[method]}: 404 \{{"detail":"Not Found"\}}$'):
        call(server, method, *args)
    assert server.only.url.raw_path.decode() == path


def test_path_segments_are_url_encoded(call: Call) -> None:
    server = Server({})
    with pytest.raises(NotFoundError):
        call(server, "get_node_run_details", "a/b", "r 1", "s", namespace="my ns")
    assert server.only.url.raw_path.decode() == "/v0/namespace/my%20ns/graph/a%2Fb/run/r%201/node/s"


def test_the_version_segment_is_the_managers(call: Call) -> None:
    server = Server({})
    manager = SyncStateManager("ns", URI, KEY, "v9", http_transport=httpx.MockTransport(server))
    with pytest.raises(NotFoundError):
        manager.list_namespaces()
    assert server.only.url.raw_path.decode() == "/v9/namespaces"


def test_a_body_that_breaks_the_schema_names_the_path(call: Call) -> None:
    body = documented("observation-runs.json", "runs-page")
    body["runs"][0]["status"] = "RUNNING"
    server = Server({("GET", "/v0/namespace/ns/runs/1/20"): (200, body)})
    with pytest.raises(exospherehost.errors.ResponseDecodeError, match=r"\$\.runs\[0\]\.status"):
        call(server, "get_runs")
