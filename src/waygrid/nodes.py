"""The node builders: `Node.standard`, `Node.fork` and `Node.join`, and the immutable builders they return.

A builder holds the generated wire Struct it stands for (`.struct`); every setter returns a new builder around a
new Struct, so one builder can be shared by any number of specs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any, Generic, TypeVar

from msgspec import UNSET
from msgspec.structs import replace

from waygrid import _arguments as check
from waygrid.forkjoin import place_join
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

__all__ = ["ForkNodeBuilder", "INode", "JoinNodeBuilder", "Node", "NodeLike", "StandardNodeBuilder", "node_struct"]

ADDRESS = re.compile(r"waygrid://(origin|processor|destination|system)/[a-z0-9-]+")
LABEL_MAX = 64
_NO_RETRY = NoRetry()
_IMMEDIATE = ImmediateDelivery()
_RETRY_TYPES: tuple[type, ...] = RetryPolicy.__args__
_DELIVERY_TYPES: tuple[type, ...] = DeliveryStrategy.__args__
_STRATEGY_TYPES: tuple[type, ...] = JoinStrategy.__args__

S = TypeVar("S", StandardNode, ForkNode, JoinNode)
B = TypeVar("B", bound="_Builder[Any]")


def checked_address(value: str) -> str:
    """The node address, checked: `waygrid://<origin|processor|destination|system>/<service>`."""
    if not isinstance(value, str):
        raise TypeError(f"address must be a str, got {type(value).__name__}")
    if ADDRESS.fullmatch(value) is None:
        raise ValueError(
            f"address must look like waygrid://<origin|processor|destination|system>/<service> with a service "
            f"of a-z, 0-9 and '-', got {value!r}"
        )
    return value


class _Builder(Generic[S]):
    __slots__ = ("_node",)
    _node: S

    def __init__(self, node: S) -> None:
        object.__setattr__(self, "_node", node)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable: its setters return a new node")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")

    @property
    def struct(self) -> S:
        """The generated wire Struct this builder stands for."""
        return self._node

    def _with(self: B, **changes: Any) -> B:
        return type(self)(replace(self._node, **changes))

    def label(self: B, label: str | None) -> B:
        """A display name of at most 64 characters; None removes it."""
        if label is not None and len(check.text(label, "label")) > LABEL_MAX:
            raise ValueError(f"label must be at most {LABEL_MAX} characters, got {len(label)}")
        return self._with(label=UNSET if label is None else label)

    def with_retry(self: B, policy: RetryPolicy) -> B:
        """How the router retries this node when it fails (default: RetryPolicy.NONE)."""
        if not isinstance(policy, _RETRY_TYPES):
            raise TypeError(f"with_retry takes a RetryPolicy (RetryPolicy.exponential(...)), got {policy!r}")
        return self._with(retry_policy=policy)

    def with_delivery(self: B, strategy: DeliveryStrategy) -> B:
        """When the router delivers to this node (default: DeliveryStrategy.IMMEDIATE)."""
        if not isinstance(strategy, _DELIVERY_TYPES):
            raise TypeError(f"with_delivery takes a DeliveryStrategy, got {strategy!r}")
        return self._with(delivery_strategy=strategy)

    def parameters(self: B, values: Mapping[str, ParameterInput]) -> B:
        """Named parameters for the node's service: str, int, float, bool or Parameter.secret(...)."""
        if not isinstance(values, Mapping):
            raise TypeError(f"parameters takes a mapping of names to values, got {type(values).__name__}")
        converted = {
            check.text(name, "parameter name"): parameter(value, f"parameters[{name!r}]")
            for name, value in values.items()
        }
        return self._with(parameters=converted or UNSET)

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and self.struct == other.struct

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.struct!r})"


