"""Pictures of a spec, drawn from the DAG the router compiles it to: Mermaid and DOT text, SVG and PNG by Graphviz.

    print(spec.to_mermaid())           # a Mermaid flowchart (GitHub, GitLab and notebooks draw it)
    spec.render("svg")                 # bytes, by Graphviz's `dot` (GraphvizNotFoundError says how to install it)

The DAG is compiled without the router's checks (`compile_spec(spec, check=False)`), so a spec the router refuses
is drawn too; a join's copies are one node, as in the DAG. Standard nodes are rounded boxes, forks trapezia and
joins inverted trapezia; a fork, its join and every node between them are framed together (a DOT cluster, a Mermaid
subgraph), nested forks nested. Success edges are solid, failure edges red and dashed, condition edges blue and
bold, timeout edges orange and dotted; each but the plain success edges is labelled. Node ids follow the DAG's
indices (n0, n1, ...), so the same spec always gives the same text.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any, Literal, overload

import msgspec

from sdkcore.graphviz import PICTURE_FORMATS, dot_id, dot_label, mermaid_label, run_graphviz
from waygrid.simulation.dag import FORK, JOIN, Dag, DagNode, compile_spec
from waygrid_api.duration import Duration
from waygrid_api.models.traversal_spec import (
    AlwaysCondition,
    AndCondition,
    AndJoin,
    BoundedExponentialRetry,
    DecorrelatedJitterRetry,
    ExponentialRetry,
    FibonacciRetry,
    FullJitterRetry,
    JsonEqualsCondition,
    JsonExistsCondition,
    LinearRetry,
    NotCondition,
    OrCondition,
    OrJoin,
    PolynomialRetry,
    QuorumJoin,
    RepeatIndefinitely,
    RepeatTimes,
    RepeatUntil,
    ScheduleAfterDelivery,
    ScheduleAtDelivery,
    Spec,
)
from waygrid_api.timestamp import Timestamp

__all__ = [
    "FORMATS",
    "Format",
    "condition_text",
    "duration_text",
    "node_lines",
    "render",
    "to_dot",
    "to_mermaid",
]

Format = Literal["mermaid", "dot", "svg", "png"]
FORMATS = ("mermaid", "dot", "svg", "png")
EdgeKind = Literal["entry", "success", "otherwise", "branch", "condition", "failure", "timeout"]

_CONDITION_MAX = 60
_TIMES = "\u00d7"  # the multiplication sign: `retry: exp 1s` then the sign then `3`
_SCHEME = "waygrid://"
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)

# Per edge kind: the DOT attributes, the Mermaid arrow and the Mermaid link style.
_DOT_EDGE: dict[str, str] = {
    "entry": 'color="#868e96"',
    "success": 'color="#343a40"',
    "otherwise": 'color="#343a40", fontcolor="#495057"',
    "branch": 'color="#343a40", fontcolor="#495057"',
    "condition": 'color="#1971c2", fontcolor="#1971c2", penwidth=2',
    "failure": 'color="#c92a2a", fontcolor="#c92a2a", style=dashed',
    "timeout": 'color="#e8590c", fontcolor="#e8590c", style=dotted, penwidth=1.6',
}
_MERMAID_ARROW = {"condition": "==>", "failure": "-.->", "timeout": "-.->"}
_MERMAID_LINK_STYLE = {
    "entry": "stroke:#868e96",
    "condition": "stroke:#1971c2,color:#1971c2",
    "failure": "stroke:#c92a2a,color:#c92a2a",
    "timeout": "stroke:#e8590c,color:#e8590c",
}
_KIND_CLASS = {0: "standard", FORK: "fork", JOIN: "join"}
_DOT_SHAPE = {
    0: 'shape=box, style="rounded,filled", fillcolor="#e7f5ff", color="#1c7ed6"',
    FORK: 'shape=trapezium, style=filled, fillcolor="#fff3bf", color="#f08c00"',
    JOIN: 'shape=invtrapezium, style=filled, fillcolor="#fff3bf", color="#f08c00"',
}
_MERMAID_CLASSES = {
    "standard": "fill:#e7f5ff,stroke:#1c7ed6,color:#212529",
    "fork": "fill:#fff3bf,stroke:#f08c00,color:#212529",
    "join": "fill:#fff3bf,stroke:#f08c00,color:#212529",
    "entry": "fill:#212529,stroke:#212529,color:#ffffff",
}


# -- text of the parts ---------------------------------------------------------------------------------------------


def duration_text(value: Duration | int) -> str:
    """A compact duration: `500ms`, `1s`, `1.5s`, `5m`, `1h30m`, `2d` (an int is nanoseconds)."""
    nanoseconds = value.nanoseconds if isinstance(value, Duration) else value
    if nanoseconds % 1_000_000:
        return f"{nanoseconds // 1000}µs" if nanoseconds % 1000 == 0 else f"{nanoseconds}ns"
    rest = nanoseconds // 1_000_000
    if rest < 1000:
        return f"{rest}ms"
    parts: list[str] = []
    for unit, size in (("d", 86_400_000), ("h", 3_600_000), ("m", 60_000)):
        if rest >= size:
            parts.append(f"{rest // size}{unit}")
            rest %= size
    if rest:
        parts.append(f"{rest / 1000:g}s")
    return "".join(parts)


def _moment(value: Timestamp) -> str:
    """A UTC instant to the minute (`2025-01-01T00:00Z`), with seconds and fractions only when it has them."""
    nanoseconds = value.epoch_nanoseconds
    try:
        moment = _EPOCH + timedelta(microseconds=nanoseconds // 1000)
    except OverflowError:
        return value.to_wire()
    if nanoseconds % 60_000_000_000 == 0:
        return moment.strftime("%Y-%m-%dT%H:%MZ")
    if nanoseconds % 1_000_000_000 == 0:
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    return value.to_wire()


def _retry_text(policy: Any) -> str | None:
    count = f" {_TIMES}{policy.max_retries}" if hasattr(policy, "max_retries") else ""
    if isinstance(policy, LinearRetry):
        return f"retry: linear {duration_text(policy.base)}{count}"
    if isinstance(policy, ExponentialRetry):
        return f"retry: exp {duration_text(policy.base)}{count}"
    if isinstance(policy, BoundedExponentialRetry):
        return f"retry: bounded exp {duration_text(policy.base)}..{duration_text(policy.cap)}{count}"
    if isinstance(policy, FibonacciRetry):
        return f"retry: fibonacci {duration_text(policy.base)}{count}"
    if isinstance(policy, FullJitterRetry):
        return f"retry: full jitter {duration_text(policy.base)}{count}"
    if isinstance(policy, DecorrelatedJitterRetry):
        return f"retry: decorrelated jitter {duration_text(policy.base)}{count}"
    if isinstance(policy, PolynomialRetry):
        return f"retry: polynomial {duration_text(policy.base)}·n^{policy.power:g}{count}"
    return None


def _delivery_text(delivery: Any) -> str | None:
    if isinstance(delivery, ScheduleAfterDelivery):
        return f"schedule after {duration_text(delivery.delay)}"
    if isinstance(delivery, ScheduleAtDelivery):
        return f"schedule at {_moment(delivery.time)}"
    return None


def _join_text(node: DagNode) -> str:
    strategy = node.strategy
    if isinstance(strategy, AndJoin):
        text = "AND"
    elif isinstance(strategy, OrJoin):
        text = "OR"
    elif isinstance(strategy, QuorumJoin):
        text = f"quorum {strategy.n}"
    else:
        text = "join"
    if node.timeout_ms is not None:
        text += f", timeout {duration_text(node.timeout_ms * 1_000_000)}"
    return text


def _repeat_text(policy: Any) -> str | None:
    if isinstance(policy, RepeatIndefinitely):
        return f"repeat every {duration_text(policy.every)}"
    if isinstance(policy, RepeatTimes):
        return f"repeat every {duration_text(policy.every)}, {policy.time} times"
    if isinstance(policy, RepeatUntil):
        return f"repeat every {duration_text(policy.every)} until {_moment(policy.until)}"
    return None


def condition_text(condition: Any) -> str:
    """A condition as a short expression: `Always`, `not(Always)`, `/tier == "gold"`, `/result exists`,
    `and(a, b)`, `or(a, b)`."""
    if isinstance(condition, AlwaysCondition):
        return "Always"
    if isinstance(condition, NotCondition):
        return f"not({condition_text(condition.cond)})"
    if isinstance(condition, AndCondition):
        return f"and({', '.join(condition_text(part) for part in condition.all)})"
    if isinstance(condition, OrCondition):
        return f"or({', '.join(condition_text(part) for part in condition.any)})"
    if isinstance(condition, JsonExistsCondition):
        return f"{condition.pointer} exists"
    if isinstance(condition, JsonEqualsCondition):
        return f"{condition.pointer} == {msgspec.json.encode(condition.value).decode()}"
    return type(condition).__name__


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _service(address: str) -> str:
    return address[len(_SCHEME) :] if address.startswith(_SCHEME) else address


def node_lines(node: DagNode) -> list[str]:
    """A node's picture label: its label or address service, then its policies in short."""
    lines = [node.label or _service(node.address)]
    if node.kind == JOIN:
        lines.append(_join_text(node))
    lines.extend(text for text in (_retry_text(node.retry), _delivery_text(node.delivery)) if text)
    return lines


