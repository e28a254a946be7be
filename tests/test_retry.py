"""The retry rule on its own: the delay function with a seeded RNG, Retry-After parsing, and config validation."""

from __future__ import annotations

import random
from email.utils import formatdate

import pytest

from sdkcore import RequestOptions, RetryConfig, is_retryable_status, parse_retry_after, retry_delay

NOW = 1_700_000_000.0


def test_backoff_doubles_from_half_a_second_up_to_eight_seconds_without_jitter() -> None:
    config = RetryConfig(jitter=0)
    delays = [retry_delay(n, config, random.Random(0)) for n in range(1, 8)]
    assert delays == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0, 8.0]


def test_jitter_shortens_each_delay_by_at_most_a_quarter_and_is_reproducible_with_a_seed() -> None:
    config = RetryConfig()
    seeded = random.Random(7)
    first = [retry_delay(n, config, seeded) for n in range(1, 6)]
    seeded = random.Random(7)
    assert first == [retry_delay(n, config, seeded) for n in range(1, 6)]
    assert [round(delay, 4) for delay in first] == [0.4595, 0.9623, 1.6745, 3.9276, 6.9282]
    rng = random.Random(7)
    expected = [min(0.5 * 2 ** (n - 1), 8.0) * (1 - 0.25 * rng.random()) for n in range(1, 6)]
    assert first == expected
    many = [retry_delay(3, config, random.Random(seed)) for seed in range(500)]
    assert all(1.5 <= delay <= 2.0 for delay in many)
    assert min(many) < 1.55
    assert max(many) > 1.95


def test_a_server_wait_is_honoured_exactly_up_to_the_cap_and_ends_retries_beyond_it() -> None:
    config = RetryConfig(max_retry_after=60)
    assert retry_delay(1, config, random.Random(0), retry_after=0) == 0
    assert retry_delay(1, config, random.Random(0), retry_after=30) == 30
    assert retry_delay(5, config, random.Random(0), retry_after=60) == 60
    assert retry_delay(1, config, random.Random(0), retry_after=61) is None


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({}, None),
        ({"retry-after": "3"}, 3.0),
        ({"retry-after": " 1.5 "}, 1.5),
        ({"retry-after": formatdate(NOW + 12, usegmt=True)}, 12.0),
        ({"retry-after": formatdate(NOW - 100, usegmt=True)}, 0.0),
        ({"retry-after-ms": "250"}, 0.25),
        ({"retry-after-ms": "250", "retry-after": "9"}, 0.25),
        ({"retry-after-ms": "soon", "retry-after": "9"}, 9.0),
        ({"retry-after": "-4"}, None),
        ({"retry-after": "nan"}, None),
        ({"retry-after": "tomorrow"}, None),
    ],
)
def test_retry_after_is_read_from_milliseconds_seconds_or_an_http_date(
    headers: dict[str, str], expected: float | None
) -> None:
    assert parse_retry_after(headers, NOW) == expected


@pytest.mark.parametrize("status", [408, 409, 429, 500, 502, 503, 504, 599])
def test_retryable_statuses(status: int) -> None:
    assert is_retryable_status(status)


@pytest.mark.parametrize("status", [400, 401, 403, 404, 405, 410, 413, 422])
def test_caller_errors_are_not_retried(status: int) -> None:
    assert not is_retryable_status(status)


@pytest.mark.parametrize(
    ("settings", "field"),
    [
        ({"max_retries": -1}, "max_retries"),
        ({"max_retries": 1.5}, "max_retries"),
        ({"max_retries": True}, "max_retries"),
        ({"initial_delay": -0.1}, "initial_delay"),
        ({"max_delay": float("inf")}, "max_delay"),
        ({"max_retry_after": "60"}, "max_retry_after"),
        ({"jitter": 1.5}, "jitter"),
    ],
)
def test_bad_retry_settings_name_the_field(settings: dict[str, object], field: str) -> None:
    with pytest.raises(ValueError, match=field):
        RetryConfig(**settings)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("settings", "field"),
    [
        ({"max_retries": -1}, "max_retries"),
        ({"deadline": 0}, "deadline"),
        ({"timeout": -1}, "timeout"),
        ({"idempotency_key": ""}, "idempotency_key"),
    ],
)
def test_bad_request_options_name_the_field(settings: dict[str, object], field: str) -> None:
    with pytest.raises(ValueError, match=field):
        RequestOptions(**settings)  # type: ignore[arg-type]
