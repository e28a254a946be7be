"""The local Waygrid router: what it answers (as the real router), idempotency, persistence across a restart and a
kill -9, the `waygrid dev` command, and both clients over loopback and in process."""

from __future__ import annotations

import asyncio
import json
import signal
from pathlib import Path

import httpx
import pytest

from sdkcore.local.http import InProcessTransport
from tests.local_servers.conftest import dev_process
from waygrid import JoinStrategy, Node, Spec, SpecRejectedError, SyncWaygridClient, WaygridClient
from waygrid.__main__ import main
from waygrid.local import MEMORY, LocalRouter, new_ulid
from waygrid_api.models.ingest import IngestResponse

SPEC = Spec.single(Node.standard("waygrid://processor/openai").on_success(Node.standard("waygrid://destination/hook")))
FORK_WITHOUT_JOIN = Spec.single(
    Node.fork("waygrid://system/waystation").join_id("j").branches({
        "a": Node.standard("waygrid://processor/a"), "b": Node.standard("waygrid://processor/b")})
)  # fmt: skip


def test_ulids_sort_by_time_and_match_the_schema() -> None:
    first, second = new_ulid(1_700_000_000.0), new_ulid(1_700_000_000.001)
    assert len(first) == 26
    assert first < second
    IngestResponse(traversal_id=first, dag_hash="0" * 16)


def test_the_sync_client_in_process() -> None:
    with LocalRouter(MEMORY) as router, router.sync_client() as client:
        result = client.submit(SPEC, payload={"n": 1})
        assert client.service_info().service == "router"
        (stored,) = router.traversals()
        assert stored["traversal_id"] == result.traversal_id
        assert stored["payload"] == {"n": 1}
        assert stored["spec"] == json.loads(SPEC.to_json())


def test_the_async_client_over_loopback_and_in_process() -> None:
    async def submit_twice(client: WaygridClient) -> tuple[IngestResponse, IngestResponse]:
        async with client:
            return await client.submit(SPEC), await client.submit(SPEC)

    with LocalRouter(MEMORY) as router, router.serve() as server:
        first, second = asyncio.run(submit_twice(WaygridClient(server.url, "key")))
        third, _ = asyncio.run(submit_twice(router.client()))
        assert len(router.traversals()) == 4
        assert third.dag_hash == first.dag_hash
    assert first.traversal_id != second.traversal_id
    assert first.dag_hash == second.dag_hash


def test_a_spec_the_router_cannot_compile_is_a_500_naming_the_problem() -> None:
    with LocalRouter(MEMORY) as router, router.serve() as server, SyncWaygridClient(server.url) as client:
        with pytest.raises(SpecRejectedError) as caught:
            client.submit(FORK_WITHOUT_JOIN, validate=False)
        assert caught.value.status_code == 500
        assert caught.value.attempts == 1
        assert "Invalid DAG structure" in str(caught.value.server_message)
        assert "entryPoints[0].branches.a" in str(caught.value.server_message)
        assert router.traversals() == []


def test_bodies_are_read_as_the_router_reads_them() -> None:
    graph = json.loads(SPEC.to_json())
    with LocalRouter(MEMORY) as router:
        client = httpx.Client(transport=InProcessTransport(router))
        extra = client.post("http://router/v1/ingest", json={"graph": graph, "note": "ignored"})
        assert extra.status_code == 200
        unknown = client.post("http://router/v1/ingest", json={"graph": {**graph, "x": 1}})
        assert unknown.status_code == 500
        assert "DecodingFailure" in unknown.json()["error"]
        assert unknown.json()["error"].endswith("unknown field `x` - at `$.graph`")
        broken = client.post("http://router/v1/ingest", content=b"{")
        assert broken.status_code == 500
        assert "MalformedMessageBodyFailure" in broken.json()["error"]
        assert client.get("http://router/v1/traversals").status_code == 404
        assert client.get("http://router/").json()["component"] == "system"


def test_an_idempotency_key_gets_the_first_answer_again() -> None:
    body = {"graph": json.loads(SPEC.to_json())}
    with LocalRouter(MEMORY) as router, router.serve() as server:
        first = httpx.post(f"{server.url}/v1/ingest", json=body, headers={"Idempotency-Key": "k-1"})
        again = httpx.post(f"{server.url}/v1/ingest", json=body, headers={"Idempotency-Key": "k-1"})
        other = httpx.post(f"{server.url}/v1/ingest", json={**body, "payload": 2}, headers={"Idempotency-Key": "k-1"})
        assert first.json() == again.json()
        assert again.headers["idempotent-replayed"] == "true"
        assert other.status_code == 422
        assert "k-1" in other.json()["error"]
        assert len(router.traversals()) == 1


def test_traversals_survive_a_restart(tmp_path: Path) -> None:
    database = tmp_path / "router.db"
    with LocalRouter(database) as router, router.sync_client() as client:
        result = client.submit(SPEC)
    with LocalRouter(database) as router:
        assert [row["traversal_id"] for row in router.traversals()] == [result.traversal_id]


def test_waygrid_dev_keeps_its_data_through_a_kill_9(tmp_path: Path) -> None:
    database = tmp_path / "router.db"
    body = {"graph": json.loads(SPEC.to_json())}
    with dev_process("waygrid", "--database", str(database)) as (process, url):
        assert url.startswith("http://127.0.0.1:")
        first = httpx.post(f"{url}/v1/ingest", json=body, headers={"Idempotency-Key": "before-crash"})
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
    with dev_process("waygrid", "--database", str(database)) as (_, url):
        again = httpx.post(f"{url}/v1/ingest", json=body, headers={"Idempotency-Key": "before-crash"})
    assert first.status_code == 200
    assert again.json() == first.json()
    with LocalRouter(database) as router:
        assert len(router.traversals()) == 1


def test_waygrid_dev_in_memory_and_its_options() -> None:
    with dev_process("waygrid", "--in-memory") as (_, url):
        assert httpx.get(f"{url}/").status_code == 200
    with pytest.raises(SystemExit):
        main(["dev", "--port", "70000"])


def test_join_strategies_reach_the_router_intact() -> None:
    fork = (
        Node.fork("waygrid://system/waystation").join_id("q").branches({
            "a": Node.standard("waygrid://processor/a"), "b": Node.standard("waygrid://processor/b")})
        .with_join(Node.join("waygrid://system/waystation").join_id("q").strategy(JoinStrategy.quorum(1)))
    )  # fmt: skip
    with LocalRouter(MEMORY) as router, router.sync_client() as client:
        client.submit(Spec.single(fork))
        stored = router.traversals()[0]["spec"]
    assert stored["entryPoints"][0]["branches"]["a"]["onSuccess"]["strategy"] == {"type": "Quorum", "n": 1}