# -- the graph -----------------------------------------------------------------------------------------------------


class _Edge:
    __slots__ = ("kind", "label", "source", "target")

    def __init__(self, source: str, target: int, kind: EdgeKind, label: str = "") -> None:
        self.source = source
        self.target = target
        self.kind: EdgeKind = kind
        self.label = label


class _Cluster:
    """A fork, its join and every node between them; `children` are the clusters nested directly inside."""

    __slots__ = ("children", "fork", "join", "members", "nodes")

    def __init__(self, fork: DagNode, join: int, members: set[int]) -> None:
        self.fork = fork
        self.join = join
        self.members = members
        self.nodes: list[int] = []
        self.children: list[_Cluster] = []


class _Picture:
    """What both texts draw: the DAG, its edges in DAG order, the clusters as a tree and the top-level nodes."""

    def __init__(self, spec: Spec) -> None:
        if not isinstance(spec, Spec):
            raise TypeError(f"spec must be a waygrid Spec, got {type(spec).__name__}")
        self.dag: Dag = compile_spec(spec, check=False)
        self.repeat = _repeat_text(spec.repeat_policy)
        self.edges = self._edges()
        self.roots, self.top = self._clusters()

    def _edges(self) -> list[_Edge]:
        dag = self.dag
        several = len(dag.entry_points) > 1
        edges = [_Edge("entry", index, "entry", f"entry {position}" if several else "")
                 for position, index in enumerate(dag.entry_points)]  # fmt: skip
        for node in dag.nodes:
            source = f"n{node.index}"
            if node.kind == FORK:
                edges.extend(_Edge(source, target, "branch", name)
                             for target, name in zip(node.on_success, node.branch_names, strict=False))  # fmt: skip
            else:
                kind: EdgeKind = "otherwise" if node.conditional else "success"
                edges.extend(_Edge(source, target, kind, "otherwise" if node.conditional else "")
                             for target in node.on_success)  # fmt: skip
            edges.extend(_Edge(source, target, "condition", "when " + _short(condition_text(condition), _CONDITION_MAX))
                         for condition, target in node.conditional)  # fmt: skip
            edges.extend(_Edge(source, target, "failure", "on failure") for target in node.on_failure)
            edges.extend(_Edge(source, target, "timeout", "on timeout") for target in node.on_timeout)
        unique: dict[tuple[str, int, str, str], _Edge] = {}
        for edge in edges:
            unique.setdefault((edge.source, edge.target, edge.kind, edge.label), edge)
        return list(unique.values())

    def _successors(self, index: int) -> list[int]:
        node = self.dag.nodes[index]
        return [*node.on_success, *(target for _, target in node.conditional), *node.on_failure, *node.on_timeout]

    def _clusters(self) -> tuple[list[_Cluster], list[int]]:
        clusters: list[_Cluster] = []
        for fork in self.dag.nodes:
            join = self.dag.join_of.get(fork.join_node_id or "") if fork.kind == FORK else None
            if join is None:
                continue
            members = {fork.index, join}
            stack = list(fork.on_success)
            while stack:
                index = stack.pop()
                if index not in members:
                    members.add(index)
                    stack.extend(self._successors(index))
            clusters.append(_Cluster(fork, join, members))
        by_size = sorted(clusters, key=lambda cluster: (len(cluster.members), cluster.fork.index))
        roots: list[_Cluster] = []
        for position, cluster in enumerate(by_size):
            parent = next((other for other in by_size[position + 1 :] if cluster.fork.index in other.members), None)
            (roots if parent is None else parent.children).append(cluster)
        top: list[int] = []
        for node in self.dag.nodes:
            home = next((cluster for cluster in by_size if node.index in cluster.members), None)
            (top if home is None else home.nodes).append(node.index)
        for cluster in by_size:
            cluster.children.sort(key=lambda child: child.fork.index)
        roots.sort(key=lambda cluster: cluster.fork.index)
        return roots, top

    def cluster_title(self, cluster: _Cluster) -> str:
        return f"fork/join {cluster.fork.join_node_id}"

    def entry_lines(self) -> list[str]:
        return ["start", self.repeat] if self.repeat else ["start"]


