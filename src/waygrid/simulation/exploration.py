"""What the compiler does not catch: simulate every success/failure combination of a spec's nodes (bounded) and
report each runtime problem the router would hit, with the path of the node it concerns.

Each DAG node either succeeds or fails on every attempt (so retries run out). The combinations are explored as a
tree: a run decides a node the first time it is dispatched, and every decision that led to success is later
tried as a failure, so only combinations a run can tell apart are simulated.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from waygrid.simulation.dag import FORK, JOIN, Dag, DagNode, compile_spec
from waygrid.simulation.engine import Call, Handler, SimulationLimitError, Traversal
from waygrid.simulation.fsm import FsmError
from waygrid.simulation.handlers import ScriptedFailureError
from waygrid.simulation.options import BRANCH_FAILURES, BranchFailures, choice, entry_node, flag, positive
from waygrid_api.models.traversal_spec import QuorumJoin, Spec

__all__ = ["FINDING_KINDS", "Exploration", "Finding", "explore"]

FINDING_KINDS = {
    "conditions-overlap": "more than one condition is true: the router allows one successor",
    "branch-ends-traversal": "a node inside a fork has no successor: its success completes the whole traversal "
    "while other branches run",
    "scheduled-loses-branch": "a node with a scheduled delivery inside a branch loses the branch: the branch can "
    "never reach its join",
    "failure-path-loses-branch": "an onFailure route inside a branch runs without the branch: it can never reach "
    "the join",
    "join-handler-loses-branch": "a nested join's onFailure/onTimeout route runs without the outer branch: it "
    "can never reach the outer join",
    "late-branch": "a branch reaches its join after the join completed (And/Quorum keep the others running): "
    "the router refuses it",
    "join-continuations-repeated": "more than one copy of a join carries continuations: the join gets several "
    "successors",
    "multiple-successors": "a node has several successors: the router's compiler merged spec nodes of one address "
    "whose path bits collide (long chains inside a fork), and their routes add up",
    "quorum-unreachable": "the quorum is larger than the fork's branch count: the join fails at the first arrival",
    "stall": "the traversal stops with nothing left to do and neither completes nor fails",
    "limit": "the run did not end within the exploration's max_steps (a very large maxRetries, for instance)",
    "runtime-error": "the router's state machine returns an error",
}


@dataclass(frozen=True)
class Finding:
    """A runtime problem: its `kind` (see FINDING_KINDS), the node's spec `path` and `address`, what happens
    (`message`) and one combination that shows it (`failing`: the paths of the nodes that fail in it)."""

    kind: str
    path: str
    address: str
    message: str
    failing: tuple[str, ...] = field(default=())

    @property
    def description(self) -> str:
        """The message and the combination that shows it."""
        scenario = f"when {', '.join(self.failing)} fail" if self.failing else "when every node succeeds"
        return f"{self.message} ({scenario})"

    def __str__(self) -> str:
        return f"{self.path}: {self.description} [{self.kind}]"


@dataclass(frozen=True)
class Exploration:
    """The findings (one per kind and node), how many runs were simulated, and whether that covered every
    combination (`complete` is False when `max_runs` stopped the exploration first)."""

    findings: tuple[Finding, ...]
    runs: int
    complete: bool

    def __bool__(self) -> bool:
        return bool(self.findings)


class _EveryAddress(Mapping[str, Handler]):
    """One handler for every address."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler

    def __getitem__(self, key: str) -> Handler:
        return self.handler

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0


class _Decider:
    """Decides each node at its first dispatch: as `fixed` says, else success (a choice to try as failure later).
    `decisions` lists every decision in the order made; `new` the positions in it of the choices made here."""

    def __init__(self, fixed: dict[int, bool]) -> None:
        self.fixed = fixed
        self.decisions: list[tuple[int, bool]] = []
        self.new: list[int] = []

    def __call__(self, call: Call) -> None:
        index = call.node_index
        fails = self.fixed.get(index)
        if fails is None:
            self.fixed[index] = fails = False
            self.new.append(len(self.decisions))
            self.decisions.append((index, False))
        elif call.attempt == 1:
            self.decisions.append((index, fails))
        if fails:
            raise ScriptedFailureError("explored failure")


