"""The Waygrid duration and timestamp wire types: every form the server reads, its own long form, clear rejections."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from waygrid_api.duration import Duration
from waygrid_api.timestamp import Timestamp

SECOND = 1_000_000_000


@pytest.mark.parametrize(
    ("text", "nanoseconds"),
    [
        ("5s", 5 * SECOND),
        ("500ms", 500_000_000),
        ("5m", 300 * SECOND),
        ("1h", 3600 * SECOND),
        ("7d", 7 * 86400 * SECOND),
        ("1.5s", 1_500_000_000),
        ("5 seconds", 5 * SECOND),
        ("1 minute", 60 * SECOND),
        ("2 hrs", 7200 * SECOND),
        ("10 micros", 10_000),
        ("7µs", 7_000),
        ("100ns", 100),
        (" 5 s ", 5 * SECOND),
        ("0.0000000015s", 2),
    ],
)
def test_duration_reads_every_server_form(text: str, nanoseconds: int) -> None:
    value = Duration.parse(text)
    assert value.nanoseconds == nanoseconds
    assert value.to_wire() == text


@pytest.mark.parametrize("text", ["PT1S", "-5s", "5 weeks", "5S", "5us", "5", "", "s", "1e3s", "Inf"])
def test_duration_rejects_what_the_server_or_the_sdk_refuses(text: str) -> None:
    with pytest.raises(ValueError, match="Invalid duration"):
        Duration.parse(text)


def test_duration_longer_than_the_server_can_hold_is_rejected() -> None:
    with pytest.raises(ValueError, match="2\\^63-1"):
        Duration.parse("106752d")


@pytest.mark.parametrize(
    ("delta", "long_form"),
    [
        (timedelta(seconds=90), "90 seconds"),
        (timedelta(minutes=5), "5 minutes"),
        (timedelta(seconds=1), "1 second"),
        (timedelta(hours=24), "1 day"),
        (timedelta(milliseconds=500), "500 milliseconds"),
        (timedelta(microseconds=1), "1 microsecond"),
        (timedelta(0), "0 days"),
    ],
)
def test_duration_long_form_uses_the_coarsest_exact_unit(delta: timedelta, long_form: str) -> None:
    assert Duration.from_timedelta(delta).to_wire() == long_form


def test_negative_timedelta_is_rejected() -> None:
    with pytest.raises(ValueError, match="negative"):
        Duration.from_timedelta(timedelta(seconds=-1))


@given(st.timedeltas(min_value=timedelta(0), max_value=timedelta(microseconds=(2**63 - 1) // 1000)))
def test_duration_long_form_reads_back_to_the_same_value(delta: timedelta) -> None:
    value = Duration.from_timedelta(delta)
    assert Duration.parse(value.to_wire()) == value
    assert value.to_timedelta() == delta


def test_equal_durations_in_different_spellings_compare_equal() -> None:
    assert Duration.parse("1m") == Duration.parse("60 seconds") == Duration(60 * SECOND)
    assert hash(Duration.parse("1m")) == hash(Duration(60 * SECOND))


@pytest.mark.parametrize(
    "text",
    ["2024-12-25T00:00:00Z", "2024-12-25T00:00:00.123Z", "2024-12-25T00:00:00.123456789Z", "2024-12-25T01:00:00+01:00"],
)
def test_timestamp_keeps_its_text(text: str) -> None:
    assert Timestamp(text).to_wire() == text


def test_timestamps_compare_by_instant() -> None:
    assert Timestamp("2024-12-25T01:00:00+01:00") == Timestamp("2024-12-25T00:00:00Z")
    assert Timestamp("2024-12-25T00:00:00.000000001Z") != Timestamp("2024-12-25T00:00:00Z")


@pytest.mark.parametrize(
    "text", ["2024-12-25T00:00:00", "2024-12-25t00:00:00z", "2024-12-25 00:00:00Z", "2024-13-01T00:00:00Z"]
)
def test_timestamp_rejects_what_the_server_refuses(text: str) -> None:
    with pytest.raises(ValueError, match="Invalid timestamp"):
        Timestamp(text)


def test_timestamp_from_datetime_is_utc_with_z() -> None:
    plus_one = timezone(timedelta(hours=1))
    assert Timestamp.from_datetime(datetime(2024, 12, 25, 1, tzinfo=plus_one)).to_wire() == "2024-12-25T00:00:00Z"
    assert Timestamp.from_datetime(datetime(2024, 1, 1, 0, 0, 0, 120000, tzinfo=timezone.utc)).to_wire() == (
        "2024-01-01T00:00:00.120Z"
    )
    assert Timestamp.from_datetime(datetime(2024, 1, 1, 0, 0, 0, 1, tzinfo=timezone.utc)).to_wire() == (
        "2024-01-01T00:00:00.000001Z"
    )


def test_naive_datetime_is_rejected() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        Timestamp.from_datetime(datetime(2024, 12, 25))
