"""Every StateManager call as a plan without I/O: a generator that yields the requests to send (`Send`) and the
waits between polls (`Pause`), receives each decoded answer, and returns the call's result. `StateManager` and
`SyncStateManager` drive the same plans, with `await` or without, so no call is written twice.

Like `_wire`, this module loads the generated operations, so StateManager imports it on its first call.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Generator, Mapping
from typing import Any, Generic, TypeVar

import msgspec

from exosphere_api import codec, operations
from exosphere_api.models.runtime import ManualRetryRequest, StateStatus
from exospherehost import _wire as wire
from exospherehost import results
from exospherehost.observation import PENDING, RunResult, RunTimeoutError, run_status
from sdkcore.operation import Operation
from sdkcore.settings import check_seconds

T = TypeVar("T")


class Send(msgspec.Struct, frozen=True, kw_only=True):
    """One request: its operation and parameters, the body, the type the answer decodes into, and the words of
    the original's message on failure (`Failed to <what>: <status> <body>`)."""

    operation: Operation
    params: Mapping[str, Any]
    what: str
    result: Any
    body: bytes | None = None
    needs_key: bool = True


class Pause(msgspec.Struct, frozen=True):
    """A wait between two polls."""

    seconds: float


class Done(msgspec.Struct, Generic[T], frozen=True):
    """The plan's result."""

    value: T


Plan = Generator["Send | Pause", Any, T]


def advance(plan: Plan[T], answer: Any) -> Send | Pause | Done[T]:
    """The plan's next step after `answer` (None to start it, or after a pause), or its result."""
    try:
        return plan.send(answer)
    except StopIteration as stop:
        return Done(stop.value)


class Where(msgspec.Struct, frozen=True):
    """The path values every namespaced route shares."""

    version: str
    namespace: str

    def params(self, **path: Any) -> dict[str, Any]:
        return {"version": self.version, "namespace": self.namespace, **path}


def _one(send: Send) -> Plan[Any]:
    result = yield send
    return result


def trigger(
    where: Where,
    graph_name: str,
    inputs: Mapping[str, str] | None,
    store: Mapping[str, str] | None,
    start_delay: int,
) -> Plan[results.TriggerResult]:
    body = wire.trigger_body(inputs, store, start_delay)
    return _one(Send(operation=operations.TRIGGER_GRAPH, params=where.params(graph_name=graph_name),
                     what="trigger state", result=results.TriggerResult, body=body))  # fmt: skip


def get_graph(where: Where, graph_name: str) -> Plan[results.GraphTemplate]:
    return _one(Send(operation=operations.GET_GRAPH, params=where.params(graph_name=graph_name), what="get graph",
                     result=results.GraphTemplate))  # fmt: skip


def upsert_graph(
    where: Where, graph_name: str, body: bytes, validation_timeout: float, polling_interval: float
) -> Plan[results.GraphTemplate]:
    """PUT the graph, then GET it every `polling_interval` seconds while it is PENDING, as the original does."""
    graph: results.GraphTemplate = yield Send(operation=operations.UPSERT_GRAPH,
                                              params=where.params(graph_name=graph_name), what="upsert graph",
                                              result=results.GraphTemplate, body=body)  # fmt: skip
    started = time.monotonic()
    while graph.validation_status == "PENDING":
        if time.monotonic() - started > validation_timeout:
            raise wire.timed_out(validation_timeout)
        yield Pause(polling_interval)
        graph = yield from get_graph(where, graph_name)
    return wire.validated(graph)


def health() -> Plan[results.HealthResult]:
    return _one(Send(operation=operations.HEALTH, params={}, what="check health", result=results.HealthResult,
                     needs_key=False))  # fmt: skip


def list_namespaces(where: Where) -> Plan[results.Namespaces]:
    return _one(Send(operation=operations.LIST_NAMESPACES, params={"version": where.version},
                     what="list namespaces", result=results.Namespaces))  # fmt: skip


