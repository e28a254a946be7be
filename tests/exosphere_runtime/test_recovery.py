"""The runtime over loopback, when things go wrong: the state manager killed (-9) mid-run and started again on the
same database loses no state and runs none twice; SIGTERM mid-state lets the state finish and exits 0."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import msgspec

from exospherehost import BaseNode, Runtime, SyncStateManager
from exospherehost.local import LocalStateManager
from tests.exosphere_runtime.support import KEY, NAMESPACE, PENDING, chain

ROOT = Path(__file__).parents[2]
WORKER = Path(__file__).with_name("sigterm_worker.py")


def _server(database: Path, port: int = 0) -> tuple[subprocess.Popen[str], str]:
    command = [sys.executable, "-m", "exospherehost", "dev", "--database", str(database), "--port", str(port),
               "--quiet", "--api-key", KEY]  # fmt: skip
    server = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert server.stdout is not None
    line = server.stdout.readline()
    assert " listening on " in line, line
    return server, line.split(" listening on ")[1].split()[0]


def _states(database: Path, run_id: str) -> list[tuple[str, str, str]]:
    with contextlib.closing(sqlite3.connect(database)) as connection:
        rows = connection.execute("SELECT identifier, status, inputs FROM states WHERE run_id = ?", (run_id,))
        return [(identifier, status, inputs) for identifier, status, inputs in rows.fetchall()]


class Item(msgspec.Struct):
    item: str


executions: Counter[str] = Counter()
started: list[str] = []


class Spread(BaseNode):
    Outputs = Item

    async def execute(self) -> list[Item]:
        return [Item(item=f"item-{n}") for n in range(8)]


class Chew(BaseNode):
    Inputs = Item
    Outputs = Item

    async def execute(self) -> Item:
        executions[self.inputs.item] += 1
        started.append(self.inputs.item)
        await asyncio.sleep(0.3)
        return Item(item=self.inputs.item.upper())


def test_a_state_manager_killed_mid_run_loses_no_state_and_runs_none_twice(tmp_path: Path) -> None:
    database = tmp_path / "state-manager.db"
    server, url = _server(database)
    port = int(url.rsplit(":", 1)[1])

    async def scenario() -> str:
        nonlocal server
        runtime = Runtime(NAMESPACE, "recovery", [Spread, Chew], url, KEY, workers=4, poll_interval=0.02)  # type: ignore[list-item]
        task = runtime.start()
        assert task is not None
        graph = chain("Spread", "Chew", inputs={"Chew": {"item": "${{ spread.outputs.item }}"}})
        deadline = time.monotonic() + 20
        manager = SyncStateManager(NAMESPACE, url, KEY)
        while True:
            try:
                await asyncio.to_thread(manager.upsert_graph, "graph", graph, {}, polling_interval=0)
                break
            except Exception:
                if time.monotonic() > deadline:
                    raise
                await asyncio.sleep(0.05)
        run_id = (await asyncio.to_thread(manager.trigger, "graph")).run_id
        while len(started) < 4:
            assert time.monotonic() < deadline, started
            await asyncio.sleep(0.005)
        server.send_signal(signal.SIGKILL)  # all four workers busy: no claim is in flight
        server.communicate(timeout=10)
        await asyncio.sleep(0.5)
        server, _ = await asyncio.to_thread(_server, database, port)
        while {status for _, status, _ in _states(database, run_id)} & PENDING or len(_states(database, run_id)) < 16:
            assert time.monotonic() < deadline + 40, _states(database, run_id)
            await asyncio.sleep(0.05)
        await runtime.stop()
        return run_id

    try:
        run_id = asyncio.run(scenario())
    finally:
        server.terminate()
        server.communicate(timeout=10)
    found = _states(database, run_id)
    assert Counter(status for _, status, _ in found) == Counter(
        {"SUCCESS": 16}
    )  # 8 fan-out states of spread, 8 of chew
    assert executions == Counter({f"item-{n}": 1 for n in range(8)})


def test_sigterm_mid_state_finishes_the_state_and_exits_cleanly(tmp_path: Path) -> None:
    marker = tmp_path / "started"
    with LocalStateManager(tmp_path / "db.sqlite", api_key=KEY) as local, local.serve() as served:
        env = {**os.environ, "EXOSPHERE_STATE_MANAGER_URI": served.url, "EXOSPHERE_API_KEY": KEY,
               "WORKER_NAMESPACE": NAMESPACE, "WORKER_MARKER": str(marker),
               "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT / "generated"), str(ROOT)])}  # fmt: skip
        worker = subprocess.Popen([sys.executable, str(WORKER)], env=env, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE, text=True)  # fmt: skip
        try:
            deadline = time.monotonic() + 20
            while not local.database.query("SELECT 1 FROM registered_nodes WHERE namespace = ?", (NAMESPACE,)):
                assert time.monotonic() < deadline
                assert worker.poll() is None
                time.sleep(0.01)
            manager = local.sync_state_manager(NAMESPACE)
            manager.upsert_graph("graph", chain("Sleeper", inputs={"Sleeper": {"seconds": "1.0"}}), {},
                                 polling_interval=0)  # fmt: skip
            run_id = manager.trigger("graph").run_id
            while not marker.exists():
                assert time.monotonic() < deadline
                assert worker.poll() is None
                time.sleep(0.01)
            worker.send_signal(signal.SIGTERM)
            _, errors = worker.communicate(timeout=20)
        finally:
            if worker.poll() is None:
                worker.kill()
                worker.communicate()
        assert worker.returncode == 0, errors
        rows = local.database.query("SELECT status, outputs FROM states WHERE run_id = ?", (run_id,))
        assert [(row["status"], row["outputs"]) for row in rows] == [("SUCCESS", '{"slept": "1.0"}')]
