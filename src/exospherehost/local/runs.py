"""Runs and their states in the local state manager: the runtime routes (register nodes, enqueue, executed,
errored, prune, re-enqueue-after, manual-retry, secrets) and the creation of next states, as the released server
does them. Times and `enqueue_after` are read from the server's Clock.

A state goes CREATED -> QUEUED (enqueue) -> EXECUTED then SUCCESS once its next states exist (executed), or
ERRORED / RETRY_CREATED (errored, by the graph's retry policy), PRUNED (prune), back to CREATED (re-enqueue-after).
Its `parents` map each ancestor's identifier to that ancestor's state, which is where `${{ id.outputs.field }}`
is read from. A node with `unites` starts once, when every state under its target is done (ALL_DONE) or
succeeded (ALL_SUCCESS).

Each state has a `fanout_id`: a retry keeps its original's (with retry_count + 1), a fan-out copy or a next state
gets a new one, a manual retry takes the one given (with retry_count 0); (node, run, retry_count, fanout_id) is
unique, so a fanout_id works once per node of a run (409 "Duplicate retry state detected" on manual-retry).

Extension of the upstream API: each state in the enqueue answer also carries `run_id` and `graph_name` (after the
released server's members), so that a worker can say which run it is working for; the released server does not
send them."""

from __future__ import annotations

import contextlib
import hashlib
import json
import random
import sqlite3
import uuid
from collections.abc import Callable
from typing import Any

from exosphere_api import codec
from exosphere_api.models.graph_node import GraphNode
from exosphere_api.models.retry_policy import RetryPolicy
from exosphere_api.models.runtime import (
    EnqueueRequest,
    ErroredRequest,
    ExecutedRequest,
    PruneRequest,
    ReEnqueueAfterRequest,
    RegisteredNode,
)
from exospherehost.local import bodies
from exospherehost.local.clock import Clock
from exospherehost.local.ids import new_object_id, new_state_id
from exospherehost.local.wire import INT64_MAX, detail, due_ms, now_ms, now_naive
from exospherehost.validation import substitute
from sdkcore.local.database import Database
from sdkcore.local.http import Response

DONE = ("SUCCESS", "ERRORED", "PRUNED", "RETRY_CREATED", "NEXT_CREATED_ERROR", "CANCELLED")
SUCCEEDED = ("SUCCESS", "RETRY_CREATED")


def root_of(nodes: list[GraphNode]) -> GraphNode:
    """The node nothing leads to (no `next_nodes` entry and no `unites` of its own); the graph was validated."""
    targets = {target for node in nodes for target in node.next_nodes or ()}
    return next(node for node in nodes if node.identifier not in targets and not node.unites)


def _insert(connection: sqlite3.Connection, clock: Clock, values: dict[str, Any]) -> str:
    """Insert a state: `values` over a new CREATED state's defaults (new id and fanout_id, now, no outputs)."""
    stamp = now_naive(clock)
    row = {"state_id": new_state_id(), "status": "CREATED", "outputs": "{}", "error": None, "data": None,
           "retry_count": 0, "enqueue_after": now_ms(clock), "fingerprint": None, "created_at": stamp,
           "updated_at": stamp, "fanout_id": str(uuid.uuid4()), "manual_retry_fanout_id": "", **values}  # fmt: skip
    connection.execute(f"INSERT INTO states ({', '.join(row)}) VALUES ({', '.join('?' for _ in row)})",
                       tuple(row.values()))  # fmt: skip
    state_id = str(row["state_id"])
    return state_id


def _copy(connection: sqlite3.Connection, clock: Clock, state: sqlite3.Row, **values: Any) -> str:
    """A new state of the same node, run, inputs and parents as `state`, with `values` over the defaults."""
    same = ("run_id", "namespace", "graph_name", "node_name", "identifier", "inputs", "parents")
    return _insert(connection, clock, {**{name: state[name] for name in same}, **values})


