"""Conditions for conditional routing, and `Condition.when` to pair one with the node it routes to."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, ClassVar

import msgspec

from waygrid import _arguments as check
from waygrid.nodes import NodeLike, node_struct
from waygrid_api.models.traversal_spec import (
    AlwaysCondition,
    AndCondition,
    ConditionalEdge,
    JsonEqualsCondition,
    JsonExistsCondition,
    NotCondition,
    OrCondition,
)
from waygrid_api.models.traversal_spec import Condition as ConditionStruct

__all__ = ["Condition", "ConditionStruct"]

JSON_POINTER = re.compile(r"(/([^~/]|~[01])*)*")
_CONDITION_TYPES = (AlwaysCondition, NotCondition, AndCondition, OrCondition, JsonExistsCondition, JsonEqualsCondition)


def _pointer(pointer: str) -> str:
    if JSON_POINTER.fullmatch(check.text(pointer, "pointer")) is None:
        raise ValueError(f"pointer must be an RFC 6901 JSON pointer such as '/result/data', got {pointer!r}")
    return pointer


def _condition(value: ConditionStruct, name: str) -> ConditionStruct:
    if not isinstance(value, _CONDITION_TYPES):
        raise TypeError(f"{name} must be a Condition, got {value!r}")
    return value


class Condition:
    """Factories for conditions. The current router build (c785f04) reads Always, Not, And and Or only;
    json_exists and json_equals are the documented shapes, which `Spec.validate()` reports as not accepted."""

    ALWAYS: ClassVar[AlwaysCondition] = AlwaysCondition()

    @staticmethod
    def json_exists(pointer: str) -> JsonExistsCondition:
        """True when the node's output has a value at `pointer`."""
        return JsonExistsCondition(pointer=_pointer(pointer))

    @staticmethod
    def json_equals(pointer: str, value: Any) -> JsonEqualsCondition:
        """True when the node's output at `pointer` equals `value` (any JSON value, null included)."""
        try:
            msgspec.json.encode(value)
        except (TypeError, msgspec.EncodeError):
            raise TypeError(
                f"value must be a JSON value (str, number, bool, None, list, dict), got {value!r}"
            ) from None
        return JsonEqualsCondition(pointer=_pointer(pointer), value=value)

    @staticmethod
    def not_(condition: ConditionStruct) -> NotCondition:
        return NotCondition(cond=_condition(condition, "condition"))

    @staticmethod
    def and_(conditions: Iterable[ConditionStruct]) -> AndCondition:
        """True when every condition is."""
        return AndCondition(all=[_condition(c, f"conditions[{i}]") for i, c in enumerate(conditions)])

    @staticmethod
    def or_(conditions: Iterable[ConditionStruct]) -> OrCondition:
        """True when any condition is."""
        return OrCondition(any=[_condition(c, f"conditions[{i}]") for i, c in enumerate(conditions)])

    @staticmethod
    def when(condition: ConditionStruct, node: NodeLike) -> ConditionalEdge:
        """A route for `on_conditions`: go to `node` when `condition` holds."""
        return ConditionalEdge(condition=_condition(condition, "condition"), to=node_struct(node, "node"))
