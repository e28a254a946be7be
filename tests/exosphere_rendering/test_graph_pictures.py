"""Pictures of graph templates: every seed and demo graph as Mermaid (snapshot), as DOT Graphviz reads, as SVG and
PNG; the arrows and their styles; the note; secrets never drawn; the notebook bundle with and without Graphviz."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from syrupy.assertion import SnapshotAssertion

from exospherehost import (
    CronTrigger,
    Graph,
    GraphNodeModel,
    RetryPolicyModel,
    RetryStrategyEnum,
    StoreConfigModel,
    UnitesModel,
)
from exospherehost.rendering import graph_dot, graph_mermaid, graph_mimebundle, render_graph, retry_text
from sdkcore.graphviz import GraphvizNotFoundError
from tests.exosphere_rendering.graphs import SECRET_VALUE, all_graphs

GRAPHS = all_graphs()
needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's `dot` is not on PATH")
PNG = b"\x89PNG\r\n\x1a\n"
X = "\N{MULTIPLICATION SIGN}"  # the retry count sign of the note

FAN = [
    GraphNodeModel(node_name="ListNode", namespace="P", identifier="listing",
                   inputs={"folder": "${{ store.folder }}", "n": "${{ store.limit }}"}, next_nodes=["split"]),
    GraphNodeModel(node_name="SplitNode", namespace="P", identifier="split",
                   inputs={"items": "${{ listing.outputs.items }}", "again": "${{ listing.outputs.items }}",
                           "both": "${{ listing.outputs.items }}/${{ listing.outputs.count }}"},
                   next_nodes=["resize"]),
    GraphNodeModel(node_name="ResizeNode", namespace="gpu", identifier="resize",
                   inputs={"item": "${{ split.outputs.item }}", "size": "${{ store.limit }}"}, next_nodes=["collect"]),
    GraphNodeModel(node_name="CollectNode", namespace="P", identifier="collect",
                   inputs={"items": "${{ listing.outputs.items }}"}, unites=UnitesModel(identifier="listing")),
]  # fmt: skip


def canon(dot: str) -> str:
    """Graphviz's own reading of the DOT text (it fails on a syntax error)."""
    done = subprocess.run(["dot", "-Tcanon"], input=dot.encode(), capture_output=True, check=False)
    assert done.returncode == 0, done.stderr.decode()
    assert done.stderr == b"", done.stderr.decode()
    return done.stdout.decode()


@pytest.mark.parametrize("name", sorted(GRAPHS))
def test_every_seed_and_demo_graph_as_mermaid(name: str, snapshot: SnapshotAssertion) -> None:
    text = GRAPHS[name].to_mermaid()
    assert text == snapshot
    assert text == graph_mermaid(GRAPHS[name]) == render_graph(GRAPHS[name], "mermaid")
    assert text.startswith(f'---\ntitle: "{GRAPHS[name].name}"\n---\nflowchart TD\n')


@needs_dot
@pytest.mark.parametrize("name", sorted(GRAPHS))
def test_every_seed_and_demo_graph_as_dot_svg_and_png(name: str) -> None:
    graph = GRAPHS[name]
    dot = graph.to_dot()
    assert dot == graph_dot(graph) == graph.render("dot")
    read = canon(dot)
    for node in graph.nodes:
        assert node.identifier in read
    svg = graph.render("svg")
    assert svg.lstrip().startswith(b"<?xml")
    assert b"<svg" in svg
    assert graph.render("png").startswith(PNG)


def test_the_pictures_are_the_same_every_time() -> None:
    again = all_graphs.__wrapped__()  # built anew from the seed and the demo
    for name, graph in GRAPHS.items():
        assert again[name].to_mermaid() == graph.to_mermaid()
        assert again[name].to_dot() == graph.to_dot()


