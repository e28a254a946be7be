"""Pictures of runs: a real run of a local state manager (a fan-out, a failure retried, a failure for good, a unites
and a prune) drawn from `get_run_graph` and from `wait_for_run`'s RunResult, each state in its status colour, and a
run graph with every status (snapshot)."""

from __future__ import annotations

import asyncio
import re
import shutil
import subprocess

import pytest
from syrupy.assertion import SnapshotAssertion

from exosphere_api.models.observation import GraphStructureResponse, RunGraphEdge, RunGraphNode
from exospherehost import RunStatus, StateStatus
from exospherehost.observation import RunResult
from exospherehost.rendering import STATUS_COLOURS, render_run, run_dot, run_mermaid, run_mimebundle
from exospherehost.results import RunGraph
from sdkcore.graphviz import GraphvizNotFoundError
from tests.exosphere_rendering.graphs import RUN_GRAPH, SECRET_VALUE, execute

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's `dot` is not on PATH")
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def real_run() -> tuple[RunGraph, RunResult]:
    return asyncio.run(execute(RUN_GRAPH))


def every_status() -> GraphStructureResponse:
    """A run graph holding each of the eight statuses once, with a long error and a line break in one."""
    statuses = list(StateStatus)
    nodes = [RunGraphNode(id=f"id-{index}", node_name=f"Node{index}", identifier=f"step{index}", status=status,
                          error=("boom\n  " + "x" * 120) if status is StateStatus.ERRORED else
                          "could not create the next states" if status is StateStatus.NEXT_CREATED_ERROR else None)
             for index, status in enumerate(statuses)]  # fmt: skip
    edges = [RunGraphEdge(source="id-0", target=f"id-{index}") for index in range(1, len(nodes))]
    return GraphStructureResponse(root_states=nodes[:1], graph_name="all-statuses", nodes=nodes, edges=edges,
                                  node_count=len(nodes), edge_count=len(edges),
                                  execution_summary={status.value: 1 for status in statuses})  # fmt: skip


def canon(dot: str) -> str:
    done = subprocess.run(["dot", "-Tcanon"], input=dot.encode(), capture_output=True, check=False)
    assert done.returncode == 0, done.stderr.decode()
    assert done.stderr == b"", done.stderr.decode()
    return done.stdout.decode()


def test_the_real_run_has_the_statuses_it_was_built_for(real_run: tuple[RunGraph, RunResult]) -> None:
    run_graph, result = real_run
    assert result.status is RunStatus.FAILED
    statuses = {state.status for state in run_graph.nodes}
    assert statuses == {StateStatus.SUCCESS, StateStatus.RETRY_CREATED, StateStatus.ERRORED, StateStatus.PRUNED}
    assert {state.status for state in result.states} == statuses


def test_the_run_graph_is_drawn_state_by_state_in_status_colours(real_run: tuple[RunGraph, RunResult]) -> None:
    run_graph, _ = real_run
    mermaid = run_mermaid(run_graph)
    assert mermaid.startswith('---\ntitle: "rendered-run · FAILED"\n---\nflowchart TD\n')
    for index, state in enumerate(run_graph.nodes):
        assert re.search(rf'^    s{index}\("{state.identifier}<br/>{state.node_name}<br/>{state.status.value}', mermaid,
                         re.M)  # fmt: skip
    assert mermaid.count(" --> ") == len(run_graph.edges)
    dot = run_dot(run_graph)
    assert len(re.findall(r"^    s\d+ -> s\d+;$", dot, re.M)) == len(run_graph.edges)
    for status in {state.status for state in run_graph.nodes}:
        fill, line = STATUS_COLOURS[status]
        assert f"classDef {status.value} fill:{fill},stroke:{line}" in mermaid
        assert f'fillcolor="{fill}", color="{line}"' in dot
        count = sum(state.status is status for state in run_graph.nodes)
        assert f'l_{status.value}("{status.value}: {count}")' in mermaid  # the legend
    assert 'subgraph legend["status"]' in mermaid
    assert "subgraph cluster_legend {" in dot


def test_failed_states_show_an_excerpt_of_their_error(real_run: tuple[RunGraph, RunResult]) -> None:
    run_graph, _ = real_run
    dot = run_dot(run_graph)
    for state in run_graph.nodes:
        if state.status in (StateStatus.ERRORED, StateStatus.RETRY_CREATED):
            assert state.error is not None
            assert len(state.error) > 80
            assert state.error[:20] in dot
            assert state.error not in dot
    for label in re.findall(r'label="([^"]*)"', dot):
        for line in label.split("\\n"):
            assert len(line) <= 80


