"""Pictures of graph templates and runs: Mermaid and DOT text (nothing to install), SVG and PNG through Graphviz.

A graph: one box per node (identifier, node class, and its namespace when it is not the graph's), `next_nodes`
as solid arrows, `unites` as dashed arrows from the awaited node labelled `unites (ALL_SUCCESS)`, and each
`${{ x.outputs.f }}` input as a dotted arrow from `x` labelled with the fields read; `${{ store.k }}` inputs come
from one `store` box. A note holds the namespace, the retry policy in a few words (strategy, retries, base delay),
the cron triggers and the secret names (never their values). A run: one box per state (identifier, node class,
status and an excerpt of its error) filled with its status colour (`STATUS_COLOURS`), parent-to-child arrows, and
a legend. The output depends on nothing but the input, in its order.
"""

from __future__ import annotations

import itertools
import json
import textwrap
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal, TypeAlias, overload

from exosphere_api.models.graph_node import Unites
from exosphere_api.models.observation import GraphStructureResponse, RunGraphNode
from exosphere_api.models.retry_policy import RetryPolicy
from exosphere_api.models.runtime import StateStatus
from exospherehost.graph import Graph
from exospherehost.models import GraphNodeModel
from exospherehost.observation import RunResult, run_status
from exospherehost.validation import placeholders
from sdkcore.graphviz import dot_id, dot_label, mermaid_label, mimebundle, run_graphviz

__all__ = [
    "FORMATS",
    "STATUS_COLOURS",
    "GraphLike",
    "RunLike",
    "graph_dot",
    "graph_mermaid",
    "graph_mimebundle",
    "render_graph",
    "render_run",
    "retry_text",
    "run_dot",
    "run_mermaid",
    "run_mimebundle",
]

GraphLike: TypeAlias = Graph | Sequence[GraphNodeModel]
"""A `Graph`, or the list of nodes one would be built from."""
RunLike: TypeAlias = GraphStructureResponse | RunResult
"""`get_run_graph`'s answer (states and edges), or `wait_for_run`'s (states only: drawn grouped by node)."""
FORMATS = ("mermaid", "dot", "svg", "png")

STATUS_COLOURS: dict[StateStatus, tuple[str, str]] = {
    StateStatus.CREATED: ("#dbeafe", "#3b82f6"),  # light blue: waiting to be claimed
    StateStatus.QUEUED: ("#93c5fd", "#1d4ed8"),  # blue: claimed by a runtime
    StateStatus.EXECUTED: ("#fef08a", "#a16207"),  # yellow: outputs in, next states being created
    StateStatus.SUCCESS: ("#bbf7d0", "#15803d"),  # green
    StateStatus.ERRORED: ("#fecaca", "#dc2626"),  # red
    StateStatus.NEXT_CREATED_ERROR: ("#f87171", "#991b1b"),  # dark red
    StateStatus.RETRY_CREATED: ("#fed7aa", "#ea580c"),  # orange: failed, replaced by a retry
    StateStatus.PRUNED: ("#e5e7eb", "#6b7280"),  # grey
}
"""Fill and border colour of a state box, by status."""

# kind of box -> fill, border, DOT shape and style, Mermaid opening and closing brackets, extra Mermaid style
_KINDS: dict[str, tuple[str, str, str, str, str, str, str]] = {
    "task": ("#eef2ff", "#4f46e5", "box", "rounded,filled", "(", ")", ""),
    "storebox": ("#f3f4f6", "#6b7280", "cylinder", "filled", "[(", ")]", ""),
    "notebox": ("#fefce8", "#a16207", "note", "filled", "[", "]", ""),
    "missing": ("#ffffff", "#dc2626", "box", "dashed", "[", "]", ",stroke-dasharray:4 3"),
    **{status.value: (fill, line, "box", "rounded,filled", "(", ")", "") for status, (fill, line) in
       STATUS_COLOURS.items()},
}  # fmt: skip
_ARROWS = {  # style -> DOT attributes, Mermaid connector, Mermaid linkStyle
    "solid": ("", "-->", ""),
    "dashed": ('style=dashed, color="#7c3aed", fontcolor="#7c3aed"', "-.->", "stroke:#7c3aed,stroke-dasharray:8 4"),
    "dotted": ('style=dotted, color="#6b7280", fontcolor="#4b5563"', "-.->", "stroke:#6b7280,stroke-dasharray:2 3"),
    "invisible": ("style=invis", "~~~", ""),
}
_ERROR_EXCERPT = 80
Style = Literal["solid", "dashed", "dotted", "invisible"]