# -- DOT -----------------------------------------------------------------------------------------------------------


def to_dot(spec: Spec) -> str:
    """The spec as a Graphviz DOT digraph (for `dot`), top to bottom."""
    picture = _Picture(spec)
    dag = picture.dag
    lines = [
        "digraph waygrid {",
        '  graph [rankdir=TB, newrank=true, fontname="Helvetica", fontsize=10, nodesep=0.35, ranksep=0.45];',
        '  node [fontname="Helvetica", fontsize=11, margin="0.15,0.06"];',
        '  edge [fontname="Helvetica", fontsize=9, arrowsize=0.7];',
        f'  entry [shape=oval, style=filled, fillcolor="#212529", fontcolor="#ffffff", fontsize=9, '
        f"label={dot_label(*picture.entry_lines())}];",
    ]

    def node_line(index: int, indent: str) -> str:
        node = dag.nodes[index]
        tooltip = dot_id(f"{node.path} · {node.address}")
        return f"{indent}n{index} [{_DOT_SHAPE[node.kind]}, label={dot_label(*node_lines(node))}, tooltip={tooltip}];"

    def cluster_lines(cluster: _Cluster, indent: str) -> None:
        lines.append(f"{indent}subgraph cluster_{cluster.fork.index} {{")
        inner = indent + "  "
        lines.append(f'{inner}label={dot_id(picture.cluster_title(cluster))}; labeljust=l; style="rounded,dashed"; '
                     f'color="#868e96"; fontcolor="#495057";')  # fmt: skip
        lines.extend(node_line(index, inner) for index in cluster.nodes)
        for child in cluster.children:
            cluster_lines(child, inner)
        lines.append(f"{indent}}}")

    lines.extend(node_line(index, "  ") for index in picture.top)
    for cluster in picture.roots:
        cluster_lines(cluster, "  ")
    for edge in picture.edges:
        label = f", label={dot_id(edge.label)}" if edge.label else ""
        lines.append(f"  {edge.source} -> n{edge.target} [{_DOT_EDGE[edge.kind]}{label}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


# -- Mermaid -------------------------------------------------------------------------------------------------------


def _mermaid_node(node: DagNode) -> str:
    label = mermaid_label("\n".join(node_lines(node)))
    if node.kind == FORK:
        return f"n{node.index}[/{label}\\]"
    if node.kind == JOIN:
        return f"n{node.index}[\\{label}/]"
    return f"n{node.index}({label})"


def to_mermaid(spec: Spec) -> str:
    """The spec as a Mermaid `flowchart TD`."""
    picture = _Picture(spec)
    dag = picture.dag
    lines = ["flowchart TD", f"  entry([{mermaid_label(chr(10).join(picture.entry_lines()))}])"]

    def cluster_lines(cluster: _Cluster, indent: str) -> None:
        lines.append(f"{indent}subgraph c{cluster.fork.index}[{mermaid_label(picture.cluster_title(cluster))}]")
        inner = indent + "  "
        lines.extend(inner + _mermaid_node(dag.nodes[index]) for index in cluster.nodes)
        for child in cluster.children:
            cluster_lines(child, inner)
        lines.append(f"{indent}end")

    lines.extend("  " + _mermaid_node(dag.nodes[index]) for index in picture.top)
    for cluster in picture.roots:
        cluster_lines(cluster, "  ")
    styled: dict[str, list[str]] = {}
    for position, edge in enumerate(picture.edges):
        arrow = _MERMAID_ARROW.get(edge.kind, "-->")
        label = f"|{mermaid_label(edge.label)}|" if edge.label else ""
        lines.append(f"  {edge.source} {arrow}{label} n{edge.target}")
        if edge.kind in _MERMAID_LINK_STYLE:
            styled.setdefault(edge.kind, []).append(str(position))
    lines.extend(f"  linkStyle {','.join(positions)} {_MERMAID_LINK_STYLE[kind]}" for kind, positions in styled.items())
    for kind, name in _KIND_CLASS.items():
        members = [f"n{node.index}" for node in dag.nodes if node.kind == kind]
        if members:
            lines.extend((f"  classDef {name} {_MERMAID_CLASSES[name]}", f"  class {','.join(members)} {name}"))
    lines.extend((f"  classDef entry {_MERMAID_CLASSES['entry']}", "  class entry entry"))
    return "\n".join(lines) + "\n"


# -- rendering -----------------------------------------------------------------------------------------------------


@overload
def render(spec: Spec, fmt: Literal["mermaid", "dot"]) -> str: ...
@overload
def render(spec: Spec, fmt: Literal["svg", "png"] = ...) -> bytes: ...
@overload
def render(spec: Spec, fmt: str) -> str | bytes: ...
def render(spec: Spec, fmt: str = "svg") -> str | bytes:
    """The spec's picture: Mermaid or DOT text (str), or SVG or PNG drawn by Graphviz's `dot` (bytes; raises
    `sdkcore.graphviz.GraphvizNotFoundError` when Graphviz is not installed)."""
    if fmt == "mermaid":
        return to_mermaid(spec)
    if fmt == "dot":
        return to_dot(spec)
    if fmt in PICTURE_FORMATS:
        return run_graphviz(to_dot(spec), "svg" if fmt == "svg" else "png")
    raise ValueError(f"fmt must be one of {', '.join(FORMATS)}, got {fmt!r}")
