"""The members of a JSON document that a generated type does not declare: decoding an open object drops them, and
a server that ignores them (Exosphere's state manager) drops them too, so a misspelt key in a file is lost without
a word unless it is reported. Paths are JSONPath, as msgspec spells them (`$.nodes[1].next_node`)."""

from __future__ import annotations

from typing import Any, cast

from msgspec import inspect

__all__ = ["unknown_members"]


def unknown_members(document: Any, type_: Any) -> list[str]:
    """The path of every member of `document` (decoded JSON) that `type_` has no field for, in document order."""
    found: list[str] = []
    _walk(document, inspect.type_info(type_), "$", found)
    return found


def _walk(value: Any, info: inspect.Type, path: str, found: list[str]) -> None:
    if isinstance(info, inspect.UnionType):
        for member in info.types:
            if _fits(value, member):
                _walk(value, member, path, found)
                return
    elif isinstance(info, inspect.StructType) and isinstance(value, dict):
        fields = {field.encode_name: field for field in info.fields}
        tag = info.tag_field
        for key, item in cast("dict[str, Any]", value).items():
            if key in fields:
                _walk(item, fields[key].type, f"{path}.{key}", found)
            elif key != tag:
                found.append(f"{path}.{key}")
    elif isinstance(info, (inspect.ListType, inspect.SetType, inspect.FrozenSetType, inspect.VarTupleType)):
        if isinstance(value, list):
            items: list[Any] = value  # pyright: ignore[reportUnknownVariableType]
            for index, item in enumerate(items):
                _walk(item, info.item_type, f"{path}[{index}]", found)
    elif isinstance(info, inspect.DictType) and isinstance(value, dict):
        for key, item in cast("dict[str, Any]", value).items():
            _walk(item, info.value_type, f"{path}.{key}", found)


def _fits(value: Any, info: inspect.Type) -> bool:
    """Whether `value` is what a union member reads: an object for a Struct (with its tag, when tagged) or a map, a
    list for a list, anything else for the rest."""
    if isinstance(info, inspect.StructType) and info.tag_field is not None:
        return isinstance(value, dict) and cast("dict[str, Any]", value).get(info.tag_field) == info.tag
    if isinstance(info, (inspect.StructType, inspect.DictType)):
        return isinstance(value, dict)
    if isinstance(info, (inspect.ListType, inspect.SetType, inspect.FrozenSetType, inspect.VarTupleType)):
        return isinstance(value, list)
    return not isinstance(value, (dict, list))
