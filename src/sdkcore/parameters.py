"""OpenAPI parameters of an operation: checked against their schema's type, then written as OpenAPI 3.1 says.

Styles: `simple` (path and header: arrays comma-joined) and `form` (query: an array repeats the name when
`explode` is true, the OpenAPI default, and is comma-joined when false). Booleans are written `true`/`false`,
enum members as their value. Codegen refuses every other style, and object-valued parameters.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from typing import Any, Literal, cast
from urllib.parse import quote

import msgspec


class Parameter(msgspec.Struct, frozen=True, kw_only=True):
    """One parameter as the OpenAPI document declares it."""

    name: str
    location: Literal["path", "query", "header"]
    type: Any
    required: bool = False
    explode: bool = False


class RequestParts(msgspec.Struct, frozen=True, kw_only=True):
    """The parameters written out: path segments and the query already percent-encoded, headers as text."""

    path: dict[str, str]
    query: str
    headers: dict[str, str]


def _text(value: Any) -> str:
    if isinstance(value, Enum):
        value = value.value
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def encode_component(text: str) -> str:
    """Percent-encoded for a path segment or a query value; `.` and `..` too, which would be dot segments."""
    encoded = quote(text, safe="")
    return encoded.replace(".", "%2E") if encoded in (".", "..") else encoded


def request_parts(operation_id: str, parameters: tuple[Parameter, ...], values: Mapping[str, Any]) -> RequestParts:
    """Each parameter's value checked (ValueError naming the parameter and the rule) and written out. Array items
    are encoded one by one before they are joined, so an item's own comma is not read as a separator."""
    path: dict[str, str] = {}
    query: list[str] = []
    headers: dict[str, str] = {}
    for parameter in parameters:
        value = values.get(parameter.name)
        if value is None:
            if parameter.required:
                raise ValueError(f"{operation_id}: parameter {parameter.name!r} is required")
            continue
        try:
            if not (parameter.type is str and type(value) is str):  # the common case needs no conversion
                value = msgspec.convert(value, parameter.type)
        except msgspec.ValidationError as error:
            raise ValueError(f"{operation_id}: parameter {parameter.name!r} ({parameter.location}): {error}") from None
        items = [_text(item) for item in cast("list[Any]", value)] if isinstance(value, (list, tuple)) else None
        if parameter.location == "header":
            if items is not None and any("," in item for item in items):
                raise ValueError(f"{operation_id}: header parameter {parameter.name!r}: an item holds ',', which "
                                 "the simple style cannot tell from the separator")  # fmt: skip
            headers[parameter.name.lower()] = ",".join(items) if items is not None else _text(value)
            continue
        written = [encode_component(item) for item in (items if items is not None else [_text(value)])]
        if parameter.location == "path":
            path[parameter.name] = ",".join(written)
        elif items is not None and parameter.explode:
            query.extend(f"{encode_component(parameter.name)}={item}" for item in written)
        else:
            query.append(f"{encode_component(parameter.name)}={','.join(written)}")
    return RequestParts(path=path, query="&".join(query), headers=headers)
