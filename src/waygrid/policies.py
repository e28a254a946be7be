"""Retry, delivery and repeat policies and join strategies: factories that return the generated wire Structs."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import ClassVar

from waygrid import _arguments as check
from waygrid_api.duration import Duration
from waygrid_api.models.traversal_spec import (
    AndJoin,
    BoundedExponentialRetry,
    DecorrelatedJitterRetry,
    ExponentialRetry,
    FibonacciRetry,
    FullJitterRetry,
    ImmediateDelivery,
    LinearRetry,
    NoRepeat,
    NoRetry,
    OrJoin,
    PolynomialRetry,
    QuorumJoin,
    RepeatIndefinitely,
    RepeatTimes,
    RepeatUntil,
    ScheduleAfterDelivery,
    ScheduleAtDelivery,
)
from waygrid_api.models.traversal_spec import DeliveryStrategy as DeliveryStrategyStruct
from waygrid_api.models.traversal_spec import JoinStrategy as JoinStrategyStruct
from waygrid_api.models.traversal_spec import RepeatPolicy as RepeatPolicyStruct
from waygrid_api.models.traversal_spec import RetryPolicy as RetryPolicyStruct
from waygrid_api.timestamp import Timestamp

DurationLike = timedelta | Duration | str
TimeLike = datetime | Timestamp

# The seed's dataclass names for two of the policies.
LinearRetryPolicy = LinearRetry
ExponentialRetryPolicy = ExponentialRetry

_MAX_RETRIES = "max_retries"


def _retries(value: int) -> int:
    return check.integer(value, _MAX_RETRIES, 0, check.INT32_MAX)


class RetryPolicy:
    """How the router retries a node that fails. Delay before retry n: see each factory."""

    NONE: ClassVar[NoRetry] = NoRetry()

    @staticmethod
    def linear(base: DurationLike, max_retries: int) -> LinearRetry:
        """The same `base` delay before every retry."""
        return LinearRetry(base=check.duration(base, "base"), max_retries=_retries(max_retries))

    @staticmethod
    def exponential(base: DurationLike, max_retries: int) -> ExponentialRetry:
        """base * 2^(n-1): 1s, 2s, 4s, ..."""
        return ExponentialRetry(base=check.duration(base, "base"), max_retries=_retries(max_retries))

    @staticmethod
    def bounded_exponential(base: DurationLike, cap: DurationLike, max_retries: int) -> BoundedExponentialRetry:
        """min(base * 2^(n-1), cap)."""
        low, high = check.duration(base, "base"), check.duration(cap, "cap")
        if high.nanoseconds < low.nanoseconds:
            raise ValueError(f"cap must be at least base, got cap={high} < base={low}")
        return BoundedExponentialRetry(base=low, cap=high, max_retries=_retries(max_retries))

    @staticmethod
    def fibonacci(base: DurationLike, max_retries: int) -> FibonacciRetry:
        """base * fib(n): 1s, 1s, 2s, 3s, 5s, ..."""
        return FibonacciRetry(base=check.duration(base, "base"), max_retries=_retries(max_retries))

    @staticmethod
    def full_jitter(base: DurationLike, max_retries: int) -> FullJitterRetry:
        """A uniform random delay in [0, base * 2^(n-1)]."""
        return FullJitterRetry(base=check.duration(base, "base"), max_retries=_retries(max_retries))

    @staticmethod
    def decorrelated_jitter(base: DurationLike, max_retries: int) -> DecorrelatedJitterRetry:
        """A uniform random delay in [base, base * 3^(n-1)] (AWS style)."""
        return DecorrelatedJitterRetry(base=check.duration(base, "base"), max_retries=_retries(max_retries))

    @staticmethod
    def polynomial(base: DurationLike, max_retries: int, power: float) -> PolynomialRetry:
        """base * n^power. The server has it; the docs do not."""
        if isinstance(power, bool) or not isinstance(power, (int, float)) or not math.isfinite(power):
            raise ValueError(f"power must be a finite number, got {power!r}")
        return PolynomialRetry(base=check.duration(base, "base"), max_retries=_retries(max_retries), power=float(power))


class DeliveryStrategy:
    """When the router delivers to a node."""

    IMMEDIATE: ClassVar[ImmediateDelivery] = ImmediateDelivery()

    @staticmethod
    def schedule_after(delay: DurationLike) -> ScheduleAfterDelivery:
        return ScheduleAfterDelivery(delay=check.duration(delay, "delay"))

    @staticmethod
    def schedule_at(time: TimeLike) -> ScheduleAtDelivery:
        """At a moment given as a timezone-aware datetime; sent as UTC with `Z`."""
        return ScheduleAtDelivery(time=check.timestamp(time, "time"))


class RepeatPolicy:
    """Whether and how often the whole traversal runs again."""

    NO_REPEAT: ClassVar[NoRepeat] = NoRepeat()

    @staticmethod
    def indefinitely(every: DurationLike) -> RepeatIndefinitely:
        return RepeatIndefinitely(every=check.duration(every, "every"))

    @staticmethod
    def times(every: DurationLike, times: int) -> RepeatTimes:
        """`times` runs, `every` apart. On the wire the count is the key `time`."""
        return RepeatTimes(every=check.duration(every, "every"), time=check.integer(times, "times", 1, check.INT64_MAX))

    @staticmethod
    def until(every: DurationLike, until: TimeLike) -> RepeatUntil:
        return RepeatUntil(every=check.duration(every, "every"), until=check.timestamp(until, "until"))


class JoinStrategy:
    """When a join continues: all branches (AND), the first (OR), or n of them (quorum)."""

    AND: ClassVar[AndJoin] = AndJoin()
    OR: ClassVar[OrJoin] = OrJoin()

    @staticmethod
    def quorum(n: int) -> QuorumJoin:
        """Continue once `n` branches have completed; 1 <= n <= the fork's branch count (checked by validate())."""
        return QuorumJoin(n=check.integer(n, "n", 1, 256))


__all__ = [
    "DeliveryStrategy",
    "DeliveryStrategyStruct",
    "ExponentialRetryPolicy",
    "JoinStrategy",
    "JoinStrategyStruct",
    "LinearRetryPolicy",
    "RepeatPolicy",
    "RepeatPolicyStruct",
    "RetryPolicy",
    "RetryPolicyStruct",
]
