"""A Gantt-like picture of a simulated traversal: one row per DAG node, one bar per attempt.

Each attempt is a bar from its dispatch to its reply: green when it succeeded, red when it failed, grey when no
reply came (open to the end of the picture; cut where a join canceled its branch). Waits (a retry's delay, a
scheduled delivery) are light striped bars, fork and join events markers on their row; the axis counts seconds
from the start. `timeline_dot` pins every box (`pos`, in points) for Graphviz's `neato` (`neato -n2` too), which
draws SVG and PNG; `timeline_mermaid` is a Mermaid `gantt` (instant attempts are milestones there).
"""

from __future__ import annotations

from typing import Any, Literal, overload

from sdkcore.graphviz import PICTURE_FORMATS, dot_id, run_graphviz
from waygrid.simulation.dag import FORK, JOIN
from waygrid.simulation.result import SimulationResult

__all__ = ["TIMELINE_FORMATS", "render_timeline", "timeline_dot", "timeline_mermaid"]

TIMELINE_FORMATS = ("mermaid", "dot", "svg", "png")
_NICE_STEPS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 15_000, 30_000, 60_000, 120_000,
               300_000, 600_000, 900_000, 1_800_000, 3_600_000, 7_200_000, 10_800_000, 21_600_000, 43_200_000,
               86_400_000, 172_800_000, 604_800_000)  # fmt: skip
_MAX_TICKS = 6
_NAME_MAX = 48
_MARKS = {  # event kind: (DOT shape, colour, what the marker says)
    "forked": ("triangle", "#7048e8", "forked"),
    "join_reached": ("diamond", "#1c7ed6", "join reached"),
    "join_completed": ("diamond", "#2b8a3e", "join completed"),
    "join_failed": ("diamond", "#c92a2a", "join failed"),
    "join_timed_out": ("diamond", "#e8590c", "join timed out"),
    "branch_failed": ("invtriangle", "#c92a2a", "branch failed"),
    "branch_canceled": ("invtriangle", "#868e96", "branch canceled"),
    "traversal_failed": ("octagon", "#c92a2a", "traversal failed"),
    "error": ("octagon", "#212529", "error"),
}
_BARS = {  # bar kind: (DOT fill, DOT border, Mermaid tag, word)
    "succeeded": ("#40c057", "#2b8a3e", "done", "succeeded"),
    "failed": ("#fa5252", "#c92a2a", "crit", "failed"),
    "hung": ("#adb5bd", "#495057", "active", "no reply"),
    "canceled": ("#adb5bd", "#495057", "active", "canceled"),
    "wait": ("#e9ecef", "#adb5bd", "", "wait"),
}
_MERMAID_THEME = (
    '%%{init: {"theme": "base", "themeVariables": {"taskBkgColor": "#e9ecef", "taskBorderColor": "#adb5bd", '
    '"doneTaskBkgColor": "#40c057", "doneTaskBorderColor": "#2b8a3e", "critBkgColor": "#fa5252", '
    '"critBorderColor": "#c92a2a", "activeTaskBkgColor": "#adb5bd", "activeTaskBorderColor": "#495057"}}}%%'
)
# The DOT layout, in points.
_PLOT_WIDTH, _ROW, _BAR, _MARK, _CHAR, _AXIS, _TITLE = 720.0, 24.0, 14.0, 10.0, 6.2, 34.0, 26.0


class _Bar:
    __slots__ = ("end", "kind", "start", "text")

    def __init__(self, start: int, end: int | None, kind: str, text: str) -> None:
        self.start, self.end, self.kind, self.text = start, end, kind, text


class _Row:
    __slots__ = ("bars", "marks", "name")

    def __init__(self, name: str) -> None:
        self.name = name
        self.bars: list[_Bar] = []
        self.marks: list[tuple[int, str, str]] = []


def _rows(result: SimulationResult) -> tuple[list[_Row], int]:
    """The rows in the order their nodes first appear, and where the picture ends (ms after the start)."""
    several_runs = len(result.run_outcomes) > 1
    rows: dict[tuple[int, str], _Row] = {}
    open_bars: dict[tuple[int, str], _Bar] = {}
    end = 0
    for event in result.events:
        at = event.at_ms - result.started_ms
        end = max(end, at)
        if event.node is None:
            continue
        key = (event.run, event.path or event.address or "")
        row = rows.get(key)
        if row is None:
            name = _row_name(event.node)
            row = rows[key] = _Row(f"{name} (run {event.run})" if several_runs else name)
        kind = event.kind
        if kind == "dispatched":
            bar = _Bar(at, None, "hung", f"attempt {event.attempt}")
            row.bars.append(bar)
            open_bars[key] = bar
        elif kind in ("succeeded", "failed"):
            if key in open_bars:
                bar = open_bars.pop(key)
            else:  # a reply without a dispatch in the events (a result put together by hand)
                bar = _Bar(at, at, kind, f"attempt {event.attempt}")
                row.bars.append(bar)
            bar.end, bar.kind = at, kind
            if event.detail is not None:
                bar.text += f": {event.detail}"
        elif kind in ("retry_scheduled", "scheduled") and event.due_ms is not None:
            due = event.due_ms - result.started_ms
            end = max(end, due)
            what = f"wait for attempt {event.attempt}" if kind == "retry_scheduled" else "scheduled wait"
            row.bars.append(_Bar(at, due, "wait", what))
        if kind in _MARKS:
            if kind == "branch_canceled" and key in open_bars:
                bar = open_bars.pop(key)
                bar.end, bar.kind = at, "canceled"
            detail = f" ({event.detail})" if event.detail is not None else ""
            row.marks.append((at, kind, _MARKS[kind][2] + detail))
    counts: dict[str, int] = {}
    for row in rows.values():
        counts[row.name] = counts.get(row.name, 0) + 1
    numbers: dict[str, int] = {}
    for row in rows.values():
        if counts[row.name] > 1:
            numbers[row.name] = numbers.get(row.name, 0) + 1
            row.name += f" ({numbers[row.name]})"
    return list(rows.values()), end


