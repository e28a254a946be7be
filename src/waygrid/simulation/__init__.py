"""Run a traversal before submitting it: the router's state machine (`TraversalFSM`, router c785f04) ported
faithfully, driven by an executor on a virtual clock.

    result = waygrid.simulate(spec, {"waygrid://processor/flaky": waygrid.simulation.fail(times=2)})
    result.outcome        # "completed", "failed", "error" or "stalled"
    print(result)         # the timeline

See the README, "Simulating a traversal", for what is the router's behaviour and what is the executor's choice.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from waygrid.simulation.dag import compile_spec
from waygrid.simulation.engine import Call, Handler, SimulationLimitError, Traversal
from waygrid.simulation.exploration import FINDING_KINDS, Exploration, Finding, explore
from waygrid.simulation.handlers import fail, hang, sequence, succeed
from waygrid.simulation.options import (
    BRANCH_FAILURES,
    DEFAULT_START,
    JOIN_TIMERS,
    BranchFailures,
    JoinTimers,
    check_handlers,
    choice,
    entry_node,
    flag,
    positive,
    start_ms,
)
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
    positive(max_steps, "max_steps")
    flag(json_conditions, "json_conditions")
    options: dict[str, Any] = {
        "branch_failures": choice(branch_failures, "branch_failures", BRANCH_FAILURES),
        "join_timers": choice(join_timers, "join_timers", JOIN_TIMERS),
        "json_conditions": json_conditions,
        "max_steps": max_steps,
    }
    checked = check_handlers(handlers)
    first_ms = start_ms(start)
    dag = compile_spec(spec, json_conditions=json_conditions)
    begin_at = entry_node(dag, entry)
    events: list[Event] = []
    outcomes: list[Outcome] = []
    error: SimulationError | None = None
    for run, run_start in enumerate(planned_starts(spec.repeat_policy, first_ms, runs), start=1):
        traversal = Traversal(dag, checked, start_ms=run_start, seed=seed + run - 1, run=run, **options)
        traversal.begin(begin_at)
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