def insert_state(
    connection: sqlite3.Connection,
    clock: Clock,
    *,
    run_id: str,
    namespace: str,
    graph_name: str,
    node: GraphNode,
    inputs: dict[str, str],
    parents: dict[str, str],
    enqueue_after: int,
    fingerprint: str | None = None,
) -> str:
    """A CREATED state of `node`; returns its id."""
    return _insert(connection, clock, {
        "run_id": run_id, "namespace": namespace, "graph_name": graph_name, "node_name": node.node_name,
        "identifier": node.identifier, "inputs": json.dumps(inputs), "parents": json.dumps(parents),
        "enqueue_after": enqueue_after, "fingerprint": fingerprint})  # fmt: skip


def register_nodes(database: Database, clock: Clock, namespace: str, body: bytes) -> Response:
    """Record each node under the path namespace (also its runtime_namespace), as the server does: a new node
    gets an id and created_at = updated_at = now; a known one keeps them and takes the new runtime and schemas."""
    request = bodies.read_body(body, "RegisterNodesRequest")
    nodes = [RegisteredNode(**node) for node in request["nodes"]]
    stamp = now_naive(clock)
    with database.transaction() as connection:
        for node in nodes:
            connection.execute(
                "INSERT INTO registered_nodes (namespace, name, runtime_name, inputs_schema, outputs_schema, secrets,"
                " id, runtime_namespace, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (namespace, name) DO UPDATE SET runtime_name = excluded.runtime_name,"
                " runtime_namespace = excluded.runtime_namespace, inputs_schema = excluded.inputs_schema,"
                " outputs_schema = excluded.outputs_schema, secrets = excluded.secrets",
                (namespace, node.name, request["runtime_name"], json.dumps(node.inputs_schema),
                 json.dumps(node.outputs_schema), json.dumps(node.secrets), new_object_id(clock), namespace, stamp,
                 stamp),
            )  # fmt: skip
    registered = [codec.to_builtins(node) for node in nodes]
    return Response.json(200, {"runtime_name": request["runtime_name"], "registered_nodes": registered})


def enqueue(database: Database, clock: Clock, namespace: str, body: bytes) -> Response:
    request = bodies.decode(body, EnqueueRequest)
    batch_size = max(0, request.batch_size)  # the server tries batch_size times
    marks = ", ".join("?" for _ in request.nodes)
    with database.transaction() as connection:
        rows = connection.execute(
            f"SELECT * FROM states WHERE namespace = ? AND status = 'CREATED' AND node_name IN ({marks})"
            " AND enqueue_after <= ? ORDER BY rowid LIMIT ?",
            (namespace, *request.nodes, now_ms(clock), batch_size),
        ).fetchall()
        connection.executemany("UPDATE states SET status = 'QUEUED' WHERE state_id = ?",
                               [(row["state_id"],) for row in rows])  # fmt: skip
    states = [{"state_id": row["state_id"], "node_name": row["node_name"], "identifier": row["identifier"],
               "inputs": json.loads(row["inputs"]), "created_at": row["created_at"],
               "run_id": row["run_id"], "graph_name": row["graph_name"]} for row in rows]  # fmt: skip
    return Response.json(200, {"count": len(states), "namespace": namespace, "status": "QUEUED", "states": states})


def _state(connection: sqlite3.Connection, namespace: str, state_id: str) -> sqlite3.Row:
    row = connection.execute("SELECT * FROM states WHERE state_id = ? AND namespace = ?",
                             (state_id, namespace)).fetchone()  # fmt: skip
    if row is None:
        raise detail(404, "State not found")
    found: sqlite3.Row = row
    return found


def _queued(connection: sqlite3.Connection, namespace: str, state_id: str) -> sqlite3.Row:
    state = _state(connection, namespace, state_id)
    if state["status"] != "QUEUED":
        raise detail(400, "State is not queued")
    return state


