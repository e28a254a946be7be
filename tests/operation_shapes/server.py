"""The fixture API (spec/shapes/openapi.json) as a tiny in-process server that records every request it gets.

`ShapesServer.respond` is the one router; `ShapesServer.handle` serves it to `httpx.MockTransport` (no sockets)
and `loopback` serves it over real HTTP on 127.0.0.1 (an ephemeral port, one thread, stopped on exit).
"""

from __future__ import annotations

import json
import re
import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote

import httpx

API_KEY = "k-shapes-123"
REQUEST_ID_HEADER = "x-shapes-request-id"
SEGMENT = "([^/]+)"
WIDGET_PATH = re.compile(f"/widgets/{SEGMENT}/{SEGMENT}/{SEGMENT}/{SEGMENT}/{SEGMENT}")
ONE_WIDGET = re.compile(r"/widgets/([0-9]+)")


@dataclass(frozen=True)
class Recorded:
    """One request as it arrived: the path and query exactly as sent (percent-encoding kept)."""

    method: str
    raw_path: str
    raw_query: str
    headers: dict[str, str]  # names lowercased
    body: bytes

    @property
    def query(self) -> list[tuple[str, str]]:
        """The query's decoded (name, value) pairs, in order, repeated names kept."""
        return parse_qsl(self.raw_query, keep_blank_values=True)

    @property
    def segments(self) -> list[str]:
        """The path's decoded segments."""
        return [unquote(segment) for segment in self.raw_path.split("/")[1:]]

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass(frozen=True)
class Reply:
    """What the server answers: a JSON body (None: no content) and extra headers."""

    status: int
    body: Any = None
    headers: tuple[tuple[str, str], ...] = ()


def error_body(code: str, message: str) -> dict[str, Any]:
    return {"code": code, "message": message, "retryable": False}


@dataclass
class ShapesServer:
    """Answers each operation of the fixture as its document says; `queue` replaces the next answers."""

    prefix: str = ""  # the base URL's path, before the document's paths
    requests: list[Recorded] = field(default_factory=list)
    queued: deque[Reply] = field(default_factory=deque)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def queue(self, *replies: Reply) -> None:
        self.queued.extend(replies)

    def respond(self, request: Recorded) -> tuple[int, list[tuple[str, str]], bytes]:
        with self.lock:
            self.requests.append(request)
            number = len(self.requests)
            reply = self.queued.popleft() if self.queued else self._route(request)
        headers = [(REQUEST_ID_HEADER, f"req-{number}"), *reply.headers]
        if reply.body is None:
            return reply.status, headers, b""
        return reply.status, [*headers, ("content-type", "application/json")], json.dumps(reply.body).encode()

    def _route(self, request: Recorded) -> Reply:
        if request.headers.get("x-api-key") != API_KEY:
            return Reply(401, error_body("unauthorized", "x-api-key is missing or wrong"))
        method, path = request.method, request.raw_path
        if not path.startswith(self.prefix + "/"):
            return Reply(404, error_body("no_route", f"{method} {path}"))
        path = path.removeprefix(self.prefix)
        if method == "GET" and (match := WIDGET_PATH.fullmatch(path)):
            name, number, _flag, color, keys = (unquote(part) for part in match.groups())
            return Reply(200, {"id": int(number), "name": name, "color": color, "tags": keys.split(",")})
        if method == "GET" and path == "/widgets":
            colors = [value for key, value in request.query if key == "color"] or ["red"]
            return Reply(200, [{"id": index, "name": f"w{index}", "color": c} for index, c in enumerate(colors, 1)])
        if method == "POST" and path == "/widgets":
            return Reply(201, {"id": 9, "created": True})
        if match := ONE_WIDGET.fullmatch(path):
            widget_id = int(match.group(1))
            if method == "PUT":
                return Reply(200, {"id": widget_id, **request.json()})
            if method == "PATCH":
                return Reply(204) if not request.body else Reply(200, {"id": widget_id, **request.json()})
            if method == "DELETE":
                return Reply(204)
        return Reply(404, error_body("no_route", f"{method} {path}"))

    def handle(self, request: httpx.Request) -> httpx.Response:
        """The `httpx.MockTransport` handler."""
        recorded = Recorded(
            method=request.method,
            raw_path=request.url.raw_path.decode("ascii").partition("?")[0],
            raw_query=request.url.query.decode("ascii"),
            headers={name.lower(): value for name, value in request.headers.items()},
            body=request.read(),
        )
        status, headers, body = self.respond(recorded)
        return httpx.Response(status, headers=headers, content=body)

    def mock(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)


class _Handler(BaseHTTPRequestHandler):
    server: _LoopbackServer
    timeout = 5  # a stalled client cannot hold the handler thread longer

    def _serve(self) -> None:
        path, _, query = self.path.partition("?")
        length = int(self.headers.get("content-length") or 0)
        recorded = Recorded(
            method=self.command,
            raw_path=path,
            raw_query=query,
            headers={name.lower(): value for name, value in self.headers.items()},
            body=self.rfile.read(length) if length else b"",
        )
        status, headers, body = self.server.shapes.respond(recorded)
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_PUT = do_POST = do_PATCH = do_DELETE = _serve  # noqa: N815  (http.server's naming)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: pytest output stays clean."""


class _LoopbackServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, shapes: ShapesServer) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.shapes = shapes


@contextmanager
def loopback(shapes: ShapesServer) -> Iterator[str]:
    """Serve `shapes` over HTTP on an ephemeral loopback port; yields the base URL, stops the server on exit."""
    server = _LoopbackServer(shapes)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        host, port = server.server_address[:2]
        yield f"http://{host!s}:{port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
        if thread.is_alive():
            raise RuntimeError("the loopback server thread did not stop")
