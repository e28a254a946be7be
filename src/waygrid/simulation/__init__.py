"""Run a traversal before submitting it: the router's state machine (`TraversalFSM`, router c785f04) ported
faithfully, driven by an executor on a virtual clock.

    result = waygrid.simulate(spec, {"waygrid://processor/flaky": waygrid.simulation.fail(times=2)})
    result.outcome        # "completed", "failed", "error" or "stalled"
    print(result)         # the timeline

See the README, "Simulating a traversal", for what is the router's behaviour and what is the executor's choice.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any, Literal

from waygrid.simulation.dag import Dag, compile_spec
from waygrid.simulation.engine import Call, Handler, SimulationLimitError, Traversal
from waygrid.simulation.exploration import FINDING_KINDS, Exploration, Finding, explore
from waygrid.simulation.handlers import fail, hang, sequence, succeed
from waygrid.simulation.result import EVENT_KINDS, Event, Outcome, SimulationError, SimulationResult
from waygrid.simulation.runs import planned_starts
from waygrid_api.models.traversal_spec import Spec

__all__ = [
    "DEFAULT_START",
    "EVENT_KINDS",
    "FINDING_KINDS",
    "Call",
    "Event",
    "Exploration",
    "Finding",
    "Handler",
    "Outcome",
    "SimulationError",
    "SimulationLimitError",
    "SimulationResult",
    "compile_spec",
    "explore",
    "fail",
    "hang",
    "sequence",
    "simulate",
    "succeed",
]

DEFAULT_START = datetime(2025, 1, 15, 10, 0, tzinfo=timezone.utc)
"""Where the virtual clock starts unless told: the `now` of the router's own FSM test suite."""

BranchFailures = Literal["traversal", "join"]
JoinTimers = Literal["drop", "keep"]
_BRANCH_FAILURES = ("traversal", "join")
_JOIN_TIMERS = ("drop", "keep")


def _handlers(handlers: Mapping[str, Handler] | None) -> Mapping[str, Handler]:
    if handlers is None:
        return {}
    if not isinstance(handlers, Mapping):
        raise TypeError(f"handlers must map node addresses to callables, got {type(handlers).__name__}")
    for address, handler in handlers.items():
        if not isinstance(address, str):
            raise TypeError(f"handlers: keys are node addresses (str), got {address!r}")
        if not callable(handler):
            raise TypeError(f"handlers[{address!r}] must be a callable taking the call, got {handler!r}")
    return handlers


def _start_ms(start: datetime | None) -> int:
    if start is None:
        start = DEFAULT_START
    if not isinstance(start, datetime):
        raise TypeError(f"start must be a timezone-aware datetime, got {type(start).__name__}")
    if start.utcoffset() is None:
        raise ValueError("start must be a timezone-aware datetime (datetime(..., tzinfo=timezone.utc))")
    delta = start - datetime(1970, 1, 1, tzinfo=timezone.utc)
    return (delta.days * 86_400_000) + (delta.seconds * 1000) + delta.microseconds // 1000


def _entry(dag: Dag, entry: int | None) -> int | None:
    if entry is None:
        return None
    if isinstance(entry, bool) or not isinstance(entry, int):
        raise TypeError(f"entry must be the index of an entry point (int), got {type(entry).__name__}")
    if not 0 <= entry < len(dag.entry_points):
        raise ValueError(f"entry must be between 0 and {len(dag.entry_points) - 1} (the spec's entry points), "
                         f"got {entry}")  # fmt: skip
    return dag.entry_points[entry]


def _choice(value: str, name: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, allowed))}, got {value!r}")
    return value


def simulate(
    spec: Spec,
    handlers: Mapping[str, Handler] | None = None,
    *,
    start: datetime | None = None,
    seed: int = 0,
    entry: int | None = None,
    branch_failures: BranchFailures = "traversal",
    join_timers: JoinTimers = "drop",
    json_conditions: bool = False,
    runs: int = 1,
    max_steps: int = 1_000_000,
) -> SimulationResult:
    """Simulate `spec` as the router would run it, on a virtual clock starting at `start`.

    `handlers` maps a node address to a callable taking the `Call`: returning is success (the value is the
    node's output), raising is failure; `call.sleep(timedelta)` delays the reply, `call.hang()` withholds it.
    Addresses without a handler succeed at once. `entry` picks the entry point by index (the router starts only
    the first). `seed` drives the random retry delays (FullJitter, DecorrelatedJitter).

    Executor choices: `branch_failures="traversal"` is the router's FSM (a branch node failing for good fails the
    whole traversal); `"join"` reports it to the join instead, as the router's docs intend. `join_timers="drop"`
    disarms a join's timeout once the join has completed or failed; `"keep"` lets it fire as the router's FSM
    would. `json_conditions=True` evaluates JsonExists/JsonEquals against the output (the documented semantics;
    today's router refuses such specs). `runs` > 1 repeats a spec with a repeat policy (unverified: the router
    does not implement repeats). Raises SpecValidationError for a spec the router would refuse, and
    SimulationLimitError after `max_steps` signals."""
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise TypeError(f"seed must be an int, got {type(seed).__name__}")
    if isinstance(max_steps, bool) or not isinstance(max_steps, int) or max_steps < 1:
        raise ValueError(f"max_steps must be a positive int, got {max_steps!r}")
    if isinstance(json_conditions, bool) is False:
        raise TypeError(f"json_conditions must be a bool, got {json_conditions!r}")
    options: dict[str, Any] = {
        "branch_failures": _choice(branch_failures, "branch_failures", _BRANCH_FAILURES),
        "join_timers": _choice(join_timers, "join_timers", _JOIN_TIMERS),
        "json_conditions": json_conditions,
        "max_steps": max_steps,
    }
    checked = _handlers(handlers)
    first_ms = _start_ms(start)
    dag = compile_spec(spec, json_conditions=json_conditions)
    entry_node = _entry(dag, entry)
    events: list[Event] = []
    outcomes: list[Outcome] = []
    error: SimulationError | None = None
    for run, start_ms in enumerate(planned_starts(spec.repeat_policy, first_ms, runs), start=1):
        traversal = Traversal(dag, checked, start_ms=start_ms, seed=seed + run - 1, run=run, **options)
        traversal.begin(entry_node)
        traversal.run_to_end()
        assert traversal.outcome is not None
        events.extend(traversal.events)
        outcomes.append(traversal.outcome)
        error = error or traversal.error
    if len(outcomes) > 1:
        events.sort(key=lambda event: event.at_ms)
    failures: list[Outcome] = [outcome for outcome in outcomes if outcome != "completed"]
    outcome: Outcome = failures[0] if failures else "completed"
    return SimulationResult(outcome, events, error, first_ms, outcomes)
