"""Processes the CPU benchmarks start: bench/counting_server.py (a fresh local state manager) and the client
processes measured against it, with their stdout read line by line under a timeout."""

from __future__ import annotations

import json
import queue
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import httpx
from interpreters import interpreter_env

SERVER = Path(__file__).parent / "counting_server.py"
KEY = "bench-key"
START_SECONDS = 120.0


class Lines:
    """A process's stdout, one line at a time, each waited for at most `timeout` seconds."""

    def __init__(self, stream: IO[str], what: str) -> None:
        self._what = what
        self._lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, args=(stream,), daemon=True).start()

    def _read(self, stream: IO[str]) -> None:
        for line in stream:
            self._lines.put(line.rstrip("\n"))
        self._lines.put("")  # end of output

    def next(self, timeout: float) -> str:
        try:
            line = self._lines.get(timeout=timeout)
        except queue.Empty:
            raise RuntimeError(f"{self._what}: nothing printed within {timeout:g} s") from None
        if not line:
            raise RuntimeError(f"{self._what}: exited early")
        return line


class CountingServer:
    """A running bench/counting_server.py: its URL, its stdout events and its request counts."""

    def __init__(self, process: subprocess.Popen[str], lines: Lines, url: str) -> None:
        self.process, self.lines, self.url = process, lines, url

    def stats(self) -> dict[str, Any]:
        answer = httpx.get(f"{self.url}/bench/stats", timeout=30)
        answer.raise_for_status()
        found: dict[str, Any] = answer.json()
        return found


@contextmanager
def counting_server(runs: int = 0) -> Iterator[CountingServer]:
    """A fresh in-memory state manager in its own process, `runs` runs of the `echo` graph triggered."""
    command = [sys.executable, str(SERVER), KEY, str(runs)]
    with (
        tempfile.TemporaryFile("w+") as errors,
        subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=errors, text=True, env=interpreter_env(own_code=True)
        ) as process,
    ):
        try:
            assert process.stdout is not None
            lines = Lines(process.stdout, "counting server")
            try:
                line = lines.next(START_SECONDS)
            except RuntimeError:
                errors.seek(0)
                raise RuntimeError(f"counting server did not start: {errors.read()[-2000:]}") from None
            if not line.startswith("listening on "):
                raise RuntimeError(f"counting server did not start: {line!r}")
            yield CountingServer(process, lines, line.removeprefix("listening on "))
        finally:
            process.terminate()
            process.wait(timeout=30)


def run_json(command: list[str], ours: bool, timeout: float = 600) -> Any:
    """Run a client script to its end; what it printed last, as JSON."""
    done = subprocess.run(command, env=interpreter_env(own_code=ours), capture_output=True, text=True,
                          timeout=timeout, check=False)  # fmt: skip
    if done.returncode:
        raise RuntimeError(f"{command[1]} failed: {done.stderr[-2000:]}")
    return json.loads(done.stdout.splitlines()[-1])
