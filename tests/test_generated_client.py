"""The generated stubs over real HTTP: a local server on 127.0.0.1 records what arrives and answers as told."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import pytest

from exosphere_api import operations as exosphere
from sdkcore import (
    APIConnectionError,
    AsyncTransport,
    InternalServerError,
    NotFoundError,
    ResponseDecodeError,
    SyncTransport,
)
from waygrid_api import codec
from waygrid_api import operations as waygrid
from waygrid_api.models.ingest import IngestError, IngestRequest
from waygrid_api.models.traversal_spec import ImmediateDelivery, NoRepeat, NoRetry, Spec, StandardNode

API_KEY = "sk-test-canary-0123456789"
SPEC = Spec(
    entry_points=[
        StandardNode(address="waygrid://processor/x", retry_policy=NoRetry(), delivery_strategy=ImmediateDelivery())
    ],
    repeat_policy=NoRepeat(),
)


class Recorder(BaseHTTPRequestHandler):
    seen: ClassVar[list[dict[str, Any]]] = []
    answer: ClassVar[tuple[int, bytes]] = (200, b"{}")

    def _handle(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        self.seen.append(
            {"method": self.command, "path": self.path, "headers": dict(self.headers), "body": self.rfile.read(length)}
        )
        status, body = self.answer
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.send_header("x-exosphere-request-id", "req-42")
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PUT = _handle  # noqa: N815 - the names http.server dispatches to

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    Recorder.seen = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def answer(status: int, body: Any) -> None:
    Recorder.answer = (status, json.dumps(body).encode())


OK = {"traversalId": "01JF8Z6S4W2M3N5P7Q9R0T1V2X", "dagHash": "0123456789abcdef"}


def test_sync_ingest_sends_the_encoded_struct_and_decodes_the_reply(server: str) -> None:
    answer(200, OK)
    body = IngestRequest(graph=SPEC, payload={"n": 1})
    with SyncTransport(server, profile=waygrid.API, api_key=API_KEY) as transport:
        result = waygrid.ingest(transport, body=body)
    assert result.traversal_id == OK["traversalId"]
    assert result.dag_hash == OK["dagHash"]
    (request,) = Recorder.seen
    assert (request["method"], request["path"]) == ("POST", "/v1/ingest")
    assert request["body"] == codec.encode(body)
    assert request["headers"]["content-type"] == "application/json"
    assert request["headers"]["authorization"] == f"Bearer {API_KEY}"


def test_async_ingest(server: str) -> None:
    answer(200, OK)

    async def submit() -> str:
        async with AsyncTransport(server, profile=waygrid.API) as transport:
            result = await waygrid.ingest_async(transport, body=IngestRequest(graph=SPEC))
        return result.traversal_id

    assert asyncio.run(submit()) == OK["traversalId"]
    assert json.loads(Recorder.seen[0]["body"]) == {"graph": json.loads(codec.encode(SPEC))}


def test_error_status_raises_the_typed_error_with_the_server_text(server: str) -> None:
    answer(500, {"error": "DecodingFailure at .entryPoints: Missing required field"})
    with (
        SyncTransport(server, profile=waygrid.API, max_retries=0) as transport,
        pytest.raises(InternalServerError) as caught,
    ):
        waygrid.ingest(transport, body=IngestRequest(graph=SPEC))
    assert caught.value.status_code == 500
    assert isinstance(caught.value.body, IngestError)
    assert "DecodingFailure at .entryPoints" in str(caught.value)


def test_a_success_body_that_breaks_the_schema_names_the_path(server: str) -> None:
    answer(200, {"traversalId": "not-a-ulid", "dagHash": "0123456789abcdef"})
    with (
        SyncTransport(server, profile=waygrid.API) as transport,
        pytest.raises(ResponseDecodeError, match=r"\$\.traversalId"),
    ):
        waygrid.ingest(transport, body=IngestRequest(graph=SPEC))


def test_path_parameters_are_one_encoded_segment_each(server: str) -> None:
    answer(404, {"detail": "Graph template not found"})
    transport = SyncTransport(server, profile=exosphere.API)
    with transport, pytest.raises(NotFoundError) as caught:
        exosphere.get_graph(transport, namespace="my ns", graph_name="a/b?c")
    assert Recorder.seen[0]["path"] == "/v0/namespace/my%20ns/graph/a%2Fb%3Fc"
    assert caught.value.request_id == "req-42"
    assert "Graph template not found" in str(caught.value)


def test_unreachable_server_is_a_connection_error() -> None:
    with (
        SyncTransport("http://127.0.0.1:9", profile=waygrid.API, max_retries=0) as transport,
        pytest.raises(APIConnectionError),
    ):
        waygrid.service_info(transport)


def test_the_transport_repr_holds_no_credentials() -> None:
    transport = SyncTransport("http://127.0.0.1:9", profile=waygrid.API, api_key=API_KEY)
    assert API_KEY not in repr(transport)
    transport.close()
