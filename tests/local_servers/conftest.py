"""Helpers for the local-server tests: start `waygrid dev` / `exosphere dev` as real processes."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).parents[2]


@contextmanager
def dev_process(module: str, *arguments: str) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """`python -m <module> dev --port 0 ...` in a child process; yields it and the URL it printed."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT / "src"), str(ROOT / "generated")]))
    process = subprocess.Popen(
        [sys.executable, "-m", module, "dev", "--port", "0", "--quiet", *arguments],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert " listening on http://127.0.0.1:" in line, (line, process.stderr.read() if process.stderr else "")
        yield process, line.split(" listening on ")[1].split()[0]
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)
        for stream in (process.stdout, process.stderr):
            if stream:
                stream.close()
