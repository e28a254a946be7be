"""A local server's HTTP layer: an `App` answers a `Request` with a `Response`; `serve()` puts it on a TCP port
(a thread per connection, HTTP/1.1 keep-alive) and `InProcessTransport` / `AsyncInProcessTransport` hand it to an
httpx client with no socket at all."""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import threading
from collections.abc import Callable, Generator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote, urlsplit

import httpx

__all__ = ["App", "AsyncInProcessTransport", "InProcessTransport", "Request", "Response", "Server", "serve"]

logger = logging.getLogger("sdkcore.local")


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    """The path with %-escapes decoded, split at `/` before decoding (see `segments`)."""
    segments: tuple[str, ...]
    headers: Mapping[str, str]
    """Header names in lower case."""
    body: bytes = b""

    @classmethod
    def build(cls, method: str, target: str, headers: Mapping[str, str], body: bytes) -> Request:
        raw_path = urlsplit(target).path or "/"
        segments = tuple(unquote(part) for part in raw_path.split("/")[1:])
        lowered = {name.lower(): value for name, value in headers.items()}
        return cls(method.upper(), unquote(raw_path), segments, lowered, body)


@dataclass
class Response:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict[str, str])

    @classmethod
    def json(cls, status: int, document: Any, headers: Mapping[str, str] | None = None) -> Response:
        return cls(status, json.dumps(document, separators=(",", ":")).encode(), dict(headers or {}))


App = Callable[[Request], Response]


def _finish(response: Response) -> Response:
    if response.body and not any(name.lower() == "content-type" for name in response.headers):
        response.headers["content-type"] = "application/json"
    return response


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; with Nagle's algorithm on, the body of every answer on a kept-alive
    # connection waited for the client's delayed ACK (tens of ms per request).
    disable_nagle_algorithm = True
    server: _HTTPServer  # pyright: ignore[reportIncompatibleVariableOverride]  # the server that made it

    def _handle(self) -> None:
        body = self._read_body()
        request = Request.build(self.command, self.path, dict(self.headers.items()), body)
        try:
            response = _finish(self.server.app(request))
        except Exception:  # a bug must not take the server down; the client sees a 500
            logger.exception("%s %s failed", self.command, self.path)
            response = _finish(Response.json(500, {"error": "internal error in the local server"}))
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.send_header("content-length", str(len(response.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)

    def _read_body(self) -> bytes:
        if self.headers.get("transfer-encoding", "").lower() == "chunked":
            chunks: list[bytes] = []
            while size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16):
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                pass
            return b"".join(chunks)
        return self.rfile.read(int(self.headers.get("content-length") or 0))

    # the names BaseHTTPRequestHandler dispatches to
    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _handle  # noqa: N815

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.log_requests:
            logger.info("%s %s", self.address_string(), format % args)


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    # The standard library's backlog of 5 stalls a client that opens a connection per request (as exospherehost
    # 0.0.3 does) as soon as more than 5 are in flight.
    request_queue_size = socket.SOMAXCONN

    def __init__(self, address: tuple[str, int], app: App, log_requests: bool) -> None:
        self.app = app
        self.log_requests = log_requests
        super().__init__(address, _Handler)


class Server:
    """A running server; `url` is where it listens. `close()` stops it (also on leaving `with`)."""

    def __init__(self, app: App, host: str = "127.0.0.1", port: int = 0, *, log_requests: bool = False) -> None:
        self._http = _HTTPServer((host, port), app, log_requests)
        address = self._http.server_address
        self.host, self.port = str(address[0]), int(address[1])
        self.url = f"http://{self.host}:{self.port}"
        self._thread = threading.Thread(target=self._http.serve_forever, name=f"local-server:{self.port}", daemon=True)
        self._thread.start()

    def serve_forever(self) -> None:
        """Block until interrupted (Ctrl-C), then stop."""
        try:
            self._thread.join()
        except KeyboardInterrupt:
            pass
        finally:
            self.close()

    def close(self) -> None:
        self._http.shutdown()
        self._http.server_close()
        self._thread.join()

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@contextmanager
def serve(app: App, host: str = "127.0.0.1", port: int = 0) -> Generator[Server, None, None]:
    """Serve `app` on host:port (port 0: a free one) for the duration of the block."""
    with Server(app, host, port) as server:
        yield server


def _response(request: httpx.Request, answer: Response) -> httpx.Response:
    answer = _finish(answer)
    return httpx.Response(answer.status, headers=answer.headers, content=answer.body, request=request)


def _request(request: httpx.Request, body: bytes) -> Request:
    return Request.build(request.method, request.url.raw_path.decode("ascii"), dict(request.headers.items()), body)


class InProcessTransport(httpx.BaseTransport):
    """An httpx transport that calls the app directly: `httpx.Client(transport=InProcessTransport(app))`."""

    def __init__(self, app: App) -> None:
        self._app = app

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return _response(request, self._app(_request(request, request.read())))


class AsyncInProcessTransport(httpx.AsyncBaseTransport):
    """The asyncio form of InProcessTransport; the app runs in a worker thread, so it never blocks the loop."""

    def __init__(self, app: App) -> None:
        self._app = app

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = await request.aread()
        answer = await asyncio.to_thread(self._app, _request(request, body))
        return _response(request, answer)
