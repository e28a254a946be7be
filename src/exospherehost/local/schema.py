"""The local state manager's SQLite tables, and the upgrade of a database written by an older version.

`CREATE TABLE IF NOT EXISTS` leaves an existing table as it is, so columns added since are added by `upgrade`
(`ALTER TABLE ... ADD COLUMN`) and filled in for the rows already there:

* graphs.id, registered_nodes.id: a new ObjectId-shaped id per row;
* registered_nodes.runtime_namespace: the node's namespace (what the server records at registration);
  registered_nodes.created_at / updated_at: the time of the upgrade (the registration time was not kept);
* states.fanout_id: a new UUID4 per row (a retry made before the upgrade does not share its original's);
  states.manual_retry_fanout_id: ""; states.updated_at: the state's created_at.

Then the unique index of the released server on (node_name, namespace, graph_name, identifier, run_id,
retry_count, fanout_id) is created: a retry keeps its original's fanout_id with retry_count + 1, a fan-out copy
or next state gets a new one, and a manual retry takes the given one with retry_count 0, so each fanout_id is
usable once per node of a run.
"""

from __future__ import annotations

import uuid

from exospherehost.local.clock import Clock
from exospherehost.local.ids import new_object_id
from exospherehost.local.wire import now_naive
from sdkcore.local.database import Database

__all__ = ["SCHEMA", "upgrade"]

SCHEMA = """
CREATE TABLE IF NOT EXISTS graphs (
    namespace TEXT NOT NULL, name TEXT NOT NULL, nodes TEXT NOT NULL, secrets TEXT NOT NULL,
    retry_policy TEXT NOT NULL, store_config TEXT NOT NULL, triggers TEXT NOT NULL,
    validation_status TEXT NOT NULL, validation_errors TEXT NOT NULL, created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL, id TEXT, PRIMARY KEY (namespace, name)
);
CREATE TABLE IF NOT EXISTS registered_nodes (
    namespace TEXT NOT NULL, name TEXT NOT NULL, runtime_name TEXT NOT NULL, inputs_schema TEXT NOT NULL,
    outputs_schema TEXT NOT NULL, secrets TEXT NOT NULL, id TEXT, runtime_namespace TEXT, created_at TEXT,
    updated_at TEXT, PRIMARY KEY (namespace, name)
);
CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT PRIMARY KEY, namespace TEXT NOT NULL, graph_name TEXT NOT NULL, store TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS states (
    state_id TEXT PRIMARY KEY, run_id TEXT NOT NULL, namespace TEXT NOT NULL, graph_name TEXT NOT NULL,
    node_name TEXT NOT NULL, identifier TEXT NOT NULL, status TEXT NOT NULL, inputs TEXT NOT NULL,
    outputs TEXT NOT NULL, parents TEXT NOT NULL, error TEXT, data TEXT, retry_count INTEGER NOT NULL,
    enqueue_after INTEGER NOT NULL, fingerprint TEXT UNIQUE, created_at TEXT NOT NULL, fanout_id TEXT,
    manual_retry_fanout_id TEXT NOT NULL DEFAULT '', updated_at TEXT
);
CREATE INDEX IF NOT EXISTS runnable ON states (namespace, status, node_name)
"""

_ADDED = {
    "graphs": ("id TEXT",),
    "registered_nodes": ("id TEXT", "runtime_namespace TEXT", "created_at TEXT", "updated_at TEXT"),
    "states": ("fanout_id TEXT", "manual_retry_fanout_id TEXT NOT NULL DEFAULT ''", "updated_at TEXT"),
}

_ATTEMPT_INDEX = (
    "CREATE UNIQUE INDEX IF NOT EXISTS attempt ON states"
    " (node_name, namespace, graph_name, identifier, run_id, retry_count, fanout_id)"
)


def upgrade(database: Database, clock: Clock) -> None:
    """Add and fill the columns an older database lacks, then create the indexes that use them."""
    with database.transaction() as connection:
        for table, columns in _ADDED.items():
            present = {row["name"] for row in connection.execute(f"PRAGMA table_info({table})")}
            for column in columns:
                if column.split()[0] not in present:
                    connection.execute(f"ALTER TABLE {table} ADD COLUMN {column}")
        for table in ("graphs", "registered_nodes"):
            rows = connection.execute(f"SELECT rowid FROM {table} WHERE id IS NULL").fetchall()
            connection.executemany(f"UPDATE {table} SET id = ? WHERE rowid = ?",
                                   [(new_object_id(clock), row["rowid"]) for row in rows])  # fmt: skip
        stamp = now_naive(clock)
        connection.execute("UPDATE registered_nodes SET runtime_namespace = namespace WHERE runtime_namespace IS NULL")
        connection.execute("UPDATE registered_nodes SET created_at = ? WHERE created_at IS NULL", (stamp,))
        connection.execute("UPDATE registered_nodes SET updated_at = created_at WHERE updated_at IS NULL")
        rows = connection.execute("SELECT rowid FROM states WHERE fanout_id IS NULL").fetchall()
        connection.executemany("UPDATE states SET fanout_id = ? WHERE rowid = ?",
                               [(str(uuid.uuid4()), row["rowid"]) for row in rows])  # fmt: skip
        connection.execute("UPDATE states SET updated_at = created_at WHERE updated_at IS NULL")
        connection.execute(_ATTEMPT_INDEX)
