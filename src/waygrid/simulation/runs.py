"""When the runs of a repeating spec start. Unverified: the router copies `repeatPolicy` into its DAG and never
reads it (c785f04), so these are the simulator's choices: `every` counts from the start of the previous run,
`RepeatTimes.time` is the total number of runs, a failed run does not stop the next, and each run is a fresh
traversal."""

from __future__ import annotations

from typing import Any

from waygrid_api.models.traversal_spec import NoRepeat, RepeatIndefinitely, RepeatTimes, RepeatUntil

__all__ = ["planned_starts"]


def planned_starts(policy: Any, first_ms: int, runs: int) -> list[int]:
    """The start (ms) of each run, at most `runs` of them."""
    if isinstance(runs, bool) or not isinstance(runs, int) or runs < 1:
        raise ValueError(f"runs must be a positive int, got {runs!r}")
    if isinstance(policy, NoRepeat) or runs == 1:
        return [first_ms]
    every = policy.every.nanoseconds // 1_000_000
    count = runs
    if isinstance(policy, RepeatTimes):
        count = min(runs, policy.time)
    starts = [first_ms + index * every for index in range(count)]
    if isinstance(policy, RepeatUntil):
        until = policy.until.epoch_nanoseconds // 1_000_000
        starts = [start for start in starts if start <= until] or [first_ms]
    elif not isinstance(policy, (RepeatIndefinitely, RepeatTimes)):
        raise TypeError(f"not a repeat policy: {policy!r}")
    return starts
