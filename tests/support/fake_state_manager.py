"""A stand-in for the Exosphere state manager's graph routes, for tests: it checks the key and the body as the
server does (strict models, 422), answers a PUT with 201 and PENDING, and reports VALID (or what a test sets)
after the given number of GETs."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

import msgspec

from exosphere_api import codec
from exosphere_api.models.retry_policy import RetryPolicy
from exosphere_api.models.store_config import StoreConfig
from exosphere_api.models.trigger_graph import TriggerGraphRequest
from exosphere_api.models.upsert_graph import UpsertGraphRequest
from tests.support.fault_server import Received

GRAPH = re.compile(r"/(?P<version>[^/]+)/namespace/(?P<namespace>[^/]+)/graph/(?P<graph>[^/]+)(?P<trigger>/trigger)?")
RUN_ID = "3f2b8c1e-6a7d-4e59-9b1a-0c4d2e6f8a10"


@dataclass
class FakeStateManager:
    key: str = "exo-test-key"
    pending_polls: int = 1
    final_status: str = "VALID"
    final_errors: list[str] | None = None
    graphs: dict[str, dict[str, Any]] = field(default_factory=dict)
    polls: dict[str, int] = field(default_factory=dict)

    def __call__(self, received: Received) -> tuple[int, bytes]:
        if received.headers.get("x-api-key") != self.key:
            return 401, b'{"detail":"Invalid API key"}'
        match = GRAPH.fullmatch(received.path)
        if match is None:
            return 404, b'{"detail":"Not Found"}'
        name = match["graph"]
        if match["trigger"]:
            return self.trigger(name, received.body)
        if received.method == "PUT":
            return self.upsert(name, received.body)
        if name not in self.graphs:
            return 404, json.dumps({"detail": f"Graph template {name} not found"}).encode()
        self.polls[name] = self.polls.get(name, 0) + 1
        if self.polls[name] >= self.pending_polls:
            self.graphs[name].update(validation_status=self.final_status, validation_errors=self.final_errors)
        return 200, json.dumps(self.graphs[name]).encode()

    def upsert(self, name: str, body: bytes) -> tuple[int, bytes]:
        try:
            request = codec.decode(body, UpsertGraphRequest)
        except (msgspec.ValidationError, msgspec.DecodeError) as error:
            return 422, json.dumps({"detail": [{"type": "value_error", "loc": ["body"], "msg": str(error)}]}).encode()
        self.graphs[name] = {
            "nodes": codec.to_builtins(request.nodes),
            "secrets": dict.fromkeys(request.secrets, True),
            # As the released server: defaults in place of what was not sent.
            "retry_policy": codec.to_builtins(request.retry_policy or RetryPolicy()),
            "store_config": codec.to_builtins(request.store_config or StoreConfig()),
            "triggers": codec.to_builtins(request.triggers or []),
            "created_at": "2026-11-22T10:00:00.123000",
            "updated_at": "2026-11-22T10:00:00.123000",
            "validation_status": "PENDING",
            "validation_errors": None,
        }
        self.polls[name] = 0
        return 201, json.dumps(self.graphs[name]).encode()

    def trigger(self, name: str, body: bytes) -> tuple[int, bytes]:
        if name not in self.graphs:
            return 404, json.dumps({"detail": f"Graph template {name} not found"}).encode()
        codec.decode(body, TriggerGraphRequest)
        return 200, json.dumps({"status": "CREATED", "run_id": RUN_ID}).encode()
