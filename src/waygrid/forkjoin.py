"""Placing a join the way the router's compiler wants it: a copy of the join at the end of every branch of its
fork, with the join's continuations on the first copy only."""

from __future__ import annotations

from typing import Any, TypeVar

from msgspec import UNSET
from msgspec.structs import replace

from waygrid import _fields as read
from waygrid_api.models.traversal_spec import ForkNode, JoinNode, Node

F = TypeVar("F", bound=ForkNode)


def without_continuations(join: JoinNode) -> JoinNode:
    """The join as every copy but the first carries it."""
    return replace(join, on_success=UNSET, on_failure=UNSET, on_timeout=UNSET)


def has_continuations(join: JoinNode) -> bool:
    continuations = (read.on_success(join), read.on_failure(join), read.on_timeout(join))
    return any(value is not UNSET and value is not None for value in continuations)


def place_join(fork: F, join: JoinNode) -> F:
    """The fork with `join` appended at the end of each branch's success path: the first branch gets the join
    with its continuations, the others a copy without them."""
    bare = without_continuations(join)
    branches = {
        name: append_at_tail(branch, join if index == 0 else bare)
        for index, (name, branch) in enumerate(read.branches(fork).items())
    }
    return replace(fork, branches=branches)


def append_at_tail(node: Any, tail: Node) -> Any:
    """`node` with `tail` as the onSuccess of the last node on its success path.

    The success path follows onSuccess; through a fork it continues from the copy of its join that carries the
    continuations (the first branch's, when none does). Only the nodes on that path are copied."""
    path: list[Any] = []
    while not isinstance(node, ForkNode):
        following = read.on_success(node)
        if following is UNSET or following is None:
            break
        path.append(node)
        node = following
    if isinstance(node, ForkNode):
        name = carrier_branch(node)
        forks = read.branches(node)
        result = replace(node, branches={**forks, name: append_at_tail(forks[name], tail)})
    else:
        result = replace(node, on_success=tail)
    for parent in reversed(path):
        result = replace(parent, on_success=result)
    return result


def remove_join(fork: ForkNode) -> dict[str, Node]:
    """The fork's branches with its join copies taken off their ends (and what followed them)."""
    return {name: _cut(branch, fork.join_node_id) for name, branch in read.branches(fork).items()}


def _cut(node: Any, join_node_id: str) -> Any:
    if isinstance(node, ForkNode):
        forks = read.branches(node)
        if not forks:
            return node
        name = carrier_branch(node)
        return replace(node, branches={**forks, name: _cut(forks[name], join_node_id)})
    following = read.on_success(node)
    if following is UNSET or following is None:
        return node
    if isinstance(following, JoinNode) and following.join_node_id == join_node_id:
        return replace(node, on_success=UNSET)
    return replace(node, on_success=_cut(following, join_node_id))


def join_copy(branch: Node, join_node_id: str) -> JoinNode | None:
    """The first join with `join_node_id` on the branch's success path, if there is one."""
    node: Any = branch
    while True:
        if isinstance(node, ForkNode):
            forks = read.branches(node)
            if not forks:
                return None
            node = forks[carrier_branch(node)]
            continue
        if isinstance(node, JoinNode) and node.join_node_id == join_node_id:
            return node
        node = read.on_success(node)
        if node is UNSET or node is None:
            return None


def carrier_join(fork: ForkNode) -> JoinNode | None:
    """The copy of the fork's join that carries its continuations, else the first copy; None when unjoined."""
    first = None
    for branch in read.branches(fork).values():
        copy = join_copy(branch, fork.join_node_id)
        if copy is not None and has_continuations(copy):
            return copy
        first = first or copy
    return first


def carrier_branch(fork: ForkNode) -> str:
    """The branch whose join copy carries the join's continuations; the first branch when none does."""
    forks: dict[str, Node] = read.branches(fork)
    for name, branch in forks.items():
        copy = join_copy(branch, fork.join_node_id)
        if copy is not None and has_continuations(copy):
            return name
    return next(iter(forks))
