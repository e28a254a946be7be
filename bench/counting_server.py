"""A local state manager (`exospherehost.local.LocalStateManager`, in memory) in its own process, counting what it
serves, for the benchmarks that measure a client's CPU: bench/request_cpu.py and bench/runtime_throughput.py.

usage: counting_server.py KEY RUNS

It registers the benchmark's node (`Echo`, one string in, one out), upserts `echo` (a one-node graph) and, when RUNS
> 0, triggers RUNS runs of it, all in process before it listens; then it prints its URL and serves. On stdout it
also prints `claimed` when a state is first handed to a worker and `done {...}` when RUNS states have been reported
executed: the seconds between the two and this process's CPU seconds (user + sys, `resource.getrusage`) spent in
between. `GET /bench/stats` answers the requests served so far by route, and this process's CPU seconds."""

from __future__ import annotations

import json
import resource
import socket
import socketserver
import sys
import threading
import time
from typing import Any

import httpx

from exospherehost.local import LocalStateManager
from sdkcore.local.database import MEMORY
from sdkcore.local.http import InProcessTransport, Request, Response, Server

NAMESPACE = "bench"
GRAPH = "echo"
STRING = {"type": "string"}
NODE = {"name": "Echo", "namespace": NAMESPACE, "secrets": [],
        "inputs_schema": {"type": "object", "properties": {"x": STRING}, "required": ["x"]},
        "outputs_schema": {"type": "object", "properties": {"y": STRING}, "required": ["y"]}}  # fmt: skip
ECHO_GRAPH = {"secrets": {}, "nodes": [{"node_name": "Echo", "namespace": NAMESPACE, "identifier": "echo",
                                        "inputs": {"x": "seed"}, "next_nodes": []}]}  # fmt: skip


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def route(request: Request) -> str:
    """The route's name: the method and the path with its namespace, graph and state ids left out."""
    parts = request.segments
    if parts[:2] == ("v0", "namespace") and len(parts) >= 4:
        kind, rest = parts[3], parts[4:]
        named = {"graph": 1, "state": 1}.get(kind, 0)
        return " ".join([request.method, kind, *rest[named:]]).strip()
    return f"{request.method} {request.path}"


class Counting:
    """Serves `app`, counting requests by route; notes the first claim that hands out a state and the moment
    `expected` states have been reported executed."""

    def __init__(self, app: LocalStateManager, expected: int) -> None:
        self._app = app
        self._expected = expected
        self._lock = threading.Lock()
        self.counts: dict[str, int] = {}
        self._executed = 0
        self._claimed: tuple[float, float] | None = None

    def __call__(self, request: Request) -> Response:
        if request.path == "/bench/stats":
            with self._lock:
                return Response.json(200, {"requests": self.counts, "cpu": cpu_seconds()})
        response = self._app(request)
        name = route(request)
        with self._lock:
            self.counts[name] = self.counts.get(name, 0) + 1
            if name == "POST states enqueue" and self._claimed is None and json.loads(response.body)["states"]:
                self._claimed = (time.perf_counter(), cpu_seconds())
                print("claimed", flush=True)
            if name == "POST state executed" and response.status == 200:
                self._executed += 1
                if self._executed == self._expected and self._claimed is not None:
                    self._done()
        return response

    def _done(self) -> None:
        assert self._claimed is not None
        started, cpu = self._claimed
        summary: dict[str, Any] = {"seconds": time.perf_counter() - started, "server_cpu": cpu_seconds() - cpu,
                                   "states": self._executed, "requests": dict(self.counts)}  # fmt: skip
        print("done " + json.dumps(summary), flush=True)


def prepare(manager: LocalStateManager, key: str, runs: int) -> None:
    """Register the node, upsert the graph, wait for its verification, trigger `runs` runs: all in process."""
    with httpx.Client(transport=InProcessTransport(manager), base_url="http://in-process",
                      headers={"x-api-key": key}) as client:  # fmt: skip
        client.put(f"/v0/namespace/{NAMESPACE}/nodes/", json={"runtime_name": "bench", "runtime_namespace": NAMESPACE,
                                                              "nodes": [NODE]}).raise_for_status()  # fmt: skip
        client.put(f"/v0/namespace/{NAMESPACE}/graph/{GRAPH}", json=ECHO_GRAPH).raise_for_status()
        manager.wait_until_verified()
        for _ in range(runs):
            client.post(f"/v0/namespace/{NAMESPACE}/graph/{GRAPH}/trigger", json={"inputs": {}}).raise_for_status()


def main() -> None:
    key, runs = sys.argv[1], int(sys.argv[2])
    manager = LocalStateManager(MEMORY, api_key=key)
    prepare(manager, key, runs)
    # The standard library listens with a backlog of 5: a client opening a connection per request (exospherehost
    # 0.0.3 does, with a new aiohttp session per call) with more in flight than that has SYNs dropped, and waits
    # for their retransmission. The server in production listens with a longer queue.
    socketserver.TCPServer.request_queue_size = socket.SOMAXCONN
    server = Server(Counting(manager, runs))
    print(f"listening on {server.url}", flush=True)
    try:
        server.serve_forever()
    finally:
        manager.close()


if __name__ == "__main__":
    main()
