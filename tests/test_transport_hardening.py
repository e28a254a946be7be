"""Issue 17, points 2, 3 and 5, against raw HTTP servers on 127.0.0.1 written here: the deadline holds while an
answer's headers drip in, answer bodies are read only up to a cap (an error's excerpt, a success's limit, counted
after gzip), and a redirect to another origin never carries the API key. Every stack: the blocking transport's
own pool and a client of the caller's, aiohttp and a caller's `httpx.AsyncClient`."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import gzip
import json
import socket
import struct
import threading
import time
import tracemalloc
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

import sdkcore.errors
from exospherehost import errors
from exospherehost._api import PROFILE
from exospherehost._wire import operations
from sdkcore import AsyncTransport, RetryConfig, SyncTransport

KEY = "hardening-key-0123456789"
FAST = RetryConfig(initial_delay=0.01, max_delay=0.05)
MIB = 1024 * 1024
NAMESPACES = b'{"namespaces": [], "count": 0}'
MODES = ["sync", "sync-client", "async", "async-client"]
"""The transport's own stack (blocking: httpx over its deadline-bounded pool; asyncio: aiohttp), and the same
transport over a client the caller passes in."""


@dataclass
class Seen:
    """One request a server read: its request line and headers (lower-case names)."""

    line: str
    headers: dict[str, str]


Answer = Callable[[socket.socket, Seen, "RawServer"], None]


@dataclass
class RawServer:
    """A raw HTTP/1.1 server thread on 127.0.0.1: it reads each connection's request head, then `answer` writes
    whatever it likes and the connection is closed. `sent` counts the body bytes each connection got out before
    the peer left. It stops when its `with` block ends (an answer that takes long checks `stopping`)."""

    answer: Answer
    seen: list[Seen] = field(default_factory=list)
    sent: list[int] = field(default_factory=list)
    stopping: threading.Event = field(default_factory=threading.Event)
    url: str = ""

    def __post_init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.1)
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}"
        self._threads = [threading.Thread(target=self._accept, daemon=True)]

    def __enter__(self) -> RawServer:
        self._threads[0].start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()
        for thread in list(self._threads):
            thread.join(timeout=5)
        self._listener.close()

    def _accept(self) -> None:
        while not self.stopping.is_set():
            try:
                connection, _ = self._listener.accept()
            except TimeoutError:
                continue
            thread = threading.Thread(target=self._serve, args=(connection,), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _serve(self, connection: socket.socket) -> None:
        with connection:
            connection.settimeout(10)
            head = b""
            while b"\r\n\r\n" not in head:
                part = connection.recv(65536)
                if not part:
                    return
                head += part
            line, *lines = head.split(b"\r\n\r\n")[0].decode("latin-1").split("\r\n")
            headers = {name.strip().lower(): value.strip() for name, value in (item.split(":", 1) for item in lines)}
            self.seen.append(Seen(line, headers))
            with contextlib.suppress(OSError):  # the client left: what a bounded reader does
                self.answer(connection, self.seen[-1], self)


def send_body(connection: socket.socket, server: RawServer, size: int) -> None:
    """`size` bytes of `x`, 64 KiB at a time from one buffer (so the server allocates nothing as it goes),
    counting what got out before the client closed."""
    block = b"x" * 65536
    index = len(server.sent)
    server.sent.append(0)
    while server.sent[index] < size and not server.stopping.is_set():
        connection.sendall(block)
        server.sent[index] += len(block)


def call(mode: str, url: str, *, follow_redirects: bool = False, **settings: Any) -> httpx.Response:
    """One Exosphere call (`GET /v0/namespaces`, key in `x-api-key`) through `mode`'s stack."""
    settings = {"profile": PROFILE, "api_key": KEY, "retry": FAST, **settings}
    if mode.startswith("sync"):
        client = httpx.Client(follow_redirects=follow_redirects) if mode == "sync-client" else None
        try:
            with SyncTransport(url, http_client=client, **settings) as transport:
                return transport.send(operations.LIST_NAMESPACES, params={"version": "v0"})
        finally:
            if client is not None:
                client.close()

    async def run() -> httpx.Response:
        client = httpx.AsyncClient(follow_redirects=follow_redirects) if mode == "async-client" else None
        try:
            async with AsyncTransport(url, http_client=client, **settings) as transport:
                return await transport.send(operations.LIST_NAMESPACES, params={"version": "v0"})
        finally:
            if client is not None:
                await client.aclose()

    return asyncio.run(run())


@contextmanager
def peak_memory() -> Iterator[list[int]]:
    """The peak of Python's allocations (every thread's) inside the block, in bytes, as the list's one item."""
    peak: list[int] = []
    tracemalloc.start()
    try:
        yield peak
    finally:
        peak.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()


# Point 2: the deadline holds in every phase of a call.


def drip_headers(connection: socket.socket, seen: Seen, server: RawServer) -> None:
    """A status line, then one header line every 0.3 s for up to 20 s: each read gets data well within any
    timeout, so only a deadline ends it."""
    connection.sendall(b"HTTP/1.1 200 OK\r\n")
    for number in range(66):
        if server.stopping.wait(0.3):
            return
        connection.sendall(b"x-drip-%d: y\r\n" % number)
    connection.sendall(b"content-length: %d\r\n\r\n%s" % (len(NAMESPACES), NAMESPACES))


