"""`Spec.validate()`: the router compiler's rules and the checks it leaves to the client, all problems at once,
each with the path of the node in the spec (`entryPoints[0].branches.sentiment.onSuccess`)."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from msgspec import UNSET
from msgspec.structs import replace

from waygrid.forkjoin import has_continuations, join_copy
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


class _Walk:
    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.good_addresses: set[str] = set()
        self.forks: dict[str, list[tuple[str, ForkNode]]] = {}
        self.joins: dict[str, list[tuple[str, JoinNode]]] = {}

    def report(self, path: str, rule: str, message: str) -> None:
        self.problems.append(Problem(path, rule, message))

    def spec(self, spec: Spec) -> None:
        if not spec.entry_points:
            self.report("entryPoints", "no-entry-point", "a spec needs at least one entry point")
        for index, node in enumerate(spec.entry_points):
            self.node(node, f"entryPoints[{index}]", 1)
        self.repeat(spec.repeat_policy, "repeatPolicy")
        self.pairs()

    def node(self, node: Node, path: str, depth: int) -> None:
        if depth > MAX_DEPTH:
            self.report(path, "too-deep", f"the spec nests deeper than {MAX_DEPTH} nodes, the router's limit")
            return
        if not isinstance(node, (StandardNode, ForkNode, JoinNode)):
            self.report(path, "not-a-node", f"expected a node, got {type(node).__name__}")
            return
        self.common(node, path)
        if isinstance(node, ForkNode):
            self.fork(node, path, depth)
            return
        if isinstance(node, JoinNode):
            self.join(node, path)
        else:
            for index, edge in enumerate(node.on_conditions or ()):
                self.route(edge, f"{path}.onConditions[{index}]", depth)
        for key, following in (("onSuccess", node.on_success), ("onFailure", node.on_failure)):
            if following is not UNSET and following is not None:
                self.node(following, f"{path}.{key}", depth + 1)
        if isinstance(node, JoinNode) and node.on_timeout is not UNSET and node.on_timeout is not None:
            self.node(node.on_timeout, f"{path}.onTimeout", depth + 1)

    def common(self, node: StandardNode | ForkNode | JoinNode, path: str) -> None:
        if node.address not in self.good_addresses:
            if isinstance(node.address, str) and ADDRESS.fullmatch(node.address):
                self.good_addresses.add(node.address)
            else:
                self.report(
                    path + ".address",
                    "address",
                    f"{node.address!r} is not waygrid://<origin|processor|destination|system>/<service>",
                )
        if isinstance(node.label, str) and len(node.label) > LABEL_MAX:
            self.report(
                path + ".label",
                "label-length",
                f"a label has at most {LABEL_MAX} characters, this has {len(node.label)}",
            )
        policy = node.retry_policy
        if not isinstance(policy, NoRetry):
            if not 0 <= policy.max_retries <= INT32_MAX:
                self.report(
                    path + ".retryPolicy.maxRetries",
                    "max-retries",
                    f"maxRetries must be between 0 and {INT32_MAX}, got {policy.max_retries}",
                )
            if isinstance(policy, BoundedExponentialRetry) and policy.cap.nanoseconds < policy.base.nanoseconds:
                self.report(path + ".retryPolicy.cap", "retry-cap", "cap must be at least base")
            if isinstance(policy, PolynomialRetry) and not math.isfinite(policy.power):
                self.report(path + ".retryPolicy.power", "retry-power", "power must be a finite number")
        for name, value in (node.parameters or {}).items():
            where = f"{path}.parameters{_key(name)}"
            if isinstance(value, IntParameter) and not -(2**31) <= value.value <= INT32_MAX:
                self.report(where, "int-parameter", f"IntVal is a 32-bit integer, got {value.value}")
            elif isinstance(value, FloatParameter) and not math.isfinite(value.value):
                self.report(where, "float-parameter", f"FloatVal must be finite, got {value.value}")
            elif isinstance(value, SecretParameter) and not value.ref.path:
                self.report(where + ".ref.path", "secret-path", "a secret reference needs a path")

    def fork(self, fork: ForkNode, path: str, depth: int) -> None:
        count = len(fork.branches)
        if count < 2:
            self.report(path + ".branches", "fork-branches", f"a fork needs at least 2 branches, this has {count}")
        elif count > MAX_BRANCHES:
            self.report(
                path + ".branches", "fork-branches", f"a fork has at most {MAX_BRANCHES} branches, this has {count}"
            )
        if not fork.join_node_id:
            self.report(path + ".joinNodeId", "join-id", "the fork has no join_id: give it .join_id(...)")
        self.forks.setdefault(fork.join_node_id, []).append((path, fork))
        for name, branch in fork.branches.items():
            branch_path = f"{path}.branches{_key(name)}"
            self.node(branch, branch_path, depth + 1)
            if fork.join_node_id and join_copy(branch, fork.join_node_id) is None:
                self.report(
                    branch_path,
                    "fork-without-join",
                    f"the branch does not end in the join of fork {fork.join_node_id!r}: attach it with "
                    f"fork.with_join(Node.join(...).join_id({fork.join_node_id!r}))",
                )

    def join(self, join: JoinNode, path: str) -> None:
        if not join.join_node_id:
            self.report(path + ".joinNodeId", "join-id", "the join has no join_id: give it .join_id(...)")
        self.joins.setdefault(join.join_node_id, []).append((path, join))
        if isinstance(join.timeout, Duration) and join.timeout.nanoseconds == 0:
            self.report(path + ".timeout", "join-timeout", "a join timeout must be longer than zero")

    def route(self, edge: ConditionalEdge, path: str, depth: int) -> None:
        if not isinstance(edge, ConditionalEdge):
            self.report(path, "not-a-route", f"expected Condition.when(condition, node), got {type(edge).__name__}")
            return
        self.condition(edge.condition, path + ".condition")
        self.node(edge.to, path + ".to", depth + 1)

    def condition(self, condition: object, path: str) -> None:
        if isinstance(condition, NotCondition):
            self.condition(condition.cond, path + ".cond")
        elif isinstance(condition, AndCondition):
            for index, part in enumerate(condition.all):
                self.condition(part, f"{path}.all[{index}]")
        elif isinstance(condition, OrCondition):
            for index, part in enumerate(condition.any):
                self.condition(part, f"{path}.any[{index}]")
        elif isinstance(condition, (JsonExistsCondition, JsonEqualsCondition)):
            kind = "JsonExists" if isinstance(condition, JsonExistsCondition) else "JsonEquals"
            self.report(
                path,
                "condition-not-accepted",
                f"the Waygrid router (build c785f04) rejects {kind} conditions; it reads Always, Not, And and Or",
            )

    def repeat(self, policy: object, path: str) -> None:
        if isinstance(policy, RepeatTimes) and policy.time < 1:
            self.report(path + ".time", "repeat-times", f"times must be at least 1, got {policy.time}")

    def pairs(self) -> None:
        """Each fork with exactly one join, each join with its fork, copies identical, continuations once."""
        for join_id, forks in self.forks.items():
            if join_id and len(forks) > 1:
                for path, _ in forks[1:]:
                    self.report(
                        path + ".joinNodeId",
                        "duplicate-fork",
                        f"join_id {join_id!r} is already used by the fork at {forks[0][0]}",
                    )
        for join_id, joins in self.joins.items():
            paired = self.forks.get(join_id)
            if not paired:
                for path, _ in joins:
                    self.report(path, "join-without-fork", f"no fork has join_id {join_id!r}")
                continue
            first = _bare(joins[0][1])
            for path, join in joins[1:]:
                if _bare(join) != first:
                    self.report(
                        path,
                        "multiple-joins",
                        f"this join differs from the join of fork {join_id!r} at {joins[0][0]}: a fork "
                        "has exactly one join, copied unchanged to each branch",
                    )
            carriers = [path for path, join in joins if has_continuations(join)]
            for path in carriers[1:]:
                self.report(
                    path,
                    "repeated-continuations",
                    f"only one copy of join {join_id!r} may carry onSuccess/onFailure/onTimeout (also at "
                    f"{carriers[0]}); each copy would start its own continuation",
                )
            strategy = joins[0][1].strategy
            branches = len(paired[0][1].branches)
            if isinstance(strategy, QuorumJoin) and not 1 <= strategy.n <= branches:
                self.report(
                    joins[0][0] + ".strategy.n",
                    "quorum",
                    f"quorum n must be between 1 and the fork's {branches} branches, got {strategy.n}",
                )


def _bare(join: JoinNode) -> JoinNode:
    """A join's definition without its continuations."""
    return replace(join, on_success=UNSET, on_failure=UNSET, on_timeout=UNSET)


def _key(name: str) -> str:
    return f".{name}" if _IDENTIFIER.fullmatch(name) else f"[{name!r}]"