@dataclass(frozen=True)
class _Box:
    key: str
    lines: tuple[str, ...]
    kind: str
    group: str = ""  # the title of the cluster (subgraph) it is drawn in, "" for none


@dataclass(frozen=True)
class _Arrow:
    source: str
    target: str
    style: Style = "solid"
    label: str = ""


@dataclass
class _Picture:
    title: str
    boxes: list[_Box] = field(default_factory=lambda: [])
    arrows: list[_Arrow] = field(default_factory=lambda: [])
    legend: list[_Box] = field(default_factory=lambda: [])  # drawn as a cluster of its own, titled "status"


# --- graph templates ------------------------------------------------------------------------------------------


def _as_graph(graph: GraphLike) -> Graph:
    return graph if isinstance(graph, Graph) else Graph(graph)


def retry_text(policy: RetryPolicy) -> str:
    """A retry policy in a few words: strategy, times retried, base delay (exponent and cap when not the default)."""
    strategy = policy.strategy.value
    words = [
        f"retry: {strategy.lower().replace('_', ' ')} \N{MULTIPLICATION SIGN}{policy.max_retries}",
        _duration(policy.backoff_factor),
    ]
    if strategy.startswith("EXPONENTIAL") and policy.exponent != 2:
        words.append(f"exponent {policy.exponent}")
    if policy.max_delay is not None:
        words.append(f"max {_duration(policy.max_delay)}")
    return ", ".join(words)


def _duration(milliseconds: int) -> str:
    if milliseconds % 1000 == 0:
        return f"{milliseconds // 1000}s"
    return f"{milliseconds / 1000:g}s" if milliseconds > 1000 else f"{milliseconds}ms"


def _graph_picture(graph: Graph) -> _Picture:
    picture = _Picture(graph.name or "")
    nodes = graph.nodes
    namespaces = Counter(node.namespace for node in nodes)
    common = max(namespaces, key=lambda name: namespaces[name]) if nodes else ""  # first of the most frequent
    note = [f"namespace: {common}"] if nodes else []
    if graph.retry_policy is not None:
        note.append(retry_text(graph.retry_policy))
    note += [f"cron: {trigger.expression}" for trigger in graph.triggers or ()]
    if graph.secrets:
        note.append(f"secrets: {', '.join(sorted(graph.secrets))}")  # names only
    if note:
        picture.boxes.append(_Box("about", tuple(note), "notebox"))
    keys: dict[str, str] = {}
    for index, node in enumerate(nodes):
        keys.setdefault(node.identifier, f"n{index}")
        lines = [node.identifier, node.node_name]
        if node.namespace != common:
            lines.append(f"namespace: {node.namespace}")
        picture.boxes.append(_Box(f"n{index}", tuple(lines), "task"))
    store_box = _store_box(graph)
    if store_box is not None:
        picture.boxes.append(store_box)
    missing: list[_Box] = []

    def key_of(identifier: str) -> str:
        if identifier not in keys:
            keys[identifier] = f"m{len(missing)}"
            missing.append(_Box(keys[identifier], (identifier, "not in the graph"), "missing"))
        return keys[identifier]

    arrows = picture.arrows
    for index, node in enumerate(nodes):
        arrows += [_Arrow(f"n{index}", key_of(target)) for target in node.next_nodes or ()]
    for index, node in enumerate(nodes):
        if isinstance(node.unites, Unites):
            strategy = node.unites.strategy.value
            arrows.append(_Arrow(key_of(node.unites.identifier), f"n{index}", "dashed", f"unites ({strategy})"))
    for index, node in enumerate(nodes):
        for source, fields in _dependencies(node).items():
            source_key = "store" if source == "store" else key_of(source)
            arrows.append(_Arrow(source_key, f"n{index}", "dotted", ", ".join(fields)))
    picture.boxes += missing
    return picture


def _dependencies(node: GraphNodeModel) -> dict[str, list[str]]:
    """The fields each node (or the store) gives this node's inputs, in the order they are first read."""
    found: dict[str, list[str]] = {}
    for value in node.inputs.values():
        if not isinstance(value, str):
            continue
        try:
            references = placeholders(value)
        except ValueError:
            continue  # drawn as it is; problems() reports it
        for source, name in references:
            fields = found.setdefault(source, [])
            if name not in fields:
                fields.append(name)
    return found


def _store_box(graph: Graph) -> _Box | None:
    used = any("store" in _dependencies(node) for node in graph.nodes)
    config = graph.store_config
    lines = ["store"]
    if config is not None and config.required_keys:
        lines.append(f"required: {', '.join(config.required_keys)}")
    if config is not None and config.default_values:
        lines.append(f"defaults: {', '.join(config.default_values)}")
    return _Box("store", tuple(lines), "storebox") if used or len(lines) > 1 else None


