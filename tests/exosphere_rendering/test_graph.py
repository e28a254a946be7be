"""`Graph`: its arguments are checked with TypeErrors naming the field, it reads an upsert body back to the same
bytes, lists the state manager's problems with their paths, upserts, and never shows a secret value."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import msgspec
import pytest

import exospherehost
from exospherehost import (
    CronTrigger,
    Graph,
    GraphNodeModel,
    GraphValidationError,
    ModelValidationError,
    RetryPolicyModel,
    StoreConfigModel,
    UnitesModel,
)
from exospherehost.graph import GraphProblem
from tests.exosphere_rendering.graphs import SECRET_VALUE, all_graphs
from tests.support.reference_bodies import EXOSPHERE_UPSERT

A = GraphNodeModel(node_name="A", namespace="ns", identifier="a", next_nodes=["b"])
B = GraphNodeModel(node_name="B", namespace="ns", identifier="b", inputs={"x": "${{ a.outputs.y }}"})


def test_graph_is_exported_from_the_package() -> None:
    assert exospherehost.Graph is Graph
    assert "Graph" in exospherehost.__all__


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"nodes": "ab"}, "Graph nodes must be a list of GraphNodeModel, got str"),
        ({"nodes": {"a": A}}, "Graph nodes must be a list of GraphNodeModel, got dict"),
        ({"nodes": None}, "Graph nodes must be a list of GraphNodeModel, got NoneType"),
        ({"nodes": [A, {"identifier": "b"}]}, r"Graph nodes\[1\] must be a GraphNodeModel, got dict"),
        ({"name": 3}, "Graph name must be a str or None, got int"),
        ({"secrets": ["api_key"]}, "Graph secrets must be a dict of str to str, got list"),
        ({"secrets": {1: "x"}}, "Graph secrets must have str names, got int"),
        ({"secrets": {"api_key": 12345}}, r"Graph secrets\['api_key'\] must be a str, got int \(value not shown\)"),
        ({"retry_policy": {"max_retries": 1}}, "Graph retry_policy must be a RetryPolicyModel or None, got dict"),
        ({"store_config": ["k"]}, "Graph store_config must be a StoreConfigModel or None, got list"),
        ({"triggers": "0 9 * * *"}, "Graph triggers must be a list of CronTrigger, got str"),
        ({"triggers": ["0 9 * * *"]}, r"Graph triggers\[0\] must be a CronTrigger, got str"),
    ],
)
def test_wrong_arguments_are_type_errors_naming_the_field(arguments: dict[str, Any], message: str) -> None:
    values: dict[str, Any] = {"nodes": [A, B], **arguments}
    nodes = values.pop("nodes")
    with pytest.raises(TypeError, match=f"^{message}$"):
        Graph(nodes, **values)


def test_a_graph_is_frozen_and_compares_by_value() -> None:
    graph = Graph([A, B], name="g")
    with pytest.raises(dataclasses.FrozenInstanceError):
        graph.name = "other"  # type: ignore[misc]
    assert graph == Graph((A, B), name="g")
    assert graph != Graph([A, B], name="h")
    assert graph.nodes == (A, B)
    assert graph.secrets == {}
    assert graph.triggers is None


def test_the_reference_body_is_read_back_to_the_same_bytes() -> None:
    graph = Graph.from_upsert_body("g", EXOSPHERE_UPSERT)
    assert [node.identifier for node in graph.nodes] == ["a", "b"]
    assert isinstance(graph.nodes[1].unites, UnitesModel)
    assert graph.nodes[1].unites.identifier == "a"
    assert graph.secrets == {"k": "v"}
    assert graph.retry_policy == RetryPolicyModel()
    assert graph.store_config == StoreConfigModel(required_keys=["c"])
    assert graph.triggers == (CronTrigger(expression="0 9 * * 1-5"),)
    assert graph.to_upsert_body() == EXOSPHERE_UPSERT
    assert Graph.from_upsert_body("g", json.loads(EXOSPHERE_UPSERT)) == graph
    assert Graph.from_upsert_body("g", EXOSPHERE_UPSERT.decode()) == graph
    assert graph.problems() == []


@pytest.mark.parametrize("name", sorted(all_graphs()))
def test_every_seed_and_demo_graph_round_trips_through_its_body(name: str) -> None:
    graph = all_graphs()[name]
    assert Graph.from_upsert_body(graph.name, graph.to_upsert_body()) == graph


def test_a_minimal_body_leaves_the_options_out() -> None:
    graph = Graph.from_upsert_body(None, {"secrets": {}, "nodes": [msgspec.to_builtins(A), msgspec.to_builtins(B)]})
    assert (graph.name, graph.retry_policy, graph.store_config, graph.triggers) == (None, None, None, None)
    assert graph.nodes == (A, B)


def test_a_body_of_the_wrong_shape_names_the_json_path() -> None:
    with pytest.raises(msgspec.ValidationError, match=r"Expected `int`, got `str` - at `\$\.retry_policy\.exponent`"):
        Graph.from_upsert_body("g", {"secrets": {}, "nodes": [], "retry_policy": {"exponent": "2"}})
    with pytest.raises(ModelValidationError, match="identifier\n  Field required"):
        Graph.from_upsert_body("g", {"secrets": {}, "nodes": [{"node_name": "A", "namespace": "ns", "inputs": {}}]})
    with pytest.raises(ModelValidationError, match="Node identifier cannot be reserved word 'store'"):
        Graph.from_upsert_body("g", {"secrets": {}, "nodes": [{"node_name": "A", "namespace": "ns",
                                                               "identifier": " store ", "inputs": {}}]})  # fmt: skip
    with pytest.raises(TypeError, match=r"^Graph body must be a dict, bytes or str of JSON, got int$"):
        Graph.from_upsert_body("g", 3)  # type: ignore[arg-type]


def test_a_secret_of_the_wrong_type_in_a_body_is_not_shown() -> None:
    with pytest.raises(msgspec.ValidationError) as caught:
        Graph.from_upsert_body("g", {"secrets": {"api_key": 987654321}, "nodes": []})
    assert "987654321" not in str(caught.value)


def test_problems_are_the_state_managers_with_their_paths() -> None:
    inputs = {"ok": "${{ a.outputs.y }}", "bad": "${{ a.output }}", "key": "${{ store.missing }}"}
    nodes = [
        GraphNodeModel(node_name="A", namespace="ns", identifier="a", next_nodes=["b", "ghost"]),
        GraphNodeModel(node_name="B", namespace="ns", identifier="b", inputs=inputs),
        GraphNodeModel(node_name="C", namespace="ns", identifier="c", unites=UnitesModel(identifier="c")),
    ]
    graph = Graph(nodes, triggers=[CronTrigger(expression="0 9 * * 1-5"), CronTrigger(expression="61 * * * *")])
    assert [(problem.path, problem.identifier) for problem in graph.problems()] == [
        ("triggers[1].expression", None),
        ("nodes[0].next_nodes[1]", "a"),
        ("nodes[2].unites.identifier", "c"),
    ]
    assert str(graph.problems()[1]) == "nodes[0].next_nodes[1]: Node identifier ghost does not exist in the graph"
    nodes = [nodes[0].model_copy(update={"next_nodes": ["b"]}), nodes[1]]
    problems = Graph(nodes, store_config=StoreConfigModel(required_keys=["present"])).problems()
    assert problems == [
        GraphProblem("nodes[1].inputs.bad", "b", "Error creating dependent string for input ${{ a.output }} check "
                     "syntax string: Invalid syntax string placeholder  a.output  for: ${{ a.output }}"),
        GraphProblem("nodes[1].inputs.key", "b", "Input ${{ store.missing }} depends on missing but missing is not a "
                     "required key or a default value"),
    ]  # fmt: skip


def test_problems_of_duplicates_and_the_demos_broken_graph() -> None:
    twice = Graph([A, B, GraphNodeModel(node_name="A2", namespace="ns", identifier="a")])
    assert [(p.path, p.message) for p in twice.problems()] == [("nodes[2]", "Node identifier a is not unique")]
    broken = all_graphs()["demo-broken-workflow"]
    assert [str(problem) for problem in broken.problems()] == [
        "nodes[1]: Node processor is not acyclic",
        "nodes[1].inputs.data: Input ${{ summarizer.outputs.text }} depends on summarizer but summarizer is not a "
        "parent of processor",
    ]
    assert all_graphs()["seed-basic-usage"].problems() == []
    assert all_graphs()["demo-thumbnails"].problems() == []


class _Manager:
    def __init__(self) -> None:
        self.calls: list[tuple[Any, ...]] = []

    def upsert_graph(self, *arguments: Any, **options: Any) -> str:
        self.calls.append((*arguments, options))
        return "stored"


def test_upsert_passes_everything_to_upsert_graph() -> None:
    manager = _Manager()
    trigger = CronTrigger(expression="0 9 * * 1-5")
    graph = Graph([A, B], name="g", secrets={"k": "v"}, retry_policy=RetryPolicyModel(), triggers=[trigger])
    assert graph.upsert(manager, polling_interval=0) == "stored"  # type: ignore[call-overload]
    assert manager.calls == [("g", [A, B], {"k": "v"}, RetryPolicyModel(), None, [trigger], {"polling_interval": 0})]
    with pytest.raises(ValueError, match="the graph has no name"):
        Graph([A, B]).upsert(manager)  # type: ignore[call-overload]


def test_upsert_to_a_local_state_manager() -> None:
    from exospherehost.local import MEMORY, LocalStateManager
    from exospherehost.validation import GraphTemplateError

    with LocalStateManager(MEMORY) as local:
        manager = local.sync_state_manager("ns")
        with pytest.raises(GraphTemplateError, match="Node identifier a is not unique"):  # checked before sending
            Graph([A, B, A], name="g").upsert(manager, polling_interval=0)
        with pytest.raises(GraphValidationError, match="Node A in namespace ns does not exist"):
            Graph([A, B], name="g").upsert(manager, polling_interval=0)  # sent: the server has no such nodes
        assert manager.get_graph("g").nodes[0].identifier == "a"


def test_the_repr_shows_secret_names_never_their_values() -> None:
    graph = Graph([A, B], name="g", secrets={"api_key": SECRET_VALUE, "token": SECRET_VALUE + "2"})
    assert repr(graph) == "Graph(name='g', nodes=['a', 'b'], secrets=['api_key', 'token'] (values hidden))"
    assert SECRET_VALUE not in str(graph)
    assert SECRET_VALUE in graph.to_upsert_body().decode()  # the request itself carries them
