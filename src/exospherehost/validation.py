"""Local validation of a graph template before it is sent: the state manager's 422 and 400 layers, every problem
with the node it concerns and the server's own message.

The graph rules follow the state manager's graph template model: unique identifiers, existing `next_nodes` and
`unites` targets, exactly one root (a node's own `unites` counts as an in-edge), every node reached from the
root, no cycles, string inputs, well-formed `${{ ... }}` placeholders that name a parent (for a node with `unites`:
the target and the target's parents), and `${{ store.key }}` keys the store config declares. Parents are computed
the way the server computes them, depth first in `next_nodes` order, so a graph is judged as the server judges it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from exosphere_api.models.graph_node import GraphNode, Unites
from exosphere_api.models.store_config import StoreConfig
from exospherehost.errors import ExosphereError

__all__ = ["RULES", "GraphTemplateError", "Problem", "node_repr", "validate_graph"]


@dataclass(frozen=True)
class Problem:
    """One broken rule: the node it concerns (None for the whole graph), the server's message, the rule (the
    server's validator that reports it: see `RULES`) and where in the upsert body it lies (`nodes[1].inputs.x`)."""

    identifier: str | None
    message: str
    rule: str = "graph"
    where: str = "nodes"

    def __str__(self) -> str:
        return self.message if self.identifier is None else f"node {self.identifier!r}: {self.message}"


RULES = ("name", "namespace", "nodes", "next_nodes", "secrets", "unites", "connected", "acyclic", "inputs")
"""The state manager's validators of a graph template, in the order it runs them: `name` ("Name cannot be empty"),
`namespace`, `nodes` (unique identifiers), `next_nodes` (existing targets; on the same field, so judged only when
the identifiers are unique), `secrets` (no empty name) are field
validators, reported together; `unites` (targets), `connected` (one root, the walk, every node reached),
`acyclic` and `inputs` (strings, placeholders, parents, store keys) run after them, and the first that fails is
the only one reported. `validate_graph` reports every rule that fails (`cron` problems come first)."""


class GraphTemplateError(ExosphereError, ValueError):
    """The graph breaks rules the state manager enforces; `problems` lists every one (nothing was sent)."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = tuple(problems)
        lines = "\n".join(f"  - {problem}" for problem in problems)
        super().__init__(f"Error validating graph template:\n{lines}")


def validate_graph(
    nodes: Sequence[GraphNode],
    store_config: StoreConfig | None = None,
    cron_expressions: Sequence[str] = (),
    *,
    name: str | None = None,
    namespace: str | None = None,
    secrets: Mapping[str, str] | None = None,
) -> list[Problem]:
    """Every problem the state manager would report for this graph (its name, namespace and secrets when given);
    empty when it will accept it."""
    problems = [Problem(None, f"Invalid cron expression: {expression}", "cron", f"triggers[{index}].expression")
                for index, expression in enumerate(cron_expressions) if not valid_cron(expression)]  # fmt: skip
    if name is not None and not name.strip():
        problems.append(Problem(None, "Name cannot be empty", "name", "name"))
    if namespace is not None and not namespace.strip():
        problems.append(Problem(None, "Namespace cannot be empty", "namespace", "namespace"))
    graph = _Graph(nodes, store_config)
    problems += graph.node_list()
    if any(not secret for secret in secrets or {}):
        problems.append(Problem(None, "Secrets cannot be empty", "secrets", "secrets"))
    problems += graph.unites()
    if not any(problem.rule in ("nodes", "next_nodes", "unites") for problem in problems):
        problems += graph.structure()
    return problems


def node_repr(node: GraphNode) -> str:
    """The node as the server's pydantic NodeTemplate prints itself (its messages quote it)."""
    unites = None
    if isinstance(node.unites, Unites):
        strategy = node.unites.strategy.value
        unites = _Repr(f"Unites(identifier={node.unites.identifier!r}, strategy=<UnitesStrategyEnum.{strategy}: "
                       f"{strategy!r}>)")  # fmt: skip
    return (f"NodeTemplate(node_name={node.node_name!r}, namespace={node.namespace!r}, "
            f"identifier={node.identifier!r}, inputs={node.inputs!r}, next_nodes={node.next_nodes!r}, "
            f"unites={unites!r})")  # fmt: skip


