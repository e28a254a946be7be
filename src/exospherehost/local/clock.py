"""The local state manager's clock: every timestamp it writes (`created_at`, `updated_at`) and every
`enqueue_after` it sets or compares (trigger's `start_delay`, retry backoff, re-enqueue-after, enqueue's "due"
test) is read from one `Clock`.

`SystemClock` is the wall clock. `VirtualClock` stands still until a test moves it, so a one-hour retry backoff or
`start_delay` becomes due by `clock.advance(3600)` instead of an hour's wait:

    clock = VirtualClock(datetime(2030, 1, 1, tzinfo=timezone.utc))
    with LocalStateManager(MEMORY, clock=clock) as local:
        ...                                    # trigger with start_delay=3_600_000: nothing to enqueue yet
        clock.advance(3600)                    # now the root state is due
        due = local.next_due_ms("MyProject")   # or jump straight to the next due state
        if due is not None:
            clock.advance_to(from_ms(due))

Times are aware datetimes in UTC; the wire's millisecond numbers convert with `to_ms` and `from_ms`.
"""

from __future__ import annotations

import math
import threading
from datetime import datetime, timedelta, timezone
from typing import Protocol, runtime_checkable

__all__ = ["Clock", "SystemClock", "VirtualClock", "from_ms", "to_ms"]

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_MILLISECOND = timedelta(milliseconds=1)


@runtime_checkable
class Clock(Protocol):
    """What the local state manager reads the time from."""

    def now(self) -> datetime:
        """The current time, timezone-aware, in UTC."""
        ...


class SystemClock:
    """The wall clock."""

    def now(self) -> datetime:
        return datetime.now(timezone.utc)

    def __repr__(self) -> str:
        return "SystemClock()"


def _aware_utc(moment: datetime, name: str) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime, got the naive {moment.isoformat()}")
    return moment.astimezone(timezone.utc)


class VirtualClock:
    """A clock that moves only when told: `advance(seconds)` or `advance_to(moment)`, never backwards.
    `start` (timezone-aware) is the first reading; None: the wall clock's time when the clock is made.
    Safe to read and move from several threads."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = datetime.now(timezone.utc) if start is None else _aware_utc(start, "start")
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> datetime:
        """Move forward by `seconds` (0 allowed); returns the new time. ValueError for a negative or not finite
        amount."""
        if not math.isfinite(seconds):
            raise ValueError(f"seconds must be a finite number, got {seconds!r}")
        if seconds < 0:
            raise ValueError(f"a VirtualClock never goes backwards: seconds must be >= 0, got {seconds!r}")
        step = timedelta(seconds=seconds)
        with self._lock:
            self._now += step
            return self._now

    def advance_to(self, moment: datetime) -> datetime:
        """Move forward to `moment` (timezone-aware; the current time itself is allowed); returns it in UTC.
        ValueError when `moment` is naive or earlier than the current time."""
        target = _aware_utc(moment, "moment")
        with self._lock:
            if target < self._now:
                raise ValueError(f"a VirtualClock never goes backwards: {target.isoformat()} is before its current "
                                 f"time {self._now.isoformat()}")  # fmt: skip
            self._now = target
            return self._now

    def __repr__(self) -> str:
        return f"VirtualClock({self.now().isoformat()})"


def to_ms(moment: datetime) -> int:
    """Whole milliseconds since the Unix epoch (rounded down), as `enqueue_after` counts."""
    return (_aware_utc(moment, "moment") - EPOCH) // _MILLISECOND


def from_ms(milliseconds: int) -> datetime:
    """The aware UTC datetime of an `enqueue_after`-style millisecond count; `to_ms(from_ms(n)) == n`."""
    return EPOCH + timedelta(milliseconds=milliseconds)
