"""Differential test of the worker side: exospherehost 0.0.3's Runtime (its own Python 3.12 environment) and ours
run the same unchanged worker (`runtime_worker.py`) against the local state manager over loopback. Both runs must
finish SUCCESS with the same states, and every request body must be the one 0.0.3 sends. The one intended
difference: ours asks for no more states than it has free workers (`batch_size` in the enqueue body is at most
0.0.3's). Ours is stopped with SIGTERM and must exit 0; 0.0.3 has no way to stop, so it is killed."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from exospherehost import GraphNodeModel, RetryPolicyModel, SyncStateManager, UnitesModel
from exospherehost.local import MEMORY, LocalStateManager
from sdkcore.local.http import Request, Response, Server

WORKER = Path(__file__).with_name("runtime_worker.py")
ORIGINAL_PYTHON = os.environ.get("ORIGINAL_PYTHON")
KEY = "differential-key"
NAMESPACE = "diff-runtime"

pytestmark = pytest.mark.skipif(not ORIGINAL_PYTHON, reason="needs ORIGINAL_PYTHON (run `nox -s differential`)")

GRAPH = [
    GraphNodeModel(node_name="Loader", namespace=NAMESPACE, identifier="loader", inputs={"source": "s3://bucket"},
                   next_nodes=["splitter"]),
    GraphNodeModel(node_name="Splitter", namespace=NAMESPACE, identifier="splitter",
                   inputs={"batch": "${{ loader.outputs.batch }}"}, next_nodes=["worker"]),
    GraphNodeModel(node_name="Worker", namespace=NAMESPACE, identifier="worker",
                   inputs={"item": "${{ splitter.outputs.item }}"}, next_nodes=["collector"]),
    GraphNodeModel(node_name="Collector", namespace=NAMESPACE, identifier="collector",
                   inputs={"batch": "${{ loader.outputs.batch }}"}, next_nodes=["gate"],
                   unites=UnitesModel(identifier="loader")),
    GraphNodeModel(node_name="Gate", namespace=NAMESPACE, identifier="gate",
                   inputs={"summary": "${{ loader.outputs.batch }}"}),
]  # fmt: skip


def _kind(path: str) -> str:
    """The route of a request, its state id left out."""
    parts = path.split("/")
    return "/".join([*parts[:4], "{state_id}", *parts[5:]]) if len(parts) > 5 and parts[3] == "state" else path


def _wait(condition: Any, what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def run(python: str) -> tuple[list[tuple[str, str, Any]], Counter[tuple[str, str]]]:
    received: list[tuple[str, str, Any]] = []
    with LocalStateManager(MEMORY, api_key=KEY) as local:

        def recording(request: Request) -> Response:
            if "/states/enqueue" in request.path or "/state/" in request.path or request.path.endswith("/nodes/"):
                body = json.loads(request.body, object_pairs_hook=list) if request.body else None
                received.append((request.method, _kind(request.path), body))
            return local(request)

        with Server(recording) as server:
            env = {**os.environ, "EXOSPHERE_STATE_MANAGER_URI": server.url, "EXOSPHERE_API_KEY": KEY,
                   "WORKER_NAMESPACE": NAMESPACE, "EXOSPHERE_DISABLE_DEFAULT_LOGGING": "1"}  # fmt: skip
            worker = subprocess.Popen([python, str(WORKER)], env=env, stdout=subprocess.DEVNULL,
                                      stderr=subprocess.PIPE, text=True)  # fmt: skip
            try:
                _wait(lambda: local.database.query("SELECT 1 FROM registered_nodes"), "the registration")
                with SyncStateManager(NAMESPACE, server.url, KEY) as manager:
                    manager.upsert_graph("differential", GRAPH, {"token": "tok-123"},
                                         retry_policy=RetryPolicyModel(max_retries=2, strategy="FIXED",
                                                                       backoff_factor=50),
                                         polling_interval=0)  # type: ignore[arg-type]  # fmt: skip
                    run_id = manager.trigger("differential").run_id

                def settled() -> bool:
                    rows = local.database.query("SELECT status FROM states WHERE run_id = ?", (run_id,))
                    statuses = [row["status"] for row in rows]
                    return "PRUNED" in statuses and not {"CREATED", "QUEUED", "EXECUTED"} & set(statuses)

                _wait(settled, "the run to finish")
            finally:
                worker.send_signal(signal.SIGTERM if python == sys.executable else signal.SIGKILL)
                _, errors = worker.communicate(timeout=20)
            if python == sys.executable:
                assert worker.returncode == 0, errors
            states = Counter((row["identifier"], row["status"]) for row in
                             local.database.query("SELECT * FROM states WHERE run_id = ?", (run_id,)))  # fmt: skip
    return received, states


def _bodies(received: list[tuple[str, str, Any]], route_end: str) -> list[str]:
    return sorted(json.dumps(body) for _, path, body in received if path.endswith(route_end))


def test_both_runtimes_finish_the_run_and_send_the_same_bodies() -> None:
    assert ORIGINAL_PYTHON is not None
    original, original_states = run(ORIGINAL_PYTHON)
    ours, our_states = run(sys.executable)
    assert our_states == original_states
    assert original_states == Counter({
        ("loader", "SUCCESS"): 1, ("splitter", "SUCCESS"): 3, ("worker", "SUCCESS"): 3,
        ("worker", "RETRY_CREATED"): 1, ("collector", "SUCCESS"): 1, ("gate", "PRUNED"): 1,
    })  # fmt: skip
    for route in ("/nodes/", "/executed", "/errored", "/prune", "/re-enqueue-after", "/secrets"):
        assert _bodies(ours, route) == _bodies(original, route), route
    assert _bodies(ours, "/executed")
    assert _bodies(ours, "/errored")
    assert _bodies(ours, "/prune")
    assert len(_bodies(ours, "/secrets")) == 1
    original_polls = [dict(body) for _, path, body in original if path.endswith("/states/enqueue")]
    our_polls = [dict(body) for _, path, body in ours if path.endswith("/states/enqueue")]
    assert {json.dumps(poll["nodes"]) for poll in our_polls} == {json.dumps(poll["nodes"]) for poll in original_polls}
    assert {poll["batch_size"] for poll in original_polls} == {4}
    assert all(1 <= poll["batch_size"] <= 4 for poll in our_polls)
