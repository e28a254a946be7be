"""`Spec.validate()`: the router compiler's rules and the checks it leaves to the client, all problems at once,
each with the path of the node in the spec (`entryPoints[0].branches.sentiment.onSuccess`)."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any, cast

import msgspec
from msgspec import UNSET

from waygrid import _fields as read
from waygrid.forkjoin import has_continuations
from waygrid.nodes import ADDRESS, LABEL_MAX
from waygrid_api.duration import Duration
from waygrid_api.models.traversal_spec import (
    AndCondition,
    BoundedExponentialRetry,
    ConditionalEdge,
    FloatParameter,
    ForkNode,
    IntParameter,
    JoinNode,
    JsonEqualsCondition,
    JsonExistsCondition,
    Node,
    NoRetry,
    NotCondition,
    OrCondition,
    PolynomialRetry,
    QuorumJoin,
    RepeatTimes,
    SecretParameter,
    Spec,
    StandardNode,
)

MAX_DEPTH = 128
MAX_BRANCHES = 256
INT32_MAX = 2**31 - 1
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")


@dataclass(frozen=True)
class Problem:
    """One broken rule: where (`path`), which (`rule`) and what to do about it (`message`)."""

    path: str
    rule: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message} [{self.rule}]"


class SpecValidationError(ValueError):
    """The spec breaks one or more rules; `problems` lists every one."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = tuple(problems)
        lines = "\n".join(f"  - {problem}" for problem in problems)
        count = len(problems)
        super().__init__(f"the traversal spec has {count} problem{'s' if count != 1 else ''}:\n{lines}")


def validate(spec: Spec) -> list[Problem]:
    """Every problem of the spec, in document order; an empty list when the router will accept it."""
    walk = _Walk()
    walk.spec(spec)
    return walk.problems


def parameter_problems(values: dict[str, object], path: str) -> list[Problem]:
    """The problems of one node's parameters (`path` is the node's)."""
    walk = _Walk()
    walk.parameters(values, path)
    return walk.problems


def condition_problems(condition: object, path: str) -> list[Problem]:
    """The problems of one route's condition (`path` is the condition's)."""
    walk = _Walk()
    walk.condition(condition, path)
    return walk.problems


Path = Any
"""Where a node sits: a string for an entry point, else (parent path, step); rendered only for a problem."""


def render(path: Path) -> str:
    steps: list[str] = []
    while isinstance(path, tuple):
        path, step = cast("tuple[Path, str]", path)
        steps.append(step)
    return cast("str", path) + "".join(reversed(steps))


