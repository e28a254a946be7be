"""The checks `Runtime` makes of its node classes, with exospherehost 0.0.3's messages, in its order.

A model may be a pydantic `BaseModel` (as 0.0.3 requires) or a msgspec `Struct`; the messages still name
`pydantic.BaseModel`, as code written for 0.0.3 expects them to."""

from __future__ import annotations

from collections.abc import Sequence

from exospherehost.node import BaseNode
from exospherehost.node_models import field_annotations, is_model

__all__ = ["node_problems"]

_KINDS = ("Inputs", "Outputs", "Secrets")


def _is_node(node: object) -> bool:
    return isinstance(node, type) and issubclass(node, BaseNode)


def node_problems(nodes: Sequence[object]) -> list[str]:
    """Every problem of `nodes`, each a line of the runtime's ValueError."""
    errors: list[str] = []
    for given in nodes:
        node: object = given
        name: str = getattr(node, "__name__", repr(node))
        if not _is_node(node):
            errors.append(f"{name} does not inherit from exospherehost.BaseNode")
        if not hasattr(node, "Inputs"):
            errors.append(f"{name} does not have an Inputs class")
        if not hasattr(node, "Outputs"):
            errors.append(f"{name} does not have an Outputs class")
        models = {kind: hasattr(node, kind) and is_model(getattr(node, kind)) for kind in _KINDS}
        if not models["Inputs"]:
            errors.append(f"{name} does not have an Inputs class that inherits from pydantic.BaseModel")
        if not models["Outputs"]:
            errors.append(f"{name} does not have an Outputs class that inherits from pydantic.BaseModel")
        if not hasattr(node, "Secrets"):
            errors.append(f"{name} does not have an Secrets class")
        if not models["Secrets"]:
            errors.append(f"{name} does not have an Secrets class that inherits from pydantic.BaseModel")
        for kind in _KINDS:
            if models[kind]:
                for field, annotation in field_annotations(getattr(node, kind)).items():
                    if annotation is not str:
                        errors.append(f"{name}.{kind} field '{field}' must be of type str, got {annotation}")
    names = [getattr(node, "__name__", repr(node)) for node in nodes]
    duplicates = [name for name in set(names) if names.count(name) > 1]
    if duplicates:
        errors.append(f"Duplicate node class names found: {duplicates}")
    return errors
