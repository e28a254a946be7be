"""The hand-written runtime shared by both SDKs' generated client stubs: operations, transport, errors."""

from sdkcore.errors import (
    APIConnectionError,
    APIError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    InternalServerError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ResponseDecodeError,
    UnprocessableEntityError,
)
from sdkcore.operation import Operation, RequestOptions
from sdkcore.transport import AsyncTransport, SyncTransport

__all__ = [
    "APIConnectionError",
    "APIError",
    "APIStatusError",
    "APITimeoutError",
    "AsyncTransport",
    "AuthenticationError",
    "BadRequestError",
    "ConflictError",
    "InternalServerError",
    "NotFoundError",
    "Operation",
    "PermissionDeniedError",
    "RateLimitError",
    "RequestOptions",
    "ResponseDecodeError",
    "SyncTransport",
    "UnprocessableEntityError",
]
