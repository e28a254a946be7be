"""When the runs of a repeating spec start. Unverified: the router copies `repeatPolicy` into its DAG and never
reads it (c785f04), so these are the simulator's choices: `every` counts from the start of the previous run,
`RepeatTimes.time` is the total number of runs, a failed run does not stop the next, and each run is a fresh
traversal."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from waygrid_api.models.traversal_spec import NoRepeat, RepeatIndefinitely, RepeatTimes, RepeatUntil

__all__ = ["planned_starts"]


def planned_starts(policy: Any, first_ms: int, runs: int) -> Iterator[int]:
    """The start (ms) of each run, at most `runs` of them, one at a time."""
    if isinstance(runs, bool) or not isinstance(runs, int) or runs < 1:
        raise ValueError(f"runs must be a positive int, got {runs!r}")
    if not isinstance(policy, (NoRepeat, RepeatIndefinitely, RepeatTimes, RepeatUntil)):
        raise TypeError(f"not a repeat policy: {policy!r}")
    return _starts(policy, first_ms, runs)


def _starts(policy: Any, first_ms: int, runs: int) -> Iterator[int]:
    yield first_ms
    if isinstance(policy, NoRepeat):
        return
    every = policy.every.nanoseconds // 1_000_000
    count = min(runs, policy.time) if isinstance(policy, RepeatTimes) else runs
    until = policy.until.epoch_nanoseconds // 1_000_000 if isinstance(policy, RepeatUntil) else None
    for index in range(1, count):
        start = first_ms + index * every
        if until is not None and start > until:
            return
        yield start
