"""Every Python block of the Waygrid SDK document (a copy is in seed.md) runs as written.

Each block runs in a fresh namespace that holds what a reader of the document has at that point: the SDK's
public names, the datetime imports, and simple nodes for the names a block uses without defining
(`success_handler`, `aggregate_results`, ...). The one edit: the Quick Start's fixed https://api.waygrid.io
becomes the local test router.
"""

from __future__ import annotations

import asyncio
import io
import os
import re
from collections.abc import Iterator
from contextlib import redirect_stdout
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from syrupy.assertion import SnapshotAssertion

import waygrid
from tests.support.fake_router import TRAVERSAL_ID, router
from tests.support.fault_server import FaultServer, running
from waygrid import Node, Spec
from waygrid.types import ConditionalEdge, INode

SEED = Path(__file__).with_name("seed.md")
SHARED_SEED = Path(__file__).parents[3] / "shared" / "seeds" / "waygrid-python-sdk.md"
BLOCKS = re.findall(r"```python\n(.*?)```", SEED.read_text(encoding="utf-8"), re.S)
API_KEY = "wg-test-key"

PLACEHOLDERS = {
    name: Node.standard(f"waygrid://{component}/{name.replace('_', '-')}")
    for name, component in [
        ("my_node", "processor"),
        ("node1", "origin"),
        ("node2", "origin"),
        ("node3", "origin"),
        ("success_handler", "destination"),
        ("failure_handler", "destination"),
        ("escalation_node", "destination"),
        ("archive_node", "destination"),
        ("aggregate_node", "processor"),
        ("error_handler", "destination"),
        ("timeout_handler", "destination"),
        ("aggregate_results", "processor"),
        ("handle_partial_results", "processor"),
    ]
}


def reader_namespace(**extra: Any) -> dict[str, Any]:
    namespace: dict[str, Any] = {name: getattr(waygrid, name) for name in waygrid.__all__}
    namespace.update(datetime=datetime, timedelta=timedelta, timezone=timezone, os=os, asyncio=asyncio)
    namespace.update(INode=INode, ConditionalEdge=ConditionalEdge, **PLACEHOLDERS, **extra)
    return namespace


def run_block(index: int, source: str | None = None, **extra: Any) -> dict[str, Any]:
    namespace = reader_namespace(**extra)
    exec(compile(source or BLOCKS[index], f"seed.md block {index}", "exec"), namespace)
    return namespace


@pytest.fixture
def local_router(monkeypatch: pytest.MonkeyPatch) -> Iterator[FaultServer]:
    with running(FaultServer(respond=router)) as server:
        monkeypatch.setenv("WAYGRID_API_KEY", API_KEY)
        monkeypatch.setenv("WAYGRID_BASE_URL", server.url)
        yield server


def test_the_copy_matches_the_shared_document() -> None:
    if not SHARED_SEED.exists():
        pytest.skip("the shared seed document is not beside this checkout")
    assert SEED.read_text(encoding="utf-8") == SHARED_SEED.read_text(encoding="utf-8")


def test_the_document_has_the_blocks_these_tests_expect() -> None:
    assert len(BLOCKS) == 15


def test_quick_start_builds_prints_and_submits(local_router: FaultServer, wire_snapshot: SnapshotAssertion) -> None:
    source = BLOCKS[0].replace("https://api.waygrid.io", local_router.url)
    output = io.StringIO()
    with redirect_stdout(output):
        namespace = run_block(0, source)
    assert output.getvalue() == f"Traversal ID: {TRAVERSAL_ID}\n"
    assert namespace["json_str"].encode() == wire_snapshot
    assert namespace["spec"].problems() == []
    (request,) = local_router.tries
    assert request.headers["authorization"] == f"Bearer {API_KEY}"
    assert request.body == b'{"graph":' + namespace["json_str"].encode() + b"}"


def test_spec_single_and_multiple(wire_snapshot: SnapshotAssertion) -> None:
    namespace = run_block(1)
    assert len(namespace["spec"].entry_points) == 3
    assert namespace["spec"].to_json().encode() == wire_snapshot


