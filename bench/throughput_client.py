"""Upserts N small graphs to a state manager, K in flight, and prints the seconds it took. The same script runs
this SDK and exospherehost 0.0.3 (each with its own interpreter): the packages share this API.

usage: throughput_client.py URL KEY COUNT IN_FLIGHT"""

from __future__ import annotations

import asyncio
import sys
import time

from exospherehost import GraphNodeModel, StateManager


def graph(node_name: str = "Worker") -> list[GraphNodeModel]:
    """Three nodes of `node_name` in a chain, each reading the previous one's `y`."""
    return [
        GraphNodeModel(
            node_name=node_name,
            namespace="bench",
            identifier=f"n{i}",
            inputs={"x": f"${{{{ n{i - 1}.outputs.y }}}}" if i else "seed"},
            next_nodes=[f"n{i + 1}"] if i < 2 else None,
        )
        for i in range(3)
    ]


async def upsert_all(url: str, key: str, count: int, in_flight: int) -> float:
    manager = StateManager(namespace="bench", state_manager_uri=url, key=key)
    nodes = graph()
    slots = asyncio.Semaphore(in_flight)

    async def one(index: int) -> None:
        async with slots:
            await manager.upsert_graph(f"g{index}", nodes, {"k": "v"}, polling_interval=0)

    started = time.perf_counter()
    await asyncio.gather(*(one(index) for index in range(count)))
    return time.perf_counter() - started


if __name__ == "__main__":
    url, key, count, in_flight = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    print(asyncio.run(upsert_all(url, key, count, in_flight)))