@needs_dot
def test_the_real_run_as_dot_svg_and_png(real_run: tuple[RunGraph, RunResult]) -> None:
    run_graph, result = real_run
    canon(run_dot(run_graph))
    canon(result.to_dot())
    for picture in (render_run(run_graph, "svg"), result.render("svg"), result.render("svg", run_graph)):
        assert picture.lstrip().startswith(b"<?xml")
        assert b"<svg" in picture
    assert render_run(run_graph, "png").startswith(PNG)
    assert result.render("png").startswith(PNG)


def test_a_run_result_is_drawn_grouped_by_node(real_run: tuple[RunGraph, RunResult]) -> None:
    run_graph, result = real_run
    mermaid = result.to_mermaid()
    assert mermaid == result.render("mermaid") == run_mermaid(result)
    assert mermaid.startswith(f'---\ntitle: "rendered-run · run {result.run_id} · FAILED"\n---\n')
    identifiers = list(dict.fromkeys(state.identifier for state in result.states))
    titles = re.findall(r'^    subgraph g\d+\["([^"]+)"\]', mermaid, re.M)
    assert titles == identifiers
    assert mermaid.count(" ~~~ ") == len(identifiers) - 1  # keeps the groups in order, drawn invisibly
    assert " --> " not in mermaid
    assert result.to_mermaid(run_graph) == run_mermaid(run_graph)
    assert result.to_dot(run_graph) == run_dot(run_graph) == result.render("dot", run_graph)
    assert "subgraph cluster_g0 {" in result.to_dot()


def test_secrets_of_the_run_graph_never_appear(real_run: tuple[RunGraph, RunResult]) -> None:
    run_graph, result = real_run
    texts = [run_mermaid(run_graph), run_dot(run_graph), result.to_mermaid(), result.to_dot()]
    texts += list(result._repr_mimebundle_().values())
    assert all(SECRET_VALUE not in text for text in texts)


def test_every_status_has_its_colour(snapshot: SnapshotAssertion) -> None:
    run = every_status()
    mermaid = run_mermaid(run)
    assert mermaid == snapshot
    dot = run_dot(run)
    for status, (fill, line) in STATUS_COLOURS.items():
        assert f"classDef {status.value} fill:{fill},stroke:{line},color:#111827" in mermaid
        assert f'fillcolor="{fill}", color="{line}"' in dot
    assert len(set(STATUS_COLOURS.values())) == len(StateStatus) == len(STATUS_COLOURS)
    assert STATUS_COLOURS[StateStatus.SUCCESS][0].startswith("#bb")  # green
    legend = re.findall(r"^        l_(\w+)\(", mermaid, re.M)
    assert legend == [status.value for status in STATUS_COLOURS]  # in the order a state lives through them
    assert "boom xxxxxxxxx" in mermaid
    assert "x" * 80 not in mermaid
    if shutil.which("dot") is not None:
        canon(dot)


def test_the_run_notebook_bundle(real_run: tuple[RunGraph, RunResult], monkeypatch: pytest.MonkeyPatch) -> None:
    _, result = real_run
    text = f"RunResult('rendered-run', run {result.run_id}: FAILED, {len(result.states)} states)"
    if shutil.which("dot") is not None:
        bundle = result._repr_mimebundle_()
        assert sorted(bundle) == ["image/svg+xml", "text/plain"]
        assert bundle["text/plain"] == text
    monkeypatch.setattr(shutil, "which", lambda *args, **kwargs: None)
    assert result._repr_mimebundle_() == {"text/plain": text,
                                          "text/markdown": f"```mermaid\n{result.to_mermaid()}\n```"}  # fmt: skip
    assert run_mimebundle(every_status(), "x")["text/markdown"].startswith("```mermaid\n---\n")
    with pytest.raises(GraphvizNotFoundError):
        result.render("png")


def test_wrong_input_is_refused() -> None:
    with pytest.raises(TypeError, match=r"^expected a RunResult or a run graph \(get_run_graph\), got dict$"):
        run_mermaid({"nodes": []})  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"^fmt must be one of mermaid, dot, svg, png, got 'gif'$"):
        render_run(every_status(), "gif")


def test_an_empty_run_is_drawn() -> None:
    empty = GraphStructureResponse(root_states=[], graph_name="", nodes=[], edges=[], node_count=0, edge_count=0,
                                   execution_summary={})  # fmt: skip
    assert run_mermaid(empty) == '---\ntitle: "FAILED"\n---\nflowchart TD\n'
    if shutil.which("dot") is not None:
        canon(run_dot(empty))
