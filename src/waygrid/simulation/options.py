"""The arguments `simulate` and `explore` take, checked: each error names the argument and what it must be."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Literal

from waygrid.simulation.dag import Dag
from waygrid.simulation.engine import Handler

__all__ = ["BRANCH_FAILURES", "DEFAULT_START", "JOIN_TIMERS", "BranchFailures", "JoinTimers", "check_handlers",
           "choice", "entry_node", "flag", "positive", "start_ms"]  # fmt: skip

DEFAULT_START = datetime(2025, 1, 15, 10, 0, tzinfo=timezone.utc)
"""Where the virtual clock starts unless told: the `now` of the router's own FSM test suite."""

BranchFailures = Literal["traversal", "join"]
JoinTimers = Literal["drop", "keep"]
BRANCH_FAILURES = ("traversal", "join")
JOIN_TIMERS = ("drop", "keep")


def check_handlers(handlers: Mapping[str, Handler] | None) -> Mapping[str, Handler]:
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


def start_ms(start: datetime | None) -> int:
    if start is None:
        start = DEFAULT_START
    if not isinstance(start, datetime):
        raise TypeError(f"start must be a timezone-aware datetime, got {type(start).__name__}")
    if start.utcoffset() is None:
        raise ValueError("start must be a timezone-aware datetime (datetime(..., tzinfo=timezone.utc))")
    delta = start - datetime(1970, 1, 1, tzinfo=timezone.utc)
    return (delta.days * 86_400_000) + (delta.seconds * 1000) + delta.microseconds // 1000


def entry_node(dag: Dag, entry: int | None) -> int | None:
    if entry is None:
        return None
    if isinstance(entry, bool) or not isinstance(entry, int):
        raise TypeError(f"entry must be the index of an entry point (int), got {type(entry).__name__}")
    if not 0 <= entry < len(dag.entry_points):
        raise ValueError(f"entry must be between 0 and {len(dag.entry_points) - 1} (the spec's entry points), "
                         f"got {entry}")  # fmt: skip
    return dag.entry_points[entry]


def choice(value: str, name: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, allowed))}, got {value!r}")
    return value


def positive(value: int, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a positive int, got {value!r}")
    return value


def flag(value: bool, name: str) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be a bool, got {value!r}")
    return value
