"""A local Waygrid router: `POST /v1/ingest` and `GET /` as the real router (build c785f04) answers them, with the
traversals kept in SQLite. It decodes with the generated models and judges a spec with `waygrid.validation`, the
SDK's own rules, keeping the ones the router enforces at ingest (see README "Local servers").

    with LocalRouter() as router, router.serve() as server:    # on loopback: server.url
        ...
    client = LocalRouter(database=MEMORY).sync_client()          # in process, no port

Extension of the upstream API: an `Idempotency-Key` header on a submission is honoured (the same key and body get
the first answer again; the same key with another body gets 422).
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import msgspec

from sdkcore.local.database import MEMORY, Database
from sdkcore.local.http import AsyncInProcessTransport, InProcessTransport, Request, Response, Server
from waygrid.client import SyncWaygridClient, WaygridClient
from waygrid.validation import Problem, validate
from waygrid_api import codec
from waygrid_api.models.traversal_spec import Spec

__all__ = ["DEFAULT_DATABASE", "MEMORY", "LocalRouter", "new_ulid"]

DEFAULT_DATABASE = Path(".waygrid") / "router.db"
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


def _decoding_failure(detail: str) -> Response:
    return _failure(f"org.http4s.InvalidMessageBodyFailure: Invalid message body: DecodingFailure: {detail}")


def _compile_failure(problems: list[Problem]) -> Response:
    listed = "; ".join(f"{problem.path}: {problem.message}" for problem in problems)
    return _failure(f"RouteCompilerError: Invalid DAG structure: {listed}")


class LocalRouter:
    """The router's routes over a SQLite database (a file, created if missing, or `MEMORY`). Call it with a
    `Request`, serve it with `serve()`, or use `client()` / `sync_client()` in process."""

    def __init__(self, database: str | os.PathLike[str] = DEFAULT_DATABASE, *, address: str = "127.0.0.1") -> None:
        self.database = Database(database, _SCHEMA)
        self.started = datetime.now(timezone.utc)
        self._started_clock = time.monotonic()
        self._address = address

    def __call__(self, request: Request) -> Response:
        if request.path == "/" and request.method in ("GET", "HEAD"):
            return Response.json(200, self.service_info())
        if request.path == "/v1/ingest" and request.method == "POST":
            return self.database.idempotent("Idempotency-Key", request, lambda: self.ingest(request.body), _reused)
        return Response(404, b"Not found", {"content-type": "text/plain; charset=UTF-8"})

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
            spec = codec.decode(wrapper.graph, Spec)
        except msgspec.ValidationError as error:
            text = str(error)
            return _decoding_failure(text.replace("`$", "`$.graph") if " - at `$" in text else f"{text} - at `$.graph`")
        except msgspec.DecodeError as error:
            return _failure(f"org.http4s.MalformedMessageBodyFailure: Malformed message body: Invalid JSON: {error}")
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

    def serve(self, host: str = "127.0.0.1", port: int = 0, *, log_requests: bool = False) -> Server:
        """Listen on host:port (0: any free port) in a background thread; `close()` (or `with`) stops it."""
        return Server(self, host, port, log_requests=log_requests)

    def client(self, api_key: str | None = None, **settings: Any) -> WaygridClient:
        """A WaygridClient that reaches this router in process, with no socket."""
        return WaygridClient(IN_PROCESS_URL, api_key, http_transport=AsyncInProcessTransport(self), **settings)

    def sync_client(self, api_key: str | None = None, **settings: Any) -> SyncWaygridClient:
        """A SyncWaygridClient that reaches this router in process, with no socket."""
        return SyncWaygridClient(IN_PROCESS_URL, api_key, http_transport=InProcessTransport(self), **settings)

    def close(self) -> None:
        self.database.close()

    def __enter__(self) -> LocalRouter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
