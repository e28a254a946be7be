"""The three models of a node (`Inputs`, `Outputs`, `Secrets`) as the runtime sees them, whichever kind they are:
a pydantic `BaseModel` (what exospherehost 0.0.3 requires; pydantic is imported only when such a model is met) or a
msgspec `Struct` (the native, faster path). One adapter per kind: its fields and their annotations, the JSON Schema
pydantic writes for it, building it from a mapping, and dumping an instance."""

from __future__ import annotations

import functools
import sys
import typing
from collections.abc import Mapping
from typing import Any, cast

import msgspec

__all__ = ["build", "dump", "field_annotations", "is_model", "is_pydantic", "json_schema"]


def is_pydantic(cls: object) -> bool:
    """True for a pydantic BaseModel subclass; pydantic is consulted only when it is already imported, which it
    is whenever such a class exists."""
    pydantic = sys.modules.get("pydantic")
    return pydantic is not None and isinstance(cls, type) and issubclass(cls, pydantic.BaseModel)


def is_struct(cls: object) -> bool:
    return isinstance(cls, type) and issubclass(cls, msgspec.Struct)


def is_model(cls: object) -> bool:
    return is_pydantic(cls) or is_struct(cls)


@functools.lru_cache(maxsize=1024)
def field_annotations(cls: type[Any]) -> dict[str, Any]:
    """Each field's annotation, as pydantic's `model_fields[name].annotation` gives it (None for unresolvable);
    read once per class (the runtime asks for every state). Do not change the dict it returns."""
    if is_pydantic(cls):
        return {name: info.annotation for name, info in cls.model_fields.items()}
    hints = typing.get_type_hints(cls)
    return {name: hints.get(name) for name in cls.__struct_fields__}


def _title(name: str) -> str:
    # pydantic's default field title
    return name.title().replace("_", " ")


def json_schema(cls: type[Any]) -> dict[str, Any]:
    """The JSON Schema exospherehost 0.0.3 registers: pydantic's `model_json_schema()`; for a Struct the same
    document pydantic writes for a model with the same string fields (key order included)."""
    if is_pydantic(cls):
        schema: dict[str, Any] = cls.model_json_schema()
        return schema
    properties: dict[str, Any] = {}
    required: list[str] = []
    for field in msgspec.structs.fields(cls):
        entry: dict[str, Any] = {}
        if field.default is not msgspec.NODEFAULT:
            entry["default"] = field.default
        entry.update(title=_title(field.encode_name), type="string")
        properties[field.encode_name] = entry
        if field.required:
            required.append(field.encode_name)
    document: dict[str, Any] = {"properties": properties}
    if required:
        document["required"] = required
    document.update(title=cls.__name__, type="object")
    return document


class NodeInputError(ValueError):
    """Values that do not fit a node's Inputs or Secrets; the text names the field."""


def build(cls: type[Any], values: Mapping[str, Any]) -> Any:
    """An instance of `cls` from `values`: unknown keys ignored, a missing or ill-typed one refused, as pydantic's
    `cls(**values)` does. pydantic's ValidationError passes through unchanged (its text is what 0.0.3 reports)."""
    if is_pydantic(cls):
        return cls(**values)
    try:
        return msgspec.convert(dict(values), cls)
    except msgspec.ValidationError as error:
        raise NodeInputError(f"{cls.__qualname__}: {error}") from None


def dump(instance: object) -> dict[str, Any]:
    """The output as 0.0.3 sends it (`model_dump()`); a Struct as its builtins."""
    kind: type[Any] = type(instance)
    if is_struct(kind):
        dumped: dict[str, Any] = msgspec.to_builtins(instance)
        return dumped
    if is_pydantic(kind):
        result: dict[str, Any] = cast(Any, instance).model_dump()
        return result
    raise TypeError(f"an output must be a pydantic BaseModel or a msgspec Struct, got {type(instance).__name__}")
