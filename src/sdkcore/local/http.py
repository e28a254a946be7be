"""A local server's HTTP layer: an `App` answers a `Request` with a `Response` (`app.py`); `serve()` puts it on a
TCP port (a thread per connection, HTTP/1.1 keep-alive) and `InProcessTransport` / `AsyncInProcessTransport`
(`in_process.py`) hand it to an httpx client with no socket at all. Every name is importable from here.

On a port, what a connection may do is bounded by `Limits` (`limits.py`: body size, header, body and keep-alive
timeouts, the number of connections served at once). Past a limit, or for a request the server cannot read (a bad
`Content-Length` or chunk size), the server answers in the app's error style (`errors=`, a JSON body) and closes
the connection. An app that can refuse a request from its head alone (a missing API key) gives `early=`: the
refusal is sent before the body is read. Binding beyond loopback logs a warning (`Server.exposed`)."""

from __future__ import annotations

import contextlib
import dataclasses
import io
import ipaddress
import logging
import re
import selectors
import socket
import threading
import time
from collections.abc import Callable, Generator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

from sdkcore.local.app import App, Early, ErrorBody, Request, Response, error_body, finish
from sdkcore.local.in_process import AsyncInProcessTransport, InProcessTransport
from sdkcore.local.limits import Limits, nesting_exceeds

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

__all__ = [
    "App",
    "AsyncInProcessTransport",
    "Early",
    "ErrorBody",
    "InProcessTransport",
    "Limits",
    "Request",
    "Response",
    "Server",
    "error_body",
    "is_loopback",
    "nesting_exceeds",
    "serve",
]

logger = logging.getLogger("sdkcore.local")


def is_loopback(host: str) -> bool:
    """Whether `host` (a name or an address) is this machine only: it resolves, and only to loopback addresses.
    "" and 0.0.0.0 (every interface) are not."""
    if not host:
        return False
    try:
        found = {info[4][0] for info in socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)}
    except (OSError, UnicodeError):
        return False
    try:
        return bool(found) and all(ipaddress.ip_address(str(address)).is_loopback for address in found)
    except ValueError:
        return False


_CHUNK = 1 << 16
_LINE = 4096  # the longest chunk-size or trailer line read
_MAX_TRAILERS = 100
_LINGER = 2.0
"""Seconds an answer sent before its request's body was read waits, draining what the client still sends, before
the connection closes: closing with unread data resets the connection, and the client could lose the answer."""
_MAX_REFUSING = 256  # refused connections draining at once (file descriptors: served ones, these, the database)
_REFUSAL_LINGER = 1.0
_CHUNKED = -1
_HUGE = 10**18
_DIGITS = re.compile(r"[0-9]+")
_HEX = re.compile(rb"[0-9A-Fa-f]+")
_INTERNAL = "internal error in the local server"


def _encode(response: Response, *, close: bool, head_only: bool = False, date: str | None = None) -> bytes:
    response = finish(response)
    reason = BaseHTTPRequestHandler.responses.get(response.status, ("",))[0]
    lines = [f"HTTP/1.1 {response.status} {reason}"]
    lines += [f"{name}: {value}" for name, value in response.headers.items()]
    if date is not None:
        lines.append(f"date: {date}")
    lines.append(f"content-length: {len(response.body)}")
    if close:
        lines.append("connection: close")
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", "replace")
    return head if head_only else head + response.body


def _linger(connection: socket.socket, seconds: float = _LINGER) -> None:
    """Half-close the connection, then read and drop what the client still sends, for at most `seconds`."""
    sink = bytearray(_CHUNK)
    try:
        connection.shutdown(socket.SHUT_WR)
        deadline = time.monotonic() + seconds
        while (remaining := deadline - time.monotonic()) > 0:
            connection.settimeout(remaining)
            if not connection.recv_into(sink):
                return
    except OSError:
        return


class _Deadline(io.RawIOBase):
    """The connection's socket as read under a deadline (`time.monotonic()`): a read past it raises TimeoutError,
    however the bytes trickle in."""

    def __init__(self, connection: socket.socket) -> None:
        super().__init__()
        self._connection = connection
        self.deadline = 0.0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: WriteableBuffer, /) -> int:
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("timed out")
        self._connection.settimeout(remaining)
        return self._connection.recv_into(memoryview(buffer).cast("B"))


