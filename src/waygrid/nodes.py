# pyright: reportIncompatibleVariableOverride=false
"""The node builders: `Node.standard`, `Node.fork` and `Node.join`.

Each builder is a subclass of the generated wire Struct it builds (`StandardNodeBuilder` is a `StandardNode`), so a
finished node needs no conversion: it encodes as it is. Structs are frozen: every setter returns a new node, and one
node can be shared by any number of specs. The setters shadow the fields of the same name (`label`, `on_success`,
`branches`, ...); read a node's values from `node.struct`, a plain copy.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

import msgspec
from msgspec import UNSET
from msgspec.structs import replace

from waygrid import _arguments as check
from waygrid import _fields as read
from waygrid.forkjoin import carrier_join, place_join, remove_join
from waygrid.parameters import ParameterInput, parameter
from waygrid.policies import DurationLike
from waygrid_api.models.traversal_spec import (
    AndJoin,
    ConditionalEdge,
    DeliveryStrategy,
    ForkNode,
    ImmediateDelivery,
    JoinNode,
    JoinStrategy,
    NoRetry,
    RetryPolicy,
    StandardNode,
)
from waygrid_api.models.traversal_spec import Node as NodeStruct

__all__ = [
    "ForkNodeBuilder",
    "INode",
    "JoinNodeBuilder",
    "JoinedForkNodeBuilder",
    "Node",
    "NodeLike",
    "StandardNodeBuilder",
    "node_struct",
]

ADDRESS = re.compile(r"waygrid://(origin|processor|destination|system)/[a-z0-9-]+")
LABEL_MAX = 64
NODE_TYPES = (StandardNode, ForkNode, JoinNode)
_NO_RETRY = NoRetry()
_IMMEDIATE = ImmediateDelivery()
_AND = AndJoin()
_RETRY_TYPES: tuple[type, ...] = RetryPolicy.__args__
_DELIVERY_TYPES: tuple[type, ...] = DeliveryStrategy.__args__
_STRATEGY_TYPES: tuple[type, ...] = JoinStrategy.__args__
_GOOD_ADDRESSES: set[str] = set()
_ADDRESS_CACHE_LIMIT = 4096


def checked_address(value: str) -> str:
    """The node address, checked: `waygrid://<origin|processor|destination|system>/<service>`."""
    if value in _GOOD_ADDRESSES:
        return value
    if not isinstance(value, str):
        raise TypeError(f"address must be a str, got {type(value).__name__}")
    if ADDRESS.fullmatch(value) is None:
        raise ValueError(
            f"address must look like waygrid://<origin|processor|destination|system>/<service> with a service "
            f"of a-z, 0-9 and '-', got {value!r}"
        )
    if len(_GOOD_ADDRESSES) < _ADDRESS_CACHE_LIMIT:
        _GOOD_ADDRESSES.add(value)
    return value


def _continuation(node: NodeLike | None, name: str) -> Any:
    if node is None:
        return UNSET
    if isinstance(node, NODE_TYPES):
        return node
    raise TypeError(f"{name} must be a node (Node.standard(...), Node.fork(...), Node.join(...)), got {node!r}")


def _join_id(value: str) -> str:
    if not check.text(value, "join_id"):
        raise ValueError("join_id must not be empty")
    return value


B = TypeVar("B", bound="_Node")


class _Node(msgspec.Struct, frozen=True, kw_only=True):
    """The setters every node kind has. Builders list this class first, so its methods come before the fields of
    the same names in the generated class."""

    def label(self: B, label: str | None) -> B:
        """A display name of at most 64 characters; None removes it."""
        if label is not None:
            if not isinstance(label, str):
                raise TypeError(f"label must be a str, got {type(label).__name__}")
            if len(label) > LABEL_MAX:
                raise ValueError(f"label must be at most {LABEL_MAX} characters, got {len(label)}")
        return replace(self, label=UNSET if label is None else label)

    def with_retry(self: B, policy: RetryPolicy) -> B:
        """How the router retries this node when it fails (default: RetryPolicy.NONE)."""
        if not isinstance(policy, _RETRY_TYPES):
            raise TypeError(f"with_retry takes a RetryPolicy (RetryPolicy.exponential(...)), got {policy!r}")
        return replace(self, retry_policy=policy)

    def with_delivery(self: B, strategy: DeliveryStrategy) -> B:
        """When the router delivers to this node (default: DeliveryStrategy.IMMEDIATE)."""
        if not isinstance(strategy, _DELIVERY_TYPES):
            raise TypeError(f"with_delivery takes a DeliveryStrategy, got {strategy!r}")
        return replace(self, delivery_strategy=strategy)

    def parameters(self: B, values: Mapping[str, ParameterInput]) -> B:
        """Named parameters for the node's service: str, int, float, bool or Parameter.secret(...)."""
        if not isinstance(values, Mapping):
            raise TypeError(f"parameters takes a mapping of names to values, got {type(values).__name__}")
        converted = {check.text(name, "parameter name"): parameter(value, f"parameters[{name!r}]")
                     for name, value in values.items()}  # fmt: skip
        return replace(self, parameters=converted or UNSET)


