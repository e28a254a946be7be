"""Checks for the arguments of the builder calls: each failure names the argument and the rule it breaks."""

from __future__ import annotations

from datetime import datetime, timedelta

from waygrid_api.duration import Duration
from waygrid_api.timestamp import Timestamp

INT32_MAX = 2**31 - 1
INT64_MAX = 2**63 - 1


def duration(value: timedelta | Duration | str, name: str) -> Duration:
    """A `timedelta`, a `Duration` or the server's duration text (`"5s"`), as a Duration; never negative."""
    if isinstance(value, Duration):
        return value
    if isinstance(value, timedelta):
        if value < timedelta(0):
            raise ValueError(f"{name} must not be negative, got {value!r}")
        return Duration.from_timedelta(value)
    if isinstance(value, str):
        try:
            return Duration.parse(value)
        except ValueError as error:
            raise ValueError(f"{name}: {error}") from None
    raise TypeError(f"{name} must be a timedelta, got {type(value).__name__}")


def timestamp(value: datetime | Timestamp, name: str) -> Timestamp:
    """A timezone-aware `datetime` (or a Timestamp) as a Timestamp; a naive datetime is refused."""
    if isinstance(value, Timestamp):
        return value
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"{name} must be timezone-aware (for example tzinfo=timezone.utc), got {value!r}")
        return Timestamp.from_datetime(value)
    raise TypeError(f"{name} must be a datetime, got {type(value).__name__}")


def integer(value: int, name: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    if not low <= value <= high:
        raise ValueError(f"{name} must be between {low} and {high}, got {value}")
    return value


def text(value: str, name: str) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, got {type(value).__name__}")
    return value
