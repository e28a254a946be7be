"""A real HTTP server on 127.0.0.1 that injects faults: resets, error statuses with Retry-After, slow and malformed
answers. It records every try it receives and processes each idempotency key at most once, as a careful server would."""

from __future__ import annotations

import random
import socket
import struct
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal

FaultKind = Literal["ok", "reset_before", "reset_after", "status", "slow", "drip", "malformed"]


@dataclass(frozen=True)
class Fault:
    """What the server does with one try.

    ok: process and answer; reset_before: drop the connection unprocessed; reset_after: process, then drop the
    connection before answering; status: answer `status` unprocessed; slow: wait `delay` s, then process and answer;
    drip: process, then send the answer one byte every `delay` s; malformed: process and answer 200 with a body
    that is not JSON.
    """

    kind: FaultKind = "ok"
    status: int = 503
    body: bytes = b'{"error": "injected fault"}'
    headers: tuple[tuple[str, str], ...] = ()
    delay: float = 0.0


OK = Fault()


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    at: float
    peer: tuple[str, int]
    raw_header_names: list[str]


Responder = Callable[[Received], tuple[int, bytes]]


def echo(received: Received) -> tuple[int, bytes]:
    return 200, received.body or b"{}"


@dataclass
class FaultServer:
    """Faults come from `script` first (one per try, in order), then from `chooser`, else every try is OK."""

    respond: Responder = echo
    script: list[Fault] = field(default_factory=list)
    chooser: Callable[[Received], Fault] | None = None
    tries: list[Received] = field(default_factory=list)
    processed: Counter[str] = field(default_factory=Counter)
    answers: dict[str, tuple[int, bytes]] = field(default_factory=dict)
    url: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def fault_for(self, received: Received) -> Fault:
        with self.lock:
            self.tries.append(received)
            if self.script:
                return self.script.pop(0)
        return self.chooser(received) if self.chooser else OK

    def process(self, received: Received) -> tuple[int, bytes]:
        """Answer a try; a key already processed gets its first answer again without being processed twice."""
        key = received.headers.get("idempotency-key")
        with self.lock:
            if key is not None and key in self.answers:
                return self.answers[key]
            answer = self.respond(received)
            self.processed[key or f"unkeyed-{len(self.tries)}"] += 1
            if key is not None:
                self.answers[key] = answer
            return answer


def random_faults(rate: float, seed: int, max_per_key: int, faults: list[Fault]) -> Callable[[Received], Fault]:
    """Fail `rate` of tries with one of `faults`, from a seeded RNG, but never one key more than `max_per_key` times."""
    rng = random.Random(seed)
    failed: Counter[str] = Counter()
    lock = threading.Lock()

    def choose(received: Received) -> Fault:
        key = received.headers.get("idempotency-key", "")
        with lock:
            if failed[key] < max_per_key and rng.random() < rate:
                failed[key] += 1
                return rng.choice(faults)
        return OK

    return choose


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    state: FaultServer

    def _handle(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        received = Received(
            self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, self.rfile.read(length),
            time.monotonic(), self.client_address, [name.lower() for name in self.headers],
        )  # fmt: skip
        fault = self.state.fault_for(received)
        if fault.kind == "reset_before":
            return self._reset()
        if fault.kind == "status":
            return self._answer(fault.status, fault.body, fault.headers)
        if fault.kind == "slow":
            time.sleep(fault.delay)
        status, body = self.state.process(received)
        if fault.kind == "reset_after":
            return self._reset()
        if fault.kind == "malformed":
            status, body = 200, b'{"traversalId": "01J'
        self._answer(status, body, fault.headers, drip=fault.delay if fault.kind == "drip" else 0.0)

    do_GET = do_POST = do_PUT = do_DELETE = _handle  # noqa: N815 - the names http.server dispatches to

    def _answer(self, status: int, body: bytes, headers: tuple[tuple[str, str], ...], drip: float = 0.0) -> None:
        try:
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.send_header("x-request-id", "req-" + str(len(self.state.tries)))
            for name, value in headers:
                self.send_header(name, value)
            self.end_headers()
            if not drip:
                self.wfile.write(body)
            for index in range(len(body) if drip else 0):
                self.wfile.write(body[index : index + 1])
                self.wfile.flush()
                time.sleep(drip)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def _reset(self) -> None:
        """Close the connection with a TCP reset: the client sees it break with no answer."""
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True
        self.connection.close()

    def log_message(self, format: str, *args: Any) -> None:
        pass


def unused_port() -> int:
    """A port of 127.0.0.1 that nothing listens on (it was free a moment ago)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@contextmanager
def running(state: FaultServer) -> Iterator[FaultServer]:
    """Serve `state` on a free port of 127.0.0.1 until the block ends."""
    handler = type("Handler", (_Handler,), {"state": state})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()
