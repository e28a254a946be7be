"""Spec → the router's DAG, as `DagCompiler` (router c785f04) builds it.

Node identity follows the compiler: a standard node is identified by its address and its path bits
(`bits ^ depth << 32`, so one spec node reached by two paths is two DAG nodes, and paths whose bits shifted out
of 64 bits merge); forks and joins by their address and joinNodeId, so a join's copies collapse into one node whose
continuation edges are the union over all copies. The first-registered copy's policies are kept. The traversal is
the compiler's depth-first walk, children registered while their parent is processed and edges never
deduplicated. Node IDs are not the router's XXH3 hashes: each node is named by the spec path it was first
registered at.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any, cast

from msgspec import UNSET

from waygrid import _fields as read
from waygrid.validation import Problem, SpecValidationError, branch_step, condition_problems, parameter_problems
from waygrid_api.duration import Duration
from waygrid_api.models.traversal_spec import (
    AndCondition,
    ConditionalEdge,
    ForkNode,
    JoinNode,
    NotCondition,
    OrCondition,
    Spec,
    StandardNode,
)

__all__ = ["FORK", "JOIN", "ROUTER_RULES", "STANDARD", "Dag", "DagNode", "compile_spec"]

STANDARD, FORK, JOIN = 0, 1, 2
KIND_NAMES = ("standard", "fork", "join")
_MASK = (1 << 64) - 1
MAX_DEPTH = 128
MAX_CONDITION_DEPTH = 256

# The rules of `Spec.validate()` the router enforces when it decodes a spec. The compiler's own checks (depth,
# fork/join pairing, branch count) run on the DAG below, as the router runs them; the other rules of
# `Spec.validate()` are the SDK's advice: the router accepts such specs, and the simulator runs them.
ROUTER_RULES = frozenset({"condition-not-accepted", "int-parameter", "float-parameter", "no-entry-point"})
_JSON_CONDITION_RULE = "condition-not-accepted"


class DagNode:
    """One node of the compiled DAG, with its outgoing edges by guard, each list in the compiler's edge order."""

    __slots__ = ("address", "branch_names", "conditional", "delivery", "index", "join_node_id", "kind", "on_failure",
                 "on_success", "on_timeout", "path", "retry", "spec_node", "strategy", "timeout_ms")  # fmt: skip

    def __init__(self, index: int, kind: int, node: Any, path: str) -> None:
        self.index = index
        self.kind = kind
        self.spec_node = node
        self.address: str = node.address
        self.path = path
        self.retry = node.retry_policy
        self.delivery = node.delivery_strategy
        self.join_node_id: str | None = None
        self.strategy: Any = None
        self.timeout_ms: int | None = None
        if kind != STANDARD:
            self.join_node_id = node.join_node_id
            if kind == JOIN:
                self.strategy = read.strategy(node)
                timeout = read.timeout(node)
                self.timeout_ms = timeout.nanoseconds // 1_000_000 if isinstance(timeout, Duration) else None
        self.on_success: list[int] = []
        self.on_failure: list[int] = []
        self.on_timeout: list[int] = []
        self.conditional: list[tuple[Any, int]] = []
        self.branch_names: list[str] = []

    @property
    def label(self) -> str | None:
        label = _label(self.spec_node)
        return None if label is UNSET else label

    @property
    def parameters(self) -> dict[str, Any]:
        """The node's parameters as the spec gives them (Parameter Structs by name)."""
        values = _parameters(self.spec_node)
        return {} if values is UNSET or values is None else dict(values)

    @property
    def name(self) -> str:
        """The label, else the address."""
        return self.label or self.address

    def __repr__(self) -> str:
        return f"DagNode({self.index}, {KIND_NAMES[self.kind]}, {self.address!r}, path={self.path!r})"


