"""Reading node fields that the builders' setters shadow (`label`, `on_success`, `branches`, ...).

On a builder, `node.on_success` is the setter; these read the field itself, on a builder or a plain Struct alike,
through the generated class's own field descriptor.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from waygrid_api.models.traversal_spec import ForkNode, JoinNode, StandardNode

_standard_on_success = StandardNode.__dict__["on_success"].__get__
_standard_on_failure = StandardNode.__dict__["on_failure"].__get__
_join_on_success = JoinNode.__dict__["on_success"].__get__
_join_on_failure = JoinNode.__dict__["on_failure"].__get__
on_conditions = StandardNode.__dict__["on_conditions"].__get__
branches = ForkNode.__dict__["branches"].__get__
on_timeout = JoinNode.__dict__["on_timeout"].__get__
strategy = JoinNode.__dict__["strategy"].__get__
timeout = JoinNode.__dict__["timeout"].__get__
_labels: dict[type, Callable[[Any], Any]] = {
    cls: cls.__dict__["label"].__get__ for cls in (StandardNode, ForkNode, JoinNode)
}
_parameters: dict[type, Callable[[Any], Any]] = {
    cls: cls.__dict__["parameters"].__get__ for cls in (StandardNode, ForkNode, JoinNode)
}


def _kind(node: Any) -> type:
    if isinstance(node, StandardNode):
        return StandardNode
    if isinstance(node, ForkNode):
        return ForkNode
    return JoinNode


def on_success(node: Any) -> Any:
    """A standard or join node's onSuccess (UNSET for a fork, which has none)."""
    if isinstance(node, StandardNode):
        return _standard_on_success(node)
    if isinstance(node, JoinNode):
        return _join_on_success(node)
    return None


def on_failure(node: Any) -> Any:
    if isinstance(node, StandardNode):
        return _standard_on_failure(node)
    if isinstance(node, JoinNode):
        return _join_on_failure(node)
    return None


def label(node: Any) -> Any:
    return _labels[_kind(node)](node)


def parameters(node: Any) -> Any:
    return _parameters[_kind(node)](node)
