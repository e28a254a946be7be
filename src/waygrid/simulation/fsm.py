"""The router's `TraversalFSM` (c785f04), ported: one signal in, the state updated and one effect out.

The state is mutable, so an error raised halfway leaves the state as far as the router's got (its
`transitionToNext` errors return the partly updated state too). Times are integer milliseconds of virtual time.
Effects are tuples, first the kind:

    ("dispatch", node, cancelled_branches)     ("dispatch_many", [(node, branch)], join_timeout_at, join)
    ("schedule", at, node)                     ("retry", at, attempt, node)
    ("complete", node)  ("fail", node)  ("noop",)

`notes` collects what the router records as history for forks and joins, for the simulator's events.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from waygrid.simulation.backoff import DelayOverflowError, next_delay_ms
from waygrid.simulation.dag import FORK, JOIN, Dag, DagNode
from waygrid_api.models.traversal_spec import (
    ImmediateDelivery,
    OrJoin,
    QuorumJoin,
    ScheduleAfterDelivery,
    ScheduleAtDelivery,
)

__all__ = ["Branch", "FsmError", "PendingJoin", "TraversalFsm"]

PENDING, RUNNING, COMPLETED, FAILED, CANCELED, TIMED_OUT = range(6)
_NOOP = ("noop",)
_NONE: tuple[int, ...] = ()


class FsmError(Exception):
    """A `Left` of the router's FSM: `code` is its error type (InvalidNodeState, JoinWithoutFork, ...)."""

    def __init__(self, code: str, node: int | None, message: str, cause: str | None = None) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.node = node
        self.message = message
        self.cause = cause


class Branch:
    __slots__ = ("current", "entry", "fork_id", "id", "name", "status")

    def __init__(self, branch_id: int, fork_id: str, entry: int, name: str) -> None:
        self.id = branch_id
        self.fork_id = fork_id
        self.entry = entry
        self.name = name
        self.current: int | None = None
        self.status = PENDING

    @property
    def node(self) -> int:
        return self.entry if self.current is None else self.current


class _Scope:
    __slots__ = ("branches", "fork", "parent_branch")

    def __init__(self, fork: int, branches: list[int], parent_branch: int | None) -> None:
        self.fork = fork
        self.branches = branches
        self.parent_branch = parent_branch


class PendingJoin:
    __slots__ = ("canceled", "completed", "failed", "fork_id", "required", "strategy")

    def __init__(self, fork_id: str, strategy: Any, required: list[int]) -> None:
        self.fork_id = fork_id
        self.strategy = strategy
        self.required = frozenset(required)
        self.completed: set[int] = set()
        self.failed: set[int] = set()
        self.canceled: set[int] = set()

    def satisfied(self) -> bool:
        if isinstance(self.strategy, OrJoin):
            return bool(self.completed)
        if isinstance(self.strategy, QuorumJoin):
            return len(self.completed) >= self.strategy.n
        return len(self.completed) == len(self.required) and self.completed.issuperset(self.required)

    def has_failed(self) -> bool:
        if isinstance(self.strategy, OrJoin):
            return len(self.failed) == len(self.required)
        if isinstance(self.strategy, QuorumJoin):
            pending = len(self.required) - len(self.completed) - len(self.failed) - len(self.canceled)
            return len(self.completed) + pending < self.strategy.n
        return bool(self.failed)

    def to_cancel(self) -> list[int]:
        return sorted(self.required - self.completed - self.failed - self.canceled)


