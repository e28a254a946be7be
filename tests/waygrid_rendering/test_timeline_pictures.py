"""Pictures of simulated traversals (`waygrid.simulation.picture`): rows, bars, waits and markers in the DOT for
`neato`, the Mermaid gantt, SVG and PNG, and the notebook bundle."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Callable
from datetime import timedelta
from types import SimpleNamespace

import pytest
from syrupy.assertion import SnapshotAssertion

import waygrid
from sdkcore.graphviz import GraphvizNotFoundError
from tests.waygrid_rendering.documented import SPECS
from waygrid import JoinStrategy, Node, RetryPolicy, Spec
from waygrid.simulation import Event, SimulationResult, fail, hang, succeed
from waygrid.simulation.picture import render_timeline, timeline_dot, timeline_mermaid

W = "waygrid://system/waystation"
FLAKY = "waygrid://processor/flaky"
needs_neato = pytest.mark.skipif(shutil.which("neato") is None, reason="Graphviz's `neato` is not on PATH "
                                 "(apt-get install graphviz); CI has it")  # fmt: skip
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
GREEN, RED, GREY, LIGHT = 'fillcolor="#40c057"', 'fillcolor="#fa5252"', 'fillcolor="#adb5bd"', 'style="striped"'


def retried() -> SimulationResult:
    """Two failures 300 ms long, each retried 200 ms later, then a success and a delivery."""
    flaky = Node.standard(FLAKY).label("Flaky").with_retry(RetryPolicy.linear(timedelta(milliseconds=200), 3))
    spec = Spec.single(flaky.on_success(Node.standard("waygrid://destination/webhook")))
    return waygrid.simulate(spec, {FLAKY: fail(times=2, after=timedelta(milliseconds=300))})


def fanned() -> SimulationResult:
    """An OR join: branch x answers after 2 s, y never; the join cancels y."""
    fork = (Node.fork(W).join_id("j").branches({"x": Node.standard("waygrid://processor/x"),
                                                 "y": Node.standard("waygrid://processor/y")})
            .with_join(Node.join(W).join_id("j").strategy(JoinStrategy.OR)
                       .on_success(Node.standard("waygrid://processor/after"))))  # fmt: skip
    return waygrid.simulate(Spec.single(fork), {"waygrid://processor/x": succeed(after=timedelta(seconds=2)),
                                                "waygrid://processor/y": hang()})  # fmt: skip


def hung() -> SimulationResult:
    """A branch that never answers, cut off by its join's 30 s timeout."""
    spec = SPECS["seed-fork-and-join"]
    return waygrid.simulate(spec, {"waygrid://processor/openai": hang()})


def rows_of(dot: str) -> list[str]:
    return re.findall(r'^  row\d+ \[.*label="(.*?)\\r"', dot, re.M)


def bars_of(dot: str, row: int) -> list[str]:
    return re.findall(rf"^  bar{row}_\d+ \[(.*)\];$", dot, re.M)


def test_a_retried_node_has_one_row_and_a_bar_per_attempt_and_per_wait() -> None:
    result = retried()
    dot = timeline_dot(result)
    assert rows_of(dot) == ["Flaky", "waygrid://destination/webhook"]
    flaky, webhook = bars_of(dot, 0), bars_of(dot, 1)
    assert len(flaky) == 5
    assert len(webhook) == 1
    assert [next(kind for kind, mark in (("failed", RED), ("succeeded", GREEN), ("wait", LIGHT)) if mark in bar)
            for bar in flaky] == ["failed", "wait", "failed", "wait", "succeeded"]  # fmt: skip
    assert GREEN in webhook[0]
    widths = [float(re.search(r"width=([\d.]+)", bar).group(1)) for bar in flaky]  # type: ignore[union-attr]
    assert widths[0] == widths[2] == widths[4] > widths[1] > widths[0] / 2  # 300 ms attempts, 201 ms waits
    assert 'label="0 s"' in dot
    assert re.search(r'label="1(\.2)? s"', dot)
    assert "outcome: completed after 1.302 s" in dot


def test_the_retried_timeline_as_a_mermaid_gantt(snapshot: SnapshotAssertion) -> None:
    text = timeline_mermaid(retried())
    assert "\ngantt\n" in text
    assert "\n  dateFormat x\n" in text
    assert "\n  axisFormat " in text
    assert re.findall(r"^  section (.*)$", text, re.M) == ["Flaky", "destination/webhook"]
    assert len(re.findall(r":crit, t\d+", text)) == 2
    assert len(re.findall(r":done, ", text)) == 2
    assert "    wait for attempt 2 :t1, 300, 501\n" in text
    assert text == snapshot