def graph_row(connection: sqlite3.Connection, namespace: str, graph_name: str) -> sqlite3.Row | None:
    """The stored graph, or None."""
    row: sqlite3.Row | None = connection.execute(
        "SELECT * FROM graphs WHERE namespace = ? AND name = ?", (namespace, graph_name)
    ).fetchone()
    return row


def _graph(connection: sqlite3.Connection, state: sqlite3.Row) -> sqlite3.Row:
    graph = graph_row(connection, state["namespace"], state["graph_name"])
    if graph is None:
        raise detail(404, "Graph template not found")
    found: sqlite3.Row = graph
    return found


def executed(database: Database, clock: Clock, namespace: str, state_id: str, body: bytes) -> Response:
    request = bodies.decode(body, ExecutedRequest)
    with database.transaction() as connection:
        state = _queued(connection, namespace, state_id)
        outputs: list[dict[str, Any]] = request.outputs or [{}]
        finished = [state_id]
        connection.execute("UPDATE states SET status = 'EXECUTED', outputs = ?, updated_at = ? WHERE state_id = ?",
                           (json.dumps(outputs[0]), now_naive(clock), state_id))  # fmt: skip
        for output in outputs[1:]:  # fan-out: one more executed state per extra output, with a new fanout_id
            finished.append(_copy(connection, clock, state, status="EXECUTED", outputs=json.dumps(output)))
        _next_states(connection, clock, _graph(connection, state), state["run_id"], finished)
    return Response.json(200, {"status": "EXECUTED"})


def _next_states(
    connection: sqlite3.Connection, clock: Clock, graph: sqlite3.Row, run_id: str, finished: list[str]
) -> None:
    """Create the states that follow the executed ones (all of run `run_id`), then mark those SUCCESS
    (NEXT_CREATED_ERROR with the reason when an input cannot be resolved)."""
    nodes = {node.identifier: node for node in codec.decode(graph["nodes"], list[GraphNode])}
    defaults: dict[str, str] = json.loads(graph["store_config"]).get("default_values", {})
    store: dict[str, str] = json.loads(
        connection.execute("SELECT store FROM runs WHERE run_id = ?", (run_id,)).fetchone()["store"]
    )
    for state_id in finished:
        state = connection.execute("SELECT * FROM states WHERE state_id = ?", (state_id,)).fetchone()
        try:
            connection.execute("UPDATE states SET status = 'SUCCESS' WHERE state_id = ?", (state_id,))
            for identifier in nodes[state["identifier"]].next_nodes or ():
                following = nodes[identifier]
                if following.unites:
                    _unite(connection, clock, state, following, store, defaults)
                else:
                    _create(connection, clock, state, state, following, store, defaults)
        except _UnresolvedError as error:
            connection.execute("UPDATE states SET status = 'NEXT_CREATED_ERROR', error = ? WHERE state_id = ?",
                               (str(error), state_id))  # fmt: skip


class _UnresolvedError(Exception):
    """An input of a next state cannot be resolved."""


def _create(
    connection: sqlite3.Connection,
    clock: Clock,
    source: sqlite3.Row,
    current: sqlite3.Row,
    node: GraphNode,
    store: dict[str, str],
    defaults: dict[str, str],
    fingerprint: Callable[[dict[str, str]], str] | None = None,
) -> None:
    """A CREATED state of `node` whose parents are `current`'s plus `current`; inputs read from `source`
    (the executed state) and the parents' outputs."""
    parents = {**json.loads(current["parents"]), current["identifier"]: current["state_id"]}

    def value_of(identifier: str, field: str) -> str:
        if identifier == "store":
            if field in store:
                return store[field]
            if field in defaults:
                return defaults[field]
            raise _UnresolvedError(f"Store value not found for field '{field}' in run {source['run_id']}")
        if identifier == source["identifier"]:
            outputs = json.loads(source["outputs"])
        else:
            row = connection.execute("SELECT outputs FROM states WHERE state_id = ?",
                                     (parents.get(identifier),)).fetchone()  # fmt: skip
            if row is None:
                raise _UnresolvedError(f"Identifier {identifier} not found in parents of {node.identifier}")
            outputs = json.loads(row["outputs"])
        if field not in outputs:
            raise _UnresolvedError(f"Field {field} not found in outputs of {identifier}")
        return str(outputs[field])

    inputs = {name: substitute(str(value), value_of) for name, value in node.inputs.items()}
    unique = fingerprint(parents) if fingerprint else None
    with contextlib.suppress(sqlite3.IntegrityError):  # a unites state that exists already
        insert_state(connection, clock, run_id=source["run_id"], namespace=source["namespace"],
                     graph_name=source["graph_name"], node=node, inputs=inputs, parents=parents,
                     enqueue_after=now_ms(clock), fingerprint=unique)  # fmt: skip


