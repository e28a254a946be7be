"""Every ```python block of README.md runs as written: each on its own, in a fresh namespace, with a temporary
directory as the current directory, under a time limit, against the local servers it starts itself; and none
leaves a thread running (a server or a runtime not closed by its `with`)."""

from __future__ import annotations

import contextlib
import io
import os
import re
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import FrameType

import pytest

README = Path(__file__).parents[1] / "README.md"
BLOCK = re.compile(r"^```python\n(.*?)^```", flags=re.DOTALL | re.MULTILINE)
EXPECTED_BLOCKS = 11  # a new block must run too: add it here once it does
TIME_LIMIT = 60  # seconds per block
# What some blocks must print (by index), so that a block that runs but no longer does its job fails too.
PRINTS = {
    0: "OK",
    6: "completed",
    7: "SUCCESS [{'summary': 'ROWS FROM INITIAL'}]",
    8: "SUCCESS [{'data': 'ROWS'}]",
}


def blocks() -> list[str]:
    return BLOCK.findall(README.read_text(encoding="utf-8"))


def test_the_readme_has_the_blocks_this_test_runs() -> None:
    assert len(blocks()) == EXPECTED_BLOCKS


class BlockTimeoutError(Exception):
    pass


@contextlib.contextmanager
def time_limit(seconds: int) -> Iterator[None]:
    def expired(signum: int, frame: FrameType | None) -> None:
        raise BlockTimeoutError(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


REUSED = {"sdkcore-try"}  # SyncTransport's idle worker threads: daemons kept for reuse, ending after 30 s idle


def threads_left(before: set[threading.Thread], grace: float = 2.0) -> list[str]:
    """Threads started by the block that are still alive after a short grace period (daemon threads of executors
    end just after their pool shuts down)."""
    deadline = time.monotonic() + grace
    while True:
        left = [thread for thread in threading.enumerate()
                if thread not in before and thread.is_alive() and thread.name not in REUSED]  # fmt: skip
        if not left or time.monotonic() > deadline:
            return [thread.name for thread in left]
        time.sleep(0.02)


@pytest.mark.parametrize("index", range(EXPECTED_BLOCKS))
def test_the_readme_block_runs(index: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = blocks()[index]
    first_line = source.splitlines()[0]
    where = f"README.md python block {index} ({first_line!r})"
    for name in ("EXOSPHERE_STATE_MANAGER_URI", "EXOSPHERE_API_KEY"):  # the blocks pass their settings explicitly
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    before = set(threading.enumerate())
    printed = io.StringIO()
    namespace: dict[str, object] = {"__name__": f"readme_block_{index}"}
    try:
        with time_limit(TIME_LIMIT), contextlib.redirect_stdout(printed):
            exec(compile(source, f"README.md block {index}", "exec"), namespace)
    except (Exception, SystemExit) as error:  # a failing block names itself
        pytest.fail(f"{where} failed: {type(error).__name__}: {error}\nprinted:\n{printed.getvalue()}")
    left = threads_left(before)
    assert not left, f"{where} left threads running: {left}"
    assert os.getcwd() == str(tmp_path), f"{where} changed the current directory"
    assert PRINTS.get(index, "") in printed.getvalue(), f"{where} printed:\n{printed.getvalue()}"
