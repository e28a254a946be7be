"""The hand-written runtime shared by both SDKs' generated client stubs: operations, transport, retries, errors.

`import sdkcore` does not import httpx; the transports load it when first used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sdkcore.errors import (
    APIConnectionError,
    APIError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    ErrorTypes,
    InternalServerError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ResponseDecodeError,
    UnprocessableEntityError,
)
from sdkcore.operation import Operation, RequestOptions
from sdkcore.profile import APIProfile
from sdkcore.redaction import RedactingFilter, Secret, redact_headers
from sdkcore.retry import RetryConfig, is_retryable_status, parse_retry_after, retry_delay

if TYPE_CHECKING:
    from sdkcore.transport import AsyncTransport, SyncTransport

__all__ = [
    "APIConnectionError",
    "APIError",
    "APIProfile",
    "APIStatusError",
    "APITimeoutError",
    "AsyncTransport",
    "AuthenticationError",
    "BadRequestError",
    "ConflictError",
    "ErrorTypes",
    "InternalServerError",
    "NotFoundError",
    "Operation",
    "PermissionDeniedError",
    "RateLimitError",
    "RedactingFilter",
    "RequestOptions",
    "ResponseDecodeError",
    "RetryConfig",
    "Secret",
    "SyncTransport",
    "UnprocessableEntityError",
    "is_retryable_status",
    "parse_retry_after",
    "redact_headers",
    "retry_delay",
]


def __getattr__(name: str) -> Any:
    if name in ("SyncTransport", "AsyncTransport"):
        from sdkcore import transport

        return getattr(transport, name)
    raise AttributeError(f"module 'sdkcore' has no attribute {name!r}")