class _Continuing(_Node, frozen=True, kw_only=True):
    """onSuccess and onFailure, which standard and join nodes have (a fork has neither)."""

    def on_success(self: B, node: NodeLike | None) -> B:
        return replace(self, on_success=_continuation(node, "on_success"))

    def on_failure(self: B, node: NodeLike | None) -> B:
        return replace(self, on_failure=_continuation(node, "on_failure"))


# The setters share their names with the fields they set, as the seed's API has it; type checkers see a method
# overriding a field, which this module allows (see the file-level pyright setting and the mypy override in
# pyproject.toml).


class StandardNodeBuilder(_Continuing, StandardNode, frozen=True, kw_only=True):
    """A linear processing step: onSuccess, onFailure and conditional routes."""

    def on_conditions(self, edges: Iterable[ConditionalEdge]) -> StandardNodeBuilder:
        """Routes checked in order before onSuccess; build each with Condition.when(condition, node)."""
        routes = list(edges)
        for index, edge in enumerate(routes):
            if not isinstance(edge, ConditionalEdge):
                raise TypeError(f"on_conditions[{index}] must be Condition.when(condition, node), got {edge!r}")
        return replace(self, on_conditions=routes or UNSET)

    @property
    def struct(self) -> StandardNode:
        """The node as a plain generated Struct, its fields readable by name."""
        return StandardNode(**msgspec.structs.asdict(self))


class JoinNodeBuilder(_Continuing, JoinNode, frozen=True, kw_only=True):
    """Fan-in of a fork's branches; attach it to its fork with `fork.with_join(join)`."""

    def join_id(self, join_id: str) -> JoinNodeBuilder:
        """Pairs the join with its fork: must equal the fork's join_id."""
        return replace(self, join_node_id=_join_id(join_id))

    def strategy(self, strategy: JoinStrategy) -> JoinNodeBuilder:
        """When to continue: JoinStrategy.AND (default), OR or quorum(n)."""
        if not isinstance(strategy, _STRATEGY_TYPES):
            raise TypeError(f"strategy takes a JoinStrategy, got {strategy!r}")
        return replace(self, strategy=strategy)

    def timeout(self, timeout: DurationLike | None) -> JoinNodeBuilder:
        """How long to wait for the branches before onTimeout; None waits without limit."""
        if timeout is None:
            return replace(self, timeout=UNSET)
        duration = check.duration(timeout, "timeout")
        if duration.nanoseconds == 0:
            raise ValueError("timeout must be longer than zero (None waits without limit)")
        return replace(self, timeout=duration)

    def on_timeout(self, node: NodeLike | None) -> JoinNodeBuilder:
        return replace(self, on_timeout=_continuation(node, "on_timeout"))

    @property
    def struct(self) -> JoinNode:
        return JoinNode(**msgspec.structs.asdict(self))