@pytest.mark.parametrize("mode", MODES)
def test_the_deadline_ends_a_call_whose_headers_drip(mode: str) -> None:
    with RawServer(drip_headers) as server:
        started = time.monotonic()
        with pytest.raises(errors.APITimeoutError, match=r"deadline of 2\.0 s passed") as caught:
            call(mode, server.url, deadline=2.0, timeout=30.0)
        took = time.monotonic() - started
    assert took < 3.0  # the deadline plus a margin; without the fix, the 20 s the server drips
    assert isinstance(caught.value, sdkcore.APITimeoutError)
    assert len(server.seen) == 1  # no retry once the deadline has passed


# Point 3: bounded bodies.


def huge_error(connection: socket.socket, seen: Seen, server: RawServer) -> None:
    size = 100 * MIB
    connection.sendall(b"HTTP/1.1 500 Internal Server Error\r\ncontent-type: text/plain\r\n"
                       b"content-length: %d\r\n\r\n" % size)  # fmt: skip
    send_body(connection, server, size)


@pytest.mark.parametrize("mode", MODES)
def test_a_100_mb_error_body_is_read_only_up_to_the_excerpt(mode: str) -> None:
    with RawServer(huge_error) as server, peak_memory() as peak, pytest.raises(errors.InternalServerError) as caught:
        call(mode, server.url, max_retries=2)
    assert caught.value.attempts == 3
    assert len(caught.value.response_text) <= 8192  # the default excerpt, max_error_bytes
    assert caught.value.response_text == "x" * 8192
    assert caught.value.server_message == caught.value.response_text
    assert peak[0] < 16 * MIB  # before the fix each try read and kept all 100 MB (+500 MB RSS over 3 tries)
    assert len(server.seen) == 3  # one connection per try: a cut answer's connection is dropped, not drained
    assert all(sent < 100 * MIB for sent in server.sent)


@functools.cache
def gzip_bomb(inflated_mib: int = 500) -> bytes:
    """A gzip body of ~500 KB inflating to `inflated_mib` MiB of zeros: one MiB deflated with a full flush (which
    resets the window, so the segment can be repeated), repeated, then the gzip trailer."""
    zeros = bytes(MIB)
    compressor = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    segment = compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH)
    crc = 0
    for _ in range(inflated_mib):
        crc = zlib.crc32(zeros, crc)
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
    trailer = struct.pack("<II", crc, (inflated_mib * MIB) & 0xFFFFFFFF)
    return header + segment * inflated_mib + compressor.flush() + trailer


def gzip_answer(status: int, body: bytes) -> Answer:
    reason = b"OK" if status == 200 else b"Error"

    def answer(connection: socket.socket, seen: Seen, server: RawServer) -> None:
        connection.sendall(b"HTTP/1.1 %d %s\r\ncontent-type: application/json\r\ncontent-encoding: gzip\r\n"
                           b"content-length: %d\r\n\r\n" % (status, reason, len(body)) + body)  # fmt: skip

    return answer


@pytest.mark.parametrize("mode", MODES)
def test_a_gzip_bomb_is_refused_with_a_typed_error_and_bounded_memory(mode: str) -> None:
    bomb = gzip_bomb()
    assert len(bomb) < 600_000
    too_large = pytest.raises(errors.ResponseTooLargeError, match=r"larger than max_response_bytes")
    with RawServer(gzip_answer(200, bomb)) as server, peak_memory() as peak, too_large as caught:
        call(mode, server.url)
    assert isinstance(caught.value, sdkcore.errors.ResponseTooLargeError)
    assert isinstance(caught.value, errors.ExosphereError)
    assert (caught.value.status_code, caught.value.limit, caught.value.attempts) == (200, 16 * MIB, 1)
    assert peak[0] < 48 * MIB  # the 16 MiB limit is inflated and kept, no more (before the fix: all 500 MB)
    assert len(server.seen) == 1  # not retried


def plain_answer(status: int, body: bytes, *headers: bytes) -> Answer:
    def answer(connection: socket.socket, seen: Seen, server: RawServer) -> None:
        head = b"".join(header + b"\r\n" for header in headers)
        connection.sendall(b"HTTP/1.1 %d X\r\ncontent-type: application/json\r\n%scontent-length: %d\r\n\r\n%s"
                           % (status, head, len(body), body))  # fmt: skip

    return answer


