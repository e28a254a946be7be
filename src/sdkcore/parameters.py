"""OpenAPI parameters of an operation: checked against their schema's type, then written as OpenAPI 3.1 says.

Styles: `simple` (path and header: arrays comma-joined) and `form` (query: an array repeats the name when
`explode` is true, the OpenAPI default, and is comma-joined when false). Booleans are written `true`/`false`,
enum members as their value. Codegen refuses every other style, and object-valued parameters.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from typing import Any, Literal, cast

import msgspec


class Parameter(msgspec.Struct, frozen=True, kw_only=True):
    """One parameter as the OpenAPI document declares it."""

    name: str
    location: Literal["path", "query", "header"]
    type: Any
    required: bool = False
    explode: bool = False


class RequestParts(msgspec.Struct, frozen=True, kw_only=True):
    path: dict[str, str]
    query: list[tuple[str, str]]
    headers: dict[str, str]


def _text(value: Any) -> str:
    if isinstance(value, Enum):
        value = value.value
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def request_parts(operation_id: str, parameters: tuple[Parameter, ...], values: Mapping[str, Any]) -> RequestParts:
    """Each parameter's value checked (ValueError naming the parameter and the rule) and written out."""
    parts = RequestParts(path={}, query=[], headers={})
    for parameter in parameters:
        value = values.get(parameter.name)
        if value is None:
            if parameter.required:
                raise ValueError(f"{operation_id}: parameter {parameter.name!r} is required")
            continue
        try:
            value = msgspec.convert(value, parameter.type)
        except msgspec.ValidationError as error:
            raise ValueError(f"{operation_id}: parameter {parameter.name!r} ({parameter.location}): {error}") from None
        items = [_text(item) for item in cast("list[Any]", value)] if isinstance(value, (list, tuple)) else None
        if parameter.location == "query":
            if items is not None and parameter.explode:
                parts.query.extend((parameter.name, item) for item in items)
            else:
                parts.query.append((parameter.name, ",".join(items) if items is not None else _text(value)))
            continue
        text = ",".join(items) if items is not None else _text(value)
        if parameter.location == "path":
            parts.path[parameter.name] = text
        else:
            parts.headers[parameter.name.lower()] = text
    return parts
