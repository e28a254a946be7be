"""Reading node fields that the builders' setters shadow (`label`, `on_success`, `branches`, ...).

On a builder, `node.on_success` is the setter; these read the field itself, on a builder or a plain Struct alike,
through the generated class's own field descriptor.
"""

from __future__ import annotations

from typing import Any

from waygrid_api.models.traversal_spec import ForkNode, JoinNode, StandardNode

standard_label = StandardNode.__dict__["label"].__get__
standard_parameters = StandardNode.__dict__["parameters"].__get__
standard_on_success = StandardNode.__dict__["on_success"].__get__
standard_on_failure = StandardNode.__dict__["on_failure"].__get__
on_conditions = StandardNode.__dict__["on_conditions"].__get__
fork_label = ForkNode.__dict__["label"].__get__
fork_parameters = ForkNode.__dict__["parameters"].__get__
branches = ForkNode.__dict__["branches"].__get__
join_label = JoinNode.__dict__["label"].__get__
join_parameters = JoinNode.__dict__["parameters"].__get__
join_on_success = JoinNode.__dict__["on_success"].__get__
join_on_failure = JoinNode.__dict__["on_failure"].__get__
on_timeout = JoinNode.__dict__["on_timeout"].__get__
strategy = JoinNode.__dict__["strategy"].__get__
timeout = JoinNode.__dict__["timeout"].__get__


def on_success(node: Any) -> Any:
    """A standard or join node's onSuccess (None for a fork, which has none)."""
    if isinstance(node, StandardNode):
        return standard_on_success(node)
    if isinstance(node, JoinNode):
        return join_on_success(node)
    return None


def on_failure(node: Any) -> Any:
    """A standard or join node's onFailure (None for a fork, which has none)."""
    if isinstance(node, StandardNode):
        return standard_on_failure(node)
    if isinstance(node, JoinNode):
        return join_on_failure(node)
    return None