def _unite(
    connection: sqlite3.Connection,
    clock: Clock,
    state: sqlite3.Row,
    node: GraphNode,
    store: dict[str, str],
    defaults: dict[str, str],
) -> None:
    assert node.unites
    target = node.unites.identifier
    parents: dict[str, str] = json.loads(state["parents"])
    anchor = state["state_id"] if state["identifier"] == target else parents.get(target)
    if anchor is None:
        raise _UnresolvedError(f"Unit identifier not found in parents: {target}")
    allowed = SUCCEEDED if node.unites.strategy == "ALL_SUCCESS" else DONE
    waiting: int = connection.execute(
        "SELECT COUNT(*) FROM states WHERE run_id = ? AND json_extract(parents, ?) = ?"
        f" AND status NOT IN ({', '.join('?' for _ in allowed)})",
        (state["run_id"], f'$."{target}"', anchor, *allowed),
    ).fetchone()[0]
    if waiting:
        return
    anchor_state = connection.execute("SELECT * FROM states WHERE state_id = ?", (anchor,)).fetchone()

    def fingerprint(unite_parents: dict[str, str]) -> str:
        key = json.dumps([node.node_name, node.namespace, node.identifier, state["graph_name"], state["run_id"],
                          unite_parents], sort_keys=True)  # fmt: skip
        return hashlib.sha256(key.encode()).hexdigest()

    _create(connection, clock, state, anchor_state, node, store, defaults, fingerprint)


def errored(database: Database, clock: Clock, namespace: str, state_id: str, body: bytes) -> Response:
    request = bodies.decode(body, ErroredRequest)
    with database.transaction() as connection:
        state = _state(connection, namespace, state_id)
        if state["status"] == "EXECUTED":
            raise detail(400, "State is already executed")
        if state["status"] != "QUEUED":
            raise detail(400, "State is not queued or executed")
        policy = codec.decode(_graph(connection, state)["retry_policy"], RetryPolicy)
        retry = state["retry_count"] < policy.max_retries
        if retry:
            attempt = state["retry_count"] + 1
            # an existing retry of this attempt (the state ran again after re-enqueue-after) counts as created
            with contextlib.suppress(sqlite3.IntegrityError):
                _copy(connection, clock, state, retry_count=attempt, fanout_id=state["fanout_id"],
                      enqueue_after=due_ms(clock, retry_delay(policy, attempt)))  # fmt: skip
        connection.execute("UPDATE states SET status = ?, error = ?, updated_at = ? WHERE state_id = ?",
                           ("RETRY_CREATED" if retry else "ERRORED", request.error, now_naive(clock),
                            state_id))  # fmt: skip
    return Response.json(200, {"status": "ERRORED", "retry_created": retry})


