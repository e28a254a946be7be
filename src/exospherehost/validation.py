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

from exosphere_api.models.graph_node import GraphNode
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
        self.parents: dict[str, set[str]] = {}
        self.paths: dict[str, set[str]] = {}

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
        waiting = self.walk(roots[0])
        if waiting:
            found.append(Problem(None, f"Error building dependency graph: Graph is disconnected at: {waiting}"))
        for node in self.nodes:
            if node.identifier != roots[0] and roots[0] not in self.parents[node.identifier]:
                found.append(Problem(node.identifier, f"Node {node.identifier} is not connected to the root node"))
        for node in self.nodes:
            if node.identifier in self.paths[node.identifier]:
                found.append(Problem(node.identifier, f"Node {node.identifier} is not acyclic"))
        for node in self.nodes:
            found += self.inputs(node)
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

    def walk(self, root: str) -> dict[str, list[str]]:
        """Parents and next_nodes paths of every node, as the server's depth-first walk finds them; returns the
        nodes still waiting for their unites target (non-empty when the graph is disconnected).

        Like the server, a node is marked visited before it waits for its unites target, so a node reached that
        way only gains the target's parents: its own next_nodes are not walked from there."""
        self.parents = {node.identifier: set() for node in self.nodes}
        self.paths = {node.identifier: set() for node in self.nodes}
        visited: set[str] = set()
        waiting: dict[str, list[str]] = {}

        def visit(identifier: str, parents: set[str], path: set[str]) -> None:
            self.parents[identifier] |= parents
            self.paths[identifier] |= path
            if identifier in visited:
                return
            visited.add(identifier)
            node = self.by_id[identifier]
            if node.unites:
                target = node.unites.identifier
                if target not in visited:
                    waiting.setdefault(target, []).append(identifier)
                    return
                inherited = self.parents[target]
                self.parents[identifier] = inherited | {target}
                for_children = inherited | {target}
            else:
                for_children = parents | {identifier}
            for pending in waiting.pop(identifier, []):
                visit(pending, for_children, self.paths[pending])
            for following in node.next_nodes or ():
                visit(following, for_children, path | {identifier})

        visit(root, set(), set())
        return waiting

    def inputs(self, node: GraphNode) -> list[Problem]:
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
                elif identifier not in self.parents[node.identifier]:
                    found.append(Problem(node.identifier, f"Input {value} depends on {identifier} but {identifier} "
                                                          f"is not a parent of {node.identifier}"))  # fmt: skip
        return found


def placeholders(text: str) -> list[tuple[str, str]]:
    """The `(identifier, field)` of each `${{ identifier.outputs.field }}` and `("store", key)` of each
    `${{ store.key }}` in `text`; ValueError for a placeholder the server cannot read."""
    pieces = text.split("${{")
    found: list[tuple[str, str]] = []
    for piece in pieces[1:]:
        if "}}" not in piece:
            raise ValueError(f"Invalid syntax string placeholder {piece} for: {text} '${{' not closed")
        content = piece.split("}}", 1)[0]
        parts = [part.strip() for part in content.split(".")]
        if len(parts) == 3 and parts[1] == "outputs":
            found.append((parts[0], parts[2]))
        elif len(parts) == 2 and parts[0] == "store":
            found.append(("store", parts[1]))
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
