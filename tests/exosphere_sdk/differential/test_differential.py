"""Differential test: exospherehost 0.0.3 and this SDK run the same corpus against one capture server; the
requests must be the same documents (same keys in the same order, same values, nulls included) and bad model
input must give the same messages. Runs under `nox -s differential`, which installs the original in its own
Python 3.12 environment and passes its interpreter as ORIGINAL_PYTHON."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.support.fault_server import FaultServer, Received, running

ROOT = Path(__file__).parents[3]
DRIVER = Path(__file__).with_name("driver.py")
ORIGINAL_PYTHON = os.environ.get("ORIGINAL_PYTHON")

pytestmark = pytest.mark.skipif(not ORIGINAL_PYTHON, reason="needs ORIGINAL_PYTHON (run `nox -s differential`)")


def valid_at_once(received: Received) -> tuple[int, bytes]:
    if received.path.endswith("/trigger"):
        return 200, b'{"status": "CREATED", "run_id": "3f2b8c1e-6a7d-4e59-9b1a-0c4d2e6f8a10"}'
    body = json.loads(received.body) if received.body else {}
    graph = {
        "nodes": body.get("nodes", []), "secrets": dict.fromkeys(body.get("secrets", {}), True),
        "retry_policy": {"max_retries": 3, "strategy": "EXPONENTIAL", "backoff_factor": 2000, "exponent": 2,
                         "max_delay": None},
        "store_config": {"required_keys": [], "default_values": {}}, "triggers": [],
        "created_at": "2026-11-22T10:00:00", "updated_at": "2026-11-22T10:00:00",
        "validation_status": "VALID", "validation_errors": None,
    }  # fmt: skip
    return (201 if received.method == "PUT" else 200), json.dumps(graph).encode()


def run(python: str, sdk_path: str | None) -> tuple[list[tuple[str, str, Any]], Any]:
    state = FaultServer(respond=valid_at_once)
    with running(state):
        env = {**os.environ, "EXOSPHERE_STATE_MANAGER_URI": state.url, "EXOSPHERE_API_KEY": "diff-key"}
        env.pop("PYTHONPATH", None)
        if sdk_path:
            env["PYTHONPATH"] = sdk_path
        output = subprocess.run([python, str(DRIVER)], env=env, capture_output=True, text=True, check=True).stdout
    requests = [
        (received.method, received.path, json.loads(received.body, object_pairs_hook=list) if received.body else None)
        for received in state.tries
    ]
    return requests, json.loads(output)


def test_both_send_the_same_documents_and_give_the_same_messages() -> None:
    assert ORIGINAL_PYTHON is not None
    original_requests, original_messages = run(ORIGINAL_PYTHON, None)
    ours_requests, our_messages = run(sys.executable, f"{ROOT / 'src'}{os.pathsep}{ROOT / 'generated'}")
    assert len(original_requests) == len(ours_requests) > 40
    for original, ours in zip(original_requests, ours_requests, strict=True):
        assert ours == original
    assert our_messages == original_messages