def _at_ms(delivery: Any) -> int:
    """A ScheduleAt time in whole ms, rounded up: `Instant.isAfter` compares nanoseconds, and a moment later than
    `now` by less than a millisecond is still later (on this clock, the next millisecond)."""
    return int(-(-delivery.time.epoch_nanoseconds // 1_000_000))


def _delay_ms(delivery: Any) -> int:
    return int(delivery.delay.nanoseconds // 1_000_000)


class TraversalFsm:
    """One traversal's state and the router's signal handlers over `dag`."""

    def __init__(self, dag: Dag, rng: random.Random, evaluate: Callable[[Any, Any], bool]) -> None:
        self.dag = dag
        self.nodes: list[DagNode] = dag.nodes
        self.rng = rng
        self.evaluate = evaluate
        self.active: set[int] = set()
        self.completed: set[int] = set()
        self.failed: set[int] = set()
        self.retries: dict[int, int] = {}
        self.remaining = len(dag.nodes)
        self.scopes: dict[str, _Scope] = {}
        self.branches: dict[int, Branch] = {}
        self.pending_joins: dict[int, PendingJoin] = {}
        self.node_to_branch: dict[int, int] = {}
        self.notes: list[tuple[str, int, Any]] = []
        # Why a node runs without the branch context its predecessor had ("scheduled", "failure-path",
        # "join-handler"): the router drops it there, and the node can then never reach its join.
        self.lost: dict[int, str] = {}
        self._next_branch = 0
        self.now = 0

    # -- state transitions (TraversalState) --------------------------------------------------------------------

    def _success_node(self, node: int) -> None:
        if node not in self.completed and node not in self.failed:
            self.remaining -= 1
        self.active.discard(node)
        self.completed.add(node)
        self.failed.discard(node)

    def _fail_node(self, node: int) -> None:
        if node not in self.completed and node not in self.failed:
            self.remaining -= 1
        self.active.discard(node)
        self.failed.add(node)

    def branch_of(self, node: int) -> Branch | None:
        branch_id = self.node_to_branch.get(node)
        return None if branch_id is None else self.branches.get(branch_id)

    def _advance_branch(self, node: int, branch: Branch) -> None:
        if branch.id in self.branches and branch.current is not None:
            self.node_to_branch.pop(branch.current, None)
        branch.current = node
        self.active.add(node)
        self.node_to_branch[node] = branch.id

    def _end_branch(self, branch: Branch, status: int) -> None:
        """completeBranch / failBranch / cancelBranch: the branch's current node leaves `active`."""
        node = branch.node
        branch.status = status
        self.active.discard(node)
        self.node_to_branch.pop(node, None)
        for pending in self.pending_joins.values():
            if pending.fork_id == branch.fork_id:
                (pending.completed if status == COMPLETED else pending.failed if status == FAILED
                 else pending.canceled).add(branch.id)  # fmt: skip

    # -- signals ------------------------------------------------------------------------------------------------

    def begin(self, entry: int | None = None) -> tuple[Any, ...]:
        if not self.nodes:
            raise FsmError("EmptyDag", None, "the DAG has no nodes")
        if self.active or self.completed or self.failed:
            raise FsmError("AlreadyInProgress", None, "the traversal has already begun")
        node = self.dag.entry_points[0] if entry is None else entry
        if node not in self.dag.entry_points:
            raise FsmError("InvalidNodeState", node, "expected a valid entry point, got unknown")
        delivery = self.nodes[node].delivery
        if isinstance(delivery, ScheduleAfterDelivery):
            return self._schedule_or_dispatch(node, self.now + _delay_ms(delivery))
        if isinstance(delivery, ScheduleAtDelivery):
            return self._schedule_or_dispatch(node, _at_ms(delivery))
        self.active.add(node)
        return ("dispatch", node, _NONE)

    def resume(self, node: int) -> tuple[Any, ...]:
        if node in self.failed and node not in self.active:
            self.retries[node] = self.retries.get(node, 0) + 1
            self.active.add(node)
            return ("dispatch", node, _NONE)
        if node in self.completed or node in self.failed or node in self.active:
            return _NOOP
        self.active.add(node)
        return ("dispatch", node, _NONE)

    def node_success(self, node: int, output: Any) -> tuple[Any, ...]:
        if node in self.completed:
            return _NOOP
        active = self.active
        if node not in active:
            raise FsmError("InvalidNodeState", node, "expected started, got not started")
        if node not in self.failed:
            self.remaining -= 1
        else:
            self.failed.discard(node)
        active.discard(node)
        self.completed.add(node)
        if not active and self.remaining <= 0:
            self.active.clear()
            self.remaining = 0
            return ("complete", node)
        return self._transition(node, output, _NONE)

    def node_failure(self, node: int) -> tuple[Any, ...]:
        if node in self.failed and node not in self.active:
            return _NOOP
        self._fail_node(node)
        attempt = self.retries.get(node, 0) + 1
        dag_node = self.nodes[node]
        try:
            delay = next_delay_ms(dag_node.retry, attempt, self.rng)
        except DelayOverflowError as error:
            raise FsmError("DurationOverflow", node, str(error)) from None
        if delay is not None:
            return ("retry", self.now + delay, attempt, node)
        if dag_node.on_failure:
            target = dag_node.on_failure[0]
            if node in self.node_to_branch or node in self.lost:
                self.lost[target] = "failure-path"
            return self._dispatch_with_strategy(target, None, _NONE)
        return ("fail", node)

    def join_timeout(self, join: int) -> tuple[Any, ...]:
        dag_node = self.nodes[join]
        if dag_node.kind != JOIN:
            raise FsmError("UnsupportedSignal", join, "a join timeout for a node that is not a join")
        self.failed.add(join)
        pending = self.pending_joins.pop(join, None)
        self.notes.append(("join_timed_out", join, pending.to_cancel() if pending else []))
        if dag_node.on_timeout:
            target = dag_node.on_timeout[0]
            self._note_join_handler(dag_node, target)
            self.active.add(target)
            return ("dispatch", target, _NONE)
        return ("fail", join)

    def branch_failed(self, branch_id: int, node: int | None = None) -> tuple[Any, ...]:
        """BranchComplete(branch, Failure), as an executor reporting branch failures to the join sends it."""
        branch = self.branches.get(branch_id)
        if branch is None:
            raise FsmError("BranchNotFound", node, "a branch failure reported for a branch its join already removed")
        if branch.status in (PENDING, RUNNING):
            self._end_branch(branch, FAILED)
            self.notes.append(("branch_failed", branch.node, branch))
        for join, pending in self.pending_joins.items():
            if pending.fork_id == branch.fork_id:
                return self._evaluate_join(join, pending)
        return _NOOP

    # -- routing ------------------------------------------------------------------------------------------------

    def _schedule_or_dispatch(self, node: int, at: int) -> tuple[Any, ...]:
        if at > self.now:
            return ("schedule", at, node)
        self.active.add(node)
        return ("dispatch", node, _NONE)

    def _note_join_handler(self, join: DagNode, target: int) -> None:
        scope = self.scopes.get(join.join_node_id or "")
        if scope is not None and scope.parent_branch is not None:
            self.lost[target] = "join-handler"

    def _dispatch_with_strategy(self, node: int, branch: Branch | None, cancels: tuple[int, ...]) -> tuple[Any, ...]:
        delivery = self.nodes[node].delivery
        if type(delivery) is not ImmediateDelivery:
            after = isinstance(delivery, ScheduleAfterDelivery)
            at = self.now + _delay_ms(delivery) if after else _at_ms(delivery)
            if branch is not None:  # even when due at once: the router dispatches it without its branch
                self.lost[node] = "scheduled"
            return self._schedule_or_dispatch(node, at)
        self.active.add(node)
        if branch is not None:
            if branch.current is not None:
                self.node_to_branch.pop(branch.current, None)
            branch.current = node
            self.node_to_branch[node] = branch.id
        return ("dispatch", node, cancels)

    def _targets(self, source: DagNode, output: Any) -> list[int]:
        if source.conditional:
            evaluate = self.evaluate
            matched = [target for condition, target in source.conditional if evaluate(condition, output)]
            if matched:
                return matched
        return source.on_success

    def _transition(self, node: int, output: Any, cancels: tuple[int, ...]) -> tuple[Any, ...]:
        source = self.nodes[node]
        targets = self._targets(source, output) if source.conditional else source.on_success
        if not targets:
            self.active.clear()
            self.remaining = 0
            return ("complete", node)
        if len(targets) == 1:
            target = targets[0]
            kind = self.nodes[target].kind
            branch_id = self.node_to_branch.get(node)
            branch = None if branch_id is None else self.branches.get(branch_id)
            if branch is None and self.lost and node in self.lost:
                self.lost.setdefault(target, self.lost[node])
            if kind == JOIN:
                if branch is None:
                    raise FsmError("InvalidNodeState", node, "expected branch context, got none", self.lost.get(node))
                return self._join_reached(target, branch.id)
            if kind == FORK:
                if branch is not None:
                    self._advance_branch(target, branch)
                self._success_node(target)
                return self._fork_reached(target)
            return self._dispatch_with_strategy(target, branch, cancels)
        if source.kind == FORK:
            return self._fork_reached(node)
        raise FsmError("InvalidNodeState", node, f"expected single successor or Fork, got {len(targets)} successors")

    # -- forks and joins ----------------------------------------------------------------------------------------

    def _fork_reached(self, fork: int) -> tuple[Any, ...]:
        fork_node = self.nodes[fork]
        if not fork_node.on_success:
            if not self.active and self.remaining <= 0:
                return ("complete", fork)
            return _NOOP
        fork_id = fork_node.join_node_id
        assert fork_id is not None
        join = self.dag.join_of.get(fork_id)
        timeout_ms = None if join is None else self.nodes[join].timeout_ms
        timeout_at = None if timeout_ms is None else self.now + timeout_ms
        parent = self.branch_of(fork)
        entries: list[tuple[int, int]] = []
        for target, name in zip(fork_node.on_success, fork_node.branch_names, strict=True):
            self._next_branch += 1
            branch = Branch(self._next_branch, fork_id, target, name)
            self.branches[branch.id] = branch
            entries.append((target, branch.id))
        self.scopes[fork_id] = _Scope(fork, [branch_id for _, branch_id in entries],
                                      None if parent is None else parent.id)  # fmt: skip
        for target, branch_id in entries:
            self.active.add(target)
            self.branches[branch_id].status = RUNNING
            self.branches[branch_id].current = target
            self.node_to_branch[target] = branch_id
        self.notes.append(("forked", fork, [self.branches[branch_id] for _, branch_id in entries]))
        return ("dispatch_many", entries, timeout_at, join)

    def _join_reached(self, join: int, branch_id: int) -> tuple[Any, ...]:
        join_node = self.nodes[join]
        fork_id = join_node.join_node_id
        assert fork_id is not None
        scope = self.scopes.get(fork_id)
        if scope is None:
            raise FsmError("JoinWithoutFork", join, f"no running fork for join {fork_id!r}")
        if branch_id not in scope.branches:
            raise FsmError("InvalidBranchState", join, f"expected a member of fork {fork_id!r}, got another branch")
        if self.dag.join_of.get(fork_id, join) != join:
            raise FsmError("InvalidNodeState", join, f"expected the join of fork {fork_id!r}, got another join")
        branch = self.branches.get(branch_id)
        if branch is not None and branch.status in (PENDING, RUNNING):
            self._end_branch(branch, COMPLETED)
        pending = self.pending_joins.get(join)
        if pending is None:
            pending = PendingJoin(fork_id, join_node.strategy, scope.branches)
            self.pending_joins[join] = pending
        pending.completed.add(branch_id)
        self.notes.append(("join_reached", join, branch))
        return self._evaluate_join(join, pending)

    def _cancel(self, pending: PendingJoin, join: int) -> list[int]:
        to_cancel = pending.to_cancel()
        for branch_id in to_cancel:
            branch = self.branches.get(branch_id)
            if branch is not None and branch.status in (PENDING, RUNNING):
                self._end_branch(branch, CANCELED)
                self.notes.append(("branch_canceled", join, branch))
        return to_cancel

    def _evaluate_join(self, join: int, pending: PendingJoin) -> tuple[Any, ...]:
        if pending.satisfied():
            cancels: tuple[int, ...] = _NONE
            if isinstance(pending.strategy, OrJoin) and pending.to_cancel():
                cancels = tuple(self._cancel(pending, join))
            scope = self.scopes.pop(pending.fork_id, None)
            self.completed.add(join)
            self.pending_joins.pop(join, None)
            if scope is not None:
                members = set(scope.branches)
                for branch_id in scope.branches:
                    self.branches.pop(branch_id, None)
                for node in [node for node, branch_id in self.node_to_branch.items() if branch_id in members]:
                    del self.node_to_branch[node]
                if scope.parent_branch is not None:
                    self.node_to_branch[join] = scope.parent_branch
            self.notes.append(("join_completed", join, sorted(pending.completed)))
            return self._transition(join, _NO_OUTPUT, cancels)
        if pending.has_failed():
            cancels = tuple(self._cancel(pending, join))
            self.notes.append(("join_failed", join, sorted(pending.failed)))
            on_failure = self.nodes[join].on_failure
            if on_failure:
                self._note_join_handler(self.nodes[join], on_failure[0])
                self.active.add(on_failure[0])
                return ("dispatch", on_failure[0], cancels)
            return ("fail", join)
        return _NOOP


_NO_OUTPUT: Any = None
