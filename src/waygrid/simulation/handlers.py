"""Ready-made handlers for `waygrid.simulate`: succeed, fail (a number of times), hang, or a sequence."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from waygrid.simulation.engine import Call, Handler, ScriptedFailureError

__all__ = ["ScriptedFailureError", "fail", "hang", "sequence", "succeed"]


def _delay(after: timedelta | None) -> timedelta | None:
    if after is not None and (not isinstance(after, timedelta) or after < timedelta(0)):
        raise ValueError(f"after must be a non-negative timedelta, got {after!r}")
    return after


def succeed(output: Any = None, *, after: timedelta | None = None) -> Handler:
    """Reply success with `output`, `after` the call (at once by default)."""
    delay = _delay(after)

    def handler(call: Call) -> Any:
        if delay is not None:
            call.sleep(delay)
        return output

    return handler


def fail(times: int | None = None, *, after: timedelta | None = None, error: str = "scripted failure") -> Handler:
    """Reply failure on the first `times` attempts of each node (every attempt when None), success after."""
    if times is not None and (isinstance(times, bool) or not isinstance(times, int) or times < 0):
        raise ValueError(f"times must be a non-negative int or None, got {times!r}")
    delay = _delay(after)

    def handler(call: Call) -> None:
        if delay is not None:
            call.sleep(delay)
        if times is None or call.attempt <= times:
            raise ScriptedFailureError(error)

    return handler


def hang() -> Handler:
    """Never reply."""

    def handler(call: Call) -> None:
        call.hang()

    return handler


def sequence(*steps: Handler) -> Handler:
    """Attempt k of a node runs `steps[k-1]`; attempts past the end run the last step."""
    if not steps:
        raise ValueError("sequence needs at least one step")
    for index, step in enumerate(steps):
        if not callable(step):
            raise TypeError(f"sequence step {index} must be a handler (succeed(), fail(), ...), got {step!r}")

    def handler(call: Call) -> Any:
        return steps[min(call.attempt, len(steps)) - 1](call)

    return handler
