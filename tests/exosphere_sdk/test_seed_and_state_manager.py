"""The exosphere seed's code runs unchanged against a local stand-in state manager; the StateManager keeps the
original's bodies, URLs, polling and messages, and adds typed results and errors."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from syrupy.assertion import SnapshotAssertion

import exospherehost
from exospherehost import (
    ConfigurationError,
    GraphNodeModel,
    GraphValidationError,
    GraphValidationTimeoutError,
    StateManager,
    SyncStateManager,
)
from exospherehost.errors import AuthenticationError, ExosphereError, NotFoundError
from tests.support.fake_state_manager import RUN_ID, FakeStateManager
from tests.support.fault_server import Fault, FaultServer, running
from tests.support.reference_bodies import EXOSPHERE_UPSERT

SEED = Path(__file__).with_name("seed.md")
SHARED_SEED = Path(__file__).parents[3] / "shared" / "seeds" / "exosphere-python-sdk.md"
BLOCKS = re.findall(r"```python[^\n]*\n(.*?)```", SEED.read_text(encoding="utf-8"), re.S)
KEY = "exo-test-key"
NODES = [GraphNodeModel(node_name="A", namespace="ns", identifier="a", next_nodes=["b"]),
         GraphNodeModel(node_name="B", namespace="ns", identifier="b", inputs={"x": "${{ a.outputs.y }}"})]  # fmt: skip


@pytest.fixture
def fake() -> FakeStateManager:
    return FakeStateManager(key=KEY)


@pytest.fixture
def server(fake: FakeStateManager) -> Iterator[FaultServer]:
    with running(FaultServer(respond=fake)) as state:
        yield state


def test_the_copy_matches_the_shared_document() -> None:
    if not SHARED_SEED.exists():
        pytest.skip("the shared seed document is not beside this checkout")
    assert SEED.read_text(encoding="utf-8") == SHARED_SEED.read_text(encoding="utf-8")


def test_the_basic_usage_block_runs_unchanged(server: FaultServer, wire_snapshot: SnapshotAssertion) -> None:
    namespace: dict[str, Any] = {"EXOSPHERE_STATE_MANAGER_URI": server.url + "/", "EXOSPHERE_API_KEY": KEY}
    exec(compile(BLOCKS[0], "seed.md block 0", "exec"), namespace)
    result = asyncio.run(namespace["create_graph"]())
    assert result["validation_status"] == "VALID"
    assert result.validation_status == "VALID"
    put, get = server.tries
    assert (put.method, put.path, get.method) == ("PUT", "/v0/namespace/MyProject/graph/my-workflow", "GET")
    assert put.headers["x-api-key"] == KEY
    assert put.body == wire_snapshot


@pytest.mark.parametrize("index", [1, 2, 3])
def test_the_model_blocks_run_unchanged(index: int) -> None:
    namespace = {name: getattr(exospherehost, name) for name in exospherehost.__all__}
    exec(f"model = {BLOCKS[index]}", namespace)
    assert namespace["model"].model_dump()


def test_the_body_is_the_reference_document(server: FaultServer) -> None:
    manager = SyncStateManager("ns", server.url, KEY)
    manager.upsert_graph(
        "g",
        [
            GraphNodeModel(node_name="A", namespace="ns", identifier="a", inputs={"x": "1"}, next_nodes=["b"]),
            GraphNodeModel(
                node_name="B",
                namespace="ns",
                identifier="b",
                inputs={"y": "${{ a.outputs.z }}"},
                unites=exospherehost.UnitesModel(identifier="a"),
            ),
        ],
        {"k": "v"},
        retry_policy=exospherehost.RetryPolicyModel(),
        store_config=exospherehost.StoreConfigModel(required_keys=["c"]),
        triggers=[exospherehost.CronTrigger(expression="0 9 * * 1-5")],
        polling_interval=0,
    )
    assert server.tries[0].body == EXOSPHERE_UPSERT


def test_polling_until_valid_reuses_one_connection(server: FaultServer, fake: FakeStateManager) -> None:
    fake.pending_polls = 3
    result = SyncStateManager("ns", server.url, KEY).upsert_graph("g", NODES, {}, polling_interval=0)
    assert [t.method for t in server.tries] == ["PUT", "GET", "GET", "GET"]
    assert len({t.peer for t in server.tries}) == 1
    assert result.get("validation_errors") is None
    assert result["nodes"][1]["inputs"] == {"x": "${{ a.outputs.y }}"}


def test_an_invalid_graph_raises_with_the_original_message(server: FaultServer, fake: FakeStateManager) -> None:
    fake.final_status, fake.final_errors = "INVALID", ["Node A is not registered"]

    async def main() -> None:
        await StateManager("ns", server.url, KEY).upsert_graph("g", NODES, {}, polling_interval=0)

    with pytest.raises(GraphValidationError) as caught:
        asyncio.run(main())
    assert str(caught.value) == "Graph validation failed: INVALID and errors: ['Node A is not registered']"
    assert caught.value.errors == ["Node A is not registered"]


def test_validation_that_never_ends_times_out(server: FaultServer, fake: FakeStateManager) -> None:
    fake.pending_polls = 10**6
    with pytest.raises(GraphValidationTimeoutError, match=r"^Graph validation check timed out after 0 seconds$"):
        SyncStateManager("ns", server.url, KEY).upsert_graph("g", NODES, {}, validation_timeout=0, polling_interval=0)


def test_http_errors_keep_the_original_text_and_a_typed_class(server: FaultServer) -> None:
    manager = SyncStateManager("ns", server.url, KEY)
    with pytest.raises(NotFoundError) as caught:
        manager.get_graph("missing")
    assert str(caught.value) == 'Failed to get graph: 404 {"detail": "Graph template missing not found"}'
    assert isinstance(caught.value, ExosphereError)
    with pytest.raises(AuthenticationError, match=r'^Failed to trigger state: 401 \{"detail":"Invalid API key"\}$'):
        SyncStateManager("ns", server.url, "wrong").trigger("g")


def test_trigger_sends_all_three_members(server: FaultServer) -> None:
    manager = SyncStateManager("ns", server.url, KEY)
    manager.upsert_graph("g", NODES, {}, polling_interval=0)
    result = manager.trigger("g", inputs={"user_id": "123"})
    assert result["run_id"] == RUN_ID
    assert json.loads(server.tries[-1].body) == {"start_delay": 0, "inputs": {"user_id": "123"}, "store": {}}


def test_path_segments_are_url_encoded(server: FaultServer) -> None:
    with pytest.raises(NotFoundError):
        SyncStateManager("my ns", server.url, KEY).get_graph("a/b")
    assert server.tries[0].path == "/v0/namespace/my%20ns/graph/a%2Fb"


def test_server_faults_are_retried(server: FaultServer) -> None:
    server.script = [Fault("status", status=503), Fault("reset_before")]
    SyncStateManager("ns", server.url, KEY).upsert_graph("g", NODES, {}, polling_interval=0)
    assert [t.method for t in server.tries] == ["PUT", "PUT", "PUT", "GET"]


def test_one_manager_serves_two_event_loops(server: FaultServer) -> None:
    manager = StateManager("ns", server.url, KEY)
    for _ in range(2):
        assert asyncio.run(manager.upsert_graph("g", NODES, {}, polling_interval=0))["validation_status"] == "VALID"


def test_missing_settings_are_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("EXOSPHERE_STATE_MANAGER_URI", raising=False)
    monkeypatch.delenv("EXOSPHERE_API_KEY", raising=False)
    with pytest.raises(ConfigurationError, match="EXOSPHERE_STATE_MANAGER_URI"):
        SyncStateManager("ns").get_graph("g")
    monkeypatch.setenv("EXOSPHERE_STATE_MANAGER_URI", "http://127.0.0.1:9")
    with pytest.raises(ConfigurationError, match="EXOSPHERE_API_KEY"):
        SyncStateManager("ns").get_graph("g")


def test_the_key_stays_out_of_the_repr() -> None:
    manager = StateManager("ns", "http://127.0.0.1:9", KEY)
    assert KEY not in repr(manager) + repr(vars(manager))
