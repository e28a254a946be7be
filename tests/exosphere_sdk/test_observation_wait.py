"""`wait_for_run`, sync and async, against an httpx.MockTransport playing the released server: it polls the run
graph until no state is CREATED, QUEUED or EXECUTED, computes the status as the runs route does, and reads the
outputs of the SUCCESS states from node details; and `run_status` on its own."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from exospherehost import RunResult, RunStatus, RunTimeoutError, StateManager, StateStatus, SyncStateManager
from exospherehost.errors import AuthenticationError, ExosphereError, NotFoundError
from exospherehost.observation import run_status
from tests.exosphere_sdk.test_observation import KEY, URI, text

RUN = "run-1"
GRAPH_PATH = f"/v0/namespace/ns/states/run/{RUN}/graph"


def state(state_id: str, identifier: str, status: str, error: str | None = None) -> dict[str, Any]:
    return {"id": state_id, "node_name": identifier.upper(), "identifier": identifier, "status": status, "error": error}


def graph(*states: dict[str, Any]) -> dict[str, Any]:
    summary = {name: sum(s["status"] == name for s in states) for name in StateStatus.__members__}
    return {"root_states": [s for s in states if s["identifier"] == "a"], "graph_name": "g" if states else "",
            "nodes": list(states), "edges": [], "node_count": len(states), "edge_count": 0,
            "execution_summary": summary}  # fmt: skip


def details(item: dict[str, Any], outputs: dict[str, Any]) -> dict[str, Any]:
    return {**item, "graph_name": "g", "run_id": RUN, "inputs": {}, "outputs": outputs, "parents": {},
            "created_at": "2026-12-01T07:29:15.378000", "updated_at": "2026-12-01T07:29:16"}  # fmt: skip


class Run:
    """The run graph answers `graphs` one after the other (the last one for ever); node details from `outputs`."""

    def __init__(self, graphs: list[dict[str, Any]], outputs: dict[str, dict[str, Any]] | None = None) -> None:
        self.graphs, self.outputs = graphs, outputs or {}
        self.paths: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path = request.url.raw_path.decode()
        self.paths.append(path)
        if path == GRAPH_PATH:
            body = self.graphs.pop(0) if len(self.graphs) > 1 else self.graphs[0]
            return httpx.Response(200, content=text(body).encode())
        prefix = f"/v0/namespace/ns/graph/g/run/{RUN}/node/"
        final = self.graphs[-1]["nodes"]
        found = [s for s in final if path == prefix + s["id"]]
        if found and found[0]["id"] in self.outputs:
            return httpx.Response(200, content=text(details(found[0], self.outputs[found[0]["id"]])).encode())
        return httpx.Response(404, content=b'{"detail":"Not Found"}')

    @property
    def details_read(self) -> list[str]:
        return [path.rsplit("/", 1)[1] for path in self.paths if path != GRAPH_PATH]


Wait = Callable[..., RunResult]


@pytest.fixture(params=["sync", "async"])
def wait(request: pytest.FixtureRequest) -> Wait:
    def run(
        server: Callable[[httpx.Request], httpx.Response], graph_name: str = "g", run_id: str = RUN, **kwargs: Any
    ) -> RunResult:
        transport = httpx.MockTransport(server)
        kwargs.setdefault("polling_interval", 0)
        if request.param == "sync":
            return SyncStateManager("ns", URI, KEY, http_transport=transport).wait_for_run(graph_name, run_id, **kwargs)

        async def main() -> RunResult:
            return await StateManager("ns", URI, KEY, http_transport=transport).wait_for_run(graph_name, run_id,
                                                                                              **kwargs)  # fmt: skip

        return asyncio.run(main())

    return run


def test_it_polls_until_nothing_is_pending_and_collects_the_outputs_of_a_fan_out(wait: Wait) -> None:
    a, b1, b2 = state("s1", "a", "SUCCESS"), state("s2", "b", "SUCCESS"), state("s3", "b", "SUCCESS")
    server = Run([graph(state("s1", "a", "CREATED")), graph(state("s1", "a", "QUEUED")),
                  graph(a, state("s2", "b", "EXECUTED")), graph(a, b1, b2)],
                 {"s1": {"y": "1"}, "s2": {"z": "p"}, "s3": {"z": "q"}})  # fmt: skip
    result = wait(server)
    assert isinstance(result, RunResult)
    assert (result.status, result.graph_name, result.run_id) == (RunStatus.SUCCESS, "g", RUN)
    assert result.status == "SUCCESS"
    assert result.outputs == {"a": [{"y": "1"}], "b": [{"z": "p"}, {"z": "q"}]}
    assert [s.id for s in result.states] == ["s1", "s2", "s3"]
    assert result.errors() == {}
    assert server.paths.count(GRAPH_PATH) == 4
    assert server.details_read == ["s1", "s2", "s3"]


def test_a_state_that_failed_for_good_fails_the_run(wait: Wait) -> None:
    final = graph(state("s1", "a", "SUCCESS"), state("s2", "b", "RETRY_CREATED", "first"),
                  state("s3", "b", "ERRORED", "boom"), state("s4", "c", "PRUNED"))  # fmt: skip
    server = Run([final], {"s1": {"y": "1"}})
    result = wait(server)
    assert result.status == RunStatus.FAILED
    assert result.outputs == {"a": [{"y": "1"}]}
    assert result.errors() == {"b": ["boom"]}
    assert [s.status for s in result.states] == [StateStatus.SUCCESS, StateStatus.RETRY_CREATED,
                                                 StateStatus.ERRORED, StateStatus.PRUNED]  # fmt: skip
    assert server.details_read == ["s1"]


def test_pruned_branches_still_succeed(wait: Wait) -> None:
    server = Run([graph(state("s1", "a", "SUCCESS"), state("s2", "b", "PRUNED"))], {"s1": {}})
    result = wait(server)
    assert (result.status, result.outputs) == (RunStatus.SUCCESS, {"a": [{}]})


def test_a_run_without_states_is_failed_at_once(wait: Wait) -> None:
    server = Run([graph()])
    result = wait(server, run_id=RUN)
    assert (result.status, result.states, result.outputs) == (RunStatus.FAILED, [], {})
    assert server.paths == [GRAPH_PATH]


def test_a_run_that_does_not_finish_times_out(wait: Wait) -> None:
    server = Run([graph(state("s1", "a", "SUCCESS"), state("s2", "b", "QUEUED"))])
    with pytest.raises(RunTimeoutError) as caught:
        wait(server, timeout=0.05, polling_interval=0.01)
    assert str(caught.value) == f"Run {RUN} of graph 'g' still had 1 of 2 states unfinished after 0.05 seconds"
    assert isinstance(caught.value, TimeoutError)
    assert isinstance(caught.value, ExosphereError)
    assert (caught.value.run_id, caught.value.pending) == (RUN, 1)
    assert server.paths.count(GRAPH_PATH) >= 2
    assert server.details_read == []


def test_a_zero_timeout_looks_once(wait: Wait) -> None:
    server = Run([graph(state("s1", "a", "CREATED"))])
    with pytest.raises(RunTimeoutError, match=r"after 0 seconds$"):
        wait(server, timeout=0)
    assert server.paths == [GRAPH_PATH]


@pytest.mark.parametrize(("settings", "message"), [
    ({"timeout": -1}, "timeout must be a finite number of seconds >= 0, got -1"),
    ({"timeout": float("inf")}, "timeout must be a finite number of seconds >= 0, got inf"),
    ({"polling_interval": -0.5}, "polling_interval must be a finite number of seconds >= 0, got -0.5"),
    ({"polling_interval": True}, "polling_interval must be a finite number of seconds >= 0, got True"),
])  # fmt: skip
def test_bad_settings_name_the_setting_and_send_nothing(wait: Wait, settings: dict[str, Any], message: str) -> None:
    server = Run([graph()])
    with pytest.raises(ValueError, match=f"^{message}$"):
        wait(server, **settings)
    assert server.paths == []


def test_an_error_answer_while_polling_keeps_the_original_message(wait: Wait) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(401, content=b'{"detail":"Invalid API key"}')

    with pytest.raises(AuthenticationError, match=r'^Failed to get run graph: 401 \{"detail":"Invalid API key"\}$'):
        wait(answer)


def test_details_that_vanish_are_a_not_found_error(wait: Wait) -> None:
    server = Run([graph(state("s1", "a", "SUCCESS"))])  # no details for s1
    with pytest.raises(NotFoundError, match=r"^Failed to get node run details: 404 "):
        wait(server)


@pytest.mark.parametrize(("statuses", "expected"), [
    ([], RunStatus.FAILED),
    (["SUCCESS", "PRUNED", "RETRY_CREATED"], RunStatus.SUCCESS),
    (["SUCCESS", "ERRORED"], RunStatus.FAILED),
    (["SUCCESS", "NEXT_CREATED_ERROR"], RunStatus.FAILED),
    (["ERRORED", "CREATED"], RunStatus.PENDING),
    (["QUEUED"], RunStatus.PENDING),
    (["EXECUTED", "SUCCESS"], RunStatus.PENDING),
    (["RETRY_CREATED"], RunStatus.SUCCESS),
])  # fmt: skip
def test_run_status_is_the_runs_routes(statuses: list[str], expected: RunStatus) -> None:
    assert run_status(StateStatus(s) for s in statuses) == expected
