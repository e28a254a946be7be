"""When a failed try is tried again, and after how long: the one retry rule both SDKs share."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sdkcore.settings import check_retries, check_seconds

if TYPE_CHECKING:
    import random

RETRYABLE_STATUS = frozenset({408, 409, 429})
"""Statuses retried besides every status >= 500."""


def is_retryable_status(status_code: int) -> bool:
    """408, 409, 429 and every 5xx are worth another try; other statuses are the caller's to fix."""
    return status_code in RETRYABLE_STATUS or status_code >= 500


@dataclass(frozen=True)
class RetryConfig:
    """How often and how patiently a request is retried.

    Try n (n = 1 for the first retry) waits `min(initial_delay * 2 ** (n - 1), max_delay)`, shortened by a random
    share of up to `jitter` of itself, unless the server said how long to wait (`Retry-After` / `retry-after-ms`):
    a wait of at most `max_retry_after` seconds is honoured exactly, a longer one ends the retries.
    """

    max_retries: int = 2
    initial_delay: float = 0.5
    max_delay: float = 8.0
    jitter: float = 0.25
    max_retry_after: float = 60.0

    def __post_init__(self) -> None:
        check_retries(self.max_retries)
        for name in ("initial_delay", "max_delay", "max_retry_after"):
            check_seconds(name, getattr(self, name))
        if not 0 <= self.jitter <= 1:
            raise ValueError(f"jitter must be a fraction between 0 and 1, got {self.jitter!r}")


def retry_delay(retry: int, config: RetryConfig, rng: random.Random, retry_after: float | None = None) -> float | None:
    """Seconds to wait before retry number `retry` (1-based), or None when the server asks for more than the cap."""
    if retry_after is not None:
        return retry_after if retry_after <= config.max_retry_after else None
    return backoff(retry, config, rng)


def backoff(retry: int, config: RetryConfig, rng: random.Random | None = None) -> float:
    """The config's own wait before retry number `retry` (1-based): doubling from `initial_delay` up to
    `max_delay`, shortened by a random share (from `rng`, which a config with `jitter` needs) of up to `jitter`."""
    wait = min(config.initial_delay * 2.0 ** min(retry - 1, 64), config.max_delay)
    if not config.jitter:
        return wait
    if rng is None:
        raise ValueError("a backoff with jitter needs rng, the source of its random share")
    return wait * (1 - config.jitter * rng.random())


def parse_retry_after(headers: Mapping[str, str], now: float) -> float | None:
    """The wait the server asked for, in seconds: `retry-after-ms`, else `Retry-After` as seconds or an HTTP date.

    `now` is the current Unix time, used for dates. Unreadable or negative values count as not given; a date in
    the past means no wait.
    """
    milliseconds = _number(headers.get("retry-after-ms"))
    if milliseconds is not None:
        return milliseconds / 1000
    value = headers.get("retry-after")
    if value is None:
        return None
    seconds = _number(value)
    if seconds is not None:
        return seconds
    from email.utils import parsedate_to_datetime

    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:
        return None
    return max(0.0, moment.timestamp() - now)


def _number(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        number = float(value.strip())
    except ValueError:
        return None
    return number if math.isfinite(number) and number >= 0 else None