def _row_name(node: Any) -> str:
    """A node's label; else `fork <joinNodeId>` or `join <joinNodeId>` for a fork or join; else its address."""
    label: str | None = getattr(node, "label", None)
    if label:
        return label
    kind, join_node_id = getattr(node, "kind", None), getattr(node, "join_node_id", None)
    if kind in (FORK, JOIN) and join_node_id:
        return f"{'fork' if kind == FORK else 'join'} {join_node_id}"
    address: str = node.address
    return address


def _step(span: int) -> int:
    for step in _NICE_STEPS:
        if span / step <= _MAX_TICKS:
            return step
    weeks = _NICE_STEPS[-1]
    return weeks * -(-span // (weeks * _MAX_TICKS))


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _seconds(ms: int) -> str:
    text = f"{ms / 1000:.3f}".rstrip("0").rstrip(".")
    return f"{text} s"


def _interval(step: int) -> str:
    for unit, size in (("week", 604_800_000), ("day", 86_400_000), ("hour", 3_600_000), ("minute", 60_000),
                       ("second", 1000)):  # fmt: skip
        if step % size == 0:
            return f"{step // size}{unit}"
    return f"{step}millisecond"


def _summary(result: SimulationResult, end: int) -> str:
    text = f"outcome: {result.outcome} after {_seconds(end)}"
    return text + (f" ({result.error.code})" if result.error is not None else "")


# -- Mermaid -------------------------------------------------------------------------------------------------------


def _gantt_text(text: str) -> str:
    """`text` as Mermaid gantt reads a section or task name (no `:`, `;`, `#` or line break)."""
    cleaned = text.replace("waygrid://", "").replace(":", " -").replace(";", ",").replace("#", "no.").replace("\n", " ")
    return cleaned.strip() or "-"


def timeline_mermaid(result: SimulationResult) -> str:
    """The timeline as a Mermaid `gantt` (dateFormat x: milliseconds since the start)."""
    rows, end = _rows(result)
    step = _step(max(end, 1))
    axis = "%S.%L s" if step < 1000 else "%s s"
    title = _summary(result, end).replace(";", ",").replace("#", "no.")
    lines = [_MERMAID_THEME, "gantt", f"  title {title}", "  dateFormat x",
             f"  axisFormat {axis}", f"  tickInterval {_interval(step)}"]  # fmt: skip
    number = 0
    for row in rows:
        lines.append(f"  section {_gantt_text(row.name)}")
        items = [(bar.start, _bar_name(bar), _BARS[bar.kind][2], end if bar.end is None else bar.end)
                 for bar in row.bars]  # fmt: skip
        items.extend((at, text, "milestone", at) for at, _, text in row.marks)
        for start, name, tag, stop in sorted(items, key=lambda item: item[0]):
            tags = [tag] if tag else []
            if stop <= start and "milestone" not in tags:
                tags.append("milestone")
            lines.append(f"    {_gantt_text(name)} :{', '.join([*tags, f't{number}'])}, {start}, {max(stop, start)}")
            number += 1
    return "\n".join(lines) + "\n"


def _bar_name(bar: _Bar) -> str:
    if bar.kind == "wait":
        return bar.text
    attempt, _, detail = bar.text.partition(": ")
    return f"{attempt} {_BARS[bar.kind][3]}" + (f" - {detail[:40]}" if detail else "")


# -- DOT -----------------------------------------------------------------------------------------------------------


def _box(name: str, x: float, y: float, width: float, height: float, attributes: str) -> str:
    return (f'  {name} [pos="{x:.1f},{y:.1f}!", width={width / 72:.4f}, height={height / 72:.4f}, '
            f"{attributes}];")  # fmt: skip


def timeline_dot(result: SimulationResult) -> str:
    """The timeline as DOT with every box pinned (`pos` in points), for `neato` or `neato -n2`."""
    rows, end = _rows(result)
    step = _step(max(end, 1))
    span = step * max(-(-end // step), 1)
    names = max((len(_short(row.name, _NAME_MAX)) for row in rows), default=4)
    left = min(max(names * _CHAR + 16.0, 80.0), 320.0)
    top = _AXIS + _ROW * len(rows)
    scale = _PLOT_WIDTH / span

    def x_of(ms: int) -> float:
        return left + ms * scale

    lines = ["digraph timeline {",
             '  graph [layout=neato, inputscale=72, splines=false, pad=0.2, fontname="Helvetica"];',
             '  node [fontname="Helvetica", fontsize=10, fixedsize=true, label="", penwidth=0.8];',
             _box("title", left + _PLOT_WIDTH / 2, top + _TITLE / 2, _PLOT_WIDTH, _TITLE,
                  f"shape=plaintext, fontsize=12, label={dot_id(_summary(result, end))}")]  # fmt: skip
    for index, row in enumerate(rows):
        y = top - _ROW * (index + 0.5)
        if index % 2 == 0:
            lines.append(_box(f"band{index}", left + _PLOT_WIDTH / 2, y, _PLOT_WIDTH + 8, _ROW,
                              'shape=box, style=filled, fillcolor="#f8f9fa", color="#f8f9fa"'))  # fmt: skip
        name = dot_id(_short(row.name, _NAME_MAX))[:-1] + '\\r"'
        lines.append(_box(f"row{index}", left / 2 - 4, y, left - 8, _ROW,
                          f"shape=plaintext, label={name}, tooltip={dot_id(row.name)}"))  # fmt: skip
    tick = 0
    while tick <= span:
        x = x_of(tick)
        lines.append(_box(f"grid{tick}", x, _AXIS + _ROW * len(rows) / 2, 0.5, _ROW * len(rows),
                          'shape=box, style=filled, fillcolor="#dee2e6", color="#dee2e6", penwidth=0'))  # fmt: skip
        lines.append(_box(f"tick{tick}", x, _AXIS - 14, 96, 14, f"shape=plaintext, label={dot_id(_seconds(tick))}"))
        tick += step
    lines.append(_box("axis", left + _PLOT_WIDTH / 2, _AXIS - 2, _PLOT_WIDTH, 1, 'shape=box, style=filled, '
                      'fillcolor="#495057", color="#495057", penwidth=0'))  # fmt: skip
    for index, row in enumerate(rows):
        y = top - _ROW * (index + 0.5)
        for number, bar in enumerate(row.bars):
            stop = end if bar.end is None else bar.end
            width = max((stop - bar.start) * scale, 3.0)
            fill, border, _, _ = _BARS[bar.kind]
            style = "filled" if bar.kind != "hung" else "filled,dashed"
            if bar.kind == "wait" and width >= 12:
                style, fill = "striped", ":".join(["#dee2e6", "#ffffff"] * min(int(width // 12), 30))
            tooltip = dot_id(f"{row.name}: {_bar_name(bar)} (+{_seconds(bar.start)} to +{_seconds(stop)})")
            lines.append(_box(f"bar{index}_{number}", x_of(bar.start) + width / 2, y, width,
                              _BAR if bar.kind != "wait" else _BAR - 4,
                              f'shape=box, style="{style}", fillcolor="{fill}", color="{border}", '
                              f"tooltip={tooltip}"))  # fmt: skip
        for number, (at, kind, text) in enumerate(row.marks):
            shape, colour, _ = _MARKS[kind]
            lines.append(_box(f"mark{index}_{number}", x_of(at), y, _MARK, _MARK,
                              f'shape={shape}, style=filled, fillcolor="{colour}", color="#212529", '
                              f"tooltip={dot_id(f'{row.name}: {text} at +{_seconds(at)}')}"))  # fmt: skip
    lines.append("}")
    return "\n".join(lines) + "\n"


# -- rendering -----------------------------------------------------------------------------------------------------


@overload
def render_timeline(result: SimulationResult, fmt: Literal["mermaid", "dot"]) -> str: ...
@overload
def render_timeline(result: SimulationResult, fmt: Literal["svg", "png"] = ...) -> bytes: ...
@overload
def render_timeline(result: SimulationResult, fmt: str) -> str | bytes: ...
def render_timeline(result: SimulationResult, fmt: str = "svg") -> str | bytes:
    """The timeline picture: Mermaid or DOT text (str), or SVG or PNG drawn by Graphviz's `neato` (bytes; raises
    `sdkcore.graphviz.GraphvizNotFoundError` when Graphviz is not installed)."""
    if fmt == "mermaid":
        return timeline_mermaid(result)
    if fmt == "dot":
        return timeline_dot(result)
    if fmt in PICTURE_FORMATS:
        return run_graphviz(timeline_dot(result), "svg" if fmt == "svg" else "png", program="neato")
    raise ValueError(f"fmt must be one of {', '.join(TIMELINE_FORMATS)}, got {fmt!r}")
