"""Every error an Exosphere call raises: each subclasses `ExosphereError` and the `sdkcore` class of its kind."""

from __future__ import annotations

import sdkcore
import sdkcore.errors


class ExosphereError(sdkcore.APIError):
    """Base of every error an Exosphere client call raises."""


class APIConnectionError(ExosphereError, sdkcore.APIConnectionError):
    """The state manager could not be reached, or the connection broke before it answered."""


class APITimeoutError(APIConnectionError, sdkcore.APITimeoutError):
    """No answer within the timeout, or the call's deadline passed."""


class APIStatusError(ExosphereError, sdkcore.APIStatusError):
    """The state manager answered with an error status."""


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
    """>= 500: a fault of the state manager itself; retried."""


class ResponseDecodeError(ExosphereError, sdkcore.ResponseDecodeError):
    """A success answer whose body does not match the schema; the message names the JSON path."""


class ResponseTooLargeError(ExosphereError, sdkcore.errors.ResponseTooLargeError):
    """A success answer larger than the transport's `max_response_bytes` (decoded); not read further."""


ERRORS = sdkcore.ErrorTypes.subclassed(globals())


class ConfigurationError(ExosphereError, ValueError):
    """The state manager URI or the API key is missing (neither passed nor in the environment)."""


class RegistrationError(ExosphereError, RuntimeError):
    """The state manager refused a runtime's node registration; the text is 0.0.3's (`Failed to register nodes:
    {answer}`), the answer's status is `status_code`, the typed error it came from is `__cause__`."""

    def __init__(self, message: str, *, status_code: int) -> None:
        super().__init__(message)
        self.status_code = status_code


class GraphValidationError(ExosphereError):
    """The state manager finished validating the graph and found it invalid; `errors` lists its reasons."""

    def __init__(self, message: str, *, status: str, errors: list[str] | None) -> None:
        super().__init__(message)
        self.status = status
        self.errors = errors


class GraphValidationTimeoutError(ExosphereError, TimeoutError):
    """The graph was still being validated when `validation_timeout` ran out."""
