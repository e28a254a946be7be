"""The local state manager's read-only routes, answering as the released server does: the namespaces, the
registered nodes and graph templates of a namespace, a page of runs with their counts, the graph of a run, and one
node (state) of a run.

Where the released server is odd, the local one chooses:

* graphs list: the released server shows each secret's encrypted value; the local server keeps secrets in plain
  text and does not show them: every value is `SECRET_VALUE` ("********"), so the names are listed and the
  values stay private.
* runs list: `page` and `size` are integers read as FastAPI reads path integers (`"2"`, `" 2 "`, `"2.0"`, `"+2"`,
  `"1_0"`; else 422 `int_parsing` at `["path", "page"]` / `["path", "size"]`), with bounds of our choosing, the
  ones the SDK's `get_runs` checks too: page >= 1 and size >= 0, else 422 `greater_than_equal` with
  `ctx {"ge": 1}` / `{"ge": 0}`, as FastAPI words a `Path(ge=...)`. The released server checks neither: it skips
  `(page - 1) * size` runs and takes `size` (0: all), so page 0 with a positive size is its generic 500 (MongoDB
  refuses the negative skip), page 0 with size 0 lists every run, and a negative size is MongoDB's negative
  limit. Runs created at the same instant (a virtual clock) are listed the later first.
* node details: `updated_at` moves when a route changes the state (executed, errored, prune, re-enqueue-after,
  manual-retry on the original), not when enqueue claims it nor when next-state creation marks it SUCCESS or
  NEXT_CREATED_ERROR, as on the released server (whose bulk updates skip its save hook). The node id is a state
  id of ours (see `ids.py`: 32 hex digits in either case, where the released server takes a 24-hex ObjectId);
  anything else is 400 "Invalid node ID format: {node_id}".
"""

from __future__ import annotations

import json
import re
import sqlite3
from typing import Any

from exosphere_api.models.runtime import StateStatus
from exospherehost.local.ids import state_id_or_none
from exospherehost.local.wire import detail, unprocessable
from exospherehost.observation import ERRORED, PENDING, run_status
from sdkcore.local.database import Database
from sdkcore.local.http import Response

__all__ = [
    "SECRET_VALUE",
    "STATUSES",
    "graph_templates",
    "namespaces",
    "node_details",
    "registered_nodes",
    "run_graph",
    "runs",
]

SECRET_VALUE = "********"
STATUSES = tuple(status.value for status in StateStatus)
"""The state statuses in the server's enum order."""
_SUCCESS = (StateStatus.SUCCESS, StateStatus.PRUNED)
_CHUNK = 500  # run ids per query, under SQLite's limit on parameters
_MAX_DIGITS = 4300  # Python's int() refuses longer text
_PATH_INT = re.compile(r"[+-]?[0-9]+(?:_[0-9]+)*(?:\.0+)?")


def namespaces(database: Database) -> Response:
    """The distinct namespaces of registered nodes (not of graphs or states), in byte order."""
    rows = database.query("SELECT DISTINCT namespace FROM registered_nodes WHERE namespace != '' ORDER BY namespace")
    found = [row["namespace"] for row in rows]
    return Response.json(200, {"namespaces": found, "count": len(found)})


def registered_nodes(database: Database, namespace: str) -> Response:
    rows = database.query("SELECT * FROM registered_nodes WHERE namespace = ? ORDER BY rowid", (namespace,))
    nodes = [{"_id": row["id"], "created_at": row["created_at"], "updated_at": row["updated_at"], "name": row["name"],
              "namespace": row["namespace"], "runtime_name": row["runtime_name"],
              "runtime_namespace": row["runtime_namespace"], "inputs_schema": json.loads(row["inputs_schema"]),
              "outputs_schema": json.loads(row["outputs_schema"]), "secrets": json.loads(row["secrets"])}
             for row in rows]  # fmt: skip
    return Response.json(200, {"namespace": namespace, "count": len(nodes), "nodes": nodes})


def graph_templates(database: Database, namespace: str) -> Response:
    """The namespace's templates as stored (the real retry policy, store config and triggers), secrets masked."""
    rows = database.query("SELECT * FROM graphs WHERE namespace = ? ORDER BY rowid", (namespace,))
    templates = [{"_id": row["id"], "created_at": row["created_at"], "updated_at": row["updated_at"],
                  "name": row["name"], "namespace": row["namespace"], "nodes": json.loads(row["nodes"]),
                  "validation_status": row["validation_status"],
                  "validation_errors": json.loads(row["validation_errors"]),
                  "secrets": dict.fromkeys(json.loads(row["secrets"]), SECRET_VALUE),
                  "triggers": json.loads(row["triggers"]), "retry_policy": json.loads(row["retry_policy"]),
                  "store_config": json.loads(row["store_config"])} for row in rows]  # fmt: skip
    return Response.json(200, {"namespace": namespace, "count": len(templates), "templates": templates})


