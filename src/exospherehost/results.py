"""What the StateManager calls return: the generated response Structs, readable by key as the original's dicts."""

from __future__ import annotations

from typing import Any

import msgspec
from msgspec import UNSET

from exosphere_api import codec
from exosphere_api.models.trigger_graph import TriggerGraphResponse
from exosphere_api.models.upsert_graph import UpsertGraphResponse

__all__ = ["GraphTemplate", "TriggerResult"]


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
