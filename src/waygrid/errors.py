"""Every error a Waygrid call raises: each subclasses `WaygridError` and the `sdkcore` class of its kind."""

from __future__ import annotations

import sdkcore
import sdkcore.errors


class WaygridError(sdkcore.APIError):
    """Base of every error a Waygrid client call raises."""


class APIConnectionError(WaygridError, sdkcore.APIConnectionError):
    """The router could not be reached, or the connection broke before it answered."""


class APITimeoutError(APIConnectionError, sdkcore.APITimeoutError):
    """No answer within the timeout, or the call's deadline passed."""


class APIStatusError(WaygridError, sdkcore.APIStatusError):
    """The router answered with an error status."""


class BadRequestError(APIStatusError, sdkcore.BadRequestError):
    """400."""


class AuthenticationError(APIStatusError, sdkcore.AuthenticationError):
    """401."""


class PermissionDeniedError(APIStatusError, sdkcore.PermissionDeniedError):
    """403."""


class NotFoundError(APIStatusError, sdkcore.NotFoundError):
    """404."""


class ConflictError(APIStatusError, sdkcore.ConflictError):
    """409."""


class UnprocessableEntityError(APIStatusError, sdkcore.UnprocessableEntityError):
    """422."""


class RateLimitError(APIStatusError, sdkcore.RateLimitError):
    """429."""


class InternalServerError(APIStatusError, sdkcore.InternalServerError):
    """>= 500: a fault of the router itself; retried."""


class SpecRejectedError(APIStatusError):
    """The router refused the traversal spec (it could not decode or compile it). Its 500 is not retried:
    `server_message` has the router's explanation."""


class ResponseDecodeError(WaygridError, sdkcore.ResponseDecodeError):
    """A success answer whose body does not match the schema; the message names the JSON path."""


class ResponseTooLargeError(WaygridError, sdkcore.errors.ResponseTooLargeError):
    """A success answer larger than the transport's `max_response_bytes` (decoded); not read further."""


ERRORS = sdkcore.ErrorTypes.subclassed(globals())

REJECTED_SPEC_MARKERS = (
    "InvalidMessageBodyFailure",
    "MalformedMessageBodyFailure",
    "DecodingFailure",
    "RouteCompilerError",
    "Invalid DAG structure",
)
"""Text the router's 500 body carries when it could not decode or compile the spec (see spec/waygrid/README.md)."""


def rejected_spec(status_code: int, text: str) -> type[SpecRejectedError] | None:
    """SpecRejectedError for a 500 that reports a decode or compile failure; None leaves the usual rules."""
    if status_code == 500 and any(marker in text for marker in REJECTED_SPEC_MARKERS):
        return SpecRejectedError
    return None
