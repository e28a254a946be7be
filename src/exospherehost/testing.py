"""Run a graph to completion in one process, for tests: a local state manager in memory, a `Runtime` reaching it
with no socket, and a virtual clock, so that retry backoffs, `ReQueueAfterSignal` delays and `start_delay` cost
no real time.

    from exospherehost.testing import run_graph

    result = run_graph([LoaderNode, ProcessorNode], graph_nodes)
    assert result.status == "SUCCESS" and result.outputs["processor"][0]["summary"] == "..."

The loop claims up to `batch_size` runnable states and runs them one at a time, in the order the state manager
hands them out, so that a run is the same every time; when nothing is runnable it moves the clock to the moment
the next waiting state is due. It stops when no state is
waiting, then reads the run back through the state manager's run routes (`StateManager.wait_for_run`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from exospherehost.errors import ExosphereError

if TYPE_CHECKING:
    from exospherehost.local import LocalStateManager
    from exospherehost.models import GraphNodeModel, RetryPolicyModel, StoreConfigModel
    from exospherehost.node import BaseNode
    from exospherehost.observation import RunResult

__all__ = ["HarnessError", "arun_graph", "run_graph"]

NAMESPACE = "testing"
GRAPH_NAME = "graph"
KEY = "exo-testing-key"


class HarnessError(ExosphereError):
    """The run did not settle within `max_steps` rounds (a node that re-queues itself for ever, say), or a state
    was left without a report."""


async def arun_graph(
    nodes: Sequence[type[BaseNode]],
    graph_nodes: list[GraphNodeModel],
    *,
    inputs: Mapping[str, str] | None = None,
    store: Mapping[str, str] | None = None,
    secrets: Mapping[str, str] | None = None,
    retry_policy: RetryPolicyModel | None = None,
    store_config: StoreConfigModel | None = None,
    start_delay: int = 0,
    start: datetime | None = None,
    namespace: str = NAMESPACE,
    graph_name: str = GRAPH_NAME,
    batch_size: int = 16,
    max_steps: int = 10_000,
) -> RunResult:
    """Upsert the graph (it must validate), trigger it, execute it with `nodes` until nothing is left to run, and
    return the run: its status, every state, and the outputs by node identifier. The virtual clock starts at
    `start` (default: now)."""
    from exospherehost.local import MEMORY, LocalStateManager
    from exospherehost.local.clock import VirtualClock, from_ms
    from exospherehost.runtime import Runtime
    from sdkcore.local.http import AsyncInProcessTransport

    if isinstance(max_steps, bool) or not isinstance(max_steps, int) or max_steps < 1:
        raise ValueError(f"max_steps must be a whole number >= 1, got {max_steps!r}")
    clock = VirtualClock(start)
    with LocalStateManager(MEMORY, api_key=KEY, clock=clock) as local:
        runtime = Runtime(namespace, "testing-runtime", list(nodes), "http://exosphere.in-process", KEY,
                          batch_size=batch_size, workers=batch_size,
                          http_transport=AsyncInProcessTransport(local))  # fmt: skip
        manager = local.state_manager(namespace)
        async with manager, runtime.connected():
            await manager.upsert_graph(graph_name, graph_nodes, dict(secrets or {}), retry_policy, store_config,
                                       polling_interval=0)  # fmt: skip
            run = await manager.trigger(graph_name, dict(inputs or {}), dict(store or {}), start_delay)
            for _ in range(max_steps):
                if await runtime.run_once(one_at_a_time=True):
                    continue
                due = local.next_due_ms(namespace)
                if due is None:
                    _check_settled(local, run.run_id)
                    return await manager.wait_for_run(graph_name, run.run_id, timeout=60, polling_interval=0)
                clock.advance_to(from_ms(due))
            raise HarnessError(f"run {run.run_id} of graph {graph_name!r} was still running after {max_steps} steps")


def _check_settled(local: LocalStateManager, run_id: str) -> None:
    """HarnessError when a state is left QUEUED or EXECUTED with nothing due (its report was refused)."""
    stuck = local.database.query(
        "SELECT identifier, status FROM states WHERE run_id = ? AND status IN ('QUEUED', 'EXECUTED')", (run_id,)
    )
    if stuck:
        found = ", ".join(f"{row['identifier']} ({row['status']})" for row in stuck)
        raise HarnessError(f"run {run_id} cannot finish: states left without a report: {found}")


def run_graph(nodes: Sequence[type[BaseNode]], graph_nodes: list[GraphNodeModel], **options: Any) -> RunResult:
    """`arun_graph` for code without an event loop (a plain pytest test); the same arguments."""
    return asyncio.run(arun_graph(nodes, graph_nodes, **options))
