"""Client throughput: bench/throughput_client.py upserts 2,000 three-node graphs, 32 in flight, to a local state
manager (`exosphere dev`, in memory, its own process) with this SDK and with exospherehost 0.0.3. Each run gets a
fresh server; the median run counts."""

from __future__ import annotations

import statistics
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from interpreters import interpreter_env
from results import Check, Section

CLIENT = Path(__file__).parent / "throughput_client.py"
UPSERTS = 2_000
IN_FLIGHT = 32
RUNS = 3
SPEEDUP = 5.0
KEY = "bench-key"
STRING = {"type": "string"}
WORKER = {
    "runtime_name": "bench",
    "runtime_namespace": "bench",
    "nodes": [{"name": "Worker", "namespace": "bench", "secrets": [],
               "inputs_schema": {"type": "object", "properties": {"x": STRING}},
               "outputs_schema": {"type": "object", "properties": {"y": STRING}}}],
}  # fmt: skip


@contextmanager
def state_manager() -> Iterator[str]:
    """A fresh `exosphere dev` with the benchmark's node registered; yields its URL."""
    env = interpreter_env(own_code=True)
    command = [sys.executable, "-m", "exospherehost", "dev", "--port", "0", "--quiet", "--in-memory", "--api-key", KEY]
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env) as server:
        try:
            assert server.stdout is not None
            line = server.stdout.readline()
            if " listening on " not in line:
                raise RuntimeError(f"exosphere dev did not start: {line!r}")
            url = line.split(" listening on ")[1].split()[0]
            registered = httpx.put(f"{url}/v0/namespace/bench/nodes/", json=WORKER, headers={"x-api-key": KEY})
            registered.raise_for_status()
            yield url
        finally:
            server.terminate()
            server.wait(timeout=30)


def run_seconds(python: str, ours: bool) -> float:
    env = interpreter_env(own_code=ours)
    seconds = []
    for _ in range(RUNS):
        with state_manager() as url:
            command = [python, str(CLIENT), url, KEY, str(UPSERTS), str(IN_FLIGHT)]
            done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600, check=False)
            if done.returncode:
                raise RuntimeError(f"throughput client failed: {done.stderr[-2000:]}")
            seconds.append(float(done.stdout))
    return statistics.median(seconds)


def measure(original_python: str | None) -> Section:
    section = Section(
        "Client throughput",
        f"`upsert_graph` of {UPSERTS:,} three-node graphs with {IN_FLIGHT} in flight (`asyncio.Semaphore`), each "
        "call sending the graph and polling until the server has verified it (`polling_interval=0`), against "
        f"`exosphere dev` in its own process; median of {RUNS} runs, each on a fresh server. The same client "
        "script runs both packages.",
        ["client", "seconds", "upserts / s", "faster than 0.0.3"],
    )
    ours = run_seconds(sys.executable, ours=True)
    section.rows.append(["this SDK", f"{ours:.2f}", f"{UPSERTS / ours:,.0f}", ""])
    if original_python:
        theirs = run_seconds(original_python, ours=False)
        faster = Check("Upsert throughput: vs exospherehost 0.0.3", theirs / ours, SPEEDUP)
        section.checks.append(faster)
        section.rows[0][3] = faster.describe()
        section.rows.append(["exospherehost 0.0.3", f"{theirs:.2f}", f"{UPSERTS / theirs:,.0f}", ""])
    return section
