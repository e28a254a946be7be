"""What the runtime tests share: a local state manager reached in process through a wrapper app that can record
and fail requests, a graph built on the fly, and a wait for a run to settle."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from exospherehost import GraphNodeModel, RetryPolicyModel, Runtime
from exospherehost.local import LocalStateManager
from sdkcore.local.http import AsyncInProcessTransport, Request, Response

KEY = "sk-live-runtime-test-key"
NAMESPACE = "runtime-tests"
PENDING = {"CREATED", "QUEUED", "EXECUTED"}


@dataclass
class Wire:
    """The app a runtime talks to: the local state manager behind a recorder; `fail(request)` may answer
    instead of it (a 503, say), or raise ConnectionError to drop the connection."""

    local: LocalStateManager
    received: list[Request] = field(default_factory=list)
    fail: Callable[[Request], Response | None] = lambda request: None

    def __call__(self, request: Request) -> Response:
        self.received.append(request)
        answer = self.fail(request)
        return answer if answer is not None else self.local(request)

    def runtime(self, nodes: list[type], **options: object) -> Runtime:
        options.setdefault("poll_interval", 0.02)
        return Runtime(NAMESPACE, "test-runtime", nodes, "http://exosphere.in-process", KEY,  # type: ignore[arg-type]
                       http_transport=AsyncInProcessTransport(self), **options)  # type: ignore[arg-type]  # fmt: skip

    def bodies(self, ending: str) -> list[bytes]:
        return [request.body for request in self.received if request.path.endswith(ending)]


def chain(*names: str, inputs: dict[str, dict[str, str]] | None = None) -> list[GraphNodeModel]:
    """A graph of node classes `names`, each feeding the next, identifiers in lower case."""
    given = inputs or {}
    return [
        GraphNodeModel(node_name=name, namespace=NAMESPACE, identifier=name.lower(), inputs=given.get(name, {}),
                       next_nodes=[names[index + 1].lower()] if index + 1 < len(names) else None)
        for index, name in enumerate(names)
    ]  # fmt: skip


def statuses(local: LocalStateManager, run_id: str) -> list[tuple[str, str]]:
    rows = local.database.query("SELECT identifier, status FROM states WHERE run_id = ? ORDER BY rowid", (run_id,))
    return [(row["identifier"], row["status"]) for row in rows]


async def settled(local: LocalStateManager, run_id: str, timeout: float = 20.0) -> list[tuple[str, str]]:
    """The run's (identifier, status) pairs once none is pending; AssertionError after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        found = statuses(local, run_id)
        if found and not PENDING & {status for _, status in found}:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"run {run_id} still pending: {found}")
        await asyncio.sleep(0.01)


async def start_run(
    wire: Wire,
    runtime: Runtime,
    graph: list[GraphNodeModel],
    retry_policy: RetryPolicyModel | None = None,
    **trigger: object,
) -> str:
    """Start the runtime (a task), wait for its registration, upsert `graph` and trigger it; the run id."""
    runtime.start()
    deadline = time.monotonic() + 10
    while not wire.local.database.query("SELECT 1 FROM registered_nodes WHERE namespace = ?", (NAMESPACE,)):
        if time.monotonic() > deadline:
            raise AssertionError("the runtime did not register")
        await asyncio.sleep(0.005)
    manager = wire.local.state_manager(NAMESPACE)
    await manager.upsert_graph("graph", graph, {"token": "graph-secret"}, retry_policy, polling_interval=0)
    return (await manager.trigger("graph", **trigger)).run_id  # type: ignore[arg-type]