def explore(spec: Spec, *, max_runs: int = 256, entry: int | None = None, branch_failures: BranchFailures = "traversal",
            json_conditions: bool = False, max_steps: int = 100_000) -> Exploration:  # fmt: skip
    """Simulate the spec under every success/failure combination of its nodes, at most `max_runs` runs of at most
    `max_steps` signals each, from each entry point (or only `entry`), and return what the router would get wrong
    at run time. A run that reaches `max_steps` is reported as a `limit` finding."""
    positive(max_runs, "max_runs")
    positive(max_steps, "max_steps")
    choice(branch_failures, "branch_failures", BRANCH_FAILURES)
    flag(json_conditions, "json_conditions")
    dag = compile_spec(spec, json_conditions=json_conditions)
    begin = entry_node(dag, entry)
    entries = dag.entry_points if begin is None else [begin]
    findings: dict[tuple[str, str], Finding] = {}
    runs = 0
    # A pending run: its entry, and the decisions of an earlier run (shared, not copied) up to a position, where
    # the choice of success is turned into failure.
    pending: list[tuple[int, tuple[tuple[int, bool], ...], int]] = [(node, (), -1) for node in reversed(entries)]
    while pending and runs < max_runs:
        start, decisions, flip = pending.pop()
        fixed = dict(decisions[:flip]) if flip >= 0 else {}
        if flip >= 0:
            fixed[decisions[flip][0]] = True
        decider = _Decider(fixed)
        traversal = Traversal(dag, _EveryAddress(decider), start_ms=0, seed=0, branch_failures=branch_failures,
                              json_conditions=json_conditions, max_steps=max_steps)  # fmt: skip
        traversal.begin(start)
        failing: tuple[str, ...] = ()
        try:
            traversal.run_to_end()
        except SimulationLimitError:
            failing = tuple(dag.nodes[index].path for index, fails in decider.fixed.items() if fails)
            last = next((event.node for event in reversed(traversal.events) if event.node is not None), None)
            if last is not None:
                finding = _finding("limit", last, failing, f"{max_steps} signals")
                findings.setdefault((finding.kind, finding.path), finding)
        else:
            failing = tuple(dag.nodes[index].path for index, fails in decider.fixed.items() if fails)
            for finding in _findings(dag, traversal, failing):
                findings.setdefault((finding.kind, finding.path), finding)
        runs += 1
        made = tuple(decider.decisions)
        pending.extend((start, made, position) for position in reversed(decider.new))
    return Exploration(tuple(findings.values()), runs, not pending)


def _findings(dag: Dag, traversal: Traversal, failing: tuple[str, ...]) -> Iterator[Finding]:
    nodes, fsm = dag.nodes, traversal.fsm
    by_path = {node.path: node for node in nodes}
    forks = {node.join_node_id: node for node in nodes if node.kind == FORK}
    for event in traversal.events:
        if event.kind == "join_failed" and event.path is not None:
            join = by_path[event.path]
            fork = forks.get(join.join_node_id)
            if isinstance(join.strategy, QuorumJoin) and fork is not None and join.strategy.n > len(fork.on_success):
                yield _finding("quorum-unreachable", join, failing, f"quorum {join.strategy.n} of "
                               f"{len(fork.on_success)} branches")  # fmt: skip
    if traversal.outcome == "completed" and traversal.open_scopes_at_end and traversal.terminal_node is not None:
        yield _finding("branch-ends-traversal", nodes[traversal.terminal_node], failing)
    if traversal.outcome == "stalled":
        last = next((event for event in reversed(traversal.events) if event.path), None)
        if last is not None and last.path is not None:
            yield _finding("stall", by_path[last.path], failing, f"last event: {last.kind}")
    error = traversal.fsm_error
    if error is not None and error.node is not None:
        node = nodes[error.node]
        yield _finding(_error_kind(node, error, fsm.completed, nodes), node, failing, str(error))


def _error_kind(node: DagNode, error: FsmError, completed: set[int], nodes: list[DagNode]) -> str:
    if error.message.endswith("successors"):
        if node.kind == JOIN:
            return "join-continuations-repeated"
        return "conditions-overlap" if node.conditional else "multiple-successors"
    if "branch context" in error.message:
        if error.cause is not None:
            return f"{error.cause}-loses-branch"
        if any(nodes[target].kind == JOIN and target in completed for target in node.on_success):
            return "late-branch"
    return "runtime-error"


def _finding(kind: str, node: DagNode, failing: tuple[str, ...], detail: str = "") -> Finding:
    message = f"{FINDING_KINDS[kind]} ({detail})" if detail else FINDING_KINDS[kind]
    return Finding(kind, node.path, node.address, message, failing)
