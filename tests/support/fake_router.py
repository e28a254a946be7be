"""A stand-in for the Waygrid router's ingest route, for tests: it decodes the body with the generated models
(strict, as the router's codec is) and answers as the router does: 200 with ids, or 500 with the reason."""

from __future__ import annotations

import hashlib
import json

import msgspec

from tests.support.fault_server import Received
from waygrid.validation import validate
from waygrid_api import codec
from waygrid_api.models.ingest import IngestRequest

TRAVERSAL_ID = "01JF8Z6S4W2M3N5P7Q9R0T1V2X"


def router(received: Received) -> tuple[int, bytes]:
    if received.method == "GET" and received.path == "/":
        info = {"id": "router-1", "service": "router", "component": "system", "clusterId": "local",
                "region": "local", "address": "waygrid://system/router", "startedAt": "2026-01-01T00:00:00Z",
                "uptime": "1 second"}  # fmt: skip
        return 200, json.dumps(info).encode()
    if received.path != "/v1/ingest":
        return 404, b'{"error": "Not found"}'
    try:
        request = codec.decode(received.body, IngestRequest)
    except (msgspec.ValidationError, msgspec.DecodeError) as error:
        return 500, json.dumps({"error": f"org.http4s.InvalidMessageBodyFailure: DecodingFailure: {error}"}).encode()
    problems = validate(request.graph)
    if any(problem.rule == "condition-not-accepted" for problem in problems):
        return 500, b'{"error": "org.http4s.InvalidMessageBodyFailure: DecodingFailure at .condition: unknown type"}'
    if problems:
        return 500, json.dumps({"error": f"RouteCompilerError: Invalid DAG structure: {problems[0]}"}).encode()
    dag_hash = hashlib.blake2b(codec.encode(request.graph), digest_size=8).hexdigest()
    return 200, json.dumps({"traversalId": TRAVERSAL_ID, "dagHash": dag_hash}).encode()