class _GoneError(Exception):
    """The client closed the connection before its request was complete."""


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in one write; with Nagle's algorithm on, an answer on a kept-alive connection could
    # wait for the client's delayed ACK (tens of ms per request).
    disable_nagle_algorithm = True
    server: _HTTPServer  # pyright: ignore[reportIncompatibleVariableOverride]  # the server that made it

    def setup(self) -> None:
        super().setup()
        self.rfile.close()
        self._reader = _Deadline(self.connection)
        self._buffered = io.BufferedReader(self._reader, _CHUNK)
        self.rfile = self._buffered
        self._requests = 0
        self._expect_continue = False
        self._received = False

    def handle_one_request(self) -> None:
        """One request: wait for its first byte (on a kept-alive connection at most `idle_timeout`), read its head
        within `header_timeout`, then answer it (see `_handle`)."""
        limits = self.server.limits
        self.command, self.requestline, self.request_version = "", "", "HTTP/1.1"
        self._expect_continue = self._received = False
        self._reader.deadline = time.monotonic() + (limits.idle_timeout if self._requests else limits.header_timeout)
        try:
            if not self._buffered.peek(1):
                self.close_connection = True
                return
            self._received = True
            if self._requests:
                self._reader.deadline = time.monotonic() + limits.header_timeout
            self._requests += 1
            self.raw_requestline = self.rfile.readline(65537)
            if len(self.raw_requestline) > 65536:
                self.send_error(414, "the request line is longer than 65536 bytes")
                return
            if not self.parse_request():  # it answered the error
                return
            handler: Callable[[], None] | None = getattr(self, f"do_{self.command}", None)
            if handler is None:
                self.send_error(501, f"method {self.command!r} is not supported")
                return
            handler()
        except TimeoutError:
            self._timed_out()
        except _GoneError:
            self.close_connection = True
        except OSError:  # the client went away
            self.close_connection = True

    def _timed_out(self) -> None:
        self.close_connection = True
        if not self._received:  # an idle connection: nothing to answer
            return
        limits = self.server.limits
        message = (f"the request did not arrive in time (header_timeout {limits.header_timeout} s, body_timeout "
                   f"{limits.body_timeout} s)")  # fmt: skip
        self.log_message("%s", message)
        try:
            self.connection.settimeout(1.0)
            self.wfile.write(_encode(self.server.errors(408, message), close=True, date=self.date_time_string()))
        except OSError:
            pass

    def handle_expect_100(self) -> bool:
        self._expect_continue = True  # "100 Continue" is sent once the head is accepted (see _handle)
        return True

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """The handler's own errors (a bad request line, too long or too many headers), in the app's style."""
        text = message or self.responses.get(code, ("error",))[0]
        self.log_message("%s", f"{code} {text}")
        self._send(self.server.errors(code, text), close=True, linger=True)

    def _send(self, response: Response, *, close: bool = False, linger: bool = False) -> None:
        if close:
            self.close_connection = True
        self.connection.settimeout(self.server.limits.body_timeout)
        data = _encode(response, close=self.close_connection, head_only=self.command == "HEAD",
                       date=self.date_time_string())  # fmt: skip
        self.wfile.write(data)
        if self.requestline:
            self.log_request(response.status, len(response.body))
        if linger:
            _linger(self.connection)

    def _call(self, app: Callable[[Request], Response | None], request: Request) -> Response | None:
        try:
            return app(request)
        except Exception:  # a bug must not take the server down; the client sees a 500
            logger.exception("%s %s failed", self.command, self.path)
            return self.server.errors(500, _INTERNAL)

    def _handle(self) -> None:
        """Check the framing (Content-Length or chunked), let `early` refuse from the head, check the size, read
        the body within `body_timeout`, then answer with the app."""
        server = self.server
        framing = self._framing()
        head = Request.build(self.command, self.path, dict(self.headers.items()), b"")
        if framing and not isinstance(framing, Response) and server.early is not None:
            early = self._call(server.early, head)
            if early is not None:  # the body stays unread: the connection closes after the answer
                framing = early
        limit = server.limits.max_body_bytes
        if isinstance(framing, int) and framing > limit:
            size = f"{framing} bytes" if framing < _HUGE else "over 10**18 bytes"
            framing = server.errors(413, f"the request body ({size}) is larger than this server accepts "
                                         f"(max_body_bytes {limit})")  # fmt: skip
        if isinstance(framing, Response):
            self._send(framing, close=True, linger=not self._expect_continue)
            return
        if framing and self._expect_continue:
            self.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        self._reader.deadline = time.monotonic() + server.limits.body_timeout
        body = self._read_chunked() if framing == _CHUNKED else self._read(framing)
        if isinstance(body, Response):
            self._send(body, close=True, linger=True)
            return
        response = self._call(server.app, dataclasses.replace(head, body=body))
        self._send(response or server.errors(500, _INTERNAL))

    def _framing(self) -> int | Response:
        """The body's length (0: none; `_HUGE` for more than 18 digits), `_CHUNKED`, or the answer refusing it
        (400, 501)."""
        errors = self.server.errors
        codings = self.headers.get_all("transfer-encoding") or []
        lengths = self.headers.get_all("content-length") or []
        if codings:
            coding = ", ".join(codings).strip().lower()
            if lengths:
                return errors(400, "a request must not have both Transfer-Encoding and Content-Length")
            if coding != "chunked":
                return errors(501, f"Transfer-Encoding {coding!r} is not supported (only chunked)")
            return _CHUNKED
        values = {value.strip() for header in lengths for value in header.split(",")}
        if not values:
            return 0
        (text, *others) = values
        if others or not _DIGITS.fullmatch(text):
            return errors(400, f"invalid Content-Length: {', '.join(lengths)!r}")
        return int(text) if len(text) <= 18 else _HUGE

    def _read(self, length: int) -> bytes:
        parts: list[bytes] = []
        while length:
            part = self.rfile.read(min(length, _CHUNK))
            if not part:
                raise _GoneError
            parts.append(part)
            length -= len(part)
        return b"".join(parts)

    def _read_chunked(self) -> bytes | Response:
        errors, limit = self.server.errors, self.server.limits.max_body_bytes
        parts: list[bytes] = []
        total = 0
        while True:
            line = self._line()
            if len(line) > _LINE:
                return errors(400, f"a chunk-size line is longer than {_LINE} bytes")
            size_text = line.split(b";", 1)[0].strip()
            if not _HEX.fullmatch(size_text):
                return errors(400, f"invalid chunk size {size_text[:40].decode('latin-1')!r}")
            size = int(size_text, 16) if len(size_text) <= 16 else limit + 1
            if not size:
                break
            total += size
            if total > limit:
                return errors(413, f"the request body (over {limit} bytes in chunks) is larger than this server "
                                   f"accepts (max_body_bytes {limit})")  # fmt: skip
            parts.append(self._read(size))
            end = self.rfile.read(1)
            if end == b"\r":
                end = self.rfile.read(1)
            if end != b"\n":
                return errors(400, "a chunk is not followed by CRLF")
        for _ in range(_MAX_TRAILERS):
            line = self._line()
            if line in (b"\r\n", b"\n"):
                return b"".join(parts)
            if len(line) > _LINE:
                return errors(400, f"a trailer field is longer than {_LINE} bytes")
        return errors(400, f"more than {_MAX_TRAILERS} trailer fields")

    def _line(self) -> bytes:
        line = self.rfile.readline(_LINE + 1)
        if not line:
            raise _GoneError
        return line

    # the names BaseHTTPRequestHandler dispatches to
    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _handle  # noqa: N815

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.log_requests:
            logger.info("%s %s", self.address_string(), format % args)