def test_standard_node_minimal_and_full(wire_snapshot: SnapshotAssertion) -> None:
    namespace = run_block(2)
    node = namespace["node"]
    assert [edge.to.address for edge in node.struct.on_conditions] == [
        "waygrid://destination/escalation-node",
        "waygrid://destination/archive-node",
    ]
    assert Spec.single(node).to_json().encode() == wire_snapshot


def test_fork_and_join_blocks_make_an_accepted_spec_once_joined(wire_snapshot: SnapshotAssertion) -> None:
    fork = run_block(3)["fork"]
    join = run_block(4)["join"]
    assert [p.rule for p in Spec.single(fork).problems()] == ["fork-without-join"] * 3
    spec = Spec.single(fork.with_join(join))
    assert spec.problems() == []
    assert spec.to_json().encode() == wire_snapshot


@pytest.mark.parametrize("index", [5, 6, 7, 8])
def test_policy_and_condition_blocks_run(index: int) -> None:
    run_block(index)


def test_error_handling_pipeline(wire_snapshot: SnapshotAssertion) -> None:
    spec = Spec.single(run_block(9)["workflow"])
    assert spec.to_json().encode() == wire_snapshot
    assert {problem.rule for problem in spec.problems()} == {"condition-not-accepted"}


def test_parallel_quorum(wire_snapshot: SnapshotAssertion, local_router: FaultServer) -> None:
    namespace = run_block(10)
    spec = Spec.single(namespace["spec"].entry_points[0].with_join(namespace["join"]))
    assert spec.problems() == []
    assert spec.to_json().encode() == wire_snapshot
    with waygrid.SyncWaygridClient(local_router.url) as client:
        assert client.submit(spec).traversal_id == TRAVERSAL_ID


@pytest.mark.filterwarnings("ignore:Using `httpx` with `starlette.testclient` is deprecated")
def test_fastapi_integration(local_router: FaultServer) -> None:
    from fastapi.testclient import TestClient

    namespace = run_block(11)
    with TestClient(namespace["app"]) as http:
        response = http.post("/workflow/start", json={"text": "hello"})
    assert response.status_code == 200
    assert response.json() == {"traversal_id": TRAVERSAL_ID, "status": "submitted"}
    (request,) = local_router.tries
    assert request.body.endswith(b',"payload":{"text":"hello"}}')


def test_django_integration(local_router: FaultServer) -> None:
    import django
    from django.conf import settings
    from django.test import RequestFactory

    settings_part, service_part, views_part = re.split(r"\n# (?:services/waygrid_service|views)\.py\n", BLOCKS[12])
    configured = run_block(12, settings_part)
    if not settings.configured:
        settings.configure(
            WAYGRID_BASE_URL=configured["WAYGRID_BASE_URL"], WAYGRID_API_KEY=configured["WAYGRID_API_KEY"]
        )
        django.setup()
    service = run_block(12, service_part)
    views_source = views_part.replace("from .services.waygrid_service import WaygridService\n", "")
    views = run_block(12, views_source, WaygridService=service["WaygridService"])
    request = RequestFactory().post("/workflow", {"customer": "42"})
    response = views["WorkflowView"].as_view()(request)
    assert response.status_code == 200
    assert response.content == f'{{"traversal_id": "{TRAVERSAL_ID}"}}'.encode()
    assert local_router.tries[0].body.endswith(b',"payload":{"customer":"42"}}')


def test_type_hints_block(wire_snapshot: SnapshotAssertion) -> None:
    build = run_block(13)["build_workflow"]
    spec = build("waygrid://processor/openai", "waygrid://destination/webhook", max_retries=4)
    assert isinstance(spec, Spec)
    assert spec.to_json().encode() == wire_snapshot


def test_dataclasses_block_defines_its_classes() -> None:
    namespace = run_block(14)
    assert namespace["LinearRetryPolicy"](base=timedelta(seconds=5), max_retries=3).max_retries == 3
