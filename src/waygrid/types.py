"""Type names for annotations: `INode` (any node builder) and `ConditionalEdge` (a route of `on_conditions`)."""

from waygrid.nodes import INode, NodeLike
from waygrid_api.models.traversal_spec import ConditionalEdge

__all__ = ["ConditionalEdge", "INode", "NodeLike"]