class _Refusals:
    """The connections beyond `max_connections`. Each is sent its 503 at once (by the accepting thread); then one
    thread drains each and closes it, when the client closes or after `_REFUSAL_LINGER` s, so that the client reads
    the answer rather than a reset. At most `_MAX_REFUSING` wait at once; past that a connection is closed at once."""

    def __init__(self) -> None:
        self._selector = selectors.DefaultSelector()
        self._wake, self._woken = socket.socketpair()
        for end in (self._wake, self._woken):
            end.setblocking(False)
        self._selector.register(self._woken, selectors.EVENT_READ, None)
        self._lock = threading.Lock()
        self._incoming: list[socket.socket] = []
        self._count = 0  # waiting or incoming, under _lock
        self._closed = False
        self._deadlines: dict[socket.socket, float] = {}  # the thread's own
        self._thread = threading.Thread(target=self._run, name="local-server-refusals", daemon=True)
        self._thread.start()

    def refuse(self, connection: socket.socket, answer: bytes) -> None:
        try:
            connection.setblocking(False)
            connection.send(answer)  # a new connection's send buffer holds it whole
            connection.shutdown(socket.SHUT_WR)
        except OSError:
            connection.close()
            return
        with self._lock:
            if self._closed or self._count >= _MAX_REFUSING:
                connection.close()
                return
            self._count += 1
            self._incoming.append(connection)
        self._signal()

    def _signal(self) -> None:
        with contextlib.suppress(OSError):
            self._wake.send(b"\0")

    def _run(self) -> None:
        sink = bytearray(_CHUNK)
        while True:
            now = time.monotonic()
            wait = min(self._deadlines.values(), default=now + 60.0) - now
            for key, _ in self._selector.select(max(wait, 0.0)):
                connection: socket.socket | None = key.data
                if connection is None:
                    with contextlib.suppress(OSError):
                        self._woken.recv(4096)
                    continue
                try:
                    received = connection.recv_into(sink)
                except BlockingIOError:
                    continue
                except OSError:
                    received = 0
                if not received:
                    self._drop(connection)
            with self._lock:
                incoming, self._incoming, closed = self._incoming, [], self._closed
            now = time.monotonic()
            for connection in incoming:
                self._deadlines[connection] = now + _REFUSAL_LINGER
                self._selector.register(connection, selectors.EVENT_READ, connection)
            for connection in [waiting for waiting, due in self._deadlines.items() if closed or due <= now]:
                self._drop(connection)
            if closed:
                self._selector.close()
                self._wake.close()
                self._woken.close()
                return

    def _drop(self, connection: socket.socket) -> None:
        self._selector.unregister(connection)
        del self._deadlines[connection]
        connection.close()
        with self._lock:
            self._count -= 1

    def close(self) -> None:
        with self._lock:
            self._closed = True
        self._signal()
        self._thread.join(timeout=5)


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    # The standard library's backlog of 5 stalls a client that opens a connection per request (as exospherehost
    # 0.0.3 does) as soon as more than 5 are in flight.
    request_queue_size = socket.SOMAXCONN

    def __init__(self, address: tuple[str, int], app: App, log_requests: bool, limits: Limits,
                 early: Early | None, errors: ErrorBody) -> None:  # fmt: skip
        self.app = app
        self.log_requests = log_requests
        self.limits = limits
        self.early = early
        self.errors = errors
        self._counting = threading.Lock()
        self.active = 0
        """Connections being served."""
        super().__init__(address, _Handler)
        self.refusals = _Refusals()

    def process_request(self, request: socket.socket | tuple[bytes, socket.socket], client_address: Any) -> None:
        with self._counting:
            admitted = self.active < self.limits.max_connections
            self.active += admitted
        if not admitted:
            self._refuse(request)
            return
        try:
            super().process_request(request, client_address)
        except BaseException:  # the thread did not start
            with self._counting:
                self.active -= 1
            raise

    def process_request_thread(self, request: socket.socket | tuple[bytes, socket.socket],
                               client_address: Any) -> None:  # fmt: skip
        try:
            super().process_request_thread(request, client_address)
        finally:
            with self._counting:
                self.active -= 1

    def _refuse(self, request: socket.socket | tuple[bytes, socket.socket]) -> None:
        if not isinstance(request, socket.socket):
            self.shutdown_request(request)
            return
        limit = self.limits.max_connections
        response = finish(self.errors(503, f"the server is busy: it serves {limit} connections at once "
                                            "(max_connections); retry shortly"))  # fmt: skip
        response.headers.setdefault("retry-after", "1")
        self.refusals.refuse(request, _encode(response, close=True))

    def handle_error(self, request: socket.socket | tuple[bytes, socket.socket], client_address: Any) -> None:
        logger.exception("the connection from %s failed", client_address)