def test_a_canceled_branch_ends_where_the_join_cancels_it_and_join_events_are_markers() -> None:
    result = fanned()
    dot = timeline_dot(result)
    names = rows_of(dot)
    assert names == ["fork j", "waygrid://processor/x", "waygrid://processor/y", "join j", "waygrid://processor/after"]
    (y_bar,) = bars_of(dot, 2)
    assert GREY in y_bar
    assert "canceled" in y_bar
    assert "+2 s" in y_bar
    join_marks = re.findall(r"^  mark3_\d+ \[.*shape=diamond.*tooltip=\"join j: (.*?) at", dot, re.M)
    assert join_marks == ["join reached (x)", "join completed"]
    assert re.search(r"^  mark2_0 \[.*shape=invtriangle.*branch canceled \(y\)", dot, re.M)
    mermaid = timeline_mermaid(result)
    assert "    join reached (x) :milestone, " in mermaid
    assert "    attempt 1 canceled :active, " in mermaid


def test_an_attempt_that_never_answers_is_open_to_the_end() -> None:
    result = hung()
    end = result.events[-1].at_ms - result.started_ms
    assert end == 30_000
    mermaid = timeline_mermaid(result)
    assert re.search(rf"^    attempt 1 no reply :active, t\d+, 0, {end}$", mermaid, re.M)
    dot = timeline_dot(result)
    (bar,) = bars_of(dot, rows_of(dot).index("waygrid://processor/openai"))
    assert GREY in bar
    assert 'style="filled,dashed"' in bar
    assert "+30 s" in bar


def test_several_runs_get_their_own_rows() -> None:
    spec = SPECS["demo-three-origins-spec-multiple"]
    result = waygrid.simulate(spec, runs=2)
    assert rows_of(timeline_dot(result)) == ["waygrid://origin/source-1 (run 1)", "waygrid://origin/source-1 (run 2)"]


def test_a_result_put_together_by_hand_is_drawn() -> None:
    """As the demo rebuilds the local router's timeline: nodes that only have an address, label and path."""
    node = SimpleNamespace(address=FLAKY, label=None, path="entryPoints[0]")
    events = [Event(0, "dispatched", node, 1), Event(1500, "succeeded", node, 1), Event(1500, "completed")]
    result = SimulationResult("completed", events, None, 0, ["completed"])
    dot = timeline_dot(result)
    assert rows_of(dot) == [FLAKY]
    assert GREEN in bars_of(dot, 0)[0]
    assert "    attempt 1 succeeded :done, t0, 0, 1500\n" in timeline_mermaid(result)
    empty = SimulationResult("stalled", [], None, 0, ["stalled"])
    assert "section" not in timeline_mermaid(empty)
    assert "bar" not in timeline_dot(empty)


@needs_neato
@pytest.mark.parametrize("make", [retried, fanned, hung])
def test_neato_draws_svg_and_png_and_reads_the_pinned_positions(make: Callable[[], SimulationResult]) -> None:
    result = make()
    svg = result.render("svg")
    assert re.search(rb"<svg\b[^>]*xmlns=\"http://www.w3.org/2000/svg\"", svg)
    assert svg.rstrip().endswith(b"</svg>")
    assert result.render("png").startswith(PNG_MAGIC)
    pinned = subprocess.run(["neato", "-n2", "-Tsvg"], input=timeline_dot(result).encode(), capture_output=True,
                            check=False)  # fmt: skip
    assert pinned.returncode == 0, pinned.stderr.decode()
    assert not pinned.stderr, pinned.stderr.decode()
    assert pinned.stdout == svg


def test_render_gives_text_for_text_formats_and_refuses_others() -> None:
    result = retried()
    assert render_timeline(result, "mermaid") == result.render("mermaid") == result.to_mermaid()
    assert render_timeline(result, "dot") == result.render("dot") == timeline_dot(result)
    with pytest.raises(ValueError, match="fmt must be one of mermaid, dot, svg, png"):
        result.render("jpeg")


@needs_neato
def test_the_notebook_bundle_is_svg_with_graphviz() -> None:
    result = retried()
    bundle = result._repr_mimebundle_()
    assert "<svg" in bundle["image/svg+xml"]
    assert "text/markdown" not in bundle
    assert bundle["text/plain"] == result.timeline()


def test_the_notebook_bundle_is_mermaid_markdown_without_graphviz(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda *args, **kwargs: None)
    result = retried()
    bundle = result._repr_mimebundle_()
    assert bundle["text/markdown"] == f"```mermaid\n{result.to_mermaid()}\n```"
    assert "image/svg+xml" not in bundle
    with pytest.raises(GraphvizNotFoundError, match="apt-get install graphviz"):
        result.render("png")
