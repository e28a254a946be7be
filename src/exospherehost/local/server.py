"""The local state manager's HTTP surface: routing, the `x-api-key` check, the `x-exosphere-request-id` header,
and the graph routes (upsert with background verification, get, trigger). The runtime routes are in `runs.py`,
the read-only ones (namespaces, lists, runs, run graph, node details) in `observe.py`, the tables in `schema.py`.

Every timestamp the server writes and every `enqueue_after` it sets or compares is read from its `clock` (a
`SystemClock` unless given), so that a test holding a `VirtualClock` makes a start delay or a retry backoff due by
advancing it. A request with a method its path does not have is answered 404 "Not Found", as every unknown
request is (the released server answers 405).

On a port, the key (and the route) is checked from the request's head, before its body is read: the released
server parses the body first, so malformed JSON sent without a key is its 422 and the local server's 401. The
server's own refusals (a body over `Limits.max_body_bytes` 413, too slow 408, a malformed request 400, too many
connections 503) are written `{"detail": text}`, as FastAPI writes an HTTP error.

Extension of the upstream API: each state in the enqueue answer also carries `run_id` and `graph_name`."""

from __future__ import annotations

import json
import logging
import os
import queue
import threading
import time
import uuid
from collections.abc import Callable, Collection
from typing import Any

from exosphere_api import codec
from exosphere_api.models.graph_node import GraphNode
from exosphere_api.models.retry_policy import RetryPolicy
from exosphere_api.models.store_config import StoreConfig
from exosphere_api.models.trigger_graph import TriggerGraphRequest
from exospherehost.local import bodies, observe, runs
from exospherehost.local.clock import Clock, SystemClock
from exospherehost.local.graph_verdict import read_back, rejection
from exospherehost.local.ids import new_object_id
from exospherehost.local.schema import SCHEMA, upgrade
from exospherehost.local.verify import verify
from exospherehost.local.wire import RejectedError, detail, due_ms, internal_error, now_naive
from exospherehost.local_defaults import DEFAULT_API_KEY, DEFAULT_DATABASE
from exospherehost.statemanager import StateManager, SyncStateManager
from exospherehost.validation import placeholders, substitute
from sdkcore.local.database import Database
from sdkcore.local.http import (
    AsyncInProcessTransport,
    InProcessTransport,
    Limits,
    Request,
    Response,
    Server,
    is_loopback,
)

__all__ = ["DEFAULT_API_KEY", "DEFAULT_DATABASE", "LocalStateManager"]

IN_PROCESS_URL = "http://exosphere.in-process"
_log = logging.getLogger("exospherehost.local")
REQUEST_ID = "x-exosphere-request-id"


def _graph_document(row: Any, *, as_stored: bool) -> dict[str, Any]:
    """A graph as the server answers it. `as_stored=False` is the released server's GET, which answers the default
    retry policy, store config and triggers whatever was stored."""
    return {
        "nodes": json.loads(row["nodes"]),
        "secrets": dict.fromkeys(json.loads(row["secrets"]), True),
        "retry_policy": json.loads(row["retry_policy"]) if as_stored else codec.to_builtins(RetryPolicy()),
        "store_config": json.loads(row["store_config"]) if as_stored else codec.to_builtins(StoreConfig()),
        "triggers": json.loads(row["triggers"]) if as_stored else [],
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
        "validation_status": row["validation_status"],
        "validation_errors": json.loads(row["validation_errors"]),
    }