class Server:
    """A running server; `url` is where it listens. `close()` stops it (also on leaving `with`).

    `limits` bound what a connection may do (`Limits()` by default), `errors` words the server's own answers
    (`{"error": message}` by default), `early` may refuse a request from its head, before its body is read."""

    def __init__(
        self,
        app: App,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        log_requests: bool = False,
        limits: Limits | None = None,
        early: Early | None = None,
        errors: ErrorBody = error_body,
    ) -> None:
        self.limits = limits or Limits()
        self._http = _HTTPServer((host, port), app, log_requests, self.limits, early, errors)
        address = self._http.server_address
        self.host, self.port = str(address[0]), int(address[1])
        self.url = f"http://{self.host}:{self.port}"
        self.exposed = not is_loopback(self.host)
        """Whether the server listens beyond this machine (it logged a warning)."""
        if self.exposed:
            logger.warning("WARNING: listening on %s:%d, beyond this machine: whoever reaches it can call it. A local "
                           "server is for development: no TLS, data and secrets kept in plain text.",
                           self.host, self.port)  # fmt: skip
        self._thread = threading.Thread(target=self._http.serve_forever, name=f"local-server:{self.port}", daemon=True)
        self._thread.start()

    @property
    def connections(self) -> int:
        """Connections being served now."""
        return self._http.active

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
        self._http.refusals.close()
        self._thread.join()

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@contextmanager
def serve(app: App, host: str = "127.0.0.1", port: int = 0, *, limits: Limits | None = None, early: Early | None = None,
          errors: ErrorBody = error_body) -> Generator[Server, None, None]:  # fmt: skip
    """Serve `app` on host:port (port 0: a free one) for the duration of the block."""
    with Server(app, host, port, limits=limits, early=early, errors=errors) as server:
        yield server
