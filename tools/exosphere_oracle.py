"""Answer HTTP requests with the real Exosphere state manager, in process, without MongoDB.

This is the oracle behind ``spec/vectors/exosphere/server/``: it imports the real server (``app.main:app``
of a ``state-manager/`` checkout, with its middlewares and routers) and replays request cases through
FastAPI's ``TestClient``.  It must run under a Python that has the server's own dependencies (FastAPI,
pydantic, beanie, croniter, ...); nothing of this repository is imported.

What is replaced, and nothing else:

* MongoDB.  beanie is initialised on a ``MagicMock`` database (no indexes, no lifespan, no scheduler).
  The ``GraphTemplate`` collection is an in-memory dict keyed by (name, namespace):
  ``find_one`` reads the beanie comparison expressions it is given (``GraphTemplate.name == x`` has a
  ``.query`` dict) and returns a fresh document parsed from the stored dump, as a database read would;
  ``insert`` and ``save`` first run beanie's real ``validate_self()`` (the server sets
  ``validate_on_save = True``; that is where e.g. "Secrets cannot be empty" is raised, since the controller
  calls ``set_secrets`` after construction), give the document an ``ObjectId`` id as insert does, then store;
  ``insert`` of an existing (name, namespace) raises ``DuplicateKeyError`` like the server's unique index.
  ``DatabaseTriggers.find(...).delete_many()`` does nothing.
* The background ``verify_graph`` task of the upsert controller is not run.
* Environment: ``MONGO_URI`` unused, ``STATE_MANAGER_SECRET`` = ``API_KEY`` below, and a fixed
  ``SECRETS_ENCRYPTION_KEY`` (AES-GCM still draws a random nonce per secret).

* The controllers of the runtime and trigger routes (``RUNTIME_CONTROLLERS``) are replaced by a stub that
  raises, so the server's own ``UnhandledExceptionsMiddleware`` answers 500.  FastAPI validates the body
  (422) before it calls the endpoint, so the verdict of a request body is still the real one.

Usage::

    python tools/exosphere_oracle.py --state-manager PATH --cases CASES.json --out VECTORS.json
    python tools/exosphere_oracle.py --state-manager PATH --cron EXPRESSIONS.json --out CRON.json

A cases file is JSON: ``{"source": ..., "cases": [{"name", "point", "before"?: [request...],
"request": {"method", "path", "body" | "raw"}, "expect"?: "verdict"}]}``.  ``body`` is sent as JSON,
``raw`` as text (malformed JSON).  Each case starts from an empty store; ``before`` requests are replayed
first.  Output cases carry ``response: {"status", "body"}``; ``created_at``/``updated_at`` values in a
response body become ``"<time>"``.  Cases with ``"expect": "verdict"`` record ``"verdict": "valid"`` when the
body passes validation (any non-422 status) and the 422 body otherwise.  Each case is replayed twice; if the two
answers differ, or the first embeds an ObjectId, a datetime or an encrypted secret (inside pydantic's
``input_value=`` text), the first is kept and the case is marked ``"nondeterministic": true`` with a note.
``--cron`` writes ``croniter.is_valid`` for a list of expressions.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import re
import sys
from typing import Any

API_KEY = "oracle-secret"
ENCRYPTION_KEY = base64.urlsafe_b64encode(b"exosphere-oracle-fixed-key-32-by").decode()
TIME_KEYS = ("created_at", "updated_at")
# Controllers (names in app.routes) that are replaced by a stub raising RuntimeError: request validation still
# runs first, and an endpoint that reaches its controller answers 500 through the server's own middleware.
RUNTIME_CONTROLLERS = (
    "enqueue_states",
    "trigger_graph",
    "executed_state",
    "errored_state",
    "register_nodes",
    "prune_signal",
    "re_queue_after_signal",
    "manual_retry_state",
)


class Oracle:
    """The real state manager app with an in-memory GraphTemplate collection."""

    def __init__(self, state_manager: str) -> None:
        sys.path.insert(0, os.path.abspath(state_manager))
        os.environ["MONGO_URI"] = "mongodb://unused.invalid"
        os.environ["STATE_MANAGER_SECRET"] = API_KEY
        os.environ["SECRETS_ENCRYPTION_KEY"] = ENCRYPTION_KEY
        from unittest.mock import AsyncMock, MagicMock

        import app.main as main
        from app.controller import upsert_graph_template as upsert_controller
        from app.models.db.graph_template_model import GraphTemplate
        from app.models.db.trigger import DatabaseTriggers
        from beanie import PydanticObjectId, init_beanie
        from fastapi.testclient import TestClient
        from pymongo.errors import DuplicateKeyError

        self.GraphTemplate = GraphTemplate
        self.store: dict[tuple[str, str], dict[str, Any]] = {}
        oracle = self

        def key_of(args: tuple) -> tuple[str | None, str | None]:
            query: dict[str, Any] = {}
            for expression in args:
                query.update(getattr(expression, "query", expression))
            unknown = set(query) - {"name", "namespace"}
            if unknown:
                raise AssertionError(f"unexpected GraphTemplate query fields: {unknown}")
            return query.get("name"), query.get("namespace")

        async def find_one(*args: Any, **kwargs: Any):
            dump = oracle.store.get(key_of(args))
            return None if dump is None else GraphTemplate.model_validate(dump)

        async def _store(doc: Any) -> Any:
            await doc.validate_self()  # the real validate_on_save step
            if doc.id is None:
                doc.id = PydanticObjectId()
            oracle.store[(doc.name, doc.namespace)] = doc.model_dump()
            return doc

        async def insert(self: Any, *args: Any, **kwargs: Any) -> Any:
            await self.validate_self()
            if (self.name, self.namespace) in oracle.store:  # the unique (name, namespace) index of Settings
                raise DuplicateKeyError("E11000 duplicate key error, index: unique_name_namespace")
            return await _store(self)

        async def save(self: Any, *args: Any, **kwargs: Any) -> Any:
            self.update_updated_at()  # the @before_event([Save, Replace]) hook of BaseDatabaseModel
            return await _store(self)

        class _NoDelete:
            async def delete_many(self, *args: Any, **kwargs: Any) -> None:
                return None

        database = MagicMock()
        database.command = AsyncMock(return_value={"version": "7.0.0"})
        asyncio.run(init_beanie(database=database, document_models=main.DOCUMENT_MODELS, skip_indexes=True))
        GraphTemplate.find_one = staticmethod(find_one)
        GraphTemplate.insert = insert
        GraphTemplate.save = save
        DatabaseTriggers.find = classmethod(lambda cls, *a, **k: _NoDelete())
        upsert_controller.verify_graph = lambda *args, **kwargs: None

        async def not_run(*args: Any, **kwargs: Any) -> None:
            raise RuntimeError("exosphere oracle: this controller needs a database and is not run")

        import app.routes as routes

        for controller in RUNTIME_CONTROLLERS:
            setattr(routes, controller, not_run)
        self.client = TestClient(main.app, raise_server_exceptions=False)

    def send(self, request: dict[str, Any]) -> dict[str, Any]:
        headers = {"x-api-key": API_KEY, "content-type": "application/json"}
        content = request["raw"] if "raw" in request else json.dumps(request.get("body"), ensure_ascii=False)
        response = self.client.request(request["method"], request["path"], content=content.encode(), headers=headers)
        try:
            body: Any = response.json()
        except ValueError:
            body = response.text
        return {"status": response.status_code, "body": mask_times(body)}

    def run(self, case: dict[str, Any]) -> dict[str, Any]:
        self.store.clear()
        for index, before in enumerate(case.get("before", [])):
            answer = self.send(before)
            if answer["status"] >= 300:
                raise AssertionError(f"{case['name']}: before[{index}] answered {answer}")
        return self.send(case["request"])


def mask_times(body: Any) -> Any:
    """Replace time values of a response body by "<time>" (recursively, by key)."""
    if isinstance(body, dict):
        return {k: ("<time>" if k in TIME_KEYS and isinstance(v, str) else mask_times(v)) for k, v in body.items()}
    if isinstance(body, list):
        return [mask_times(v) for v in body]
    return body


def unstable_parts(answer: Any) -> list[str]:
    """What in an answer can differ from run to run (found by pattern, since equal replays prove little)."""
    text = json.dumps(answer, ensure_ascii=False)
    reasons = []
    if "ObjectId(" in text:
        reasons.append("an ObjectId (its first 8 hex digits are a timestamp)")
    if "datetime.datetime(" in text:
        reasons.append("a datetime")
    tokens = re.findall(r"'([A-Za-z0-9_-]{30,}={0,2})(?:'|\.\.\.)", text)
    if any(re.search(r"\d", t) and re.search(r"[A-Za-z]", t) for t in tokens):
        reasons.append("an encrypted secret value (random AES-GCM nonce)")
    return reasons


def record(oracle: Oracle, case: dict[str, Any]) -> dict[str, Any]:
    first, second = oracle.run(case), oracle.run(case)
    out = {k: case[k] for k in ("name", "point", "before", "request") if k in case}
    if "note" in case:
        out["note"] = case["note"]
    verdict_only = case.get("expect") == "verdict"
    if verdict_only and first["status"] != 422:
        out["response"] = {"verdict": "valid"}
        return out
    out["response"] = first
    reasons = unstable_parts(first)
    if first != second and not reasons:
        reasons = ["a random or time value"]
    if reasons:
        out["nondeterministic"] = True
        out["note"] = (
            "the response embeds " + " and ".join(reasons) + "; recorded as seen once, compare that part loosely"
        )
    return out


def dump(document: Any, path: str) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(json.dumps(document, indent=1, ensure_ascii=False) + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--state-manager", required=True, help="a checkout's state-manager/ directory")
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--cases", help="cases file (JSON) to replay")
    group.add_argument("--cron", help="JSON list of cron expressions to check with croniter.is_valid")
    parser.add_argument("--out", required=True, help="vectors file to write")
    parser.add_argument("--source", default=None, help="override the 'source' string of the output")
    args = parser.parse_args(argv)

    if args.cron:
        sys.path.insert(0, os.path.abspath(args.state_manager))
        from croniter import croniter

        with open(args.cron, encoding="utf-8") as handle:
            expressions = json.load(handle)
        dump([{"expression": e, "valid": bool(croniter.is_valid(e))} for e in expressions], args.out)
        print(f"{len(expressions)} expressions -> {args.out}")
        return 0

    with open(args.cases, encoding="utf-8") as handle:
        cases_file = json.load(handle)
    oracle = Oracle(args.state_manager)
    names: set[str] = set()
    recorded = []
    for case in cases_file["cases"]:
        if case["name"] in names:
            raise SystemExit(f"duplicate case name {case['name']}")
        names.add(case["name"])
        recorded.append(record(oracle, case))
    source = args.source or cases_file.get("source") or "exosphere state-manager"
    dump({"source": source, "cases": recorded}, args.out)
    flaky = sum(1 for c in recorded if c.get("nondeterministic"))
    print(f"{len(recorded)} cases ({flaky} nondeterministic) -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