class StandardNodeBuilder(_Builder[StandardNode]):
    """A linear processing step: onSuccess, onFailure and conditional routes."""

    __slots__ = ()

    def on_success(self, node: NodeLike | None) -> StandardNodeBuilder:
        return self._with(on_success=_continuation(node, "on_success"))

    def on_failure(self, node: NodeLike | None) -> StandardNodeBuilder:
        return self._with(on_failure=_continuation(node, "on_failure"))

    def on_conditions(self, edges: Iterable[ConditionalEdge]) -> StandardNodeBuilder:
        """Routes checked in order before onSuccess; build each with Condition.when(condition, node)."""
        routes = list(edges)
        for index, edge in enumerate(routes):
            if not isinstance(edge, ConditionalEdge):
                raise TypeError(f"on_conditions[{index}] must be Condition.when(condition, node), got {edge!r}")
        return self._with(on_conditions=routes or UNSET)


class JoinNodeBuilder(_Builder[JoinNode]):
    """Fan-in of a fork's branches; attach it to its fork with `fork.with_join(join)`."""

    __slots__ = ()

    def join_id(self, join_id: str) -> JoinNodeBuilder:
        """Pairs the join with its fork: must equal the fork's join_id."""
        return self._with(join_node_id=_join_id(join_id))

    def strategy(self, strategy: JoinStrategy) -> JoinNodeBuilder:
        """When to continue: JoinStrategy.AND (default), OR or quorum(n)."""
        if not isinstance(strategy, _STRATEGY_TYPES):
            raise TypeError(f"strategy takes a JoinStrategy, got {strategy!r}")
        return self._with(strategy=strategy)

    def timeout(self, timeout: DurationLike | None) -> JoinNodeBuilder:
        """How long to wait for the branches before onTimeout; None waits without limit."""
        if timeout is None:
            return self._with(timeout=UNSET)
        duration = check.duration(timeout, "timeout")
        if duration.nanoseconds == 0:
            raise ValueError("timeout must be longer than zero (None waits without limit)")
        return self._with(timeout=duration)

    def on_success(self, node: NodeLike | None) -> JoinNodeBuilder:
        return self._with(on_success=_continuation(node, "on_success"))

    def on_failure(self, node: NodeLike | None) -> JoinNodeBuilder:
        return self._with(on_failure=_continuation(node, "on_failure"))

    def on_timeout(self, node: NodeLike | None) -> JoinNodeBuilder:
        return self._with(on_timeout=_continuation(node, "on_timeout"))


class ForkNodeBuilder(_Builder[ForkNode]):
    """Fan-out to parallel branches. Its join is attached with `with_join(...)`; `struct` then has a copy of the
    join at the end of every branch, the join's continuations on the first copy, as the router's compiler needs."""

    __slots__ = ("_join", "_placed")
    _join: JoinNode | None
    _placed: ForkNode | None

    def __init__(self, node: ForkNode, join: JoinNode | None = None) -> None:
        super().__init__(node)
        object.__setattr__(self, "_join", join)
        object.__setattr__(self, "_placed", None)

    @property
    def struct(self) -> ForkNode:
        if self._join is None:
            return self._node
        placed: ForkNode | None = self._placed
        if placed is None:
            placed = place_join(self._node, self._join)
            object.__setattr__(self, "_placed", placed)  # a cache of a pure function of the frozen fields
        return placed

    @property
    def join(self) -> JoinNodeBuilder | None:
        """The attached join, if any."""
        return None if self._join is None else JoinNodeBuilder(self._join)

    def _with(self, **changes: Any) -> ForkNodeBuilder:
        return ForkNodeBuilder(replace(self._node, **changes), self._join)

    def join_id(self, join_id: str) -> ForkNodeBuilder:
        """Pairs the fork with its join; an attached join takes the same id."""
        join_id = _join_id(join_id)
        join = None if self._join is None else replace(self._join, join_node_id=join_id)
        return ForkNodeBuilder(replace(self._node, join_node_id=join_id), join)

    def branches(self, branches: Mapping[str, NodeLike]) -> ForkNodeBuilder:
        """The parallel branches by name (2 to 256); each runs until its success path ends, then the join."""
        if not isinstance(branches, Mapping):
            raise TypeError(f"branches takes a mapping of branch names to nodes, got {type(branches).__name__}")
        converted = {
            check.text(name, "branch name"): node_struct(node, f"branches[{name!r}]") for name, node in branches.items()
        }
        return self._with(branches=converted)

    def with_join(self, join: JoinNodeBuilder | JoinNode) -> ForkNodeBuilder:
        """Attach the fork's one join. Its join_id must match the fork's; if either has none, it takes the other's."""
        struct = join.struct if isinstance(join, JoinNodeBuilder) else join
        if not isinstance(struct, JoinNode):
            raise TypeError(f"with_join takes Node.join(...), got {join!r}")
        if self._join is not None:
            raise ValueError(f"fork {self._node.join_node_id!r} already has a join: a fork takes exactly one")
        fork_id, join_id = self._node.join_node_id, struct.join_node_id
        if fork_id and join_id and fork_id != join_id:
            raise ValueError(f"join_id mismatch: the fork has {fork_id!r}, the join has {join_id!r}")
        shared = fork_id or join_id
        return ForkNodeBuilder(replace(self._node, join_node_id=shared), replace(struct, join_node_id=shared))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ForkNodeBuilder) and self.struct == other.struct

    __hash__ = None


