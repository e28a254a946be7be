"""Client CPU per request on the StateManager paths: bench/request_cpu_client.py with this SDK (on each HTTP stack
it can run over, a client per call and pooled) and with exospherehost 0.0.3, each against a fresh
bench/counting_server.py in its own process. The client reads its own CPU (user + sys, `resource.getrusage`) around
each batch of calls; the server counts the requests they made. Rounds go through the clients in turn; the median
counts."""

from __future__ import annotations

import importlib.util
import statistics
import sys
from pathlib import Path

from results import Check, Section
from served import KEY, counting_server, run_json

CLIENT = Path(__file__).parent / "request_cpu_client.py"
CALLS = 1_000
IN_FLIGHT = 16
ROUNDS = 3
CPU_SHARE = 0.5
DEFAULT = "default"
OURS = {
    "default": "this SDK, a connection pool per call (the drop-in use; aiohttp, the default stack)",
    "default-pooled": "this SDK, `async with manager:` (one aiohttp pool for all calls)",
    "httpx-pooled": "this SDK over httpx's own stack (`http_transport=httpx.AsyncHTTPTransport()`), `async with`",
    "httpx2-pooled": "this SDK on httpx2 (`httpx2.alias_httpx()`, the same), `async with`",
}
ORIGINAL = "exospherehost 0.0.3 (a new aiohttp session per call)"
OPERATIONS = ("upsert_graph", "trigger", "get_graph")


def available(client: str) -> bool:
    modules = {"httpx2": "httpx2"}
    return all(importlib.util.find_spec(module) is not None for prefix, module in modules.items()
               if client.startswith(prefix))  # fmt: skip


def one_round(python: str, client: str, ours: bool) -> dict[str, dict[str, float]]:
    with counting_server() as server:
        command = [python, str(CLIENT), server.url, KEY, str(CALLS), str(IN_FLIGHT), client]
        measured: dict[str, dict[str, float]] = run_json(command, ours)
    return measured


def measure(original_python: str | None) -> Section:
    clients = [(label, sys.executable, client, True) for client, label in OURS.items() if available(client)]
    if original_python:
        clients.append((ORIGINAL, original_python, "original", False))
    rounds: dict[str, list[dict[str, dict[str, float]]]] = {label: [] for label, *_ in clients}
    for _ in range(ROUNDS):
        for label, python, client, ours in clients:
            rounds[label].append(one_round(python, client, ours))
    per_call = {label: {op: statistics.median(r[op]["cpu"] / r[op]["calls"] for r in measured) for op in OPERATIONS}
                for label, measured in rounds.items()}  # fmt: skip
    per_request = {label: {op: statistics.median(r[op]["cpu"] / r[op]["requests"] for r in measured)
                           for op in OPERATIONS} for label, measured in rounds.items()}  # fmt: skip
    requests = {label: {op: statistics.median(r[op]["requests"] / r[op]["calls"] for r in measured)
                        for op in OPERATIONS} for label, measured in rounds.items()}  # fmt: skip
    section = Section(
        "Client CPU per request",
        f"`StateManager` calls, {CALLS:,} of each with {IN_FLIGHT} in flight, against a fresh in-memory local state "
        "manager in its own process (bench/counting_server.py): the client process's CPU (user + sys, "
        "`resource.getrusage`, after a warm-up) per call and per request the server counted (`upsert_graph` "
        "sends the graph, then polls `get_graph` with `polling_interval=0` until the server has verified it). "
        f"Median of {ROUNDS} rounds, the clients taking turns. The same client script runs both packages.",
        ["client", "call", "requests / call", "CPU ms / call", "CPU ms / request", "CPU / request vs 0.0.3"],
    )
    original = per_request.get(ORIGINAL)
    for label in rounds:
        for op in OPERATIONS:
            row = [label, f"`{op}`", f"{requests[label][op]:.2f}", f"{per_call[label][op] * 1e3:.3f}",
                   f"{per_request[label][op] * 1e3:.3f}", ""]  # fmt: skip
            if original and label != ORIGINAL:
                share = per_request[label][op] / original[op]
                target = CPU_SHARE if label == OURS[DEFAULT] else None
                check = Check(f"CPU per request, `{op}`: {label} / 0.0.3", share, target, at_most=True, group="cpu")
                section.checks.append(check)
                row[5] = check.describe()
            section.rows.append(row)
    return section
