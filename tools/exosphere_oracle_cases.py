"""The request cases replayed by ``tools/exosphere_oracle.py`` against the real state manager.

Writes three JSON files into ``--out-dir``:

* ``upsert-graph.cases.json``: ``PUT /v0/namespace/{ns}/graph/{name}`` bodies, on the create path and (names
  starting ``update-``) on the update path, where a valid graph of the same name was upserted just before
  (``before``).
* ``request-bodies.cases.json``: the trigger and runtime routes; only the validation verdict is recorded.
* ``cron.cases.json``: the cron expressions, a plain list, for ``croniter.is_valid``.

Every case has a unique kebab-case ``name`` and a ``point`` tag: cron, lax-int, unknown-members, messages,
body-422, body-400, crash, valid, runtime-bodies.
"""

from __future__ import annotations

import argparse
import json
import os

from exosphere_oracle_corpus import (
    CRON,
    INTS,
    SHORT_INTS,
    SOURCE,
    STATE_ID,
    Corpus,
    label,
)
from exosphere_oracle_upsert_cases import upsert_cases


def runtime_cases() -> list[dict]:
    c = Corpus()

    def post(name: str, path: str, body, raw=None) -> None:
        request = {"method": "POST", "path": "/v0/namespace/ns" + path}
        request.update({"raw": raw} if raw is not None else {"body": body})
        c.add(name, "runtime-bodies", request, expect="verdict")

    for k, value in enumerate(INTS):
        post(f"trigger-start-delay-{k:02d}-{label(value)}", "/graph/g/trigger", {"start_delay": value})
    for tag, body in {
        "empty": {},
        "inputs-number": {"inputs": {"k": 1}},
        "inputs-null": {"inputs": {"k": None}},
        "inputs-list": {"inputs": ["k"]},
        "store-number": {"store": {"k": 1}},
        "store-bool": {"store": {"k": True}},
        "store-object": {"store": {"k": {}}},
        "unknown-member": {"inputs": {}, "extra": 1},
        "all-ok": {"inputs": {"a": "1"}, "store": {"b": "2"}, "start_delay": 10},
        "null": None,
        "array": [],
        "inputs-and-store-bad": {"inputs": {"a": 1}, "store": {"b": None}, "start_delay": -5},
    }.items():
        post(f"trigger-{tag}", "/graph/g/trigger", body)
    post("trigger-malformed-json", "/graph/g/trigger", None, raw="{")
    for k, value in enumerate(SHORT_INTS):
        post(f"enqueue-batch-size-{k:02d}-{label(value)}", "/states/enqueue", {"nodes": ["n"], "batch_size": value})
    for tag, body in {
        "nodes-missing": {"batch_size": 1},
        "batch-missing": {"nodes": ["n"]},
        "nodes-string": {"nodes": "n", "batch_size": 1},
        "nodes-numbers": {"nodes": [1], "batch_size": 1},
        "nodes-empty": {"nodes": [], "batch_size": 0},
        "unknown-member": {"nodes": ["n"], "batch_size": 1, "x": 1},
        "empty": {},
    }.items():
        post(f"enqueue-{tag}", "/states/enqueue", body)
    for k, value in enumerate(SHORT_INTS):
        post(
            f"re-enqueue-after-{k:02d}-{label(value)}", f"/state/{STATE_ID}/re-enqueue-after", {"enqueue_after": value}
        )
    post("re-enqueue-after-missing", f"/state/{STATE_ID}/re-enqueue-after", {})
    post("re-enqueue-after-unknown-member", f"/state/{STATE_ID}/re-enqueue-after", {"enqueue_after": 5, "x": 1})
    for tag, body in {
        "ok": {"outputs": [{"a": 1}]},
        "empty-list": {"outputs": []},
        "object": {"outputs": {"a": 1}},
        "list-of-strings": {"outputs": ["a"]},
        "list-of-null": {"outputs": [None]},
        "missing": {},
        "null": {"outputs": None},
        "unknown-member": {"outputs": [], "x": 1},
    }.items():
        post(f"executed-{tag}", f"/state/{STATE_ID}/executed", body)
    for tag, body in {
        "ok": {"error": "boom"},
        "empty": {"error": ""},
        "number": {"error": 1},
        "null": {"error": None},
        "missing": {},
        "object": {"error": {"m": 1}},
        "unknown-member": {"error": "e", "x": 1},
    }.items():
        post(f"errored-{tag}", f"/state/{STATE_ID}/errored", body)
    for tag, body in {
        "ok": {"data": {"a": 1}},
        "empty": {"data": {}},
        "list": {"data": [1]},
        "string": {"data": "x"},
        "null": {"data": None},
        "missing": {},
        "unknown-member": {"data": {}, "x": 1},
    }.items():
        post(f"prune-{tag}", f"/state/{STATE_ID}/prune", body)
    for tag, body in {
        "ok": {"fanout_id": "f"},
        "empty": {"fanout_id": ""},
        "number": {"fanout_id": 5},
        "null": {"fanout_id": None},
        "missing": {},
        "unknown-member": {"fanout_id": "f", "x": 1},
    }.items():
        post(f"manual-retry-{tag}", f"/state/{STATE_ID}/manual-retry", body)
    post("executed-bad-state-id", "/state/not-an-id/executed", {"outputs": []})
    reg = {"name": "N", "inputs_schema": {}, "outputs_schema": {}, "secrets": []}
    for tag, body in {
        "ok": {"runtime_name": "r", "nodes": [reg]},
        "empty-nodes": {"runtime_name": "r", "nodes": []},
        "runtime-missing": {"nodes": [reg]},
        "runtime-number": {"runtime_name": 1, "nodes": []},
        "nodes-object": {"runtime_name": "r", "nodes": reg},
        "node-secrets-string": {"runtime_name": "r", "nodes": [reg | {"secrets": "s"}]},
        "node-secrets-numbers": {"runtime_name": "r", "nodes": [reg | {"secrets": [1]}]},
        "node-schema-list": {"runtime_name": "r", "nodes": [reg | {"inputs_schema": []}]},
        "node-name-missing": {"runtime_name": "r", "nodes": [{k: v for k, v in reg.items() if k != "name"}]},
        "node-all-missing": {"runtime_name": "r", "nodes": [{}]},
        "unknown-members": {"runtime_name": "r", "nodes": [reg | {"x": 1}], "y": 2},
    }.items():
        c.add(
            f"register-{tag}",
            "runtime-bodies",
            {"method": "PUT", "path": "/v0/namespace/ns/nodes/", "body": body},
            expect="verdict",
        )
    return c.cases


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out-dir", required=True)
    args = parser.parse_args()
    os.makedirs(args.out_dir, exist_ok=True)
    for filename, document in (
        ("upsert-graph.cases.json", {"source": SOURCE, "cases": upsert_cases()}),
        ("request-bodies.cases.json", {"source": SOURCE, "cases": runtime_cases()}),
        ("cron.cases.json", CRON),
    ):
        with open(os.path.join(args.out_dir, filename), "w", encoding="utf-8") as handle:
            handle.write(json.dumps(document, indent=1, ensure_ascii=False) + "\n")
        count = len(document) if isinstance(document, list) else len(document["cases"])
        print(f"{filename}: {count}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