class _Repr(str):
    def __repr__(self) -> str:
        return str(self)


class _Graph:
    def __init__(self, nodes: Sequence[GraphNode], store_config: StoreConfig | None) -> None:
        self.nodes = list(nodes)
        self.by_id = {node.identifier: node for node in self.nodes}
        self.index: dict[str, int] = {}
        for index, node in enumerate(self.nodes):
            self.index.setdefault(node.identifier, index)
        self.store_keys: set[str] = set()
        if store_config is not None:
            self.store_keys = set(store_config.required_keys) | set(store_config.default_values)

    def node_list(self) -> list[Problem]:
        """The field validators of `nodes`: unique identifiers (rule `nodes`), existing targets (`next_nodes`; the
        server checks them only when the identifiers are unique)."""
        found: list[Problem] = []
        seen: set[str] = set()
        for index, node in enumerate(self.nodes):
            if node.identifier in seen:
                found.append(Problem(node.identifier, f"Node identifier {node.identifier} is not unique", "nodes",
                                     f"nodes[{index}]"))  # fmt: skip
            seen.add(node.identifier)
        for index, node in enumerate(self.nodes):
            for position, target in enumerate(node.next_nodes or ()):
                if target not in self.by_id:
                    found.append(Problem(node.identifier, f"Node identifier {target} does not exist in the graph",
                                         "next_nodes", f"nodes[{index}].next_nodes[{position}]"))  # fmt: skip
        return found

    def structure(self) -> list[Problem]:
        """The model validators after `unites`, each reported in full, the later ones only where the earlier leave
        a graph they can judge (a root, a walk)."""
        found: list[Problem] = []
        incoming = dict.fromkeys(self.by_id, 0)
        for node in self.nodes:
            for target in node.next_nodes or ():
                incoming[target] += 1
            if node.unites:
                incoming[node.identifier] += 1
        roots = [node for node in self.nodes if incoming[node.identifier] == 0]
        if len(roots) != 1:
            listed = ", ".join(node_repr(node) for node in roots)
            return [Problem(None, "There should be exactly one root node in the graph but found "
                                  f"{len(roots)} nodes with zero in-degree: [{listed}]", "connected")]  # fmt: skip
        root = roots[0].identifier
        walk = Walk(self.by_id, root)
        if walk.waiting:
            found.append(Problem(None, f"Error building dependency graph: Graph is disconnected at: {walk.waiting}",
                                 "connected"))  # fmt: skip
        for node in self.nodes:
            if node.identifier != root and not walk.is_parent(root, node.identifier):
                found.append(Problem(node.identifier, f"Node {node.identifier} is not connected to the root node",
                                     "connected", self._at(node)))  # fmt: skip
        for node in self.nodes:
            if node.identifier in walk.cyclic:
                found.append(Problem(node.identifier, f"Node {node.identifier} is not acyclic", "acyclic",
                                     self._at(node)))  # fmt: skip
        for node in self.nodes:
            found += self.inputs(node, walk)
        return found

    def _at(self, node: GraphNode) -> str:
        return f"nodes[{self.index[node.identifier]}]"

    def unites(self) -> list[Problem]:
        found: list[Problem] = []
        for node in self.nodes:
            if node.unites:
                target, at = node.unites.identifier, f"{self._at(node)}.unites.identifier"
                if target not in self.by_id:
                    found.append(Problem(node.identifier, f"Node {node.identifier} has an unites target {target} "
                                                          "that does not exist", "unites", at))  # fmt: skip
                if target == node.identifier:
                    message = (
                        f"Node {node.identifier} has an unites target {target} that is the same as the node itself"
                    )
                    found.append(Problem(node.identifier, message, "unites", at))
        return found

    def inputs(self, node: GraphNode, walk: Walk) -> list[Problem]:
        """Per input value, as the server judges it: each identifier it names once (those that are not parents),
        then each store key once (those the store config lacks). The server keeps both in sets, so its order
        among several is Python's string hash order; here it is the order of first appearance."""
        found: list[Problem] = []
        for name, value in node.inputs.items():
            at = f"{self._at(node)}.inputs.{name}"
            if not isinstance(value, str):
                found.append(Problem(node.identifier, f"Input {value} is not a string", "inputs", at))
                continue
            try:
                references = placeholders(value)
            except ValueError as error:
                found.append(Problem(node.identifier, f"Error creating dependent string for input {value} check "
                                                      f"syntax string: {error}", "inputs", at))  # fmt: skip
                continue
            identifiers = dict.fromkeys(identifier for identifier, _ in references if identifier != "store")
            keys = dict.fromkeys(key for identifier, key in references if identifier == "store")
            for identifier in identifiers:
                if not walk.is_parent(identifier, node.identifier):
                    message = (f"Input {value} depends on {identifier} but {identifier} is not a parent of "
                               f"{node.identifier}")  # fmt: skip
                    found.append(Problem(node.identifier, message, "inputs", at))
            for key in keys:
                if key not in self.store_keys:
                    found.append(Problem(node.identifier, f"Input {value} depends on {key} but {key} is not a "
                                                          "required key or a default value", "inputs", at))  # fmt: skip
        return found


