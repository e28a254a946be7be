"""Local validation of a graph template before it is sent: the state manager's 422 and 400 layers, every problem
with the node it concerns and the server's own message.

The graph rules follow the state manager's graph template model: unique identifiers, existing `next_nodes` and
`unites` targets, exactly one root (a node's own `unites` counts as an in-edge), every node reached from the
root, no cycles, string inputs, well-formed `${{ ... }}` placeholders that name a parent (for a node with `unites`:
the target and the target's parents), and `${{ store.key }}` keys the store config declares. Parents are computed
the way the server computes them, depth first in `next_nodes` order, so a graph is judged as the server judges it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from exosphere_api.models.graph_node import GraphNode, Unites
from exosphere_api.models.store_config import StoreConfig
from exospherehost.errors import ExosphereError

__all__ = ["GraphTemplateError", "Problem", "validate_graph"]


@dataclass(frozen=True)
class Problem:
    """One broken rule: the node it concerns (None for the whole graph) and the server's message."""

    identifier: str | None
    message: str

    def __str__(self) -> str:
        return self.message if self.identifier is None else f"node {self.identifier!r}: {self.message}"


class GraphTemplateError(ExosphereError, ValueError):
    """The graph breaks rules the state manager enforces; `problems` lists every one (nothing was sent)."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = tuple(problems)
        lines = "\n".join(f"  - {problem}" for problem in problems)
        super().__init__(f"Error validating graph template:\n{lines}")


def validate_graph(
    nodes: Sequence[GraphNode], store_config: StoreConfig | None = None, cron_expressions: Sequence[str] = ()
) -> list[Problem]:
    """Every problem the state manager would report for this graph; empty when it will accept it."""
    problems = [Problem(None, f"Invalid cron expression: {e}") for e in cron_expressions if not valid_cron(e)]
    problems += _Graph(nodes, store_config).problems()
    return problems


class _Graph:
    def __init__(self, nodes: Sequence[GraphNode], store_config: StoreConfig | None) -> None:
        self.nodes = list(nodes)
        self.by_id = {node.identifier: node for node in self.nodes}
        self.store_keys: set[str] = set()
        if store_config is not None:
            self.store_keys = set(store_config.required_keys) | set(store_config.default_values)

    def problems(self) -> list[Problem]:
        found = self.identifiers() + self.targets()
        if found:
            return found  # the later rules need a well-formed graph
        incoming = dict.fromkeys(self.by_id, 0)
        for node in self.nodes:
            for target in node.next_nodes or ():
                incoming[target] += 1
            if node.unites:
                incoming[node.identifier] += 1
        roots = [node.identifier for node in self.nodes if incoming[node.identifier] == 0]
        if len(roots) != 1:
            listed = [f"identifier={root!r}" for root in roots]
            return [Problem(None, "There should be exactly one root node in the graph but found "
                                  f"{len(roots)} nodes with zero in-degree: [{', '.join(listed)}]")]  # fmt: skip
        walk = Walk(self.by_id, roots[0])
        if walk.waiting:
            found.append(Problem(None, f"Error building dependency graph: Graph is disconnected at: {walk.waiting}"))
        for node in self.nodes:
            if node.identifier != roots[0] and not walk.is_parent(roots[0], node.identifier):
                found.append(Problem(node.identifier, f"Node {node.identifier} is not connected to the root node"))
        for node in self.nodes:
            if node.identifier in walk.cyclic:
                found.append(Problem(node.identifier, f"Node {node.identifier} is not acyclic"))
        for node in self.nodes:
            found += self.inputs(node, walk)
        return found

    def identifiers(self) -> list[Problem]:
        seen: set[str] = set()
        found: list[Problem] = []
        for node in self.nodes:
            if node.identifier in seen:
                found.append(Problem(node.identifier, f"Node identifier {node.identifier} is not unique"))
            seen.add(node.identifier)
        return found

    def targets(self) -> list[Problem]:
        found: list[Problem] = []
        for node in self.nodes:
            for target in node.next_nodes or ():
                if target not in self.by_id:
                    found.append(Problem(node.identifier, f"Node identifier {target} does not exist in the graph"))
        for node in self.nodes:
            if node.unites:
                target = node.unites.identifier
                if target not in self.by_id:
                    found.append(Problem(node.identifier, f"Node {node.identifier} has an unites target {target} "
                                                          "that does not exist"))  # fmt: skip
                if target == node.identifier:
                    found.append(Problem(node.identifier, f"Node {node.identifier} has an unites target {target} "
                                                          "that is the same as the node itself"))  # fmt: skip
        return found

    def inputs(self, node: GraphNode, walk: Walk) -> list[Problem]:
        found: list[Problem] = []
        for value in node.inputs.values():
            if not isinstance(value, str):
                found.append(Problem(node.identifier, f"Input {value} is not a string"))
                continue
            try:
                references = placeholders(value)
            except ValueError as error:
                found.append(Problem(node.identifier, f"Error creating dependent string for input {value} check "
                                                      f"syntax string: {error}"))  # fmt: skip
                continue
            for identifier, field in dict.fromkeys(references):
                if identifier == "store":
                    if field not in self.store_keys:
                        found.append(Problem(node.identifier, f"Input {value} depends on store key {field} but the "
                                             "store config has no such required key or default value"))  # fmt: skip
                elif not walk.is_parent(identifier, node.identifier):
                    found.append(Problem(node.identifier, f"Input {value} depends on {identifier} but {identifier} "
                                                          f"is not a parent of {node.identifier}"))  # fmt: skip
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


_MONTHS = "jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec"
_DAYS = "sun|mon|tue|wed|thu|fri|sat"
_FIELDS = ((0, 59, None), (0, 23, None), (1, 31, None), (1, 12, _MONTHS), (0, 7, _DAYS))
_ITEM = re.compile(r"(?P<start>\*|\?|[0-9]+|[a-z]{3})(?:-(?P<end>[0-9]+|[a-z]{3}))?(?:/(?P<step>[0-9]+))?", re.I)
_SPECIAL = re.compile(r"[0-9]*L|[0-9]+W|LW|[0-9a-z]{1,3}#[1-5]|[0-9a-z]{1,3}L", re.I)


def valid_cron(expression: str) -> bool:
    """A classic five-field cron line (minute hour day-of-month month day-of-week) with numbers, names, ranges,
    steps and lists, as croniter reads it; rarer croniter forms (L, W, #) are let through to the server."""
    fields = expression.split()
    if len(fields) != len(_FIELDS):
        return False
    return all(_valid_field(field, *limits) for field, limits in zip(fields, _FIELDS, strict=True))


def _valid_field(field: str, low: int, high: int, names: str | None) -> bool:
    for item in field.split(","):
        if _SPECIAL.fullmatch(item):
            continue
        match = _ITEM.fullmatch(item)
        if match is None:
            return False
        start, end, step = match["start"], match["end"], match["step"]
        if step is not None and int(step) == 0:
            return False
        if start in ("*", "?"):
            if end is not None:
                return False
            continue
        first, last = _value(start, low, names), _value(end, low, names) if end is not None else None
        if first is None or not low <= first <= high:
            return False
        if end is not None and (last is None or not low <= last <= high):
            return False
    return True


def _value(text: str, low: int, names: str | None) -> int | None:
    if text.isdigit():
        return int(text)
    if names is None or text.lower() not in names.split("|"):
        return None
    return names.split("|").index(text.lower()) + low
