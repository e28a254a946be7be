"""The client of bench/request_cpu.py: `StateManager` calls (upsert_graph, trigger, get_graph), COUNT of each with
IN_FLIGHT at a time, against bench/counting_server.py; prints, as JSON, each call's CPU seconds spent in this
process (user + sys, `resource.getrusage`, after a warm-up) and the requests the server counted for it. The same
script runs this SDK and exospherehost 0.0.3: the packages share this API.

usage: request_cpu_client.py URL KEY COUNT IN_FLIGHT CLIENT

CLIENT: `original` (exospherehost 0.0.3: a new aiohttp session per call), or this SDK as `default` (its own
stack, aiohttp, a pool per call: the drop-in use), `default-pooled` (one pool for all calls: `async with
manager:`), `httpx-pooled` (httpx's own stack: `http_transport=httpx.AsyncHTTPTransport()`, in `async with`),
`httpx2-pooled` (the same after `httpx2.alias_httpx()`, before the SDK is imported)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import resource
import sys
import urllib.request
from collections.abc import Awaitable, Callable
from typing import Any

WARM_UP = 20


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def served(url: str) -> int:
    """Requests the server has answered so far (its own count)."""
    with urllib.request.urlopen(f"{url}/bench/stats", timeout=30) as answer:
        return sum(json.load(answer)["requests"].values())


def settings(client: str) -> dict[str, Any]:
    """The StateManager's keyword arguments for `client`; call before importing exospherehost."""
    if client.startswith("httpx2"):
        import httpx2

        httpx2.alias_httpx()
    if client.startswith(("httpx-", "httpx2-")):
        import httpx

        return {"http_transport": httpx.AsyncHTTPTransport()}
    return {}


async def measure(url: str, key: str, count: int, in_flight: int, client: str) -> dict[str, dict[str, float]]:
    options = settings(client)
    from throughput_client import graph  # imports exospherehost: after settings(), which may alias httpx

    from exospherehost import StateManager

    manager = StateManager(namespace="bench", state_manager_uri=url, key=key, **options)
    nodes = graph("Echo")
    calls: dict[str, Callable[[int], Awaitable[object]]] = {
        "upsert_graph": lambda index: manager.upsert_graph(f"g{index}", nodes, {"k": "v"}, polling_interval=0),
        "trigger": lambda index: manager.trigger("echo", inputs={}),
        "get_graph": lambda index: manager.get_graph("echo"),
    }
    slots = asyncio.Semaphore(in_flight)

    async def one(call: Callable[[int], Awaitable[object]], index: int) -> None:
        async with slots:
            await call(index)

    results: dict[str, dict[str, float]] = {}
    pooled = client.endswith("-pooled")
    async with manager if pooled else contextlib.nullcontext():  # type: ignore[attr-defined]
        for name, call in calls.items():
            await asyncio.gather(*(one(call, count + index) for index in range(WARM_UP)))
            before_requests, before = served(url), cpu_seconds()
            await asyncio.gather(*(one(call, index) for index in range(count)))
            cpu = cpu_seconds() - before
            results[name] = {"calls": count, "cpu": cpu, "requests": served(url) - before_requests}
    return results


if __name__ == "__main__":
    url, key, count, in_flight, client = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
    print(json.dumps(asyncio.run(measure(url, key, count, in_flight, client))))
