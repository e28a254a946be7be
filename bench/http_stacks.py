"""HTTP stacks, per request: bench/http_stack_client.py sends the same small GET through each stack, from the bare
libraries up to this SDK's transport, each in a fresh interpreter against its own bench/counting_server.py. Where
the CPU of a request goes: the library, httpx's client layer over a transport, and the SDK's own layer."""

from __future__ import annotations

import importlib.util
import statistics
import sys
from pathlib import Path

from http_stack_client import STACKS
from results import Check, Section
from served import KEY, counting_server, run_json

CLIENT = Path(__file__).parent / "http_stack_client.py"
REQUESTS = 2_000
IN_FLIGHT = 16
ROUNDS = 3


def available(stack: str) -> bool:
    return all(importlib.util.find_spec(module) is not None for module in STACKS[stack][1])


def measure() -> Section:
    stacks = [stack for stack in STACKS if available(stack)]
    rounds: dict[str, list[float]] = {stack: [] for stack in stacks}
    for _ in range(ROUNDS):
        for stack in stacks:
            with counting_server() as server:
                command = [sys.executable, str(CLIENT), server.url, KEY, str(REQUESTS), str(IN_FLIGHT), stack]
                rounds[stack].append(float(run_json(command, ours=True)))
    cpu = {stack: statistics.median(measured) for stack, measured in rounds.items()}
    section = Section(
        "HTTP stacks, CPU per request",
        f"{REQUESTS:,} small requests (`GET .../graph/echo`, the answer read whole), {IN_FLIGHT} in flight, through "
        "each stack in a fresh interpreter (this SDK's Python) against a fresh local state manager in its own "
        "process: the client process's CPU (user + sys, `resource.getrusage`, after a warm-up) per request, and "
        f"its ratio to httpx's `AsyncClient`. Median of {ROUNDS} rounds, the stacks taking turns.",
        ["stack", "CPU ms / request", "vs `httpx.AsyncClient`"],
    )
    base = cpu.get("httpx")
    for stack, seconds in cpu.items():
        ratio = "" if base is None else Check(f"CPU per request: {stack} / httpx", seconds / base, None).describe()
        section.rows.append([STACKS[stack][0], f"{seconds * 1e3:.3f}", ratio])
    return section
