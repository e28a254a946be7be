"""What the StateManager calls return: the generated response Structs, readable by key as the original's dicts."""

from __future__ import annotations

from typing import Any

import msgspec
from msgspec import UNSET

from exosphere_api import codec
from exosphere_api.models.observation import (
    GraphStructureResponse,
    GraphTemplateRecord,
    HealthResponse,
    ListGraphTemplatesResponse,
    ListNamespacesResponse,
    ListRegisteredNodesResponse,
    NodeRunDetailsResponse,
    RunsResponse,
)
from exosphere_api.models.runtime import ManualRetryResponse
from exosphere_api.models.trigger_graph import TriggerGraphResponse
from exosphere_api.models.upsert_graph import UpsertGraphResponse
from sdkcore.secret import REDACTED

__all__ = [
    "GraphTemplate",
    "GraphTemplates",
    "HealthResult",
    "ManualRetryResult",
    "Namespaces",
    "NodeRunDetails",
    "RegisteredNodes",
    "RunGraph",
    "RunsPage",
    "StoredGraphTemplate",
    "TriggerResult",
]


class _ByKey(msgspec.Struct, frozen=True, kw_only=True):
    """`result["validation_status"]`, `result.get(...)`, `"key" in result` and `to_dict()`, as the original's JSON
    dicts allow; values read by key are plain JSON values (str, list, dict), as they were."""

    def __getitem__(self, key: str) -> Any:
        if key not in self.__struct_fields__ or getattr(self, key) is UNSET:
            raise KeyError(key)
        return codec.to_builtins(getattr(self, key))

    def get(self, key: str, default: Any = None) -> Any:
        try:
            return self[key]
        except KeyError:
            return default

    def keys(self) -> list[str]:
        return [name for name in self.__struct_fields__ if getattr(self, name) is not UNSET]

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and key in self.keys()

    def to_dict(self) -> dict[str, Any]:
        result: dict[str, Any] = codec.to_builtins(self)
        return result


class GraphTemplate(UpsertGraphResponse, _ByKey, frozen=True, kw_only=True):
    """A graph template as the state manager returns it (nodes, validation status and errors, ...)."""


class TriggerResult(TriggerGraphResponse, _ByKey, frozen=True, kw_only=True):
    """A started run: `status` and `run_id`."""


class HealthResult(HealthResponse, _ByKey, frozen=True, kw_only=True):
    """The answer of GET /health: `message` is "OK"."""


class Namespaces(ListNamespacesResponse, _ByKey, frozen=True, kw_only=True):
    """The namespaces that have registered nodes, sorted, and their `count`."""


class RegisteredNodes(ListRegisteredNodesResponse, _ByKey, frozen=True, kw_only=True):
    """The node classes registered in the namespace (`nodes`), with the runtime that registered each."""


class StoredGraphTemplate(GraphTemplateRecord, frozen=True, kw_only=True):
    """One entry of `GraphTemplates`: a template as stored. Its repr shows the secret names, not their values
    (the released server sends them encrypted; read them with `.secrets` if you need them)."""

    def __repr__(self) -> str:
        hidden = msgspec.structs.replace(self, secrets=dict.fromkeys(self.secrets, REDACTED))
        return msgspec.Struct.__repr__(hidden)


class GraphTemplates(ListGraphTemplatesResponse, _ByKey, frozen=True, kw_only=True):
    """Every graph template of the namespace (`templates`), with the stored retry policy, store config and
    triggers, which `get_graph` does not return."""

    # Decoded as the subclass, whose repr hides the secret values; the list is only read.
    templates: list[StoredGraphTemplate]  # type: ignore[assignment]


class RunsPage(RunsResponse, _ByKey, frozen=True, kw_only=True):
    """One page of the namespace's runs, newest first, each with its state counts and status; `total` counts all."""


class RunGraph(GraphStructureResponse, _ByKey, frozen=True, kw_only=True):
    """The states of one run (`nodes`, `root_states`), the parent-to-child `edges`, and a count per status."""


class NodeRunDetails(NodeRunDetailsResponse, _ByKey, frozen=True, kw_only=True):
    """One state of a run: status, inputs, outputs, error and parents."""


class ManualRetryResult(ManualRetryResponse, _ByKey, frozen=True, kw_only=True):
    """The state a manual retry created: its `id` and `status` (CREATED)."""
