"""The router's retry delays (`Backoff.nextDelay`, router c785f04), in whole milliseconds.

Every policy retries while `attempt <= maxRetries` (attempts count from 1). The deterministic policies add the
router's fixed jitter `J(m, p) = trunc_ms(round_ns(m * (1 + (m mod 97) / 100 * p)))`; the two random ones draw a
uniform integer from a seeded generator (the router uses an unseeded one, so only the range is faithful).
Arithmetic follows the JVM's: Int Fibonacci numbers wrap, Double→Long conversions saturate, and a delay beyond
2^63-1 ns is the overflow error the router's `FiniteDuration` raises.
"""

from __future__ import annotations

import math
import random
from typing import Any

from waygrid_api.models.traversal_spec import (
    BoundedExponentialRetry,
    DecorrelatedJitterRetry,
    ExponentialRetry,
    FibonacciRetry,
    FullJitterRetry,
    LinearRetry,
    NoRetry,
    PolynomialRetry,
)

__all__ = ["DelayOverflowError", "jitter", "next_delay_ms"]

_LONG_MAX = 2**63 - 1
_LONG_MIN = -(2**63)
_NS_PER_MS = 1_000_000

# Jitter amplitude p of each deterministic policy (the router's DefaultJitter).
_LINEAR_P, _EXPONENTIAL_P, _BOUNDED_P, _POLYNOMIAL_P, _FIBONACCI_P = 0.10, 0.25, 0.20, 0.15, 0.10


class DelayOverflowError(ArithmeticError):
    """The delay does not fit the router's duration type (2^63-1 ns): the router fails with an overflow."""


def _to_long(value: float) -> int:
    """Java's Double→Long: NaN is 0, out-of-range values saturate, the rest truncate toward zero."""
    if math.isnan(value):
        return 0
    if value >= 2.0**63:
        return _LONG_MAX
    if value <= -(2.0**63):
        return _LONG_MIN
    return int(value)


def _java_remainder(value: int, divisor: int) -> int:
    remainder = abs(value) % divisor
    return -remainder if value < 0 else remainder


def _int32(value: int) -> int:
    value &= 0xFFFFFFFF
    return value - (1 << 32) if value >= 1 << 31 else value


def _times(base_ns: int, factor: int) -> int:
    """`FiniteDuration * Long`, in nanoseconds, with the router's overflow check."""
    result = base_ns * factor
    if not _LONG_MIN < result <= _LONG_MAX:
        raise DelayOverflowError(f"the retry delay overflows the router's duration range ({base_ns} ns x {factor})")
    return result


def _millis(nanoseconds: int) -> int:
    """`FiniteDuration.toMillis`: truncation toward zero."""
    return -(-nanoseconds // _NS_PER_MS) if nanoseconds < 0 else nanoseconds // _NS_PER_MS


def jitter(millis: int, p: float) -> int:
    """J(m, p): the router's deterministic jitter on a delay of `millis` ms, in whole ms."""
    factor = 1.0 + (_java_remainder(millis, 97) / 100.0) * p
    nanoseconds = _NS_PER_MS * (millis * factor)
    if not -(2.0**63) <= nanoseconds <= 2.0**63:
        raise DelayOverflowError(f"the retry delay overflows the router's duration range ({millis} ms)")
    return _millis(math.floor(nanoseconds + 0.5))


def _power(base: float, exponent: float) -> int:
    """`math.pow(base, exponent).toLong` on the JVM."""
    try:
        return _to_long(math.pow(base, exponent))
    except OverflowError:
        return _LONG_MAX


def _fibonacci(n: int) -> int:
    """F(n) as the router's Int loop computes it (wrapping at 32 bits), by fast doubling modulo 2^32."""
    mask = 0xFFFFFFFF
    a, b = 0, 1  # F(k), F(k+1) for k = the bits of n read so far
    for bit in bin(max(n, 0))[2:]:
        a, b = (a * (2 * b - a)) & mask, (a * a + b * b) & mask
        if bit == "1":
            a, b = b, (a + b) & mask
    return _int32(a)


def _uniform(low_ms: int, high_ms: int, rng: random.Random) -> int:
    return low_ms + rng.randrange(max(high_ms - low_ms, 1))


def next_delay_ms(policy: Any, attempt: int, rng: random.Random) -> int | None:
    """The delay before retry `attempt` (from 1) under `policy`, or None when the policy retries no more."""
    if isinstance(policy, NoRetry) or attempt > policy.max_retries:
        return None
    base = policy.base.nanoseconds
    if isinstance(policy, LinearRetry):
        return jitter(_millis(base), _LINEAR_P)
    if isinstance(policy, ExponentialRetry):
        return jitter(_millis(_times(base, _power(2.0, attempt - 1))), _EXPONENTIAL_P)
    if isinstance(policy, BoundedExponentialRetry):
        raw = _times(base, _power(2.0, attempt - 1))
        return jitter(_millis(min(raw, policy.cap.nanoseconds)), _BOUNDED_P)
    if isinstance(policy, PolynomialRetry):
        return jitter(_millis(_times(base, _power(float(attempt), policy.power))), _POLYNOMIAL_P)
    if isinstance(policy, FibonacciRetry):
        return jitter(_millis(_times(base, _fibonacci(attempt))), _FIBONACCI_P)
    if isinstance(policy, FullJitterRetry):
        return _uniform(0, _millis(_times(base, _power(2.0, attempt - 1))), rng)
    if isinstance(policy, DecorrelatedJitterRetry):
        return _uniform(_millis(base), _millis(_times(base, _power(3.0, attempt - 1))), rng)
    raise TypeError(f"not a retry policy: {policy!r}")