class Dag:
    """The compiled traversal: nodes by index, entry points in spec order, and each fork's join."""

    __slots__ = ("entry_points", "join_of", "nodes")

    def __init__(self, nodes: list[DagNode], entry_points: list[int]) -> None:
        self.nodes = nodes
        self.entry_points = entry_points
        self.join_of: dict[str, int] = {node.join_node_id: node.index for node in nodes
                                        if node.kind == JOIN and node.join_node_id is not None}  # fmt: skip

    def __len__(self) -> int:
        return len(self.nodes)


def _label(node: Any) -> Any:
    if type(node) is StandardNode or isinstance(node, StandardNode):
        return read.standard_label(node)
    if isinstance(node, ForkNode):
        return read.fork_label(node)
    return read.join_label(node)


def _parameters(node: Any) -> Any:
    if isinstance(node, StandardNode):
        return read.standard_parameters(node)
    if isinstance(node, ForkNode):
        return read.fork_parameters(node)
    return read.join_parameters(node)


def _java_order(item: tuple[str, Any]) -> bytes:
    """Sort key of a branch name as Java orders strings: by UTF-16 code unit."""
    return item[0].encode("utf-16-be", "surrogatepass")


def _present(value: Any) -> bool:
    return value is not UNSET and value is not None


def router_problems(spec: Spec, json_conditions: bool = False) -> list[Problem]:
    """The problems of `spec` that make the router refuse it when it decodes or compiles it."""
    try:
        compile_spec(spec, json_conditions=json_conditions)
    except SpecValidationError as error:
        return list(error.problems)
    return []


_CACHE: OrderedDict[tuple[int, bool], tuple[Spec, Dag]] = OrderedDict()
_CACHE_SIZE = 16


def compile_spec(spec: Spec, *, json_conditions: bool = False, check: bool = True) -> Dag:
    """The DAG the router compiles `spec` to. Raises SpecValidationError for a spec the router refuses.

    `json_conditions` accepts JsonExists/JsonEquals conditions (the documented ones the router build refuses).
    Specs are immutable, so the last few checked DAGs are kept (with their spec, which keeps its id unique): the
    DAG returned is shared, and must not be changed."""
    if not isinstance(spec, Spec):
        raise TypeError(f"spec must be a waygrid Spec, got {type(spec).__name__}")
    key = (id(spec), json_conditions)
    cached = _CACHE.get(key) if check else None
    if cached is not None and cached[0] is spec:
        _CACHE.move_to_end(key)
        return cached[1]
    dag = _compile(spec, json_conditions, check)
    if check:
        _CACHE[key] = (spec, dag)
        if len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return dag


def _compile(spec: Spec, json_conditions: bool, check: bool) -> Dag:
    compiler = _Compiler(json_conditions)
    dag = compiler.run(spec)
    if check:
        problems = compiler.problems or structure_problems(dag)
        if not spec.entry_points:
            problems = [Problem("entryPoints", "no-entry-point", "a spec needs at least one entry point")]
        if problems:
            raise SpecValidationError(problems)
    return dag


def structure_problems(dag: Dag) -> list[Problem]:
    """`Dag.validate` of the router: each fork's joinNodeId has exactly one join node, each join a fork, and
    each fork at least 2 branch edges (a DAG compiled from a spec tree has no cycles and no dangling edges)."""
    problems: list[Problem] = []
    forks = {node.join_node_id: node for node in dag.nodes if node.kind == FORK}
    joins: dict[str | None, list[DagNode]] = {}
    for node in dag.nodes:
        if node.kind == JOIN:
            joins.setdefault(node.join_node_id, []).append(node)
    for join_node_id, fork in forks.items():
        found = joins.get(join_node_id, [])
        if not found:
            problems.append(Problem(fork.path, "fork-without-join", f"Invalid DAG structure: ForkWithoutJoin: no join "
                                    f"has joinNodeId {join_node_id!r}"))  # fmt: skip
        elif len(found) > 1:
            where = ", ".join(node.path for node in found)
            problems.append(Problem(fork.path, "multiple-joins", f"Invalid DAG structure: MultipleJoinsForFork: "
                                    f"joins for {join_node_id!r} differ in address ({where})"))  # fmt: skip
    for join_node_id, found in joins.items():
        if join_node_id not in forks:
            problems.extend(Problem(node.path, "join-without-fork", "Invalid DAG structure: JoinWithoutMatchingFork: "
                                    f"no fork has joinNodeId {join_node_id!r}") for node in found)  # fmt: skip
    for fork in forks.values():
        if len(fork.on_success) < 2:
            problems.append(Problem(fork.path, "fork-branches", "Invalid DAG structure: ForkWithInsufficientBranches: "
                                    f"{len(fork.on_success)} branch edge(s), at least 2 needed"))  # fmt: skip
    cycle = _cycle(dag)
    if cycle is not None:
        problems.append(Problem(dag.nodes[cycle[0]].path, "cycle", "Invalid DAG structure: CycleDetected: "
                                + " -> ".join(dag.nodes[index].path for index in cycle)))  # fmt: skip
    return problems


