"""A local server used after its `with` block: its clients get the SDK's connection error (as from a server whose
process has ended), its own methods DatabaseClosedError; never sqlite3's ProgrammingError."""

from __future__ import annotations

import asyncio

import pytest

from exospherehost.errors import APIConnectionError as ExosphereConnectionError
from exospherehost.local import MEMORY, LocalStateManager
from sdkcore.local.database import DatabaseClosedError
from waygrid import Node, Spec
from waygrid.errors import APIConnectionError as WaygridConnectionError
from waygrid.local import LocalRouter


def test_a_state_manager_after_its_block_is_a_connection_error() -> None:
    with LocalStateManager(MEMORY) as local:
        manager = local.sync_state_manager("ns")
        assert not local.closed
    assert local.closed
    with pytest.raises(ExosphereConnectionError, match=r"LocalStateManager\(database=':memory:'\) is closed"):
        manager.get_graph("g")
    with pytest.raises(DatabaseClosedError, match="is closed"):
        local.next_due_ms("ns")
    local.close()  # a second close is harmless


def test_a_router_after_its_block_is_a_connection_error_async_too() -> None:
    with LocalRouter(MEMORY) as router:
        client = router.client()
    assert router.closed

    async def submit() -> None:
        async with client:
            await client.submit(Spec.single(Node.standard("waygrid://system/waystation")))

    with pytest.raises(WaygridConnectionError, match="is closed: use it inside its `with` block"):
        asyncio.run(submit())