def _path_ints(**texts: tuple[str, int]) -> dict[str, int]:
    """The path parameters (name to text and lower bound) as integers, or 422 naming each one that is not an
    integer or is below its bound, as FastAPI reports a `Path(ge=bound)` integer."""
    values: dict[str, int] = {}
    problems: list[dict[str, Any]] = []
    for name, (text, bound) in texts.items():
        stripped = text.strip()
        if not _PATH_INT.fullmatch(stripped):
            problems.append({"type": "int_parsing", "loc": ["path", name],
                             "msg": "Input should be a valid integer, unable to parse string as an integer",
                             "input": text})  # fmt: skip
        elif len(stripped.split(".")[0].lstrip("+-").replace("_", "")) > _MAX_DIGITS:
            problems.append({"type": "int_parsing_size", "loc": ["path", name],
                             "msg": "Unable to parse input string as an integer, exceeded maximum size",
                             "input": text})  # fmt: skip
        elif (value := int(stripped.split(".")[0])) < bound:
            problems.append({"type": "greater_than_equal", "loc": ["path", name],
                             "msg": f"Input should be greater than or equal to {bound}", "input": text,
                             "ctx": {"ge": bound}})  # fmt: skip
        else:
            values[name] = value
    if problems:
        raise unprocessable(problems)
    return values


def runs(database: Database, namespace: str, page_text: str, size_text: str) -> Response:
    """Runs of the namespace, newest first: page `page` (from 1) of `size` (0: all), each with its state counts."""
    numbers = _path_ints(page=(page_text, 1), size=(size_text, 0))
    page, size = numbers["page"], numbers["size"]
    skip = (page - 1) * size
    rows = database.query("SELECT run_id, graph_name, created_at FROM runs WHERE namespace = ?"
                          " ORDER BY created_at DESC, rowid DESC", (namespace,))  # fmt: skip
    chosen = rows[skip : skip + size] if size else rows
    counts: dict[str, dict[str, int]] = {row["run_id"]: {} for row in chosen}
    ids = list(counts)
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        marks = ", ".join("?" for _ in chunk)
        for found in database.query(f"SELECT run_id, status, COUNT(*) AS n FROM states WHERE run_id IN ({marks})"
                                    " GROUP BY run_id, status", tuple(chunk)):  # fmt: skip
            counts[found["run_id"]][found["status"]] = found["n"]
    return Response.json(200, {"namespace": namespace, "total": len(rows), "page": page, "size": size,
                               "runs": [_run_item(row, counts[row["run_id"]]) for row in chosen]})  # fmt: skip


def _run_item(run: sqlite3.Row, by_status: dict[str, int]) -> dict[str, Any]:
    success, pending, errored = (sum(by_status.get(status.value, 0) for status in group)
                                 for group in (_SUCCESS, PENDING, ERRORED))  # fmt: skip
    total = sum(by_status.values())
    status = run_status(StateStatus(name) for name in by_status).value
    return {"run_id": run["run_id"], "graph_name": run["graph_name"], "success_count": success,
            "pending_count": pending, "errored_count": errored, "retried_count": by_status.get("RETRY_CREATED", 0),
            "total_count": total, "status": status, "created_at": run["created_at"]}  # fmt: skip


def run_graph(database: Database, namespace: str, run_id: str) -> Response:
    """The run's states of the path namespace as a graph: an edge from each state's direct parent (the last entry
    of its parents) when that parent is listed; roots are the states without parents."""
    rows = database.query("SELECT * FROM states WHERE run_id = ? AND namespace = ? ORDER BY rowid", (run_id, namespace))
    nodes = [{"id": row["state_id"], "node_name": row["node_name"], "identifier": row["identifier"],
              "status": row["status"], "error": row["error"]} for row in rows]  # fmt: skip
    listed = {node["id"] for node in nodes}
    roots: list[dict[str, Any]] = []
    edges: list[dict[str, str]] = []
    summary = dict.fromkeys(STATUSES, 0)
    for row, node in zip(rows, nodes, strict=True):
        summary[row["status"]] = summary.get(row["status"], 0) + 1
        parents: dict[str, str] = json.loads(row["parents"])
        if not parents:
            roots.append(node)
        elif (source := list(parents.values())[-1]) in listed:
            edges.append({"source": source, "target": row["state_id"]})
    return Response.json(200, {"root_states": roots, "graph_name": rows[0]["graph_name"] if rows else "",
                               "nodes": nodes, "edges": edges, "node_count": len(nodes), "edge_count": len(edges),
                               "execution_summary": summary})  # fmt: skip


def node_details(database: Database, namespace: str, graph_name: str, run_id: str, node_id: str) -> Response:
    """One state of the run, found by its id, run, graph and namespace."""
    state_id = state_id_or_none(node_id)
    if state_id is None:
        raise detail(400, f"Invalid node ID format: {node_id}")
    rows = database.query("SELECT * FROM states WHERE state_id = ? AND run_id = ? AND graph_name = ? AND namespace = ?",
                          (state_id, run_id, graph_name, namespace))  # fmt: skip
    if not rows:
        raise detail(404, f"Node {node_id} not found in run {run_id} for graph {graph_name}")
    row = rows[0]
    return Response.json(200, {"id": row["state_id"], "node_name": row["node_name"], "identifier": row["identifier"],
                               "graph_name": row["graph_name"], "run_id": row["run_id"], "status": row["status"],
                               "inputs": json.loads(row["inputs"]), "outputs": json.loads(row["outputs"]),
                               "error": row["error"], "parents": json.loads(row["parents"]),
                               "created_at": row["created_at"], "updated_at": row["updated_at"]})  # fmt: skip
