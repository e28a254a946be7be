"""A database written before the observation routes existed (no ids, times or runtime_namespace on registered
nodes, no id on graphs, no fanout_id or updated_at on states) is upgraded in place when the server opens it."""

from __future__ import annotations

import contextlib
import json
import re
import sqlite3
from datetime import datetime, timezone
from pathlib import Path

from exospherehost.local import LocalStateManager, VirtualClock
from tests.local_servers.test_exosphere_state_manager import KEY, NS, http

OLD_SCHEMA = """
CREATE TABLE graphs (
    namespace TEXT NOT NULL, name TEXT NOT NULL, nodes TEXT NOT NULL, secrets TEXT NOT NULL,
    retry_policy TEXT NOT NULL, store_config TEXT NOT NULL, triggers TEXT NOT NULL,
    validation_status TEXT NOT NULL, validation_errors TEXT NOT NULL, created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL, PRIMARY KEY (namespace, name)
);
CREATE TABLE registered_nodes (
    namespace TEXT NOT NULL, name TEXT NOT NULL, runtime_name TEXT NOT NULL, inputs_schema TEXT NOT NULL,
    outputs_schema TEXT NOT NULL, secrets TEXT NOT NULL, PRIMARY KEY (namespace, name)
);
CREATE TABLE runs (
    run_id TEXT PRIMARY KEY, namespace TEXT NOT NULL, graph_name TEXT NOT NULL, store TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE states (
    state_id TEXT PRIMARY KEY, run_id TEXT NOT NULL, namespace TEXT NOT NULL, graph_name TEXT NOT NULL,
    node_name TEXT NOT NULL, identifier TEXT NOT NULL, status TEXT NOT NULL, inputs TEXT NOT NULL,
    outputs TEXT NOT NULL, parents TEXT NOT NULL, error TEXT, data TEXT, retry_count INTEGER NOT NULL,
    enqueue_after INTEGER NOT NULL, fingerprint TEXT UNIQUE, created_at TEXT NOT NULL
);
CREATE INDEX runnable ON states (namespace, status, node_name);
"""
NODES = [{"node_name": "A", "namespace": NS, "identifier": "a", "inputs": {}, "next_nodes": [], "unites": None}]
POLICY = {"max_retries": 0, "strategy": "EXPONENTIAL", "backoff_factor": 2000, "exponent": 2, "max_delay": None}
OLD = "2029-05-06T07:08:09.100000"
A, B = "a" * 32, "b" * 32  # two fan-out states of one node and attempt: alike but for the (new) fanout_id


def old_database(path: Path) -> None:
    with contextlib.closing(sqlite3.connect(path)) as connection, connection:
        connection.executescript(OLD_SCHEMA)
        connection.execute("INSERT INTO registered_nodes VALUES (?, 'A', 'rt', '{}', '{}', '[]')", (NS,))
        connection.execute("INSERT INTO graphs VALUES (?, 'g', ?, '{}', ?, '{}', '[]', 'VALID', '[]', ?, ?)",
                           (NS, json.dumps(NODES), json.dumps(POLICY), OLD, OLD))  # fmt: skip
        connection.execute("INSERT INTO runs VALUES ('r', ?, 'g', '{}', ?)", (NS, OLD))
        for state_id in (A, B):
            connection.execute("INSERT INTO states VALUES (?, 'r', ?, 'g', 'A', 'a', 'SUCCESS', '{}', '{}', '{}',"
                               " NULL, NULL, 0, 0, NULL, ?)", (state_id, NS, OLD))  # fmt: skip
    connection.close()


def test_an_older_database_is_upgraded_in_place(tmp_path: Path) -> None:
    path = tmp_path / "sm.db"
    old_database(path)
    clock = VirtualClock(datetime(2030, 1, 1, tzinfo=timezone.utc))
    with LocalStateManager(path, api_key=KEY, clock=clock) as local, http(local) as client:
        (node,) = client.get("/nodes/").json()["nodes"]
        assert re.fullmatch(r"[0-9a-f]{24}", node["_id"])
        assert (node["created_at"], node["updated_at"], node["runtime_namespace"]) == (
            "2030-01-01T00:00:00",
            "2030-01-01T00:00:00",
            NS,
        )
        (graph,) = client.get("/graphs/").json()["templates"]
        assert re.fullmatch(r"[0-9a-f]{24}", graph["_id"])
        assert (graph["created_at"], graph["retry_policy"]) == (OLD, POLICY)
        details = client.get(f"/graph/g/run/r/node/{A}").json()
        assert (details["created_at"], details["updated_at"]) == (OLD, OLD)
        fanouts = {row["fanout_id"] for row in local.database.query("SELECT fanout_id FROM states")}
        assert len(fanouts) == 2
        assert client.get("/runs/1/10").json()["runs"][0]["success_count"] == 2
        retry = client.post(f"/state/{A}/manual-retry", json={"fanout_id": "f"})
        assert retry.status_code == 200
        assert client.post(f"/state/{B}/manual-retry", json={"fanout_id": "f"}).status_code == 409
        ids = (node["_id"], graph["_id"])
    with LocalStateManager(path, api_key=KEY, clock=clock) as local, http(local) as client:  # upgraded once
        node_id = client.get("/nodes/").json()["nodes"][0]["_id"]
        assert (node_id, client.get("/graphs/").json()["templates"][0]["_id"]) == ids
        assert client.get(f"/graph/g/run/r/node/{A}").json()["status"] == "RETRY_CREATED"