def retry_delay(policy: RetryPolicy, attempt: int, rng: random.Random | None = None) -> int:
    """Milliseconds before retry `attempt` (1 for the first): the exosphere formula (see RetryPolicy)."""
    draw = (rng or random).uniform
    factor, strategy = policy.backoff_factor, policy.strategy.value
    if strategy.startswith("EXPONENTIAL"):
        base = factor * policy.exponent ** min(attempt - 1, 64)  # past 63 doublings it is over INT64_MAX anyway
    elif strategy.startswith("LINEAR"):
        base = factor * attempt
    else:
        base = factor
    base = min(int(base), INT64_MAX)  # a larger delay is "never" too, and jitter draws floats
    if strategy.endswith("_FULL_JITTER"):
        base = int(draw(0, base))
    elif strategy.endswith("_EQUAL_JITTER"):
        base = int(base / 2 + draw(0, base / 2))
    return base if policy.max_delay is None else min(base, policy.max_delay)


def prune(database: Database, clock: Clock, namespace: str, state_id: str, body: bytes) -> Response:
    request = bodies.decode(body, PruneRequest)
    with database.transaction() as connection:
        state = _queued(connection, namespace, state_id)
        connection.execute("UPDATE states SET status = 'PRUNED', data = ?, updated_at = ? WHERE state_id = ?",
                           (json.dumps(request.data), now_naive(clock), state_id))  # fmt: skip
    return Response.json(200, {"status": "PRUNED", "enqueue_after": state["enqueue_after"]})


def re_enqueue_after(database: Database, clock: Clock, namespace: str, state_id: str, body: bytes) -> Response:
    request = bodies.decode(body, ReEnqueueAfterRequest)
    delay = request.enqueue_after
    with database.transaction() as connection:
        _state(connection, namespace, state_id)
        at = due_ms(clock, delay)
        connection.execute(
            "UPDATE states SET status = 'CREATED', enqueue_after = ?, updated_at = ? WHERE state_id = ?",
            (at, now_naive(clock), state_id),
        )
    return Response.json(200, {"status": "CREATED", "enqueue_after": at})


def manual_retry(database: Database, clock: Clock, namespace: str, state_id: str, body: bytes) -> Response:
    """A new CREATED copy of the state (of the path namespace, in any status) with retry_count 0 and the body's
    fanout_id (also its manual_retry_fanout_id); the original becomes RETRY_CREATED."""
    fanout_id = _fanout_id(body)
    with database.transaction() as connection:
        state = _state(connection, namespace, state_id)
        try:
            retry = _copy(connection, clock, state, fanout_id=fanout_id, manual_retry_fanout_id=fanout_id)
        except sqlite3.IntegrityError:
            raise detail(409, "Duplicate retry state detected") from None
        connection.execute("UPDATE states SET status = 'RETRY_CREATED', updated_at = ? WHERE state_id = ?",
                           (now_naive(clock), state_id))  # fmt: skip
    return Response.json(200, {"id": retry, "status": "CREATED"})


def _fanout_id(body: bytes) -> str:
    """The manual-retry body's `fanout_id`, read as the server's model reads it."""
    fanout_id: str = bodies.read_body(body, "ManualRetryRequest")["fanout_id"]
    return fanout_id


def secrets(database: Database, clock: Clock, namespace: str, state_id: str, body: bytes) -> Response:
    with database.transaction() as connection:
        row = connection.execute("SELECT * FROM states WHERE state_id = ?", (state_id,)).fetchone()
        if row is None:
            raise detail(404, f"State {state_id} not found")
        if row["namespace"] != namespace:
            raise detail(404, f"State {state_id} does not belong to namespace {namespace}")
        graph = _graph(connection, row)
    return Response.json(200, {"secrets": json.loads(graph["secrets"])})


STATE_ACTIONS: dict[tuple[str, str], Callable[[Database, Clock, str, str, bytes], Response]] = {
    ("POST", "executed"): executed,
    ("POST", "errored"): errored,
    ("POST", "prune"): prune,
    ("POST", "re-enqueue-after"): re_enqueue_after,
    ("POST", "manual-retry"): manual_retry,
    ("GET", "secrets"): secrets,
}