@pytest.mark.parametrize("mode", MODES)
def test_compressed_bodies_within_the_limits_are_decoded(mode: str) -> None:
    deflated = zlib.compress(NAMESPACES)
    raw_deflated = deflated[2:-4]  # some servers send deflate without its zlib wrapper
    for encoding, body in (("gzip", gzip.compress(NAMESPACES)), ("deflate", deflated), ("deflate", raw_deflated),
                           ("identity", NAMESPACES)):  # fmt: skip
        with RawServer(plain_answer(200, body, b"content-encoding: " + encoding.encode())) as server:
            assert json.loads(call(mode, server.url).content) == {"namespaces": [], "count": 0}
        assert server.seen[0].headers["accept-encoding"] == "gzip, deflate"
    error = json.dumps({"detail": "no such namespace", "padding": "p" * 20_000}).encode()
    with RawServer(gzip_answer(404, gzip.compress(error))) as server, pytest.raises(errors.NotFoundError) as caught:
        call(mode, server.url)
    assert caught.value.response_text == error[:8192].decode()  # the excerpt is counted decoded


def unframed_success(connection: socket.socket, seen: Seen, server: RawServer) -> None:
    """A success with no length: its body (100 MiB at most) ends when the connection does."""
    connection.sendall(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nconnection: close\r\n\r\n")
    send_body(connection, server, 100 * MIB)


@pytest.mark.parametrize("mode", MODES)
def test_the_limits_are_settings(mode: str) -> None:
    with RawServer(plain_answer(200, NAMESPACES)) as server:
        with pytest.raises(errors.ResponseTooLargeError) as caught:
            call(mode, server.url, max_response_bytes=len(NAMESPACES) - 1)
        assert caught.value.limit == len(NAMESPACES) - 1
        assert call(mode, server.url, max_response_bytes=len(NAMESPACES)).content == NAMESPACES
    with RawServer(unframed_success) as server, pytest.raises(errors.ResponseTooLargeError) as streamed:
        call(mode, server.url, max_response_bytes=64 * 1024)
    assert streamed.value.limit == 64 * 1024
    assert server.sent[0] < 100 * MIB  # counted as it streamed in, and the rest left unread
    error = plain_answer(503, b"0123456789" * 10)
    with RawServer(error) as server, pytest.raises(errors.InternalServerError) as failed:
        call(mode, server.url, max_error_bytes=25, max_retries=0)
    assert failed.value.response_text == "0123456789012345678901234"


@pytest.mark.parametrize("setting", ["max_response_bytes", "max_error_bytes"])
@pytest.mark.parametrize("value", [0, -1, 1.5, True, "1"])
def test_bad_limits_name_the_setting(setting: str, value: object) -> None:
    settings: dict[str, Any] = {setting: value}
    with pytest.raises(ValueError, match=setting):
        SyncTransport("http://127.0.0.1:9", profile=PROFILE, **settings)


# Point 5: the API key never crosses to another origin.


def ok(connection: socket.socket, seen: Seen, server: RawServer) -> None:
    connection.sendall(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nconnection: close\r\n"
                       b"content-length: %d\r\n\r\n%s" % (len(NAMESPACES), NAMESPACES))  # fmt: skip


def redirect_to(location: str) -> Answer:
    def answer(connection: socket.socket, seen: Seen, server: RawServer) -> None:
        if "/hop" in seen.line:  # the second leg of a same-origin redirect
            return ok(connection, seen, server)
        target = location or server.url + "/v0/hop"
        connection.sendall(b"HTTP/1.1 307 Temporary Redirect\r\nlocation: %s\r\nconnection: close\r\n"
                           b"content-length: 0\r\n\r\n" % target.encode())  # fmt: skip

    return answer


@pytest.mark.parametrize("mode", ["sync-client", "async-client"])
def test_a_client_that_follows_redirects_never_takes_the_key_to_another_origin(mode: str) -> None:
    with RawServer(ok) as other, RawServer(redirect_to(other.url + "/v0/namespaces")) as first:
        assert call(mode, first.url, follow_redirects=True).content == NAMESPACES
    assert first.seen[0].headers["x-api-key"] == KEY
    assert len(other.seen) == 1  # the redirect was followed
    assert "x-api-key" not in other.seen[0].headers  # httpx itself would have sent it on (it drops Authorization only)
    assert other.seen[0].headers["accept"] == "application/json"  # the rest of the request is the same

    with RawServer(redirect_to("")) as same:  # the same origin: the key stays
        assert call(mode, same.url, follow_redirects=True).content == NAMESPACES
    assert [seen.headers.get("x-api-key") for seen in same.seen] == [KEY, KEY]


@pytest.mark.parametrize("mode", MODES)
def test_the_transports_own_stacks_and_a_client_that_does_not_follow_stop_at_the_redirect(mode: str) -> None:
    with (
        RawServer(ok) as other,
        RawServer(redirect_to(other.url + "/v0/namespaces")) as first,
        pytest.raises(errors.APIStatusError) as caught,
    ):
        call(mode, first.url)
    assert caught.value.status_code == 307
    assert other.seen == []


def test_too_many_redirects_stay_a_final_error() -> None:
    with RawServer(redirect_to("")) as loop, httpx.Client(follow_redirects=True, max_redirects=3) as client:
        loop.answer = redirect_to(loop.url + "/v0/again")
        transport = SyncTransport(loop.url, profile=PROFILE, api_key=KEY, http_client=client)
        with transport, pytest.raises(errors.APIConnectionError, match="TooManyRedirects"):
            transport.send(operations.LIST_NAMESPACES, params={"version": "v0"})
    assert len(loop.seen) == 4