def test_next_nodes_unites_and_inputs_have_their_arrows() -> None:
    mermaid = graph_mermaid(FAN)  # a list of nodes is drawn as the graph of them
    assert "    n0 --> n1\n    n1 --> n2\n    n2 --> n3\n" in mermaid
    assert '    n0 -.->|"unites (ALL_SUCCESS)"| n3\n' in mermaid
    assert '    n0 -.->|"items, count"| n1\n' in mermaid  # one arrow per pair, the fields in order
    assert mermaid.count("n0 -.->") == 3  # unites to collect, inputs to split and collect
    assert '    store -.->|"folder, limit"| n0\n' in mermaid
    assert '    store -.->|"limit"| n2\n' in mermaid
    assert mermaid.count('store[("store")]') == 1
    assert "    linkStyle 3 stroke:#7c3aed,stroke-dasharray:8 4\n" in mermaid  # unites: dashed
    assert "    linkStyle 4,5,6,7,8 stroke:#6b7280,stroke-dasharray:2 3\n" in mermaid  # inputs: dotted
    dot = graph_dot(FAN)
    assert "    n0 -> n1;\n" in dot
    assert '    n0 -> n3 [style=dashed, color="#7c3aed", fontcolor="#7c3aed", label="unites (ALL_SUCCESS)"];' in dot
    assert '    n0 -> n1 [style=dotted, color="#6b7280", fontcolor="#4b5563", label="items, count"];' in dot
    assert '    store -> n0 [style=dotted, color="#6b7280", fontcolor="#4b5563", label="folder, limit"];' in dot


@needs_dot
def test_graphviz_reads_the_arrow_styles() -> None:
    read = canon(graph_dot(FAN))
    assert "style=dashed" in read
    assert "style=dotted" in read
    assert "unites (ALL_SUCCESS)" in read


def test_a_namespace_is_shown_only_where_it_differs() -> None:
    mermaid = graph_mermaid(FAN)
    assert 'about["namespace: P"]' in mermaid
    assert 'n2("resize<br/>ResizeNode<br/>namespace: gpu")' in mermaid
    assert 'n1("split<br/>SplitNode")' in mermaid


def test_missing_nodes_are_drawn_dashed() -> None:
    mermaid = GRAPHS["seed-graph-node-model"].to_mermaid()
    assert 'm0["next_node_id<br/>not in the graph"]' in mermaid
    assert 'm1["other<br/>not in the graph"]' in mermaid
    assert '    m1 -.->|"field"| n0\n' in mermaid
    assert "classDef missing fill:#ffffff,stroke:#dc2626,color:#111827,stroke-dasharray:4 3" in mermaid


def test_the_note_holds_the_retry_policy_triggers_and_secret_names() -> None:
    mermaid = GRAPHS["seed-basic-usage"].to_mermaid()
    assert (f'about["namespace: MyProject<br/>retry: exponential {X}3, 2s<br/>cron: 0 9 * * 1-5<br/>cron: 0 */6 * * *'
            '<br/>secrets: api_key"]') in mermaid  # fmt: skip
    assert 'store[("store<br/>required: cursor, batch_id<br/>defaults: cursor, batch_size")]' in mermaid
    assert f"retry: fixed {X}2, 200ms" in GRAPHS["demo-thumbnails"].to_mermaid()


@pytest.mark.parametrize(
    ("policy", "text"),
    [
        (RetryPolicyModel(), f"retry: exponential {X}3, 2s"),
        (RetryPolicyModel(max_retries=0, strategy=RetryStrategyEnum.LINEAR_FULL_JITTER, backoff_factor=1500),
         f"retry: linear full jitter {X}0, 1.5s"),
        (RetryPolicyModel(strategy=RetryStrategyEnum.EXPONENTIAL_EQUAL_JITTER, exponent=3, max_delay=60000),
         f"retry: exponential equal jitter {X}3, 2s, exponent 3, max 60s"),
        (RetryPolicyModel(strategy=RetryStrategyEnum.FIXED, backoff_factor=250, exponent=5),
         f"retry: fixed {X}3, 250ms"),
    ],
)  # fmt: skip
def test_the_retry_policy_in_a_few_words(policy: RetryPolicyModel, text: str) -> None:
    assert retry_text(policy) == text


