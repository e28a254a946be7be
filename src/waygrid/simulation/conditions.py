"""Evaluating a route's condition the way the router does.

The router build c785f04 evaluates a condition without input: Always is true, Not negates, And is true when all
parts are (so an empty And is true) and Or when any is (an empty Or is false). JsonExists and JsonEquals read the
succeeding node's output through a JSON pointer: that is the documented behaviour and the one of the router
before commit 7bbfee9, not what today's build does (it refuses such specs), so the simulator applies it only when
asked (`json_conditions=True`).
"""

from __future__ import annotations

import re
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
_INT = re.compile(r"[+-]?[0-9]+")


def resolve_pointer(document: Any, pointer: str) -> Any:
    """The value at `pointer` in `document`, or a private sentinel when there is none.

    As the router read pointers (5cda5e0), not strictly RFC 6901: "" and "/" are the whole document, one leading
    "/" is dropped, the rest is split as Java's `String.split('/')` splits (trailing empty tokens vanish, so "/a/"
    is "/a"), `~1`/`~0` stand for "/" and "~", and a token is an object key or else an array index as Scala's
    `toIntOption` reads it ("01" and "+1" are 1)."""
    text = "" if pointer == "/" else pointer[1:] if pointer.startswith("/") else pointer
    if text == "":
        return document
    tokens = text.split("/")
    while tokens and tokens[-1] == "":
        tokens.pop()
    value: Any = document
    for raw in tokens:
        token = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(value, dict):
            members = cast("dict[str, Any]", value)
            if token not in members:
                return _MISSING
            value = members[token]
        elif isinstance(value, list) and _INT.fullmatch(token) and -(2**31) <= int(token) < 2**31:
            items = cast("list[Any]", value)  # type: ignore[redundant-cast]  # pyright needs it after isinstance
            index = int(token)
            if not 0 <= index < len(items):
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
    """Whether `condition` holds; `output` is the succeeding node's output (None or absent: there is none, and JSON
    conditions are false)."""
    if output is None:
        output = _MISSING
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
