"""Placing a join the way the router's compiler wants it: a copy of the join at the end of every branch of its
fork, with the join's continuations on the first copy only."""

from __future__ import annotations

from msgspec import UNSET
from msgspec.structs import replace

from waygrid_api.models.traversal_spec import ForkNode, JoinNode, Node


def without_continuations(join: JoinNode) -> JoinNode:
    """The join as every copy but the first carries it."""
    return replace(join, on_success=UNSET, on_failure=UNSET, on_timeout=UNSET)


def has_continuations(join: JoinNode) -> bool:
    return any(value not in (UNSET, None) for value in (join.on_success, join.on_failure, join.on_timeout))


def place_join(fork: ForkNode, join: JoinNode) -> ForkNode:
    """The fork with `join` appended at the end of each branch's success path: the first branch gets the join
    with its continuations, the others a copy without them."""
    bare = without_continuations(join)
    branches = {
        name: append_at_tail(branch, join if index == 0 else bare)
        for index, (name, branch) in enumerate(fork.branches.items())
    }
    return replace(fork, branches=branches)


def append_at_tail(node: Node, tail: Node) -> Node:
    """`node` with `tail` as the onSuccess of the last node on its success path.

    The success path follows onSuccess; through a fork it continues from the copy of its join that carries the
    continuations (the first branch's, when none does)."""
    if isinstance(node, ForkNode):
        name = carrier_branch(node)
        return replace(node, branches={**node.branches, name: append_at_tail(node.branches[name], tail)})
    following = node.on_success
    if following is UNSET or following is None:
        return replace(node, on_success=tail)
    return replace(node, on_success=append_at_tail(following, tail))


def join_copy(branch: Node, join_node_id: str) -> JoinNode | None:
    """The first join with `join_node_id` on the branch's success path, if there is one."""
    node: Node = branch
    while True:
        if isinstance(node, ForkNode):
            if not node.branches:
                return None
            node = node.branches[carrier_branch(node)]
            continue
        if isinstance(node, JoinNode) and node.join_node_id == join_node_id:
            return node
        following = node.on_success
        if following is UNSET or following is None:
            return None
        node = following


def carrier_branch(fork: ForkNode) -> str:
    """The branch whose join copy carries the join's continuations; the first branch when none does."""
    for name, branch in fork.branches.items():
        copy = join_copy(branch, fork.join_node_id)
        if copy is not None and has_continuations(copy):
            return name
    return next(iter(fork.branches))
