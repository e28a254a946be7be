"""The hand-written runtime shared by both SDKs' generated client stubs: operations, transport, retries, errors.

`import sdkcore` stays light (no httpx, logging or email): the transports, the retry rule and the redaction
helpers load when first used.
"""

from __future__ import annotations

import importlib
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

if TYPE_CHECKING:
    from sdkcore.operation import Operation, RequestOptions
    from sdkcore.profile import APIProfile
    from sdkcore.redaction import RedactingFilter, redact_headers
    from sdkcore.retry import RetryConfig, is_retryable_status, parse_retry_after, retry_delay
    from sdkcore.secret import Secret
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


_LAZY = {
    "Operation": "sdkcore.operation",
    "RequestOptions": "sdkcore.operation",
    "APIProfile": "sdkcore.profile",
    "AsyncTransport": "sdkcore.transport",
    "SyncTransport": "sdkcore.transport",
    "RedactingFilter": "sdkcore.redaction",
    "Secret": "sdkcore.secret",
    "redact_headers": "sdkcore.redaction",
    "RetryConfig": "sdkcore.retry",
    "is_retryable_status": "sdkcore.retry",
    "parse_retry_after": "sdkcore.retry",
    "retry_delay": "sdkcore.retry",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'sdkcore' has no attribute {name!r}")