def graph_mermaid(graph: GraphLike) -> str:
    """The graph as a Mermaid flowchart."""
    return _mermaid(_graph_picture(_as_graph(graph)))


def graph_dot(graph: GraphLike) -> str:
    """The graph as Graphviz DOT."""
    return _dot(_graph_picture(_as_graph(graph)))


@overload
def render_graph(graph: GraphLike, fmt: Literal["mermaid", "dot"]) -> str: ...
@overload
def render_graph(graph: GraphLike, fmt: Literal["svg", "png"]) -> bytes: ...
@overload
def render_graph(graph: GraphLike, fmt: str) -> str | bytes: ...
def render_graph(graph: GraphLike, fmt: str) -> str | bytes:
    """The graph as mermaid or dot text, or as svg or png bytes (Graphviz's `dot` on PATH, else
    GraphvizNotFoundError)."""
    return _render(_graph_picture(_as_graph(graph)), fmt)


def graph_mimebundle(graph: GraphLike) -> dict[str, str]:
    """A notebook's view of the graph: SVG when Graphviz is installed, Mermaid markdown otherwise."""
    shown = _as_graph(graph)
    picture = _graph_picture(shown)
    return mimebundle(_dot(picture), _mermaid(picture), repr(shown))


# --- runs -----------------------------------------------------------------------------------------------------


