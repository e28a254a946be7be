"""The asyncio transport's stacks: aiohttp by default (its answers still full httpx responses), httpx when the
caller passes a client or a transport (which stays the caller's) or the environment names a proxy; and the
StateManager's one pool per event loop."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from exospherehost import StateManager
from exospherehost._api import PROFILE
from exospherehost._wire import operations
from exospherehost.local import MEMORY, LocalStateManager
from sdkcore.async_stack import async_stack
from sdkcore.transport import AsyncTransport, default_tls


def test_the_default_stack_is_aiohttp_and_answers_are_httpx_responses() -> None:
    async def scenario(url: str) -> None:
        async with AsyncTransport(url, profile=PROFILE, api_key="k") as transport:
            assert type(transport._stack).__name__ == "_AiohttpStack"
            answer = await transport.send(operations.LIST_NAMESPACES, params={"version": "v0"})
            assert answer.raise_for_status() is answer
            assert str(answer.request.url) == f"{url}/v0/namespaces"
            assert answer.json() == {"namespaces": [], "count": 0}
            assert answer.headers["content-type"] == "application/json"

    with LocalStateManager(MEMORY, api_key="k") as local, local.serve() as server:
        asyncio.run(scenario(server.url))


def test_a_proxy_in_the_environment_gets_httpx_which_honours_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")
    stack = async_stack(None, None, default_tls())
    assert type(stack).__name__ == "_HttpxStack"
    asyncio.run(stack.aclose())


class Counting(httpx.AsyncBaseTransport):
    def __init__(self) -> None:
        self.closed = 0
        self.requests = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests += 1
        return httpx.Response(200, json={"message": "OK"})

    async def aclose(self) -> None:
        self.closed += 1


def test_a_lent_transport_stays_open_across_calls_and_one_pool_serves_a_loop() -> None:
    lent = Counting()
    manager = StateManager("ns", "http://x", "k", http_transport=lent)
    made: list[object] = []
    real = manager._new_transport

    def counting(needs_key: bool = True) -> AsyncTransport:
        made.append(needs_key)
        return real(needs_key)

    manager._new_transport = counting  # type: ignore[method-assign]

    async def calls() -> None:
        for _ in range(3):
            assert (await manager.health()).message == "OK"

    asyncio.run(calls())
    asyncio.run(calls())
    assert lent.requests == 6
    assert lent.closed == 0
    assert made == [True, True]  # one pool per event loop, closed with it


class CountingSync(httpx.BaseTransport):
    def __init__(self) -> None:
        self.closed = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"message": "OK"})

    def close(self) -> None:
        self.closed += 1


def test_the_blocking_transport_does_not_close_a_lent_transport_either() -> None:
    from exospherehost import SyncStateManager

    lent = CountingSync()
    manager = SyncStateManager("ns", "http://x", "k", http_transport=lent)
    assert manager.health().message == "OK"
    assert manager.health().message == "OK"
    assert lent.closed == 0