def test_a_graph_without_options_has_only_the_namespace_note() -> None:
    mermaid = Graph(FAN[:1]).to_mermaid()
    assert mermaid.startswith("flowchart TD\n")  # no name, no title
    assert 'about["namespace: P"]' in mermaid
    assert Graph([]).to_mermaid() == "flowchart TD\n"
    assert "digraph {" in Graph([]).to_dot()


@needs_dot
def test_an_empty_graph_is_still_a_picture() -> None:
    canon(Graph([]).to_dot())
    assert Graph([]).render("png").startswith(PNG)


def test_secrets_never_appear_in_any_output(monkeypatch: pytest.MonkeyPatch) -> None:
    graph = Graph(FAN, name="with-secrets", secrets={"api_key": SECRET_VALUE, "db_password": SECRET_VALUE + "!"},
                  retry_policy=RetryPolicyModel(), store_config=StoreConfigModel(default_values={"folder": "in/"}),
                  triggers=[CronTrigger(expression="0 9 * * 1-5")])  # fmt: skip
    texts = [graph.to_mermaid(), graph.to_dot(), repr(graph), str(graph), *map(str, graph.problems())]
    texts += list(graph._repr_mimebundle_().values())
    if shutil.which("dot") is not None:
        texts += [graph.render("svg").decode()]
        assert SECRET_VALUE.encode() not in graph.render("png")
    monkeypatch.setattr(shutil, "which", lambda *args, **kwargs: None)
    texts += list(graph._repr_mimebundle_().values())
    for text in texts:
        assert SECRET_VALUE not in text
    assert "secrets: api_key, db_password" in graph.to_mermaid()  # the names are shown


def test_the_notebook_bundle_without_graphviz_is_mermaid_markdown(monkeypatch: pytest.MonkeyPatch) -> None:
    graph = GRAPHS["demo-thumbnails"]
    monkeypatch.setattr(shutil, "which", lambda *args, **kwargs: None)
    bundle = graph._repr_mimebundle_()
    assert bundle == {"text/plain": repr(graph), "text/markdown": f"```mermaid\n{graph.to_mermaid()}\n```"}
    assert graph_mimebundle(graph) == bundle
    with pytest.raises(GraphvizNotFoundError, match="apt-get install graphviz"):
        graph.render("svg")


@needs_dot
def test_the_notebook_bundle_with_graphviz_is_svg() -> None:
    graph = GRAPHS["demo-thumbnails"]
    bundle = graph._repr_mimebundle_()
    assert sorted(bundle) == ["image/svg+xml", "text/plain"]
    assert "<svg" in bundle["image/svg+xml"]
    assert "thumbnails" in bundle["image/svg+xml"]


def test_an_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError, match=r"^fmt must be one of mermaid, dot, svg, png, got 'jpeg'$"):
        render_graph(FAN, "jpeg")


def test_a_list_that_is_not_of_nodes_is_a_type_error() -> None:
    with pytest.raises(TypeError, match=r"Graph nodes\[0\] must be a GraphNodeModel, got str"):
        graph_mermaid(["listing"])  # type: ignore[list-item]


def test_labels_are_quoted_for_both_languages() -> None:
    odd = GraphNodeModel(node_name='Say"Hi"', namespace="P", identifier='a "quoted" <id>',
                         inputs={"x": "${{ store.k }}"})  # fmt: skip
    mermaid = graph_mermaid([odd])
    assert 'n0("a #quot;quoted#quot; #lt;id#gt;<br/>Say#quot;Hi#quot;")' in mermaid
    assert 'n0 [label="a \\"quoted\\" <id>\\nSay\\"Hi\\"", ' in graph_dot([odd])
    if shutil.which("dot") is not None:
        canon(graph_dot([odd]))
