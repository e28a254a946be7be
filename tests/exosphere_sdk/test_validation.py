"""Local validation of graph templates: the state manager's rules and messages, each with its node."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from exospherehost import GraphNodeModel, StoreConfigModel, SyncStateManager, UnitesModel
from exospherehost.validation import GraphTemplateError, placeholders, valid_cron, validate_graph
from tests.support.fake_state_manager import FakeStateManager
from tests.support.fault_server import FaultServer, running


def node(identifier: str, *next_nodes: str, unites: str | None = None, **inputs: Any) -> GraphNodeModel:
    return GraphNodeModel(
        node_name="N", namespace="ns", identifier=identifier, inputs=inputs, next_nodes=list(next_nodes) or None,
        unites=UnitesModel(identifier=unites) if unites else None,
    )  # fmt: skip


def problems(*nodes: GraphNodeModel, store: StoreConfigModel | None = None) -> list[tuple[str | None, str]]:
    return [(problem.identifier, problem.message) for problem in validate_graph(nodes, store)]


def test_a_valid_graph_with_unites_has_no_problems() -> None:
    assert problems(node("n1", "n2", "n3"), node("n2"), node("n3", unites="n2", x="${{ n2.outputs.y }}")) == []
    assert problems(node("n1", "n3", "n2"), node("n2"), node("n3", unites="n2", x="${{ n1.outputs.y }}")) == []


def test_identifiers_must_be_unique_and_targets_must_exist() -> None:
    assert problems(node("n1", "n2"), node("n1")) == [
        ("n1", "Node identifier n1 is not unique"),
        ("n1", "Node identifier n2 does not exist in the graph"),
    ]
    assert problems(node("n1", "n2"), node("n2", unites="n3")) == [
        ("n2", "Node n2 has an unites target n3 that does not exist")
    ]
    assert problems(node("n1", unites="n1")) == [
        ("n1", "Node n1 has an unites target n1 that is the same as the node itself")
    ]


def test_exactly_one_root() -> None:
    assert problems() == [(None, "There should be exactly one root node in the graph but found 0 nodes with "
                                 "zero in-degree: []")]  # fmt: skip
    (only,) = problems(node("n1", "n2", unites="n2"), node("n2", "n3"), node("n3", unites="n1"))
    assert only[1].startswith("There should be exactly one root node in the graph but found 0 nodes")
    (two,) = problems(node("a"), node("b", x="1"))
    assert two[1] == (
        "There should be exactly one root node in the graph but found 2 nodes with zero in-degree: "
        "[NodeTemplate(node_name='N', namespace='ns', identifier='a', inputs={}, next_nodes=[], unites=None), "
        "NodeTemplate(node_name='N', namespace='ns', identifier='b', inputs={'x': '1'}, next_nodes=[], unites=None)]"
    )  # the server's pydantic repr of each root


def test_every_node_reached_from_the_root() -> None:
    assert problems(node("n1"), node("n2", unites="n1")) == [("n2", "Node n2 is not connected to the root node")]


def test_cycles() -> None:
    found = problems(node("n1", "n2"), node("n2", "n3"), node("n3", "n2"))
    assert ("n2", "Node n2 is not acyclic") in found


def test_inputs_must_be_strings_well_formed_and_from_parents() -> None:
    assert problems(node("n1", "n2"), node("n2", a=123)) == [("n2", "Input 123 is not a string")]
    assert problems(node("n1", "n2"), node("n2", a="${{ n2.outputs.x }}")) == [
        ("n2", "Input ${{ n2.outputs.x }} depends on n2 but n2 is not a parent of n2")
    ]
    assert problems(node("n1", "n2"), node("n2", "n3"), node("n3", unites="n1", a="${{n2.outputs.o}}")) == [
        ("n3", "Input ${{n2.outputs.o}} depends on n2 but n2 is not a parent of n3")
    ]
    assert problems(node("n1", "n2"), node("n2", a="${{n1.outputs.output1")) == [
        ("n2", "Error creating dependent string for input ${{n1.outputs.output1 check syntax string: Invalid syntax "
               "string placeholder n1.outputs.output1 for: ${{n1.outputs.output1 '${' not closed")
    ]  # fmt: skip


def test_store_placeholders_need_a_declared_key() -> None:
    store = StoreConfigModel(required_keys=["cursor"], default_values={"size": "1"})
    graph = (node("n1", "n2"), node("n2", a="${{ store.cursor }}-${{ store.size }}", b="${{ store.page }}"))
    assert [message for _, message in problems(*graph, store=store)] == [
        "Input ${{ store.page }} depends on page but page is not a required key or a default value"
    ]


def test_each_missing_parent_or_key_is_reported_once_per_input_identifiers_first() -> None:
    graph = (node("n1", "n2"), node("n2", "n3"), node("n3", a="${{ store.k }} ${{ n9x.outputs.a }} ${{ store.k }} "
                                                            "${{ n9x.outputs.b }}", b="${{ store.k }}"))  # fmt: skip
    assert [message for _, message in problems(*graph)] == [
        "Input ${{ store.k }} ${{ n9x.outputs.a }} ${{ store.k }} ${{ n9x.outputs.b }} depends on n9x but n9x is "
        "not a parent of n3",
        "Input ${{ store.k }} ${{ n9x.outputs.a }} ${{ store.k }} ${{ n9x.outputs.b }} depends on k but k is not a "
        "required key or a default value",
        "Input ${{ store.k }} depends on k but k is not a required key or a default value",
    ]


def test_blank_names_and_empty_secret_names_are_refused_as_the_server_does() -> None:
    found = validate_graph([node("n1")], name="  ", secrets={"": "value", "ok": ""})
    assert [(problem.rule, problem.message, problem.where) for problem in found] == [
        ("name", "Name cannot be empty", "name"),
        ("secrets", "Secrets cannot be empty", "secrets"),
    ]


def test_placeholders_keep_the_servers_grammar() -> None:
    assert placeholders("a ${{ x.outputs.y }} b ${{store.k}}") == [("x", "y"), ("store", "k")]
    assert placeholders("no placeholders }}") == []
    with pytest.raises(ValueError, match=r"Invalid syntax string placeholder  x\.y  for"):
        placeholders("${{ x.y }}")


@pytest.mark.parametrize("expression", ["0 9 * * 1-5", "*/15 * * * *", "0 0 1 jan,jul mon-fri", "5-10/2 0 * * 7",
                                        "@daily", "@hourly", "0 0 * * * *", "0 0 * * * * 2030"])  # fmt: skip
def test_cron_lines_the_server_accepts(expression: str) -> None:
    assert valid_cron(expression)


@pytest.mark.parametrize("expression", ["", "* * * *", "60 * * * *", "* 24 * * *", "* * 0 * *", "* * * 13 *",
                                        "*/0 * * * *", "a b c d e", "* * * * 8", "1-x * * * *", "0 0 * * 5L",
                                        "? * * * *", "L * * * *", "0 0 LW * *"])  # fmt: skip
def test_cron_lines_the_server_refuses(expression: str) -> None:
    assert not valid_cron(expression)


@st.composite
def trees(draw: Any) -> list[GraphNodeModel]:
    """A random tree (every node but the first has one parent among the nodes before it)."""
    size = draw(st.integers(1, 12))
    children: dict[int, list[str]] = {index: [] for index in range(size)}
    parent_of = {index: draw(st.integers(0, index - 1)) for index in range(1, size)}
    for child, parent in parent_of.items():
        children[parent].append(f"n{child}")
    nodes = []
    for index in range(size):
        inputs = {}
        if index and draw(st.booleans()):
            inputs["x"] = f"${{{{ n{parent_of[index]}.outputs.y }}}}"
        nodes.append(node(f"n{index}", *children[index], **inputs))
    return nodes


@given(trees())
def test_random_trees_are_valid(graph: list[GraphNodeModel]) -> None:
    assert validate_graph(graph) == []


@given(trees(), st.data())
def test_an_edge_back_to_an_ancestor_is_a_cycle(graph: list[GraphNodeModel], data: Any) -> None:
    leaf = data.draw(st.sampled_from(graph))
    looped = leaf.model_copy(update={"next_nodes": [*(leaf.next_nodes or []), "n0"]})
    graph = [looped if item is leaf else item for item in graph]
    messages = [problem.message for problem in validate_graph(graph)]
    assert messages
    assert any("root node" in message or "acyclic" in message for message in messages)


@pytest.fixture
def server() -> Iterator[FaultServer]:
    with running(FaultServer(respond=FakeStateManager())) as state:
        yield state


def test_upsert_refuses_an_invalid_graph_before_sending(server: FaultServer) -> None:
    manager = SyncStateManager("ns", server.url, "exo-test-key")
    with pytest.raises(GraphTemplateError) as caught:
        manager.upsert_graph("g", [node("n1", "n2"), node("n2", a=5)], {})
    assert isinstance(caught.value, ValueError)
    assert str(caught.value) == "Error validating graph template:\n  - node 'n2': Input 5 is not a string"
    assert server.tries == []
    unchecked = SyncStateManager("ns", server.url, "exo-test-key", validate_locally=False)
    unchecked.upsert_graph("g", [node("n1", "n2"), node("n2", a=[1])], {}, polling_interval=0)
    assert server.tries[0].method == "PUT"