def successors(node: DagNode) -> list[int]:
    """Every target of the node's edges."""
    return [*node.on_failure, *node.on_success, *(target for _, target in node.conditional), *node.on_timeout]


def _acyclic(dag: Dag) -> bool:
    """Whether every node can be ordered before its successors (Kahn's algorithm: cheap, no recursion)."""
    nodes = dag.nodes
    edges = [successors(node) for node in nodes]
    indegree = [0] * len(nodes)
    for targets in edges:
        for target in targets:
            indegree[target] += 1
    ready = [index for index, count in enumerate(indegree) if count == 0]
    ordered = 0
    while ready:
        index = ready.pop()
        ordered += 1
        for target in edges[index]:
            indegree[target] -= 1
            if indegree[target] == 0:
                ready.append(target)
    return ordered == len(nodes)


def _cycle(dag: Dag) -> list[int] | None:
    """A cycle of the DAG's edges (the nodes on it, first node repeated last), or None. The compiler can close one:
    a fork or join reused inside its own branches, or path bits shifted back to an ancestor's."""
    if _acyclic(dag):
        return None
    state = [0] * len(dag.nodes)  # 0 unvisited, 1 on the current path, 2 done
    for root in range(len(dag.nodes)):
        if state[root]:
            continue
        path = [root]
        stack = [iter(successors(dag.nodes[root]))]
        state[root] = 1
        while stack:
            following = next(stack[-1], None)
            if following is None:
                state[path.pop()] = 2
                stack.pop()
            elif state[following] == 1:
                return [*path[path.index(following) :], following]
            elif state[following] == 0:
                state[following] = 1
                path.append(following)
                stack.append(iter(successors(dag.nodes[following])))
    return None


def _depth(condition: Any) -> int:
    """How deep a condition nests (Not, And and Or contain others), without recursion."""
    deepest, pending = 0, [(condition, 1)]
    while pending:
        current, depth = pending.pop()
        deepest = max(deepest, depth)
        if depth > MAX_CONDITION_DEPTH:
            break
        parts = ([current.cond] if isinstance(current, NotCondition) else current.all if isinstance(
            current, AndCondition) else current.any if isinstance(current, OrCondition) else [])  # fmt: skip
        pending.extend((part, depth + 1) for part in parts)
    return deepest


