"""Pictures of specs (`waygrid.rendering`): every documented spec as Mermaid (snapshots), as DOT that Graphviz
reads, as SVG and PNG; fork/join clusters, edge styles by kind, policy text, and the notebook bundle."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from datetime import datetime, timedelta, timezone

import pytest
from syrupy.assertion import SnapshotAssertion

from sdkcore.graphviz import GraphvizNotFoundError
from tests.waygrid_rendering.documented import SPECS
from waygrid import Condition, DeliveryStrategy, JoinStrategy, Node, RetryPolicy, Spec, StandardNodeBuilder
from waygrid.rendering import condition_text, duration_text, render, to_dot, to_mermaid
from waygrid.simulation import compile_spec

W = "waygrid://system/waystation"
needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's `dot` is not on PATH "
                               "(apt-get install graphviz); CI has it")  # fmt: skip
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
TIMES = "\u00d7"  # the multiplication sign of the retry counts


def s(name: str) -> StandardNodeBuilder:
    return Node.standard(f"waygrid://processor/{name}")


def nested_spec() -> Spec:
    """A fork whose branch `a` holds another fork; routes by condition before, a failure route inside."""
    inner = (Node.fork(W).join_id("inner").branches({"p": s("p"), "q": s("q")})
             .with_join(Node.join(W).join_id("inner").strategy(JoinStrategy.OR)))  # fmt: skip
    outer = (Node.fork(W).join_id("outer").label("Outer")
             .branches({"a": s("a").on_success(inner), "b": s("b").on_failure(s("b-fix"))})
             .with_join(Node.join(W).join_id("outer").strategy(JoinStrategy.quorum(2)).timeout(timedelta(seconds=30))
                        .on_success(s("done")).on_timeout(s("late"))))  # fmt: skip
    return Spec.single(s("start").on_conditions([Condition.when(Condition.not_(Condition.ALWAYS), s("never")),
                                                 Condition.when(Condition.ALWAYS, outer)])
                       .on_success(s("fallback")))  # fmt: skip


def placement(dot: str) -> dict[str, list[str]]:
    """Each node id of `dot` with the clusters around it, outermost first."""
    where: dict[str, list[str]] = {}
    stack: list[str] = []
    for line in dot.splitlines():
        line = line.strip()
        if match := re.fullmatch(r"subgraph (cluster_\w+) \{", line):
            stack.append(match.group(1))
        elif line == "}" and stack:
            stack.pop()
        elif match := re.match(r"(n\d+|entry) \[", line):
            where[match.group(1)] = list(stack)
    return where


def edges(dot: str) -> dict[tuple[str, str], str]:
    return {(a, b): attributes for a, b, attributes in re.findall(r"^  (\w+) -> (\w+) \[(.*)\];$", dot, re.M)}


def index_of(spec: Spec, address: str) -> str:
    (node,) = [node for node in compile_spec(spec, check=False).nodes if node.address == address]
    return f"n{node.index}"


@pytest.mark.parametrize("name", list(SPECS))
def test_every_documented_spec_renders_to_mermaid(name: str, snapshot: SnapshotAssertion) -> None:
    text = SPECS[name].to_mermaid()
    assert text.startswith("flowchart TD\n")
    assert text == snapshot


@needs_dot
@pytest.mark.parametrize("name", list(SPECS))
def test_every_documented_spec_gives_dot_that_graphviz_reads(name: str) -> None:
    done = subprocess.run(["dot", "-Tcanon"], input=SPECS[name].to_dot().encode(), capture_output=True, check=False)
    assert done.returncode == 0, done.stderr.decode()
    assert not done.stderr, done.stderr.decode()


@needs_dot
@pytest.mark.parametrize("name", list(SPECS))
def test_every_documented_spec_renders_to_svg_and_png(name: str) -> None:
    svg = SPECS[name].render("svg")
    assert re.search(rb"<svg\b[^>]*xmlns=\"http://www.w3.org/2000/svg\"", svg)
    assert svg.rstrip().endswith(b"</svg>")
    assert SPECS[name].render("png").startswith(PNG_MAGIC)


def test_a_fork_and_its_join_enclose_their_branches_and_nested_forks_nest() -> None:
    spec = nested_spec()
    where = placement(spec.to_dot())
    outer, inner = where[index_of(spec, "waygrid://processor/a")], where[index_of(spec, "waygrid://processor/p")]
    assert len(outer) == 1
    assert inner[0] == outer[0]
    assert len(inner) == 2
    for name in ("b", "b-fix"):
        assert where[index_of(spec, f"waygrid://processor/{name}")] == outer
    assert where[index_of(spec, "waygrid://processor/q")] == inner
    for name in ("start", "never", "fallback", "done", "late"):
        assert where[index_of(spec, f"waygrid://processor/{name}")] == []
    forks_and_joins = [f"n{node.index}" for node in compile_spec(spec).nodes if node.address == W]
    assert sorted(len(where[node]) for node in forks_and_joins) == [1, 1, 2, 2]
    mermaid = spec.to_mermaid()
    assert mermaid.count("subgraph ") == 2
    assert re.search(r"\n  subgraph c\d+\[\"fork/join outer\"\]\n", mermaid)
    assert re.search(r"\n    subgraph c\d+\[\"fork/join inner\"\]\n", mermaid)


def test_the_seed_fork_and_join_cluster_holds_its_three_branches() -> None:
    spec = SPECS["seed-fork-and-join"]
    where = placement(spec.to_dot())
    branches = [index_of(spec, f"waygrid://processor/{name}") for name in ("sentiment", "translate", "openai")]
    assert {tuple(where[node]) for node in branches} == {("cluster_0",)}
    assert where[index_of(spec, "waygrid://processor/aggregate-node")] == []


def test_edge_kinds_look_different_and_say_what_they_are() -> None:
    spec = Spec.single(
        s("a").on_conditions([Condition.when(Condition.json_equals("/tier", "gold"), s("gold"))])
        .on_success(s("b").on_failure(s("c")).on_success(
            Node.fork(W).join_id("j").branches({"x": s("x"), "y": s("y")})
            .with_join(Node.join(W).join_id("j").timeout(timedelta(seconds=5)).on_timeout(s("t")).on_success(s("d")))
        ))
    )  # fmt: skip
    found = edges(spec.to_dot())
    n = {name: index_of(spec, f"waygrid://processor/{name}") for name in ("a", "b", "c", "gold", "t", "d", "x")}
    fork, join = (f"n{node.index}" for node in compile_spec(spec, check=False).nodes if node.address == W)
    condition, otherwise, failure = found[n["a"], n["gold"]], found[n["a"], n["b"]], found[n["b"], n["c"]]
    success, timeout, branch = found[join, n["d"]], found[join, n["t"]], found[fork, n["x"]]
    assert 'label="when /tier == \\"gold\\""' in condition
    assert "penwidth=2" in condition
    assert 'label="otherwise"' in otherwise
    assert 'label="on failure"' in failure
    assert "style=dashed" in failure
    assert 'label="on timeout"' in timeout
    assert "style=dotted" in timeout
    assert 'label="x"' in branch
    assert "label" not in success
    assert "style" not in success
    colour = {kind: re.search(r'(?:^|, )color="([^"]+)"', text).group(1)  # type: ignore[union-attr]
              for kind, text in [("success", success), ("failure", failure), ("condition", condition),
                                 ("timeout", timeout)]}  # fmt: skip
    assert len(set(colour.values())) == 4
    mermaid = spec.to_mermaid()
    assert '==>|"when /tier == #quot;gold#quot;"|' in mermaid
    assert '-.->|"on failure"|' in mermaid
    assert '-.->|"on timeout"|' in mermaid
    assert re.search(r"linkStyle [\d,]+ stroke:#c92a2a", mermaid)
    assert re.search(r"linkStyle [\d,]+ stroke:#e8590c", mermaid)


def test_conditions_read_as_short_expressions() -> None:
    assert condition_text(Condition.ALWAYS) == "Always"
    assert condition_text(Condition.not_(Condition.ALWAYS)) == "not(Always)"
    assert condition_text(Condition.json_equals("/tier", "gold")) == '/tier == "gold"'
    assert condition_text(Condition.and_([Condition.json_exists("/a"), Condition.or_([])])) == "and(/a exists, or())"
    mermaid = nested_spec().to_mermaid()
    assert '==>|"when not(Always)"|' in mermaid
    assert '==>|"when Always"|' in mermaid


def test_node_labels_show_the_label_or_service_and_the_policies_in_short() -> None:
    spec = Spec.multiple([
        s("a").label("Exp").with_retry(RetryPolicy.exponential(timedelta(seconds=1), 3)),
        s("b").with_retry(RetryPolicy.linear(timedelta(milliseconds=500), 2)),
        s("c").with_retry(RetryPolicy.bounded_exponential(timedelta(seconds=1), timedelta(seconds=30), 5))
        .with_delivery(DeliveryStrategy.schedule_after(timedelta(minutes=5))),
        s("d").with_delivery(DeliveryStrategy.schedule_at(datetime(2025, 1, 1, tzinfo=timezone.utc))),
        Node.fork(W).join_id("j").branches({"x": s("x"), "y": s("y")})
        .with_join(Node.join(W).join_id("j").strategy(JoinStrategy.quorum(2)).timeout(timedelta(seconds=30))),
    ])  # fmt: skip
    dot = spec.to_dot()
    labels = ['"Exp\\nretry: exp 1s {X}3"', '"processor/b\\nretry: linear 500ms {X}2"',
              '"processor/c\\nretry: bounded exp 1s..30s {X}5\\nschedule after 5m"',
              '"processor/d\\nschedule at 2025-01-01T00:00Z"',
              '"system/waystation\\nquorum 2, timeout 30s"']  # fmt: skip
    for label in (text.format(X=TIMES) for text in labels):
        assert f"label={label}" in dot
    assert "shape=trapezium" in dot
    assert "shape=invtrapezium" in dot
    assert "shape=box" in dot
    mermaid = spec.to_mermaid()
    assert re.search(r'n\d+\[/"system/waystation"\\]', mermaid)
    assert re.search(r'n\d+\[\\"system/waystation<br/>quorum 2, timeout 30s"/\]', mermaid)
    assert f'("Exp<br/>retry: exp 1s {TIMES}3")' in mermaid
    assert '|"entry 4"|' in mermaid
    assert [duration_text(ns * 1_000_000) for ns in (0, 999, 1500, 90_000, 3_600_000, 86_400_000)] == [
        "0ms", "999ms", "1.5s", "1m30s", "1h", "1d"]  # fmt: skip


def test_a_spec_the_router_refuses_is_drawn_and_the_text_is_stable() -> None:
    unjoined = SPECS["seed-fork-without-join"]
    assert unjoined.problems()
    assert "subgraph" not in unjoined.to_dot()
    assert "shape=trapezium" in unjoined.to_dot()
    for spec in SPECS.values():
        again = Spec.from_json(spec.to_json())
        assert again.to_dot() == spec.to_dot()
        assert again.to_mermaid() == spec.to_mermaid()
        ids = re.findall(r"^\s+(n\d+) \[", spec.to_dot(), re.M)
        assert sorted(ids, key=lambda node: int(node[1:])) == [
            f"n{i}" for i in range(len(compile_spec(spec, check=False)))
        ]


def test_render_gives_text_for_text_formats_and_refuses_others() -> None:
    spec = SPECS["seed-quick-start"]
    assert render(spec, "mermaid") == spec.render("mermaid") == to_mermaid(spec)
    assert render(spec, "dot") == spec.render("dot") == to_dot(spec)
    with pytest.raises(ValueError, match="fmt must be one of mermaid, dot, svg, png"):
        spec.render("gif")
    with pytest.raises(TypeError, match="spec must be a waygrid Spec"):
        to_dot("not a spec")  # type: ignore[arg-type]


@needs_dot
def test_the_notebook_bundle_is_svg_with_graphviz() -> None:
    spec = SPECS["seed-fork-and-join"]
    bundle = spec._repr_mimebundle_()
    assert "<svg" in bundle["image/svg+xml"]
    assert "text/markdown" not in bundle
    assert bundle["text/plain"] == spec.to_json()


def test_the_notebook_bundle_is_mermaid_markdown_without_graphviz(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda *args, **kwargs: None)
    spec = SPECS["seed-fork-and-join"]
    bundle = spec._repr_mimebundle_()
    assert bundle["text/markdown"] == f"```mermaid\n{spec.to_mermaid()}\n```"
    assert "image/svg+xml" not in bundle


def test_missing_graphviz_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda *args, **kwargs: None)
    for fmt in ("svg", "png"):
        with pytest.raises(GraphvizNotFoundError, match="apt-get install graphviz"):
            SPECS["seed-quick-start"].render(fmt)
    assert SPECS["seed-quick-start"].render("mermaid").startswith("flowchart TD")


def test_a_long_spec_shows_a_summary_as_plain_text() -> None:
    spec = Spec.multiple([s(f"node-{n}").label("x" * 60) for n in range(60)])
    text = spec._repr_mimebundle_()["text/plain"]
    assert text.startswith("Spec with 60 entry point(s)")
    assert len(text) < len(spec.to_json())


def test_importing_waygrid_does_not_import_the_pictures() -> None:
    code = "import sys, waygrid; print(sorted(m for m in sys.modules if 'rendering' in m or 'picture' in m))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