class ForkNodeBuilder(_Node, ForkNode, frozen=True, kw_only=True):
    """Fan-out to parallel branches. `with_join(join)` puts a copy of the join at the end of every branch, the
    join's continuations on the first copy only, as the router's compiler needs."""

    @property
    def join(self) -> JoinNode | None:
        """The attached join (the copy that carries its continuations), if any."""
        return None

    def join_id(self, join_id: str) -> ForkNodeBuilder:
        """Pairs the fork with its join; an attached join takes the same id."""
        return replace(self, join_node_id=_join_id(join_id))

    def branches(self, branches: Mapping[str, NodeLike]) -> ForkNodeBuilder:
        """The parallel branches by name (2 to 256); each runs until its success path ends, then the join."""
        if not isinstance(branches, Mapping):
            raise TypeError(f"branches takes a mapping of branch names to nodes, got {type(branches).__name__}")
        converted = {check.text(name, "branch name"): _continuation(node, f"branches[{name!r}]")
                     for name, node in branches.items()}  # fmt: skip
        return replace(self, branches=converted)

    def with_join(self, join: JoinNode) -> ForkNodeBuilder:
        """Attach the fork's one join. Its join_id must match the fork's; if either has none, it takes the other's."""
        if not isinstance(join, JoinNode):
            raise TypeError(f"with_join takes Node.join(...), got {join!r}")
        fork_id, join_id = self.join_node_id, join.join_node_id
        if self.join is not None:
            raise ValueError(f"fork {fork_id!r} already has a join: a fork takes exactly one")
        if fork_id and join_id and fork_id != join_id:
            raise ValueError(f"join_id mismatch: the fork has {fork_id!r}, the join has {join_id!r}")
        shared = fork_id or join_id
        placed = place_join(replace(self, join_node_id=shared), replace(join, join_node_id=shared))
        return JoinedForkNodeBuilder(**msgspec.structs.asdict(placed))

    @property
    def struct(self) -> ForkNode:
        return ForkNode(**msgspec.structs.asdict(self))


class JoinedForkNodeBuilder(ForkNodeBuilder, frozen=True, kw_only=True):
    """A fork whose join is in place; changing its branches or join_id moves the join along."""

    @property
    def join(self) -> JoinNode | None:
        return carrier_join(self) if read.branches(self) else None

    def join_id(self, join_id: str) -> ForkNodeBuilder:
        join_id = _join_id(join_id)
        join = self.join
        if join is None:
            return replace(self, join_node_id=join_id)
        bare = replace(self, branches=remove_join(self), join_node_id=join_id)
        return place_join(bare, replace(join, join_node_id=join_id))

    def branches(self, branches: Mapping[str, NodeLike]) -> ForkNodeBuilder:
        join = self.join
        updated = super().branches(branches)
        return updated if join is None else place_join(updated, join)


INode = StandardNodeBuilder | ForkNodeBuilder | JoinNodeBuilder
"""Any node builder."""
NodeLike = StandardNode | ForkNode | JoinNode
"""A node: a builder, or a generated node Struct."""


def node_struct(node: NodeLike, name: str = "node") -> NodeStruct:
    """`node`, checked to be a node."""
    result: NodeStruct = _continuation(node, name)
    return result


def builder(node: NodeStruct) -> INode:
    """The builder for a generated node Struct (its children are kept as they are)."""
    if isinstance(node, (StandardNodeBuilder, ForkNodeBuilder, JoinNodeBuilder)):
        return node
    fields = msgspec.structs.asdict(node)
    if isinstance(node, StandardNode):
        return StandardNodeBuilder(**fields)
    if isinstance(node, ForkNode):
        joined = bool(read.branches(node)) and carrier_join(node) is not None
        return JoinedForkNodeBuilder(**fields) if joined else ForkNodeBuilder(**fields)
    return JoinNodeBuilder(**fields)


class Node:
    """Factories for the three node kinds. Each starts with RetryPolicy.NONE and DeliveryStrategy.IMMEDIATE."""

    @staticmethod
    def standard(address: str) -> StandardNodeBuilder:
        return StandardNodeBuilder(address=checked_address(address), retry_policy=_NO_RETRY,
                                   delivery_strategy=_IMMEDIATE)  # fmt: skip

    @staticmethod
    def fork(address: str) -> ForkNodeBuilder:
        """A fork; give it `join_id(...)`, `branches({...})` and `with_join(Node.join(...))`."""
        return ForkNodeBuilder(address=checked_address(address), retry_policy=_NO_RETRY,
                               delivery_strategy=_IMMEDIATE, branches={}, join_node_id="")  # fmt: skip

    @staticmethod
    def join(address: str) -> JoinNodeBuilder:
        """A join (strategy AND until `strategy(...)`); attach it with `fork.with_join(join)`."""
        return JoinNodeBuilder(address=checked_address(address), retry_policy=_NO_RETRY,
                               delivery_strategy=_IMMEDIATE, join_node_id="", strategy=_AND)  # fmt: skip

    from_struct = staticmethod(builder)
