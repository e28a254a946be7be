"""A local Waygrid router: `POST /v1/ingest` and `GET /` as the real router (build c785f04) answers them, with the
traversals kept in SQLite. It decodes with the generated models and judges a spec with `waygrid.validation`, the
SDK's own rules, keeping the ones the router enforces at ingest (see README "Local servers").

    with LocalRouter() as router, router.serve() as server:    # on loopback: server.url
        ...
    client = LocalRouter(database=MEMORY).sync_client()          # in process, no port

Extensions of the upstream API: an `Idempotency-Key` header on a submission is honoured (the same key and body get
the first answer again; the same key with another body gets 422). With `execute=True` the router also runs what it
accepts (see waygrid.local_execution), and `GET /v1/traversals/{traversalId}` answers a traversal's outcome and
events: `{traversalId, outcome, startedAt, events, error?, detail?}` ("not-executed" when execution is off).

A body that is not UTF-8 throughout, or nests more than `MAX_DEPTH` levels, is a MalformedMessageBodyFailure (the
router's 500 for a spec it cannot read, not retried by the SDK). On a port the server's own refusals (413, 408,
400, 503; see `sdkcore.local.http.Limits`) are `{"error": text}` as the router's failures are.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import time
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

import msgspec

from sdkcore.local.database import MEMORY, Database
from sdkcore.local.http import (
    AsyncInProcessTransport,
    InProcessTransport,
    Limits,
    Request,
    Response,
    Server,
    nesting_exceeds,
)
from waygrid.client import SyncWaygridClient, WaygridClient
from waygrid.local_defaults import DEFAULT_DATABASE
from waygrid.local_execution import SCHEMA as EXECUTION_SCHEMA
from waygrid.local_execution import Executor, check_handlers, execution_document
from waygrid.simulation import Handler
from waygrid.validation import Problem, validate
from waygrid_api import codec
from waygrid_api.models.traversal_spec import Spec

__all__ = ["DEFAULT_DATABASE", "MEMORY", "LocalRouter", "new_ulid"]

IN_PROCESS_URL = "http://waygrid.in-process"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS traversals (
    traversal_id TEXT PRIMARY KEY,
    dag_hash TEXT NOT NULL,
    spec BLOB NOT NULL,
    payload BLOB,
    received_at TEXT NOT NULL
)
"""

# Rules the router enforces when it reads a spec (a decoding failure) or compiles it (a DAG error); the SDK checks
# the others locally, and the router accepts specs breaking them (it fails later, at run time).
_DECODE_RULES = frozenset({"condition-not-accepted", "int-parameter", "float-parameter", "no-entry-point"})
_COMPILE_RULES = frozenset({"fork-without-join", "multiple-joins", "join-without-fork", "fork-branches", "too-deep"})

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
MAX_DEPTH = 512
"""The deepest nesting of arrays and objects an ingest body may have (deeper: a malformed body). A spec within the
router's depth rule (128) nests at most about 400 levels."""


def new_ulid(now: float | None = None) -> str:
    """A ULID: 48 bits of Unix milliseconds then 80 random bits, in 26 Crockford base32 characters."""
    millis = int((time.time() if now is None else now) * 1000)
    value = (millis << 80) | secrets.randbits(80)
    return "".join(_CROCKFORD[(value >> shift) & 31] for shift in range(125, -1, -5))


class _Ingest(msgspec.Struct):
    """The ingest wrapper as the router reads it: `graph` required, `payload` optional, other keys ignored."""

    graph: msgspec.Raw
    payload: msgspec.Raw = msgspec.Raw(b"")


def _failure(text: str) -> Response:
    return Response.json(500, {"error": text})


def _reused(message: str) -> Response:
    return Response.json(422, {"error": message})


def _malformed(detail: str) -> Response:
    return _failure(f"org.http4s.MalformedMessageBodyFailure: Malformed message body: Invalid JSON: {detail}")


def _decoding_failure(detail: str) -> Response:
    return _failure(f"org.http4s.InvalidMessageBodyFailure: Invalid message body: DecodingFailure: {detail}")


def _compile_failure(problems: list[Problem]) -> Response:
    listed = "; ".join(f"{problem.path}: {problem.message}" for problem in problems)
    return _failure(f"RouteCompilerError: Invalid DAG structure: {listed}")