def _excerpt(error: str) -> list[str]:
    """At most `_ERROR_EXCERPT` characters of the error, whitespace folded, in lines of half that."""
    text = " ".join(error.split())
    text = text if len(text) <= _ERROR_EXCERPT else text[: _ERROR_EXCERPT - 1] + "…"
    return textwrap.wrap(text, _ERROR_EXCERPT // 2, break_long_words=True, break_on_hyphens=False)


def _state_box(key: str, state: RunGraphNode, group: str = "") -> _Box:
    lines = [state.identifier, state.node_name, state.status.value]
    if state.error:
        lines += _excerpt(state.error)
    return _Box(key, tuple(lines), state.status.value, group)


def _run_picture(run: RunLike) -> _Picture:
    if isinstance(run, RunResult):
        states = run.states
        picture = _Picture(f"{run.graph_name} · run {run.run_id} · {run.status.value}")
        first_of: dict[str, str] = {}  # no edges: one cluster per node identifier, in the order they appear
        for index, state in enumerate(states):
            first_of.setdefault(state.identifier, f"s{index}")
            picture.boxes.append(_state_box(f"s{index}", state, state.identifier))
        firsts = list(first_of.values())
        picture.arrows += [_Arrow(above, below, "invisible") for above, below in itertools.pairwise(firsts)]
    elif isinstance(run, GraphStructureResponse):
        states = run.nodes
        status = run_status(state.status for state in states).value
        picture = _Picture(f"{run.graph_name} · {status}" if run.graph_name else status)
        keys: dict[str, str] = {}
        for index, state in enumerate(states):
            keys.setdefault(state.id, f"s{index}")
            picture.boxes.append(_state_box(f"s{index}", state))
        picture.arrows += [_Arrow(keys[edge.source], keys[edge.target]) for edge in run.edges
                           if edge.source in keys and edge.target in keys]  # fmt: skip
    else:
        raise TypeError(f"expected a RunResult or a run graph (get_run_graph), got {type(run).__name__}")
    counts = Counter(state.status for state in states)
    for status in STATUS_COLOURS:
        if counts[status]:
            picture.legend.append(_Box(f"l_{status.value}", (f"{status.value}: {counts[status]}",), status.value))
    return picture


def run_mermaid(run: RunLike) -> str:
    """The run as a Mermaid flowchart, each state coloured by its status."""
    return _mermaid(_run_picture(run))


def run_dot(run: RunLike) -> str:
    """The run as Graphviz DOT, each state coloured by its status."""
    return _dot(_run_picture(run))


@overload
def render_run(run: RunLike, fmt: Literal["mermaid", "dot"]) -> str: ...
@overload
def render_run(run: RunLike, fmt: Literal["svg", "png"]) -> bytes: ...
@overload
def render_run(run: RunLike, fmt: str) -> str | bytes: ...
def render_run(run: RunLike, fmt: str) -> str | bytes:
    """The run as mermaid or dot text, or as svg or png bytes (Graphviz's `dot` on PATH)."""
    return _render(_run_picture(run), fmt)


def run_mimebundle(run: RunLike, text: str) -> dict[str, str]:
    """A notebook's view of the run: SVG when Graphviz is installed, Mermaid markdown otherwise."""
    picture = _run_picture(run)
    return mimebundle(_dot(picture), _mermaid(picture), text)


# --- text -----------------------------------------------------------------------------------------------------


def _render(picture: _Picture, fmt: str) -> str | bytes:
    if fmt == "mermaid":
        return _mermaid(picture)
    if fmt == "dot":
        return _dot(picture)
    if fmt in ("svg", "png"):
        return run_graphviz(_dot(picture), "svg" if fmt == "svg" else "png")
    raise ValueError(f"fmt must be one of {', '.join(FORMATS)}, got {fmt!r}")


def _clusters(picture: _Picture) -> list[tuple[str, str, list[_Box]]]:
    """(id, title, boxes) of each cluster in order, the boxes drawn outside any first (id and title "")."""
    grouped: dict[str, list[_Box]] = {}
    for box in picture.boxes:
        grouped.setdefault(box.group, []).append(box)
    clusters = [("" if not title else f"g{number}", title, boxes) for number, (title, boxes) in
                enumerate(sorted(grouped.items(), key=lambda item: item[0] != ""))]  # fmt: skip
    return clusters + ([("legend", "status", picture.legend)] if picture.legend else [])


def _mermaid(picture: _Picture) -> str:
    lines = ["---", f"title: {json.dumps(picture.title, ensure_ascii=False)}", "---"] if picture.title else []
    lines.append("flowchart TD")
    for name, title, boxes in _clusters(picture):
        indent = "        " if name else "    "
        if name:
            lines += [f"    subgraph {name}[{mermaid_label(title)}]", "        direction LR"]
        for box in boxes:
            opening, closing = _KINDS[box.kind][4:6]
            lines.append(f"{indent}{box.key}{opening}{mermaid_label(chr(10).join(box.lines))}{closing}")
        if name:
            lines.append("    end")
    styled: dict[str, list[str]] = {}
    for number, arrow in enumerate(picture.arrows):
        connector, link_style = _ARROWS[arrow.style][1:]
        label = f"|{mermaid_label(arrow.label)}|" if arrow.label else ""
        lines.append(f"    {arrow.source} {connector}{label} {arrow.target}")
        if link_style:
            styled.setdefault(link_style, []).append(str(number))
    lines += [f"    linkStyle {','.join(numbers)} {link_style}" for link_style, numbers in styled.items()]
    members: dict[str, list[str]] = {}
    for box in picture.boxes + picture.legend:
        members.setdefault(box.kind, []).append(box.key)
    for kind, keys in members.items():
        fill, line, extra = _KINDS[kind][0], _KINDS[kind][1], _KINDS[kind][6]
        lines.append(f"    classDef {kind} fill:{fill},stroke:{line},color:#111827{extra}")
        lines.append(f"    class {','.join(keys)} {kind}")
    return "\n".join(lines) + "\n"


def _dot(picture: _Picture) -> str:
    title = f", label={dot_id(picture.title)}, labelloc=t, fontsize=16" if picture.title else ""
    lines = ["digraph {", f'    graph [rankdir=TB, fontname="Helvetica", nodesep=0.4{title}];',
             '    node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=11];',
             '    edge [fontname="Helvetica", fontsize=10];']  # fmt: skip
    for name, label, boxes in _clusters(picture):
        indent = "        " if name else "    "
        if name:
            lines += [f"    subgraph cluster_{name} {{", f"        label={dot_id(label)};",
                      '        style="rounded,dashed"; color="#9ca3af"; fontname="Helvetica";']  # fmt: skip
        for box in boxes:
            fill, line, shape, style = _KINDS[box.kind][:4]
            lines.append(f'{indent}{box.key} [label={dot_label(*box.lines)}, shape={shape}, style="{style}", '
                         f'fillcolor="{fill}", color="{line}"];')  # fmt: skip
        if name:  # one row, in order: Graphviz would place unconnected boxes as it likes
            keys = [box.key for box in boxes]
            lines += [f"        {{ rank=same; {'; '.join(keys)}; }}", "    }"]
            lines += [f"    {left} -> {right} [style=invis];" for left, right in itertools.pairwise(keys)]
    for arrow in picture.arrows:
        attributes = [_ARROWS[arrow.style][0]] if _ARROWS[arrow.style][0] else []
        attributes += [f"label={dot_id(arrow.label)}"] if arrow.label else []
        lines.append(f"    {arrow.source} -> {arrow.target}" + (f" [{', '.join(attributes)}];" if attributes else ";"))
    lines.append("}")
    return "\n".join(lines) + "\n"