class _Compiler:
    """The compiler's walk; on the way it collects the problems the router finds when it decodes the spec."""

    def __init__(self, json_conditions: bool = False) -> None:
        self.ids: dict[tuple[Any, ...], int] = {}
        self.nodes: list[DagNode] = []
        self.rules = ROUTER_RULES - {_JSON_CONDITION_RULE} if json_conditions else ROUTER_RULES
        self.problems: list[Problem] = []
        self._seen: set[tuple[str, str]] = set()

    def _report(self, problems: list[Problem]) -> None:
        for problem in problems:
            if problem.rule in self.rules and (problem.path, problem.rule) not in self._seen:
                self._seen.add((problem.path, problem.rule))
                self.problems.append(problem)

    def ensure(self, node: Any, bits: int, depth: int, path: str) -> int:
        if depth > MAX_DEPTH:
            raise SpecValidationError([Problem(path, "too-deep", f"Max recursion depth ({MAX_DEPTH}) exceeded at "
                                               f"node '{node.address}'")])  # fmt: skip
        key: tuple[Any, ...]
        if isinstance(node, StandardNode):
            kind, key = STANDARD, (node.address, bits ^ (depth << 32))
        elif isinstance(node, JoinNode):
            kind, key = JOIN, ("join", node.address, node.join_node_id)
        else:
            kind, key = FORK, ("fork", node.address, node.join_node_id)
        index = self.ids.get(key)
        if index is None:
            index = len(self.nodes)
            self.ids[key] = index
            self.nodes.append(DagNode(index, kind, node, path))
        return index

    def run(self, spec: Spec) -> Dag:
        # A frame is registered when it is pushed (as the compiler's ensureNode runs before the push), so a popped
        # frame carries its node's index.
        stack: list[tuple[Any, int, int, str, int]] = []
        entries: list[int] = []
        ensure, nodes = self.ensure, self.nodes
        for position, entry in enumerate(spec.entry_points):
            bits = (1 | (position << 56)) & _MASK
            path = f"entryPoints[{position}]"
            index = ensure(entry, bits, 0, path)
            stack.append((entry, bits, 0, path, index))
            entries.append(index)
        unset = UNSET
        while stack:
            node, bits, depth, path, index = stack.pop()
            me = nodes[index]
            children: list[tuple[Any, int, str, Any]] = []
            if me.kind == STANDARD:
                values = read.standard_parameters(node)
                if values:
                    self._report(parameter_problems(values, path))
                failure, success = read.standard_on_failure(node), read.standard_on_success(node)
                if failure is not unset and failure is not None:
                    children.append((failure, bits << 1, ".onFailure", me.on_failure))
                if success is not unset and success is not None:
                    children.append((success, (bits << 1) | 1, ".onSuccess", me.on_success))
                routes = read.on_conditions(node)
                for position, edge in enumerate(routes if _present(routes) else ()):
                    assert isinstance(edge, ConditionalEdge)
                    where = f"{path}.onConditions[{position}].condition"
                    if _depth(edge.condition) > MAX_CONDITION_DEPTH:
                        self.problems.append(Problem(where, "condition-depth", "the simulator evaluates conditions "
                                                     f"nested at most {MAX_CONDITION_DEPTH} deep"))  # fmt: skip
                    else:
                        self._report(condition_problems(edge.condition, where))
                    step = f".onConditions[{position}].to"
                    children.append((edge.to, (bits << 8) | (64 + position), step, edge.condition))
            elif me.kind == FORK:
                values = read.fork_parameters(node)
                if values:
                    self._report(parameter_problems(values, path))
                for position, (name, branch) in enumerate(sorted(read.branches(node).items(), key=_java_order)):
                    children.append((branch, (bits << 8) | position, branch_step(name), me.on_success))
                    me.branch_names.append(name)
            else:
                values = read.join_parameters(node)
                if values:
                    self._report(parameter_problems(values, path))
                for child, child_bits, step, edges in (
                    (read.join_on_success(node), (bits << 1) | 1, ".onSuccess", me.on_success),
                    (read.join_on_failure(node), bits << 1, ".onFailure", me.on_failure),
                    (read.on_timeout(node), (bits << 2) | 2, ".onTimeout", me.on_timeout),
                ):
                    if _present(child):
                        children.append((child, child_bits, step, edges))
            depth += 1
            for child, child_bits, step, edges in children:
                child_bits &= _MASK
                child_path = path + step
                index = ensure(child, child_bits, depth, child_path)
                if isinstance(edges, list):
                    target_edges = cast("list[int]", edges)  # type: ignore[redundant-cast]  # for pyright
                    target_edges.append(index)
                else:
                    me.conditional.append((edges, index))
                stack.append((child, child_bits, depth, child_path, index))
        return Dag(nodes, entries)