class LocalStateManager:
    """The state manager's routes over a SQLite database (a file, created if missing, or `MEMORY`; one written by
    an older version is upgraded, see `schema.py`), checking `x-api-key` against `api_key`, reading the time from
    `clock` (None: the wall clock). Serve it with `serve()`, or use `state_manager()` in process."""

    def __init__(
        self,
        database: str | os.PathLike[str] = DEFAULT_DATABASE,
        *,
        api_key: str = DEFAULT_API_KEY,
        clock: Clock | None = None,
    ) -> None:
        if not api_key:
            raise ValueError("api_key must not be empty")
        self._clock: Clock = SystemClock() if clock is None else clock
        self.database = Database(database, SCHEMA)
        upgrade(self.database, self._clock)
        self._api_key = api_key
        self._pending: queue.Queue[tuple[str, str] | None] = queue.Queue()
        self._verifier = threading.Thread(target=self._verify_forever, name="graph-verifier", daemon=True)
        self._verifier.start()
        for row in self.database.query("SELECT namespace, name FROM graphs WHERE validation_status = 'PENDING'"):
            self._pending.put((row["namespace"], row["name"]))  # left pending by a stop or a crash

    def __repr__(self) -> str:
        return f"LocalStateManager(database={self.database.path!r})"

    @property
    def clock(self) -> Clock:
        """The clock every timestamp and `enqueue_after` of this server is read from."""
        return self._clock

    def next_due_ms(self, namespace: str, node_names: Collection[str] | None = None) -> int | None:
        """When the next CREATED state of `namespace` (of one of `node_names`, if given) becomes due: the smallest
        `enqueue_after`, in ms since the epoch (`from_ms` makes it a datetime), or None when there is none.
        A value at or before the clock's time means a state can be enqueued now."""
        sql = "SELECT MIN(enqueue_after) AS due FROM states WHERE namespace = ? AND status = 'CREATED'"
        names = tuple(node_names) if node_names is not None else None
        if names is not None:
            sql += f" AND node_name IN ({', '.join('?' for _ in names)})"
        due: int | None = self.database.query(sql, (namespace, *(names or ())))[0]["due"]
        return due

    def __call__(self, request: Request) -> Response:
        try:
            keyed, answer = self._plan(request)
            self._check_key(request, keyed)
            response = answer()
        except RejectedError as rejected:
            response = rejected.response
        except Exception:  # what the released server's unhandled-exceptions middleware answers, logged
            _log.exception("%s %s failed", request.method, request.path)
            response = internal_error().response
        return _stamped(request, response)

    def answer_head(self, head: Request) -> Response | None:
        """The answer a request's head decides (an unknown route, a missing or wrong key), given before its body is
        read, so that refusing a large body costs nothing; None when the body is needed. (The released server reads
        the body first: malformed JSON without a key is its 422, the local server's 401.)"""
        try:
            keyed, _ = self._plan(head)
            self._check_key(head, keyed)
        except RejectedError as rejected:
            return _stamped(head, rejected.response)
        return None

    def _check_key(self, request: Request, keyed: bool) -> None:
        if keyed and request.headers.get("x-api-key") != self._api_key:
            raise detail(401, "Invalid API key")

    def _plan(self, request: Request) -> tuple[bool, Callable[[], Response]]:
        """Whether the route needs the key, and its answer (404 raised for an unknown route)."""
        parts, method, database, clock = request.segments, request.method, self.database, self._clock
        if parts == ("health",) and method == "GET":
            return False, lambda: Response.json(200, {"message": "OK"})
        if parts == ("v0", "namespaces") and method == "GET":
            return True, lambda: observe.namespaces(database)
        if len(parts) < 4 or parts[0] != "v0" or parts[1] != "namespace":
            raise detail(404, "Not Found")
        namespace, kind, rest = parts[2], parts[3], parts[4:]
        handler: Any = None
        if kind == "graph" and len(rest) == 1 and rest[0] and method in ("PUT", "GET"):
            handler = self.upsert_graph if method == "PUT" else self.get_graph
        elif kind == "graph" and len(rest) == 2 and rest[1] == "trigger" and method == "POST":
            handler = self.trigger
        elif kind == "graph" and len(rest) == 5 and rest[1::2] == ("run", "node") and method == "GET":
            graph_name, run_id, node_id = rest[0::2]
            return True, lambda: observe.node_details(database, namespace, graph_name, run_id, node_id)
        elif kind == "nodes" and rest in ((), ("",)) and method == "PUT":
            return True, lambda: runs.register_nodes(database, clock, namespace, request.body)
        elif kind == "nodes" and rest in ((), ("",)) and method == "GET":
            return True, lambda: observe.registered_nodes(database, namespace)
        elif kind == "graphs" and rest in ((), ("",)) and method == "GET":
            return True, lambda: observe.graph_templates(database, namespace)
        elif kind == "runs" and len(rest) == 2 and method == "GET":
            return True, lambda: observe.runs(database, namespace, *rest)
        elif kind == "states" and rest == ("enqueue",) and method == "POST":
            return True, lambda: runs.enqueue(database, clock, namespace, request.body)
        elif kind == "states" and len(rest) == 3 and rest[0::2] == ("run", "graph") and method == "GET":
            return True, lambda: observe.run_graph(database, namespace, rest[1])
        elif kind == "state" and len(rest) == 2 and (method, rest[1]) in runs.STATE_ACTIONS:
            action = runs.STATE_ACTIONS[(method, rest[1])]
            return True, lambda: action(database, clock, namespace, rest[0], request.body)
        if handler is None:
            raise detail(404, "Not Found")
        graph_name = rest[0]
        if method == "GET":
            return True, lambda: handler(namespace, graph_name)
        return True, lambda: self.database.idempotent(
            "Idempotency-Key", request, lambda: handler(namespace, graph_name, request.body), _reused
        )

    def upsert_graph(self, namespace: str, graph_name: str, body: bytes) -> Response:
        request = bodies.read_body(body, "UpsertGraphRequest")
        nodes, secrets, triggers = request["nodes"], request["secrets"], request["triggers"]
        retry_policy, store_config = request["retry_policy"], request["store_config"]
        stored = self._graph(namespace, graph_name)
        refused = rejection(name=graph_name, namespace=namespace, nodes=nodes, secrets=secrets,
                            retry_policy=retry_policy, store_config=store_config, triggers=triggers,
                            stored_id=None if stored is None else stored["id"])  # fmt: skip
        if refused is not None:
            raise detail(400, refused)
        name, space = graph_name.strip(), namespace.strip()  # stored trimmed, looked up as given
        if stored is None and (space, name) != (namespace, graph_name) and self._graph(space, name) is not None:
            raise internal_error()  # the server's insert breaks its unique (name, namespace) index
        stored_nodes = [read_back(node) for node in nodes]  # the server's save reads them back
        stamp = now_naive(self._clock)
        with self.database.transaction() as connection:
            values = (
                space, name, codec.encode(stored_nodes).decode(), json.dumps(secrets),
                codec.encode(retry_policy or RetryPolicy()).decode(),
                codec.encode(store_config or StoreConfig()).decode(), json.dumps(triggers),
                "PENDING", "[]", stamp, stamp, new_object_id(self._clock),
            )  # fmt: skip
            connection.execute(  # an update keeps the id, created_at and place in the list
                "INSERT INTO graphs (namespace, name, nodes, secrets, retry_policy, store_config, triggers,"
                " validation_status, validation_errors, created_at, updated_at, id)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (namespace, name) DO UPDATE SET"
                " nodes = excluded.nodes, secrets = excluded.secrets, retry_policy = excluded.retry_policy,"
                " store_config = excluded.store_config, triggers = excluded.triggers,"
                " validation_status = excluded.validation_status, validation_errors = excluded.validation_errors,"
                " updated_at = excluded.updated_at",
                values,
            )
            row = runs.graph_row(connection, space, name)
        self._pending.put((space, name))
        return Response.json(201, _graph_document(row, as_stored=True))

    def get_graph(self, namespace: str, graph_name: str) -> Response:
        row = self._graph(namespace, graph_name)
        if row is None:
            raise detail(404, f"Graph template {graph_name} not found in namespace {namespace}")
        return Response.json(200, _graph_document(row, as_stored=False))

    def _graph(self, namespace: str, graph_name: str) -> Any:
        rows = self.database.query("SELECT * FROM graphs WHERE namespace = ? AND name = ?", (namespace, graph_name))
        return rows[0] if rows else None

    def trigger(self, namespace: str, graph_name: str, body: bytes) -> Response:
        request = bodies.decode(body, TriggerGraphRequest)
        graph = self._graph(namespace, graph_name)
        if graph is None:
            raise detail(404, f"Graph template not found for namespace {namespace} and graph {graph_name}")
        if graph["validation_status"] != "VALID":
            raise detail(400, "Graph template is not valid")
        nodes = codec.decode(graph["nodes"], list[GraphNode])
        defaults: dict[str, str] = json.loads(graph["store_config"]).get("default_values", {})
        root = runs.root_of(nodes)

        def from_store(identifier: str, key: str) -> str:
            if identifier != "store":
                raise detail(400, f"Invalid input: 400: Root node can have only store identifier as dependent but "
                                  f"got {identifier}")  # fmt: skip
            if key in request.store:
                given: str = request.store[key]
                return given
            if key in defaults:
                return defaults[key]
            raise detail(400, f"Invalid input: 400: Dependent {key} not found in store for root node "
                              f"{root.identifier}")  # fmt: skip

        inputs: dict[str, str] = {}
        for name, value in root.inputs.items():  # an override may itself hold placeholders
            text = str(request.inputs.get(name, value))
            try:
                placeholders(text)
            except ValueError as error:  # the server's parser message
                raise detail(400, f"Invalid input: {error}") from None
            inputs[name] = substitute(text, from_store)
        required = json.loads(graph["store_config"]).get("required_keys", [])
        missing = sorted(set(required) - set(request.store))
        if missing:
            raise detail(400, "Missing store keys: {" + ", ".join(repr(key) for key in missing) + "}")
        run_id = str(uuid.uuid4())
        with self.database.transaction() as connection:
            connection.execute("INSERT INTO runs VALUES (?, ?, ?, ?, ?)",
                               (run_id, namespace, graph_name, json.dumps(request.store),
                                now_naive(self._clock)))  # fmt: skip
            runs.insert_state(connection, self._clock, run_id=run_id, namespace=namespace, graph_name=graph_name,
                              node=root, inputs=inputs, parents={},
                              enqueue_after=due_ms(self._clock, request.start_delay))  # fmt: skip
        return Response.json(200, {"status": "CREATED", "run_id": run_id})

    def _verify_forever(self) -> None:
        while (item := self._pending.get()) is not None:
            try:
                verify(self.database, *item)
            except Exception as error:  # recorded on the graph, as the server does
                with self.database.transaction() as connection:
                    connection.execute(
                        "UPDATE graphs SET validation_status = 'INVALID', validation_errors = ? "
                        "WHERE namespace = ? AND name = ?",
                        (json.dumps([f"Validation failed due to unexpected error: {error}"]), *item),
                    )
            finally:
                self._pending.task_done()

    def wait_until_verified(self, timeout: float = 10.0) -> None:
        """Block until every upserted graph has been verified (tests, notebooks); TimeoutError after `timeout` s."""
        deadline = time.monotonic() + timeout
        while self._pending.unfinished_tasks:
            if time.monotonic() > deadline:
                raise TimeoutError(f"graphs are still being verified after {timeout} s")
            time.sleep(0.005)

    def serve(
        self, host: str = "127.0.0.1", port: int = 0, *, log_requests: bool = False, limits: Limits | None = None
    ) -> Server:
        """Listen on host:port (0: any free port) in a background thread, within `limits` (see `Limits`);
        `close()` (or `with`) stops it. A key, a missing route or an oversized body is refused before the body is
        read. ValueError for a host beyond loopback (0.0.0.0, a LAN address) while the key is the documented
        default: anyone could use it."""
        if self._api_key == DEFAULT_API_KEY and not is_loopback(host):
            raise ValueError(f"refusing to listen on {host} with the documented default API key "
                             f"{DEFAULT_API_KEY!r}, which anyone could send: choose another one "
                             "(LocalStateManager(api_key=), exosphere dev --api-key, $EXOSPHERE_API_KEY)")  # fmt: skip
        return Server(self, host, port, log_requests=log_requests, limits=limits, early=self.answer_head,
                      errors=_error)  # fmt: skip

    def state_manager(self, namespace: str, **options: Any) -> StateManager:
        """A StateManager for `namespace` that reaches this server in process, with no socket."""
        return StateManager(namespace, IN_PROCESS_URL, self._api_key,
                            http_transport=AsyncInProcessTransport(self), **options)  # fmt: skip

    def sync_state_manager(self, namespace: str, **options: Any) -> SyncStateManager:
        """A SyncStateManager for `namespace` that reaches this server in process, with no socket."""
        return SyncStateManager(namespace, IN_PROCESS_URL, self._api_key,
                                http_transport=InProcessTransport(self), **options)  # fmt: skip

    @property
    def closed(self) -> bool:
        """True once `close()` ran (the `with` block ended): clients of it then get a connection error."""
        return self.database.closed

    def close(self) -> None:
        self._pending.put(None)
        self._verifier.join(timeout=10)
        self.database.close()

    def __enter__(self) -> LocalStateManager:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _stamped(request: Request, response: Response) -> Response:
    """The response with the request's `x-exosphere-request-id` (kept when it is a UUID, else a new one)."""
    try:
        request_id = str(uuid.UUID(request.headers.get(REQUEST_ID, "")))
    except ValueError:
        request_id = str(uuid.uuid4())
    response.headers[REQUEST_ID] = request_id
    return response


def _error(status: int, message: str) -> Response:
    """The server's own refusals (a body too large or too slow, a malformed request, too many connections) in
    FastAPI's style for an HTTP error, `{"detail": message}`, with a request id."""
    return Response.json(status, {"detail": message}, {REQUEST_ID: str(uuid.uuid4())})


def _reused(message: str) -> Response:
    return Response.json(422, {"detail": [{"type": "idempotency_key_reused", "loc": ["header", "idempotency-key"],
                                           "msg": message, "input": None}]})  # fmt: skip
