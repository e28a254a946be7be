"""What `StateManager.wait_for_run` returns, and how a run's status follows from the statuses of its states.

The status rule is the state manager's own (its runs route): PENDING while any state is CREATED, QUEUED or
EXECUTED, else FAILED if any is ERRORED or NEXT_CREATED_ERROR, else SUCCESS; a run without states is FAILED.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal, overload

import msgspec

from exosphere_api.models.observation import GraphStructureResponse, RunGraphNode, RunStatus
from exosphere_api.models.runtime import StateStatus
from exospherehost.errors import ExosphereError

__all__ = ["ERRORED", "PENDING", "RunResult", "RunStatus", "RunTimeoutError", "StateStatus", "run_status"]

PENDING = frozenset({StateStatus.CREATED, StateStatus.QUEUED, StateStatus.EXECUTED})
"""States that have not finished: the run is still going while one of them exists."""
ERRORED = frozenset({StateStatus.ERRORED, StateStatus.NEXT_CREATED_ERROR})
"""States that failed for good (a state replaced by a retry is RETRY_CREATED, not errored)."""


def run_status(statuses: Iterable[StateStatus]) -> RunStatus:
    """The run's status from its states' statuses, as the state manager's runs route computes it."""
    seen = set(statuses)
    if seen & PENDING:
        return RunStatus.PENDING
    if not seen or seen & ERRORED:
        return RunStatus.FAILED
    return RunStatus.SUCCESS


class RunResult(msgspec.Struct, frozen=True, kw_only=True):
    """A finished run (no state CREATED, QUEUED or EXECUTED any more).

    `status` is SUCCESS or FAILED (see `run_status`); `states` holds every state of the run in the order the state
    manager lists them, with its status and error; `outputs` maps each graph node identifier to the outputs of
    its SUCCESS states, one dict per state (a fan-out gives several), in the same order.
    """

    graph_name: str
    run_id: str
    status: RunStatus
    states: list[RunGraphNode]
    outputs: dict[str, list[dict[str, Any]]]

    def errors(self) -> dict[str, list[str]]:
        """The error text of every ERRORED or NEXT_CREATED_ERROR state, by node identifier."""
        found: dict[str, list[str]] = {}
        for state in self.states:
            if state.status in ERRORED:
                found.setdefault(state.identifier, []).append(state.error or "")
        return found

    def to_mermaid(self, run_graph: GraphStructureResponse | None = None) -> str:
        """The run as a Mermaid flowchart, each state filled with its status colour: with `run_graph` (what
        `get_run_graph(run_id)` answers) along its parent-to-child edges, else grouped by node identifier."""
        from exospherehost.rendering import run_mermaid

        return run_mermaid(self if run_graph is None else run_graph)

    def to_dot(self, run_graph: GraphStructureResponse | None = None) -> str:
        """The run as Graphviz DOT (see `to_mermaid`)."""
        from exospherehost.rendering import run_dot

        return run_dot(self if run_graph is None else run_graph)

    @overload
    def render(self, fmt: Literal["mermaid", "dot"], run_graph: GraphStructureResponse | None = None) -> str: ...
    @overload
    def render(self, fmt: Literal["svg", "png"], run_graph: GraphStructureResponse | None = None) -> bytes: ...
    @overload
    def render(self, fmt: str, run_graph: GraphStructureResponse | None = None) -> str | bytes: ...
    def render(self, fmt: str, run_graph: GraphStructureResponse | None = None) -> str | bytes:
        """The run as mermaid or dot text, or svg or png bytes (Graphviz's `dot` on PATH); see `to_mermaid`."""
        from exospherehost.rendering import render_run

        return render_run(self if run_graph is None else run_graph, fmt)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        """What a notebook shows: the states as SVG with Graphviz installed, else as Mermaid markdown."""
        from exospherehost.rendering import run_mimebundle

        text = f"RunResult({self.graph_name!r}, run {self.run_id}: {self.status.value}, {len(self.states)} states)"
        return run_mimebundle(self, text)


class RunTimeoutError(ExosphereError, TimeoutError):
    """The run still had unfinished states when `wait_for_run`'s `timeout` ran out."""

    def __init__(self, message: str, *, run_id: str, pending: int) -> None:
        super().__init__(message)
        self.run_id = run_id
        self.pending = pending
