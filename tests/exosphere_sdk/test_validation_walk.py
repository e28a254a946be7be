"""The linear walk behind local validation gives the server's answers: checked against a direct model of the
server's walk (sets of parents and paths, recursive), on random graphs with cycles, waits and `unites`."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from exosphere_api.models.graph_node import GraphNode
from exospherehost import GraphNodeModel, UnitesModel
from exospherehost.validation import Walk, validate_graph


def server_walk(by_id: dict[str, GraphNodeModel], root: str) -> tuple[dict[str, set[str]], set[str], dict[str, Any]]:
    """The state manager's walk as it is written: every node's parent and path sets; quadratic, small graphs only."""
    parents: dict[str, set[str]] = {identifier: set() for identifier in by_id}
    paths: dict[str, set[str]] = {identifier: set() for identifier in by_id}
    visited: set[str] = set()
    waiting: dict[str, list[str]] = {}

    def visit(identifier: str, inherited: set[str], path: set[str]) -> None:
        parents[identifier] |= inherited
        paths[identifier] |= path
        if identifier in visited:
            return
        visited.add(identifier)
        node = by_id[identifier]
        if node.unites:
            target = node.unites.identifier
            if target not in visited:
                waiting.setdefault(target, []).append(identifier)
                return
            parents[identifier] = parents[target] | {target}
            for_children = parents[target] | {target}
        else:
            for_children = inherited | {identifier}
        for pending in waiting.pop(identifier, []):
            visit(pending, for_children, paths[pending])
        for following in node.next_nodes or ():
            visit(following, for_children, path | {identifier})

    visit(root, set(), set())
    return parents, {identifier for identifier in by_id if identifier in paths[identifier]}, waiting


@st.composite
def graphs(draw: Any) -> list[GraphNodeModel]:
    """Any edges among up to 9 nodes (cycles and self-loops included), some nodes with `unites`, n0 the root."""
    size = draw(st.integers(1, 9))
    names = [f"n{index}" for index in range(size)]
    built = []
    for index, name in enumerate(names):
        following = draw(st.lists(st.sampled_from(names[1:]), max_size=3, unique=True)) if size > 1 else []
        others = [other for other in names if other != name]
        unites = draw(st.none() | st.sampled_from(others)) if index and others else None
        built.append(
            GraphNodeModel(
                node_name="N",
                namespace="ns",
                identifier=name,
                inputs={},
                next_nodes=following or None,
                unites=UnitesModel(identifier=unites) if unites else None,
            )
        )
    return built


@settings(max_examples=400)
@given(graphs())
def test_the_walk_gives_the_servers_parents_cycles_and_waits(graph: list[GraphNodeModel]) -> None:
    by_id = {node.identifier: node for node in graph}
    parents, cyclic, waiting = server_walk(by_id, "n0")
    walk = Walk(by_id, "n0")
    assert walk.waiting == waiting
    assert walk.cyclic == cyclic
    for identifier in by_id:
        assert {candidate for candidate in by_id if walk.is_parent(candidate, identifier)} == parents[identifier]


def test_a_chain_of_100_000_nodes_is_checked_without_recursion() -> None:
    chain = [
        GraphNodeModel(
            node_name="N",
            namespace="ns",
            identifier=f"n{index}",
            inputs={"x": f"${{{{ n{index - 1}.outputs.y }}}}" if index else "seed"},
            next_nodes=[f"n{index + 1}"] if index + 1 < 100_000 else None,
        )
        for index in range(100_000)
    ]
    assert validate_graph(chain) == []
    looped = [*chain[:-1], GraphNodeModel(node_name="N", namespace="ns", identifier="n99999", next_nodes=["n500"])]
    assert [problem.message for problem in validate_graph(looped)] == ["Node n500 is not acyclic"]


def test_bare_generated_structs_without_unites_are_walked() -> None:
    first = GraphNode(node_name="N", namespace="ns", identifier="a", inputs={}, next_nodes=["b"])
    second = GraphNode(node_name="N", namespace="ns", identifier="b", inputs={"x": "${{ a.outputs.y }}"})
    assert validate_graph([first, second]) == []
    assert [problem.message for problem in validate_graph([second, first])] == []
