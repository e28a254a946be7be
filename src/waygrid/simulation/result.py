"""What a simulation gives back: its events in time order, its outcome, and a readable timeline."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any, Literal, overload

__all__ = ["EVENT_KINDS", "Event", "Outcome", "SimulationError", "SimulationResult"]

Outcome = Literal["completed", "failed", "error", "stalled"]

EVENT_KINDS = (
    "dispatched",  # a node's service is called (attempt 1, then each retry)
    "succeeded",  # its reply: success (`output` is what the handler returned)
    "failed",  # its reply: failure (`detail` is the error)
    "retry_scheduled",  # the router schedules the retry `attempt` for `due`
    "scheduled",  # a node with a ScheduleAfter/ScheduleAt delivery waits until `due`
    "forked",  # a fork starts its branches (`detail`: their names)
    "join_reached",  # a branch arrives at its join (`detail`: the branch name)
    "branch_failed",  # a branch failure reported to its join (branch_failures="join")
    "branch_canceled",  # a join cancels a branch (`detail`: the branch name)
    "join_completed",  # the join's strategy is met
    "join_failed",  # the join's strategy can no longer be met
    "join_timed_out",  # the join's timeout passed
    "completed",  # the traversal completed
    "traversal_failed",  # the traversal failed
    "error",  # the router's state machine returned an error (`detail`)
)

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def to_datetime(millis: int) -> datetime:
    return _EPOCH + timedelta(milliseconds=millis)


class Event:
    """One thing that happened: `at` (an aware UTC datetime), `kind` (see EVENT_KINDS), the node's `address`,
    `label` and spec `path` (None for traversal events), `attempt` (from 1) where it applies, `due` for what is
    scheduled, `detail` (an error, a branch name) and `output` (a success's return value)."""

    __slots__ = ("at_ms", "attempt", "detail", "due_ms", "kind", "node", "output", "run")

    def __init__(self, at_ms: int, kind: str, node: Any = None, attempt: int | None = None,
                 due_ms: int | None = None, detail: Any = None, output: Any = None, run: int = 1) -> None:  # fmt: skip
        self.at_ms = at_ms
        self.kind = kind
        self.node = node
        self.attempt = attempt
        self.due_ms = due_ms
        self.detail = detail
        self.output = output
        self.run = run

    @property
    def address(self) -> str | None:
        return None if self.node is None else self.node.address

    @property
    def label(self) -> str | None:
        return None if self.node is None else self.node.label

    @property
    def path(self) -> str | None:
        return None if self.node is None else self.node.path

    @property
    def at(self) -> datetime:
        return to_datetime(self.at_ms)

    @property
    def due(self) -> datetime | None:
        return None if self.due_ms is None else to_datetime(self.due_ms)

    def to_dict(self) -> dict[str, Any]:
        """The event as JSON-ready values (times as ISO 8601 UTC with milliseconds)."""
        result: dict[str, Any] = {"at": _iso(self.at_ms), "kind": self.kind}
        for name in ("address", "path", "label", "attempt"):
            value = getattr(self, name)
            if value is not None:
                result[name] = value
        if self.due_ms is not None:
            result["due"] = _iso(self.due_ms)
        if self.detail is not None:
            result["detail"] = self.detail
        if self.run != 1:
            result["run"] = self.run
        return result

    def __repr__(self) -> str:
        where = f" {self.address}" if self.address else ""
        attempt = f" attempt={self.attempt}" if self.attempt is not None else ""
        return f"Event({_iso(self.at_ms)} {self.kind}{where}{attempt})"


def _iso(millis: int) -> str:
    return to_datetime(millis).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class SimulationError:
    """The router's state machine refused a signal: `code` is its error type (InvalidNodeState, ...), `message`
    says why, and `path`/`address` name the node it concerns (None when it concerns none)."""

    __slots__ = ("address", "code", "message", "path")

    def __init__(self, code: str, message: str, node: Any = None) -> None:
        self.code = code
        self.message = message
        self.path: str | None = None if node is None else node.path
        self.address: str | None = None if node is None else node.address

    def __str__(self) -> str:
        where = f" at {self.path} ({self.address})" if self.path else ""
        return f"{self.code}{where}: {self.message}"

    def __repr__(self) -> str:
        return f"SimulationError({self})"


class SimulationResult:
    """The outcome of a simulated traversal and everything that happened, in time order (ties in the order the
    router processed them)."""

    __slots__ = ("error", "events", "outcome", "run_outcomes", "started_ms")

    def __init__(self, outcome: Outcome, events: list[Event], error: SimulationError | None, started_ms: int,
                 run_outcomes: list[Outcome]) -> None:  # fmt: skip
        self.outcome: Outcome = outcome
        self.events = events
        self.error = error
        self.started_ms = started_ms
        self.run_outcomes = run_outcomes

    @property
    def started_at(self) -> datetime:
        return to_datetime(self.started_ms)

    @property
    def ended_at(self) -> datetime:
        """When the last event happened (the start when there was none)."""
        return to_datetime(self.events[-1].at_ms if self.events else self.started_ms)

    @property
    def duration(self) -> timedelta:
        return self.ended_at - self.started_at

    def __iter__(self) -> Iterator[Event]:
        return iter(self.events)

    def of_kind(self, *kinds: str) -> list[Event]:
        """The events of the given kinds, in order."""
        return [event for event in self.events if event.kind in kinds]

    def attempts(self, address: str) -> int:
        """How many times the node(s) at `address` were dispatched."""
        return sum(1 for event in self.events if event.kind == "dispatched" and event.address == address)

    def to_dict(self) -> dict[str, Any]:
        result: dict[str, Any] = {"outcome": self.outcome, "startedAt": _iso(self.started_ms),
                                  "events": [event.to_dict() for event in self.events]}  # fmt: skip
        if self.error is not None:
            result["error"] = {"code": self.error.code, "message": self.error.message, "path": self.error.path,
                               "address": self.error.address}  # fmt: skip
        return result

    def timeline(self) -> str:
        """The events as a table: time since the start, kind, node, and what else the event says."""
        rows = [("time", "event", "node", "")]
        for event in self.events:
            offset = (event.at_ms - self.started_ms) / 1000
            node = event.label or event.address or ""
            notes: list[str] = []
            if event.run != 1:
                notes.append(f"run {event.run}")
            if event.attempt is not None:
                notes.append(f"attempt {event.attempt}")
            if event.due_ms is not None:
                notes.append(f"due +{(event.due_ms - self.started_ms) / 1000:.3f}s")
            if event.detail is not None:
                notes.append(str(event.detail))
            rows.append((f"+{offset:.3f}s", event.kind, node, ", ".join(notes)))
        widths = [max(len(row[column]) for row in rows) for column in range(3)]
        lines = ["  ".join(cell.ljust(width) for cell, width in zip(row[:3], widths, strict=True)) + "  " + row[3]
                 for row in rows]  # fmt: skip
        summary = f"outcome: {self.outcome}"
        if self.error is not None:
            summary += f" ({self.error})"
        return "\n".join(line.rstrip() for line in lines) + "\n" + summary

    def to_mermaid(self) -> str:
        """The timeline picture as a Mermaid gantt chart (see `waygrid.simulation.picture`)."""
        from waygrid.simulation.picture import timeline_mermaid

        return timeline_mermaid(self)

    @overload
    def render(self, fmt: Literal["mermaid", "dot"]) -> str: ...
    @overload
    def render(self, fmt: Literal["svg", "png"] = ...) -> bytes: ...
    @overload
    def render(self, fmt: str) -> str | bytes: ...
    def render(self, fmt: str = "svg") -> str | bytes:
        """The timeline picture: `mermaid` or `dot` text, or `svg` or `png` bytes drawn by Graphviz's `neato`
        (which must be installed: `sdkcore.graphviz.GraphvizNotFoundError` says how)."""
        from waygrid.simulation.picture import render_timeline

        return render_timeline(self, fmt)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        """What a notebook shows: the timeline picture as SVG when Graphviz is installed, else as Mermaid markdown."""
        from sdkcore.graphviz import mimebundle
        from waygrid.simulation.picture import timeline_dot, timeline_mermaid

        return mimebundle(timeline_dot(self), timeline_mermaid(self), self.timeline(), program="neato")

    def __str__(self) -> str:
        return self.timeline()

    def __repr__(self) -> str:
        return f"SimulationResult(outcome={self.outcome!r}, events={len(self.events)})"
