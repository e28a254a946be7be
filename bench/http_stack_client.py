"""The client of bench/http_stacks.py: COUNT small requests (`GET /v0/namespace/bench/graph/echo`, answer read
whole, its status checked), IN_FLIGHT at a time, through one HTTP stack; prints this process's CPU seconds per
request (user + sys, `resource.getrusage`, after a warm-up).

usage: http_stack_client.py URL KEY COUNT IN_FLIGHT STACK

The stacks, from the bare libraries up to this SDK's transport (sdkcore.transport.AsyncTransport, the seam every
SDK call goes through): see STACKS."""

from __future__ import annotations

import asyncio
import json
import resource
import sys
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from typing import Any

WARM_UP = 50
PATH = "/v0/namespace/bench/graph/echo"
STACKS = {  # name: (what it is, the modules it needs)
    "aiohttp": ("aiohttp `ClientSession`, one for all requests", ("aiohttp",)),
    "aiohttp-per-call": ("aiohttp, a new `ClientSession` per request (as exospherehost 0.0.3)", ("aiohttp",)),
    "httpx": ("`httpx.AsyncClient`, one for all requests", ()),
    "httpx-aiohttp": ("`httpx.AsyncClient(transport=httpx_aiohttp.AiohttpTransport())`", ("httpx_aiohttp",)),
    "httpx2": ("`httpx2.AsyncClient`, one for all requests", ("httpx2",)),
    "httpx2-aiohttp": (
        "`httpx2.AsyncClient` over `httpx_aiohttp.httpx2.AiohttpTransport`",
        ("httpx2", "httpx_aiohttp"),
    ),
    "httpx-transport": ("`httpx.AsyncHTTPTransport.handle_async_request`, no client", ()),
    "aiohttp-transport": ("`httpx_aiohttp.AiohttpTransport.handle_async_request`, no client", ("httpx_aiohttp",)),
    "sdk": ("this SDK's transport (`AsyncTransport.send`), its default stack (aiohttp, called directly)", ()),
    "sdk-httpx": ("this SDK's transport over httpx's own stack (`http_transport=httpx.AsyncHTTPTransport()`)", ()),
    "sdk-aiohttp": ("this SDK's transport, `http_transport=AiohttpTransport()`", ("httpx_aiohttp",)),
}


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def sender(stack: str, url: str, key: str, stack_exit: AsyncExitStack) -> Callable[[], Awaitable[Any]]:
    """A function sending one request through `stack`; what it opens closes with `stack_exit`."""
    headers = {"x-api-key": key}
    if stack.startswith("aiohttp") and stack != "aiohttp-transport":
        import aiohttp

        if stack == "aiohttp-per-call":

            async def per_call() -> Any:
                async with aiohttp.ClientSession() as session, session.get(url + PATH, headers=headers) as answer:
                    assert answer.status == 200
                    return await answer.read()

            return per_call
        session = await stack_exit.enter_async_context(aiohttp.ClientSession())

        async def pooled() -> Any:
            async with session.get(url + PATH, headers=headers) as answer:
                assert answer.status == 200
                return await answer.read()

        return pooled
    if stack.startswith("sdk"):
        from exospherehost._api import PROFILE
        from exospherehost._wire import operations
        from sdkcore.transport import AsyncTransport

        settings: dict[str, Any] = {}
        if stack == "sdk-aiohttp":
            from httpx_aiohttp import AiohttpTransport

            settings["http_transport"] = AiohttpTransport()
        if stack == "sdk-httpx":
            import httpx

            settings["http_transport"] = httpx.AsyncHTTPTransport()
        transport = await stack_exit.enter_async_context(AsyncTransport(url, profile=PROFILE, api_key=key, **settings))
        where = {"version": "v0", "namespace": "bench", "graph_name": "echo"}
        return lambda: transport.send(operations.GET_GRAPH, path_params=where)
    httpx: Any
    if stack.startswith("httpx2"):
        import httpx2 as httpx
    else:
        import httpx
    if stack.endswith("-transport"):
        if stack == "aiohttp-transport":
            from httpx_aiohttp import AiohttpTransport

            raw = AiohttpTransport()
        else:
            raw = httpx.AsyncHTTPTransport()
        await stack_exit.enter_async_context(raw)
        request_url = httpx.URL(url + PATH)

        async def direct() -> Any:
            answer = await raw.handle_async_request(httpx.Request("GET", request_url, headers=headers))
            try:
                assert answer.status_code == 200
                return await answer.aread()
            finally:
                await answer.aclose()

        return direct
    options: dict[str, Any] = {}
    if stack == "httpx-aiohttp":
        from httpx_aiohttp import AiohttpTransport

        options["transport"] = AiohttpTransport()
    elif stack == "httpx2-aiohttp":
        from httpx_aiohttp.httpx2 import AiohttpTransport as Httpx2AiohttpTransport

        options["transport"] = Httpx2AiohttpTransport()
    client = await stack_exit.enter_async_context(httpx.AsyncClient(**options))
    return lambda: client.get(url + PATH, headers=headers)


async def measure(url: str, key: str, count: int, in_flight: int, stack: str) -> float:
    async with AsyncExitStack() as stack_exit:
        send = await sender(stack, url, key, stack_exit)
        slots = asyncio.Semaphore(in_flight)

        async def one() -> None:
            async with slots:
                answer = await send()
                if hasattr(answer, "raise_for_status"):
                    answer.raise_for_status()

        await asyncio.gather(*(one() for _ in range(WARM_UP)))
        before = cpu_seconds()
        await asyncio.gather(*(one() for _ in range(count)))
        return (cpu_seconds() - before) / count


if __name__ == "__main__":
    url, key, count, in_flight, stack = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
    print(json.dumps(asyncio.run(measure(url, key, count, in_flight, stack))))