class Walk:
    """The server's depth-first walk of a well-formed graph from its root, `next_nodes` in order, in linear space.

    The server gives each node the union of the parent sets its callers pass, and walks a node's `next_nodes`
    only on its first visit, passing its first-visit parents plus itself. A node with `unites` is walked when its
    target has already been visited, and passes the target's parents at that moment plus the target (not itself);
    one reached before its target waits, gains the target's parents when the target is walked, and is never
    walked. Those sets grow with the graph's depth (quadratic in all), so this keeps what they are made of: the
    tree of first visits with entry and exit times (ancestry in two comparisons), and per node the callers whose
    sets reached it. Each caller's set is its tree path up to the nearest walked node with `unites` (or the
    root), then that node's target and the target's callers at the time."""

    def __init__(self, by_id: dict[str, GraphNode], root: str) -> None:
        self.by_id = by_id
        self.root = root
        # a node's callers: the first, and the rest (most nodes have one; no list per node keeps the GC quiet)
        self.first_caller: dict[str, str] = {}
        self.more_callers: dict[str, list[str]] = {}
        self.visited: set[str] = set()
        self.top: dict[str, str] = {}  # walked node -> the root or the nearest walked node with unites on its path
        self.snapshot: dict[str, tuple[str, int]] = {}  # walked node with unites -> (target, its callers then)
        self.entered: dict[str, int] = {}
        self.left: dict[str, int] = {}
        self.cyclic: set[str] = set()  # nodes the server finds on their own path: reached again from below
        self.waiting: dict[str, list[str]] = {}
        self._walk()

    def _walk(self) -> None:
        self._arrive(self.root, None)
        self._enter(self.root, 0)
        stack = [(self.root, iter(self.by_id[self.root].next_nodes or ()))]
        clock = 0
        while stack:
            clock += 1
            identifier, following = stack[-1]
            child = next(following, None)
            if child is None:
                self.left[identifier] = clock
                stack.pop()
            elif self._arrive(child, identifier):
                self._enter(child, clock)
                stack.append((child, iter(self.by_id[child].next_nodes or ())))

    def _arrive(self, identifier: str, caller: str | None) -> bool:
        """One visit from `caller`; True when the node is to be walked now."""
        if caller is not None:
            self._add_caller(identifier, caller)
        if identifier in self.visited:
            if identifier in self.entered and identifier not in self.left:  # on the path being walked
                self.cyclic.add(identifier)
            return False
        self.visited.add(identifier)
        unites = self.by_id[identifier].unites
        if not isinstance(unites, Unites):
            self.top[identifier] = self.root if caller is None else self.top[caller]
            return True
        target = unites.identifier
        if target not in self.visited:
            self.waiting.setdefault(target, []).append(identifier)
            return False
        self.snapshot[identifier] = (target, len(self.callers(target)))
        self.first_caller[identifier] = identifier  # the server replaces this node's parents with its own set
        self.more_callers.pop(identifier, None)
        self.top[identifier] = identifier
        return True

    def _enter(self, identifier: str, clock: int) -> None:
        """A node is walked: nodes waiting for it gain its set, then its `next_nodes` follow."""
        self.entered[identifier] = clock
        if identifier in self.waiting:
            for pending in self.waiting.pop(identifier):
                self._add_caller(pending, identifier)

    def _add_caller(self, identifier: str, caller: str) -> None:
        if identifier in self.first_caller:
            self.more_callers.setdefault(identifier, []).append(caller)
        else:
            self.first_caller[identifier] = caller

    def callers(self, identifier: str) -> list[str]:
        """The nodes whose parent sets reached `identifier`, in order (a node with `unites`, once walked: itself,
        standing for the set it was given)."""
        first = self.first_caller.get(identifier)
        if first is None:
            return []
        more = self.more_callers.get(identifier)
        return [first, *more] if more else [first]

    def _ancestor(self, above: str, below: str) -> bool:
        """`above` is `below` or on its path in the tree of first visits (both walked)."""
        return self.entered[above] <= self.entered[below] and self.left[below] <= self.left[above]

    def is_parent(self, candidate: str, identifier: str) -> bool:
        """Whether the server counts `candidate` among the parents of `identifier`."""
        callers = self.callers(identifier)
        top = self.top
        for caller in callers:  # the common answers: the root, or a caller in the caller's own set
            if top[caller] == self.root and (candidate == self.root or candidate == caller):
                return True
        seen: set[str] = set()
        pending = list(callers)
        while pending:
            caller = pending.pop()
            if caller in seen:
                continue
            seen.add(caller)
            segment = top[caller]  # the caller's set: its tree path up to `segment`, then what `segment` was given
            if segment == self.root:
                if candidate == segment:
                    return True
            else:
                target, count = self.snapshot[segment]
                if candidate == target:
                    return True
                pending += self.callers(target)[:count]
            if (
                candidate != segment
                and candidate in self.entered
                and self._ancestor(segment, candidate)
                and self._ancestor(candidate, caller)
            ):
                return True
        return False


