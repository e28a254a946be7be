"""The clients users make (WaygridClient, StateManager and their sync forms) take the transport's settings as
keyword arguments, checked when the client is made: the size caps reach the transport that reads the answers."""

from __future__ import annotations

import httpx
import pytest

from exospherehost import StateManager, SyncStateManager
from exospherehost.errors import NotFoundError
from exospherehost.errors import ResponseTooLargeError as ExosphereTooLarge
from exospherehost.local import MEMORY, LocalStateManager
from sdkcore.local.http import InProcessTransport
from waygrid import Node, Spec, SyncWaygridClient, WaygridClient
from waygrid.errors import ResponseTooLargeError as WaygridTooLarge
from waygrid.local import LocalRouter

GRAPH = {"secrets": {}, "nodes": [{"node_name": "N", "namespace": "ns", "identifier": "a", "inputs": {}}]}


def test_the_state_manager_reads_answers_within_its_caps() -> None:
    with LocalStateManager(MEMORY, api_key="k") as local:
        with httpx.Client(transport=InProcessTransport(local), base_url="http://x/v0/namespace/ns",
                          headers={"x-api-key": "k"}) as raw:  # fmt: skip
            assert raw.put("/graph/g", json=GRAPH).status_code == 201
        assert local.sync_state_manager("ns").get_graph("g").nodes
        with pytest.raises(ExosphereTooLarge, match=r"larger than max_response_bytes \(64 bytes"):
            local.sync_state_manager("ns", max_response_bytes=64).get_graph("g")
        with pytest.raises(NotFoundError) as caught:
            local.sync_state_manager("ns", max_error_bytes=10, max_retries=0, deadline=5).get_graph("absent")
        assert caught.value.response_text == '{"detail":'


def test_the_router_client_reads_answers_within_its_caps() -> None:
    with (
        LocalRouter(MEMORY) as router,
        router.sync_client(max_response_bytes=16) as client,
        pytest.raises(WaygridTooLarge, match="larger than max_response_bytes"),
    ):
        client.submit(Spec.single(Node.standard("waygrid://system/waystation")))


@pytest.mark.parametrize("make", [StateManager, SyncStateManager])
@pytest.mark.parametrize(("option", "value", "message"), [
    ("max_retries", -1, "max_retries must be an integer >= 0"),
    ("deadline", 0, "deadline must be a number of seconds > 0"),
    ("timeout", float("nan"), "timeout must be a number of seconds > 0 or an httpx.Timeout"),
    ("max_response_bytes", 0, "max_response_bytes must be a number of bytes >= 1"),
    ("max_error_bytes", True, "max_error_bytes must be a number of bytes >= 1"),
])  # fmt: skip
def test_bad_settings_are_refused_when_the_client_is_made(make: type, option: str, value: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        make("ns", "http://127.0.0.1:1", "key", **{option: value})
    for client in (WaygridClient, SyncWaygridClient):
        with pytest.raises(ValueError, match=message):
            client("http://127.0.0.1:1", **{option: value})