INode = StandardNodeBuilder | ForkNodeBuilder | JoinNodeBuilder
"""Any node builder."""
NodeLike = INode | StandardNode | ForkNode | JoinNode
"""A node builder or a generated node Struct."""


def node_struct(node: NodeLike, name: str = "node") -> NodeStruct:
    """The wire Struct of a builder; a generated node Struct passes through."""
    if isinstance(node, _Builder):
        return node.struct
    if isinstance(node, (StandardNode, ForkNode, JoinNode)):
        return node
    raise TypeError(f"{name} must be a node (Node.standard(...), Node.fork(...), Node.join(...)), got {node!r}")


def builder(node: NodeStruct) -> INode:
    """The builder standing for a generated node Struct."""
    if isinstance(node, StandardNode):
        return StandardNodeBuilder(node)
    if isinstance(node, ForkNode):
        return ForkNodeBuilder(node)
    return JoinNodeBuilder(node)


def _continuation(node: NodeLike | None, name: str) -> NodeStruct | Any:
    return UNSET if node is None else node_struct(node, name)


def _join_id(value: str) -> str:
    if not check.text(value, "join_id"):
        raise ValueError("join_id must not be empty")
    return value


class Node:
    """Factories for the three node kinds. Each starts with RetryPolicy.NONE and DeliveryStrategy.IMMEDIATE."""

    @staticmethod
    def standard(address: str) -> StandardNodeBuilder:
        return StandardNodeBuilder(
            StandardNode(address=checked_address(address), retry_policy=_NO_RETRY, delivery_strategy=_IMMEDIATE)
        )

    @staticmethod
    def fork(address: str) -> ForkNodeBuilder:
        """A fork; give it `join_id(...)`, `branches({...})` and `with_join(Node.join(...))`."""
        return ForkNodeBuilder(
            ForkNode(
                address=checked_address(address),
                retry_policy=_NO_RETRY,
                delivery_strategy=_IMMEDIATE,
                branches={},
                join_node_id="",
            )
        )

    @staticmethod
    def join(address: str) -> JoinNodeBuilder:
        """A join (strategy AND until `strategy(...)`); attach it with `fork.with_join(join)`."""
        return JoinNodeBuilder(
            JoinNode(
                address=checked_address(address),
                retry_policy=_NO_RETRY,
                delivery_strategy=_IMMEDIATE,
                join_node_id="",
                strategy=AndJoin(),
            )
        )

    from_struct = staticmethod(builder)