class LocalRouter:
    """The router's routes over a SQLite database (a file, created if missing, or `MEMORY`). Call it with a
    `Request`, serve it with `serve()`, or use `client()` / `sync_client()` in process.

    `execute=True` runs each accepted traversal on the real clock in a background thread, calling `handlers`
    (node address → a callable taking a `waygrid.simulation.Call`; `handle()` adds one later); an address without
    a handler succeeds at once."""

    def __init__(
        self,
        database: str | os.PathLike[str] = DEFAULT_DATABASE,
        *,
        address: str = "127.0.0.1",
        execute: bool = False,
        handlers: Mapping[str, Handler] | None = None,
    ) -> None:
        if handlers is not None and not execute:
            raise ValueError("handlers are called only when the router executes traversals: pass execute=True")
        checked = check_handlers(handlers)  # before the database is opened
        self.database = Database(database, _SCHEMA + ";" + EXECUTION_SCHEMA)
        self.started = datetime.now(timezone.utc)
        self._started_clock = time.monotonic()
        self._address = address
        self.executor = Executor(self.database, checked) if execute else None
        """What runs the traversals (None when `execute` is False)."""

    def __call__(self, request: Request) -> Response:
        if request.path == "/" and request.method in ("GET", "HEAD"):
            return Response.json(200, self.service_info())
        if request.path == "/v1/ingest" and request.method == "POST":
            return self.database.idempotent("Idempotency-Key", request, lambda: self.ingest(request.body), _reused)
        parts = request.segments
        if len(parts) == 3 and parts[:2] == ("v1", "traversals") and request.method in ("GET", "HEAD"):
            document = self.execution(parts[2])
            if document is None:
                return Response.json(404, {"error": f"Traversal not found: {parts[2]}"})
            return Response.json(200, document)
        return Response(404, b"Not found", {"content-type": "text/plain; charset=UTF-8"})

    def handle(self, address: str, handler: Handler) -> None:
        """Call `handler` for the nodes at `address` from now on (also in traversals already running)."""
        if self.executor is None:
            raise RuntimeError("this router does not execute traversals: create it with execute=True")
        self.executor.handle(address, handler)

    def execution(self, traversal_id: str) -> dict[str, Any] | None:
        """What `GET /v1/traversals/{traversal_id}` answers: outcome and events; None for an unknown id."""
        return execution_document(self.database, traversal_id, self.executor)

    def wait(self, traversal_id: str, timeout: float = 10.0) -> dict[str, Any]:
        """Block until the traversal is no longer running (TimeoutError after `timeout` s), then `execution()`."""
        if self.executor is not None and not self.executor.wait(traversal_id, timeout):
            raise TimeoutError(f"traversal {traversal_id} is still running after {timeout} s")
        document = self.execution(traversal_id)
        if document is None:
            raise KeyError(traversal_id)
        return document

    def service_info(self) -> dict[str, Any]:
        seconds = int(time.monotonic() - self._started_clock)
        return {
            "id": f"local-router-{os.getpid()}",
            "service": "router",
            "component": "system",
            "clusterId": "local",
            "region": "local",
            "address": f"waygrid://system/router@{self._address}",
            "startedAt": self.started.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "uptime": f"{seconds} second{'' if seconds == 1 else 's'}",  # the router's duration form
        }

    def ingest(self, body: bytes) -> Response:
        try:
            wrapper = msgspec.json.decode(body, type=_Ingest)
            body.decode()  # what msgspec skips (the payload, ignored members) must be UTF-8 too
            if nesting_exceeds(body, MAX_DEPTH):
                return _malformed(f"JSON is malformed: nested more than {MAX_DEPTH} levels deep")
            spec = codec.decode(wrapper.graph, Spec)
        except msgspec.ValidationError as error:
            text = str(error)
            return _decoding_failure(text.replace("`$", "`$.graph") if " - at `$" in text else f"{text} - at `$.graph`")
        except msgspec.DecodeError as error:
            return _malformed(str(error))
        except UnicodeDecodeError as error:
            return _malformed(f"JSON is malformed: invalid UTF-8 at byte {error.start}")
        except RecursionError:
            return _malformed(f"JSON is malformed: nested more than {MAX_DEPTH} levels deep")
        problems = validate(spec)
        unreadable = [problem for problem in problems if problem.rule in _DECODE_RULES]
        if unreadable:
            return _decoding_failure("; ".join(f"{problem.path}: {problem.message}" for problem in unreadable))
        rejected = [problem for problem in problems if problem.rule in _COMPILE_RULES]
        if rejected:
            return _compile_failure(rejected)
        canonical = codec.encode(spec)
        dag_hash = hashlib.blake2b(canonical, digest_size=8).hexdigest()
        traversal_id = new_ulid()
        payload = bytes(wrapper.payload) or None
        with self.database.transaction() as connection:
            connection.execute(
                "INSERT INTO traversals VALUES (?, ?, ?, ?, ?)",
                (traversal_id, dag_hash, canonical, payload, datetime.now(timezone.utc).isoformat()),
            )
            if self.executor is not None:
                self.executor.accept(connection, traversal_id, spec)
        return Response.json(200, {"traversalId": traversal_id, "dagHash": dag_hash})

    def traversals(self) -> list[dict[str, Any]]:
        """The accepted traversals, oldest first: id, DAG hash, spec and payload (decoded JSON)."""
        rows = self.database.query("SELECT * FROM traversals ORDER BY rowid")
        return [
            {
                "traversal_id": row["traversal_id"],
                "dag_hash": row["dag_hash"],
                "spec": json.loads(row["spec"]),
                "payload": None if row["payload"] is None else json.loads(row["payload"]),
                "received_at": row["received_at"],
            }
            for row in rows
        ]

    def serve(
        self, host: str = "127.0.0.1", port: int = 0, *, log_requests: bool = False, limits: Limits | None = None
    ) -> Server:
        """Listen on host:port (0: any free port) in a background thread, within `limits` (see `Limits`: the
        server's own refusals are `{"error": ...}` as the router's are); `close()` (or `with`) stops it. The router
        reads no credentials: beyond loopback anyone who reaches the port can submit (a warning is logged)."""
        return Server(self, host, port, log_requests=log_requests, limits=limits)

    def client(self, api_key: str | None = None, **settings: Any) -> WaygridClient:
        """A WaygridClient that reaches this router in process, with no socket."""
        return WaygridClient(IN_PROCESS_URL, api_key, http_transport=AsyncInProcessTransport(self), **settings)

    def sync_client(self, api_key: str | None = None, **settings: Any) -> SyncWaygridClient:
        """A SyncWaygridClient that reaches this router in process, with no socket."""
        return SyncWaygridClient(IN_PROCESS_URL, api_key, http_transport=InProcessTransport(self), **settings)

    @property
    def closed(self) -> bool:
        """True once `close()` ran (the `with` block ended): clients of it then get a connection error."""
        return self.database.closed

    def close(self) -> None:
        """Stop executing (the thread ends after the handler it is in) and close the database."""
        if self.executor is not None:
            self.executor.close()
        self.database.close()

    def __enter__(self) -> LocalRouter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
