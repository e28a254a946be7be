"""Evaluating a route's condition the way the router does.

The router build c785f04 evaluates a condition without input: Always is true, Not negates, And is true when all
parts are (so an empty And is true) and Or when any is (an empty Or is false). JsonExists and JsonEquals read the
succeeding node's output through a JSON pointer: that is the documented behaviour and the one of the router
before commit 7bbfee9, not what today's build does (it refuses such specs), so the simulator applies it only when
asked (`json_conditions=True`).
"""

from __future__ import annotations

from typing import Any, cast

from waygrid_api.models.traversal_spec import (
    AlwaysCondition,
    AndCondition,
    JsonEqualsCondition,
    JsonExistsCondition,
    NotCondition,
    OrCondition,
)

__all__ = ["evaluate", "resolve_pointer"]

_MISSING = object()


def resolve_pointer(document: Any, pointer: str) -> Any:
    """The value at `pointer` in `document`, or a private sentinel when there is none.

    As the router read pointers: a leading "/" is optional, "" and "/" are the whole document, tokens are object
    keys or array indices, and `~1`/`~0` stand for "/" and "~"."""
    text = pointer[1:] if pointer.startswith("/") else pointer
    if text == "":
        return document
    value: Any = document
    for raw in text.split("/"):
        token = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(value, dict):
            members = cast("dict[str, Any]", value)
            if token not in members:
                return _MISSING
            value = members[token]
        elif isinstance(value, list) and token.isdigit() and (token == "0" or not token.startswith("0")):
            items = cast("list[Any]", value)  # type: ignore[redundant-cast]  # pyright needs it after isinstance
            index = int(token)
            if index >= len(items):
                return _MISSING
            value = items[index]
        else:
            return _MISSING
    return value


def _json_equal(left: Any, right: Any) -> bool:
    """JSON equality: numbers by value (1 == 1.0), booleans apart from numbers, objects without key order."""
    if isinstance(left, bool) or isinstance(right, bool):
        return isinstance(left, bool) and isinstance(right, bool) and left == right
    if isinstance(left, (int, float)) and isinstance(right, (int, float)):
        return left == right
    if isinstance(left, list) and isinstance(right, list):
        items = cast("list[Any]", left)  # type: ignore[redundant-cast]  # pyright needs it after isinstance
        others = cast("list[Any]", right)  # type: ignore[redundant-cast]
        return len(items) == len(others) and all(_json_equal(a, b) for a, b in zip(items, others, strict=True))
    if isinstance(left, dict) and isinstance(right, dict):
        members, others_by_key = cast("dict[str, Any]", left), cast("dict[str, Any]", right)
        return members.keys() == others_by_key.keys() and all(
            _json_equal(value, others_by_key[key]) for key, value in members.items()
        )
    return type(cast("object", left)) is type(cast("object", right)) and bool(left == right)


def evaluate(condition: Any, output: Any = _MISSING) -> bool:
    """Whether `condition` holds; `output` is the succeeding node's output (absent: JSON conditions are false)."""
    if isinstance(condition, AlwaysCondition):
        return True
    if isinstance(condition, NotCondition):
        return not evaluate(condition.cond, output)
    if isinstance(condition, AndCondition):
        return all(evaluate(part, output) for part in condition.all)
    if isinstance(condition, OrCondition):
        return any(evaluate(part, output) for part in condition.any)
    if isinstance(condition, JsonExistsCondition):
        return output is not _MISSING and resolve_pointer(output, condition.pointer) is not _MISSING
    if isinstance(condition, JsonEqualsCondition):
        if output is _MISSING:
            return False
        found = resolve_pointer(output, condition.pointer)
        return found is not _MISSING and _json_equal(found, condition.value)
    raise TypeError(f"not a condition: {condition!r}")


NO_OUTPUT = _MISSING
"""The output of a node that gave none (the router's NodeSuccess carries no output)."""