def placeholders(text: str) -> list[tuple[str, str]]:
    """The `(identifier, field)` of each `${{ identifier.outputs.field }}` and `("store", key)` of each
    `${{ store.key }}` in `text`; ValueError for a placeholder the server cannot read."""
    found: list[tuple[str, str]] = []
    for piece in text.split("${{")[1:]:
        content, closed, _ = piece.partition("}}")
        if not closed:
            raise ValueError(f"Invalid syntax string placeholder {piece} for: {text} '${{' not closed")
        parts = content.split(".")
        if len(parts) == 3 and parts[1].strip() == "outputs":
            found.append((parts[0].strip(), parts[2].strip()))
        elif len(parts) == 2 and parts[0].strip() == "store":
            found.append(("store", parts[1].strip()))
        else:
            raise ValueError(f"Invalid syntax string placeholder {content} for: {text}")
    return found


def substitute(text: str, value_of: Callable[[str, str], str]) -> str:
    """`text` with each placeholder replaced by `value_of(identifier, field)` (`("store", key)` for the store);
    the literal text around placeholders is kept."""
    pieces = text.split("${{")
    resolved = [pieces[0]]
    for piece in pieces[1:]:
        content, rest = piece.split("}}", 1) if "}}" in piece else (piece, "")
        ((identifier, field),) = placeholders("${{" + content + "}}")
        resolved += [value_of(identifier, field), rest]
    return "".join(resolved)


def valid_cron(expression: str) -> bool:
    """Whether the state manager accepts `expression`: it asks `croniter.is_valid` (croniter 6 in its lock file),
    which takes 5 to 7 fields, `@daily`-style names, L, W and # and refuses some forms classic cron allows."""
    from croniter import croniter  # imported only when a trigger is checked

    return bool(croniter.is_valid(expression))
