"""WaygridClient and SyncWaygridClient over real HTTP against the local stand-in router."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator

import pytest

from tests.support.fake_router import TRAVERSAL_ID, router
from tests.support.fault_server import Fault, FaultServer, running
from waygrid import (
    Node,
    Spec,
    SpecRejectedError,
    SpecValidationError,
    SubmitResult,
    SyncWaygridClient,
    WaygridClient,
    errors,
)
from waygrid_api import codec
from waygrid_api.models.traversal_spec import Spec as SpecStruct

KEY = "wg-client-key-123"
SPEC = Spec.single(Node.standard("waygrid://processor/openai").on_success(Node.standard("waygrid://destination/hook")))
BROKEN = Spec.single(
    Node.fork("waygrid://system/waystation").join_id("j").branches({"a": Node.standard("waygrid://processor/a")})
)


@pytest.fixture
def server() -> Iterator[FaultServer]:
    with running(FaultServer(respond=router)) as state:
        yield state


def test_async_submit_returns_the_ids_and_sends_the_key(server: FaultServer) -> None:
    async def main() -> SubmitResult:
        async with WaygridClient(base_url=server.url, api_key=KEY) as client:
            return await client.submit(SPEC, payload={"text": "hi"})

    result = asyncio.run(main())
    assert result.traversal_id == TRAVERSAL_ID
    assert len(result.dag_hash) == 16
    (request,) = server.tries
    assert request.headers["authorization"] == f"Bearer {KEY}"
    assert json.loads(request.body) == {"graph": json.loads(SPEC.to_json()), "payload": {"text": "hi"}}


def test_sync_client_has_the_same_surface(server: FaultServer) -> None:
    with SyncWaygridClient(server.url, KEY) as client:
        assert client.submit(SPEC).traversal_id == TRAVERSAL_ID
        assert client.submit(codec.decode(SPEC.to_bytes(), SpecStruct), payload=0).traversal_id == TRAVERSAL_ID
        assert client.service_info().service == "router"
    assert server.tries[0].body == b'{"graph":' + SPEC.to_bytes() + b"}"
    assert server.tries[1].body.endswith(b',"payload":0}')


def test_an_invalid_spec_is_refused_before_anything_is_sent(server: FaultServer) -> None:
    with SyncWaygridClient(server.url) as client, pytest.raises(SpecValidationError, match="fork-branches"):
        client.submit(BROKEN)
    assert server.tries == []


def test_a_spec_the_router_rejects_raises_spec_rejected_once(server: FaultServer) -> None:
    with SyncWaygridClient(server.url, max_retries=3) as client, pytest.raises(SpecRejectedError) as caught:
        client.submit(BROKEN, validate=False)
    assert "DecodingFailure" in caught.value.server_message
    assert caught.value.status_code == 500
    assert isinstance(caught.value, errors.WaygridError)
    assert len(server.tries) == 1


def test_a_router_fault_is_retried(server: FaultServer) -> None:
    server.script = [
        Fault("status", status=500, body=b'{"error": "java.lang.OutOfMemoryError"}'),
        Fault("reset_before"),
    ]
    with SyncWaygridClient(server.url, max_retries=2) as client:
        assert client.submit(SPEC).traversal_id == TRAVERSAL_ID
    assert len(server.tries) == 3
    assert len({t.headers["idempotency-key"] for t in server.tries}) == 1


def test_the_async_client_can_be_entered_again_after_it_closed(server: FaultServer) -> None:
    client = WaygridClient(base_url=server.url, api_key=KEY)

    async def twice() -> list[str]:
        ids = []
        for _ in range(2):
            async with client:
                ids.append((await client.submit(SPEC)).traversal_id)
        return ids

    assert asyncio.run(twice()) == [TRAVERSAL_ID, TRAVERSAL_ID]


def test_the_client_checks_its_settings_at_construction_and_hides_the_key() -> None:
    with pytest.raises(ValueError, match="base_url"):
        WaygridClient(base_url="api.waygrid.io", api_key=KEY)
    client = SyncWaygridClient("https://api.waygrid.io", api_key=KEY)
    assert KEY not in repr(client) + repr(vars(client))
    client.close()
