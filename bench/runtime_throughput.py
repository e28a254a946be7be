"""Worker throughput and CPU: bench/runtime_worker.py (a `Runtime` serving a one-node graph) with this SDK, on
each HTTP stack it can run over, and with exospherehost 0.0.3, each against a fresh bench/counting_server.py in
its own process with the same runs triggered up front.

The window of a round opens when the server first hands out a state and closes when it has taken the last state's
`executed` report; the worker's CPU (user + sys of its process, `resource.getrusage`, read by the worker on
SIGUSR1) and the server's are read at both ends. Rounds go through the clients in turn; the median counts."""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from interpreters import interpreter_env
from results import Check, Section
from served import KEY, Lines, counting_server

WORKER = Path(__file__).parent / "runtime_worker.py"
STATES = 2_000
ROUNDS = 3
BATCH_SIZE = 16
WORKERS = 16
POLL_INTERVAL = 0.01
CPU_SHARE = 0.5
SPEEDUP = 2.0
RUN_SECONDS = 300.0
OURS = {
    "default": "this SDK (its default stack: aiohttp, called directly)",
    "httpx": "this SDK over httpx's own stack (`http_client=httpx.AsyncClient()`)",
    "httpx2": "this SDK on httpx2 (`httpx2.alias_httpx()`, `http_client=httpx.AsyncClient()`)",
}
DEFAULT = "default"
ORIGINAL = "exospherehost 0.0.3 (aiohttp)"


def available(client: str) -> bool:
    module = {"httpx2": "httpx2"}.get(client)
    return module is None or importlib.util.find_spec(module) is not None


def one_round(python: str, client: str, ours: bool, quiet: bool = False) -> dict[str, float]:
    """One worker against one fresh server: states/s, worker and server CPU seconds per state, claims per state."""
    env = interpreter_env(own_code=ours)
    if quiet:
        env["EXOSPHERE_DISABLE_DEFAULT_LOGGING"] = "1"
    command = [python, str(WORKER), "", KEY, str(BATCH_SIZE), str(WORKERS), str(POLL_INTERVAL), client]
    with counting_server(STATES) as server, tempfile.TemporaryFile("w+") as log:
        command[2] = server.url
        with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=log, text=True, env=env) as worker:
            assert worker.stdout is not None
            cpu = Lines(worker.stdout, f"{client} worker")
            try:
                server.lines.next(RUN_SECONDS)  # claimed
                worker.send_signal(signal.SIGUSR1)
                cpu_start = float(cpu.next(30))
                done = server.lines.next(RUN_SECONDS)
                worker.send_signal(signal.SIGUSR1)
                cpu_end = float(cpu.next(30))
            except RuntimeError as error:
                log.seek(0)
                raise RuntimeError(f"{error}: {log.read()[-3000:]}") from None
            finally:
                worker.terminate()
                try:
                    worker.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    worker.kill()
    summary: dict[str, Any] = json.loads(done.removeprefix("done "))
    states = summary["states"]
    return {
        "states_per_second": states / summary["seconds"],
        "cpu_per_state": (cpu_end - cpu_start) / states,
        "server_cpu_per_state": summary["server_cpu"] / states,
        "server_busy": summary["server_cpu"] / summary["seconds"],
        "claims_per_state": summary["requests"].get("POST states enqueue", 0) / states,
    }


def median_rounds(rounds: list[dict[str, float]]) -> dict[str, float]:
    return {name: statistics.median(round_[name] for round_ in rounds) for name in rounds[0]}


def measure(original_python: str | None) -> Section:
    clients = [(label, sys.executable, client, True) for client, label in OURS.items() if available(client)]
    if original_python:
        clients.append((ORIGINAL, original_python, "original", False))
    rounds: dict[str, list[dict[str, float]]] = {label: [] for label, *_ in clients}
    for _ in range(ROUNDS):
        for label, python, client, ours in clients:
            rounds[label].append(one_round(python, client, ours))
    results = {label: median_rounds(measured) for label, measured in rounds.items()}
    section = Section(
        "Worker throughput and CPU",
        f"A `Runtime` serving a one-node graph whose node returns its input, {STATES:,} runs triggered up front, "
        "against a fresh in-memory local state manager in its own process (bench/counting_server.py), default "
        f"logging. Both packages get batch_size={BATCH_SIZE}, workers={WORKERS} (enough states in flight that "
        "waiting on the server does not bound either) and poll_interval="
        f"{POLL_INTERVAL:g} (0.0.3 sleeps that long after every claim, so at most {BATCH_SIZE} states per "
        f"interval, {BATCH_SIZE / POLL_INTERVAL:,.0f}/s, a ceiling well above what it reaches; this SDK polls again "
        "at once after a full claim). From the first state handed out to the last state's report landing: states "
        "per second, the worker process's CPU (user + sys, `resource.getrusage`) per state, the server process's "
        "CPU per state and the share of the window it was busy (near 100%, the server is the bottleneck), and "
        f"claims (enqueue calls) per state. Median of {ROUNDS} rounds, the workers taking turns. The same worker "
        "script runs both packages; the targets are the default's, the other stacks are shown for comparison.",
        ["worker", "states / s", "worker CPU ms / state", "server CPU ms / state", "server busy", "claims / state",
         "states / s vs 0.0.3", "CPU / state vs 0.0.3"],
    )  # fmt: skip
    original = results.get(ORIGINAL)
    for label, result in results.items():
        row = [label, f"{result['states_per_second']:,.0f}", f"{result['cpu_per_state'] * 1e3:.3f}",
               f"{result['server_cpu_per_state'] * 1e3:.3f}", f"{result['server_busy']:.0%}",
               f"{result['claims_per_state']:.2f}", "", ""]  # fmt: skip
        if original and label != ORIGINAL:
            default = label == OURS[DEFAULT]
            faster = Check(f"Worker states/s: {label} vs 0.0.3", result["states_per_second"] /
                           original["states_per_second"], SPEEDUP if default else None)  # fmt: skip
            cpu = Check(f"Worker CPU per state: {label} / 0.0.3", result["cpu_per_state"] / original["cpu_per_state"],
                        CPU_SHARE if default else None, at_most=True, group="cpu")  # fmt: skip
            section.checks += [faster, cpu]
            row[6], row[7] = faster.describe(), cpu.describe()
        section.rows.append(row)
    return section


if __name__ == "__main__":  # one round of each client, printed: `python bench/runtime_throughput.py [quiet]`
    quiet = sys.argv[1:] == ["quiet"]
    for client in OURS:
        if available(client):
            print(client, one_round(sys.executable, client, True, quiet), flush=True)
    if os.environ.get("ORIGINAL_PYTHON"):
        print("original", one_round(os.environ["ORIGINAL_PYTHON"], "original", False, quiet), flush=True)