class _Walk:
    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.good_addresses: set[str] = set()
        self.forks: dict[str, list[tuple[Path, ForkNode]]] = {}
        self.joins: dict[str, list[tuple[Path, JoinNode]]] = {}

    def report(self, path: Path, rule: str, message: str, step: str = "") -> None:
        self.problems.append(Problem(render(path) + step, rule, message))

    def spec(self, spec: Spec) -> None:
        if not spec.entry_points:
            self.report("entryPoints", "no-entry-point", "a spec needs at least one entry point")
        for index, node in enumerate(spec.entry_points):
            self.node(node, f"entryPoints[{index}]", 1)
        self.repeat(spec.repeat_policy, "repeatPolicy")
        self.pairs()

    def node(self, node: Node, path: Path, depth: int) -> tuple[JoinNode, ...]:
        """Check a node and everything under it; return the joins on its success path, in order."""
        if depth > MAX_DEPTH:
            self.report(path, "too-deep", f"the spec nests deeper than {MAX_DEPTH} nodes, the router's limit")
            return ()
        if isinstance(node, StandardNode):
            self.common(node, path, read.standard_label(node), read.standard_parameters(node))
            routes = read.on_conditions(node)
            if routes:
                for index, edge in enumerate(routes):
                    self.route(edge, (path, f".onConditions[{index}]"), depth)
            failure = read.standard_on_failure(node)
            if failure is not UNSET and failure is not None:
                self.node(failure, (path, ".onFailure"), depth + 1)
            success = read.standard_on_success(node)
            if success is UNSET or success is None:
                return ()
            return self.node(success, (path, ".onSuccess"), depth + 1)
        if isinstance(node, JoinNode):
            self.common(node, path, read.join_label(node), read.join_parameters(node))
            self.join(node, path)
            for following, step in ((read.on_timeout(node), ".onTimeout"), (read.join_on_failure(node), ".onFailure")):
                if following is not UNSET and following is not None:
                    self.node(following, (path, step), depth + 1)
            success = read.join_on_success(node)
            if success is UNSET or success is None:
                return (node,)
            return (node, *self.node(success, (path, ".onSuccess"), depth + 1))
        if isinstance(node, ForkNode):
            self.common(node, path, read.fork_label(node), read.fork_parameters(node))
            return self.fork(node, path, depth)
        self.report(path, "not-a-node", f"expected a node, got {type(node).__name__}")
        return ()

    def common(self, node: StandardNode | ForkNode | JoinNode, path: Path, label: Any, values: Any) -> None:
        address = node.address
        if address not in self.good_addresses:
            if isinstance(address, str) and ADDRESS.fullmatch(address):
                self.good_addresses.add(address)
            else:
                self.report(path, "address", f"{address!r} is not waygrid://<origin|processor|destination|system>/"
                            "<service>", ".address")  # fmt: skip
        if label is not UNSET and label is not None and len(label) > LABEL_MAX:
            self.report(path, "label-length", f"a label has at most {LABEL_MAX} characters, this has {len(label)}",
                        ".label")  # fmt: skip
        policy = node.retry_policy
        kind = type(policy)
        if kind is not NoRetry:
            retries = getattr(policy, "max_retries", None)  # a variant added to the schema may have none
            if retries is not None and not 0 <= retries <= INT32_MAX:
                self.report(path, "max-retries", f"maxRetries must be between 0 and {INT32_MAX}, got {retries}",
                            ".retryPolicy.maxRetries")  # fmt: skip
            if kind is BoundedExponentialRetry and policy.cap.nanoseconds < policy.base.nanoseconds:  # type: ignore[union-attr]
                self.report(path, "retry-cap", "cap must be at least base", ".retryPolicy.cap")
            if kind is PolynomialRetry and not math.isfinite(policy.power):  # type: ignore[union-attr]
                self.report(path, "retry-power", "power must be a finite number", ".retryPolicy.power")
        if values:
            self.parameters(values, path)

    def parameters(self, values: dict[str, object], path: Path) -> None:
        for name, value in values.items():
            where = f".parameters{_key(name)}"
            if isinstance(value, IntParameter) and not -(2**31) <= value.value <= INT32_MAX:
                self.report(path, "int-parameter", f"IntVal is a 32-bit integer, got {value.value}", where)
            elif isinstance(value, FloatParameter) and not math.isfinite(value.value):
                self.report(path, "float-parameter", f"FloatVal must be finite, got {value.value}", where)
            elif isinstance(value, SecretParameter) and not value.ref.path:
                self.report(path, "secret-path", "a secret reference needs a path", where + ".ref.path")

    def fork(self, fork: ForkNode, path: Path, depth: int) -> tuple[JoinNode, ...]:
        """Check the fork and its branches; return the joins on its success path, which continues from the copy of
        its join that carries the continuations (the first branch's when none does)."""
        branches = read.branches(fork)
        count = len(branches)
        if count < 2:
            self.report(path, "fork-branches", f"a fork needs at least 2 branches, this has {count}", ".branches")
        elif count > MAX_BRANCHES:
            self.report(path, "fork-branches", f"a fork has at most {MAX_BRANCHES} branches, this has {count}",
                        ".branches")  # fmt: skip
        join_id = fork.join_node_id
        if not join_id:
            self.report(path, "join-id", "the fork has no join_id: give it .join_id(...)", ".joinNodeId")
        self.forks.setdefault(join_id, []).append((path, fork))
        first: tuple[JoinNode, ...] | None = None
        carrier: tuple[JoinNode, ...] | None = None
        for name, branch in branches.items():
            branch_path = (path, branch_step(name))
            joins = self.node(branch, branch_path, depth + 1)
            at = next((index for index, join in enumerate(joins) if join.join_node_id == join_id), None)
            if at is None:
                if join_id:
                    self.report(branch_path, "fork-without-join",
                                f"the branch does not end in the join of fork {join_id!r}: attach it with "
                                f"fork.with_join(Node.join(...).join_id({join_id!r}))")  # fmt: skip
                continue
            first = first or joins[at:]
            if carrier is None and has_continuations(joins[at]):
                carrier = joins[at:]
        return carrier or first or ()

    def join(self, join: JoinNode, path: Path) -> None:
        if not join.join_node_id:
            self.report(path, "join-id", "the join has no join_id: give it .join_id(...)", ".joinNodeId")
        self.joins.setdefault(join.join_node_id, []).append((path, join))
        timeout = read.timeout(join)
        if isinstance(timeout, Duration) and timeout.nanoseconds == 0:
            self.report(path, "join-timeout", "a join timeout must be longer than zero", ".timeout")

    def route(self, edge: ConditionalEdge, path: Path, depth: int) -> None:
        if not isinstance(edge, ConditionalEdge):
            self.report(path, "not-a-route", f"expected Condition.when(condition, node), got {type(edge).__name__}")
            return
        self.condition(edge.condition, (path, ".condition"))
        self.node(edge.to, (path, ".to"), depth + 1)

    def condition(self, condition: object, path: Path) -> None:
        if isinstance(condition, NotCondition):
            self.condition(condition.cond, (path, ".cond"))
        elif isinstance(condition, AndCondition):
            for index, part in enumerate(condition.all):
                self.condition(part, (path, f".all[{index}]"))
        elif isinstance(condition, OrCondition):
            for index, part in enumerate(condition.any):
                self.condition(part, (path, f".any[{index}]"))
        elif isinstance(condition, (JsonExistsCondition, JsonEqualsCondition)):
            kind = "JsonExists" if isinstance(condition, JsonExistsCondition) else "JsonEquals"
            self.report(path, "condition-not-accepted",
                        f"the Waygrid router (build c785f04) rejects {kind} conditions; it reads Always, Not, And "
                        "and Or")  # fmt: skip

    def repeat(self, policy: object, path: str) -> None:
        if isinstance(policy, RepeatTimes) and policy.time < 1:
            self.report(path, "repeat-times", f"times must be at least 1, got {policy.time}", ".time")

    def pairs(self) -> None:
        """Each fork with exactly one join, each join with its fork, copies identical, continuations once."""
        for join_id, forks in self.forks.items():
            if join_id and len(forks) > 1:
                for path, _ in forks[1:]:
                    self.report(path, "duplicate-fork",
                                f"join_id {join_id!r} is already used by the fork at {render(forks[0][0])}",
                                ".joinNodeId")  # fmt: skip
        for join_id, joins in self.joins.items():
            paired = self.forks.get(join_id)
            if not paired:
                for path, _ in joins:
                    self.report(path, "join-without-fork", f"no fork has join_id {join_id!r}")
                continue
            first = _bare(joins[0][1])
            for path, join in joins[1:]:
                if _bare(join) != first:
                    self.report(path, "multiple-joins",
                                f"this join differs from the join of fork {join_id!r} at {render(joins[0][0])}: a "
                                "fork has exactly one join, copied unchanged to each branch")  # fmt: skip
            carriers = [path for path, join in joins if has_continuations(join)]
            for path in carriers[1:]:
                self.report(path, "repeated-continuations",
                            f"only one copy of join {join_id!r} may carry onSuccess/onFailure/onTimeout (also at "
                            f"{render(carriers[0])}); each copy would start its own continuation")  # fmt: skip
            strategy = read.strategy(joins[0][1])
            branches = len(read.branches(paired[0][1]))
            if isinstance(strategy, QuorumJoin) and not 1 <= strategy.n <= branches:
                self.report(joins[0][0], "quorum",
                            f"quorum n must be between 1 and the fork's {branches} branches, got {strategy.n}",
                            ".strategy.n")  # fmt: skip


def _bare(join: JoinNode) -> JoinNode:
    """A join's definition without its continuations, as a plain Struct (builders compare equal to it)."""
    fields = msgspec.structs.asdict(join)
    fields.update(on_success=UNSET, on_failure=UNSET, on_timeout=UNSET)
    return JoinNode(**fields)


def _key(name: str) -> str:
    return f".{name}" if _IDENTIFIER.fullmatch(name) else f"[{name!r}]"


def branch_step(name: str) -> str:
    """The path step from a fork to its branch `name`: `.branches.name`, or `.branches['a b']`."""
    return f".branches{_key(name)}"