def list_registered_nodes(where: Where) -> Plan[results.RegisteredNodes]:
    return _one(Send(operation=operations.LIST_REGISTERED_NODES, params=where.params(),
                     what="list registered nodes", result=results.RegisteredNodes))  # fmt: skip


def list_graphs(where: Where) -> Plan[results.GraphTemplates]:
    return _one(Send(operation=operations.LIST_GRAPH_TEMPLATES, params=where.params(), what="list graphs",
                     result=results.GraphTemplates))  # fmt: skip


def get_runs(where: Where, page: int, size: int) -> Plan[results.RunsPage]:
    """The server does not check page and size (page 0 is a 500 there), so they are checked here."""
    for name, value, least in (("page", page, 1), ("size", size, 0)):
        if isinstance(value, bool) or not isinstance(value, int) or value < least:
            raise ValueError(f"{name} must be an integer >= {least}, got {value!r}")
    return _one(Send(operation=operations.GET_RUNS, params=where.params(page=page, size=size), what="get runs",
                     result=results.RunsPage))  # fmt: skip


def get_run_graph(where: Where, run_id: str) -> Plan[results.RunGraph]:
    return _one(Send(operation=operations.GET_GRAPH_STRUCTURE, params=where.params(run_id=run_id),
                     what="get run graph", result=results.RunGraph))  # fmt: skip


def get_node_run_details(where: Where, graph_name: str, run_id: str, node_id: str) -> Plan[results.NodeRunDetails]:
    params = where.params(graph_name=graph_name, run_id=run_id, node_id=node_id)
    return _one(Send(operation=operations.GET_NODE_RUN_DETAILS, params=params, what="get node run details",
                     result=results.NodeRunDetails))  # fmt: skip


def manual_retry(where: Where, state_id: str, fanout_id: str | None) -> Plan[results.ManualRetryResult]:
    """A fresh UUID when `fanout_id` is None: each fanout_id works once per node of a run."""
    if fanout_id is not None and not isinstance(fanout_id, str):
        raise TypeError(f"fanout_id must be a string or None, got {type(fanout_id).__name__}")
    body = codec.encode(ManualRetryRequest(fanout_id=str(uuid.uuid4()) if fanout_id is None else fanout_id))
    return _one(Send(operation=operations.MANUAL_RETRY_STATE, params=where.params(state_id=state_id),
                     what="manual retry state", result=results.ManualRetryResult, body=body))  # fmt: skip


def wait_for_run(
    where: Where, graph_name: str, run_id: str, timeout: float, polling_interval: float
) -> Plan[RunResult]:
    """Read the run's states every `polling_interval` seconds until none is CREATED, QUEUED or EXECUTED (or
    `timeout` seconds have passed: RunTimeoutError), then the outputs of each SUCCESS state."""
    check_seconds("timeout", timeout)
    check_seconds("polling_interval", polling_interval)
    started = time.monotonic()
    while True:
        graph = yield from get_run_graph(where, run_id)
        pending = sum(state.status in PENDING for state in graph.nodes)
        if not pending:
            break
        elapsed = time.monotonic() - started
        if elapsed >= timeout:
            message = (f"Run {run_id} of graph {graph_name!r} still had {pending} of {len(graph.nodes)} states "
                       f"unfinished after {timeout:g} seconds")  # fmt: skip
            raise RunTimeoutError(message, run_id=run_id, pending=pending)
        yield Pause(min(polling_interval, timeout - elapsed))
    outputs: dict[str, list[dict[str, Any]]] = {}
    for state in graph.nodes:
        if state.status == StateStatus.SUCCESS:
            details = yield from get_node_run_details(where, graph_name, run_id, state.id)
            outputs.setdefault(state.identifier, []).append(details.outputs)
    return RunResult(graph_name=graph_name, run_id=run_id, status=run_status(s.status for s in graph.nodes),
                     states=list(graph.nodes), outputs=outputs)  # fmt: skip
