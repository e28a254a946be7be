"""Checks shared by the places a setting can be given (transport, RetryConfig, RequestOptions)."""

from __future__ import annotations

import math


def check_retries(value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"max_retries must be an integer >= 0, got {value!r}")


def check_seconds(name: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be a finite number of seconds >= 0, got {value!r}")


def check_deadline(value: object) -> None:
    if value is not None and not (isinstance(value, (int, float)) and value > 0):
        raise ValueError(f"deadline must be a number of seconds > 0, got {value!r}")


def check_bytes(name: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a number of bytes >= 1, got {value!r}")


def is_httpx_timeout(value: object) -> bool:
    """Whether `value` is an httpx.Timeout, told without importing httpx (which clients import on first use)."""
    kind = type(value)
    return kind.__name__ == "Timeout" and kind.__module__.split(".")[0] == "httpx"


def check_timeout(name: str, value: object) -> None:
    if not is_httpx_timeout(value) and (
        isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0
    ):
        raise ValueError(f"{name} must be a number of seconds > 0 or an httpx.Timeout, got {value!r}")


def check_transport_options(options: dict[str, object]) -> None:
    """The transport settings a client takes (`timeout`, `max_retries`, `deadline`, `max_response_bytes`,
    `max_error_bytes`), checked when the client is made rather than at its first call."""
    for name, value in options.items():
        if name == "timeout":
            check_timeout("timeout", value)
        elif name == "max_retries":
            check_retries(value)
        elif name == "deadline":
            check_deadline(value)
        else:
            check_bytes(name, value)
