"""The error classes shared by both SDKs, and the table that lets each SDK raise its own subclasses of them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

import msgspec


class APIError(Exception):
    """Base of every error raised by a client call. `attempts` counts the tries made, retries included."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
        self.attempts = 1

    def __reduce__(self) -> tuple[Any, ...]:
        # The subclasses take keyword-only arguments; rebuild from the attributes so errors pickle and copy.
        return _rebuild, (type(self), self.message), self.__dict__


def _rebuild(error_class: type[APIError], message: str) -> APIError:
    error = error_class.__new__(error_class)
    Exception.__init__(error, message)
    return error


class APIConnectionError(APIError):
    """The server could not be reached, or the connection broke before a response arrived."""


class APITimeoutError(APIConnectionError):
    """No response arrived within the timeout, or the call's deadline passed."""


class APIStatusError(APIError):
    """The server answered with a status the operation does not treat as success.

    `server_message` is the server's own explanation (its `error` or `detail` field, else the body text),
    `response_text` the body as text (its first `max_error_bytes`, 8 KiB by default: the rest is not read),
    `body` the decoded error model when the operation declares one for this status, `retry_after` the wait the
    server asked for.
    """

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        request_id: str | None,
        server_message: str,
        body: Any = None,
        retry_after: float | None = None,
        response_text: str = "",
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.request_id = request_id
        self.server_message = server_message
        self.body = body
        self.retry_after = retry_after
        self.response_text = response_text


class BadRequestError(APIStatusError):
    """400."""


class AuthenticationError(APIStatusError):
    """401."""


class PermissionDeniedError(APIStatusError):
    """403."""


class NotFoundError(APIStatusError):
    """404."""


class ConflictError(APIStatusError):
    """409."""


class UnprocessableEntityError(APIStatusError):
    """422."""


class RateLimitError(APIStatusError):
    """429."""


class InternalServerError(APIStatusError):
    """>= 500."""


class ResponseDecodeError(APIError):
    """A success response whose body does not match the operation's schema; the message names the JSON path."""

    def __init__(self, message: str, *, status_code: int, request_id: str | None) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.request_id = request_id


class ResponseTooLargeError(APIError):
    """A success answer whose body, decoded, is larger than the transport's `max_response_bytes`; it is not read
    further and not retried. `limit` is that cap in bytes."""

    def __init__(self, message: str, *, status_code: int, request_id: str | None, limit: int) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.request_id = request_id
        self.limit = limit


def _default_status_classes() -> dict[int, type[APIStatusError]]:
    return {
        400: BadRequestError,
        401: AuthenticationError,
        403: PermissionDeniedError,
        404: NotFoundError,
        409: ConflictError,
        422: UnprocessableEntityError,
        429: RateLimitError,
    }


class ErrorTypes(msgspec.Struct, frozen=True, kw_only=True):
    """Which class a transport raises for each failure; an SDK passes its own subclasses to get its own hierarchy."""

    connection: type[APIConnectionError] = APIConnectionError
    timeout: type[APITimeoutError] = APITimeoutError
    decode: type[ResponseDecodeError] = ResponseDecodeError
    too_large: type[ResponseTooLargeError] = ResponseTooLargeError
    by_status: Mapping[int, type[APIStatusError]] = msgspec.field(default_factory=_default_status_classes)
    server: type[APIStatusError] = InternalServerError
    other_status: type[APIStatusError] = APIStatusError

    @classmethod
    def subclassed(cls, namespace: Mapping[str, object]) -> ErrorTypes:
        """The table of an SDK's own hierarchy: each entry replaced by the class in `namespace` (an SDK's errors
        module) that directly subclasses it. Every entry must have one."""
        classes = [value for value in namespace.values() if isinstance(value, type) and issubclass(value, APIError)]

        def own(base: type[Any]) -> Any:
            found = [candidate for candidate in classes if base in candidate.__bases__]
            if len(found) != 1:
                raise TypeError(f"expected one direct subclass of {base.__name__}, found {len(found)}")
            return found[0]

        default = cls()
        return cls(
            connection=own(default.connection),
            timeout=own(default.timeout),
            decode=own(default.decode),
            too_large=own(default.too_large),
            by_status={status: own(error) for status, error in default.by_status.items()},
            server=own(default.server),
            other_status=own(default.other_status),
        )

    def for_status(self, status_code: int) -> type[APIStatusError]:
        """The most specific class for a status code."""
        if status_code in self.by_status:
            return self.by_status[status_code]
        return self.server if status_code >= 500 else self.other_status


def server_message_of(body: Any, text: str) -> str:
    """The server's explanation: the error model's `error`/`detail` text, the same keys of any JSON object, or the
    body as text."""
    fields: Any = body
    if fields is None:
        try:
            fields = msgspec.json.decode(text)
        except (msgspec.DecodeError, RecursionError):
            fields = None
    for key in ("error", "detail", "message"):
        value: object = (
            cast("dict[str, object]", fields).get(key) if isinstance(fields, dict) else getattr(fields, key, None)
        )
        if isinstance(value, str):
            return value
    return text
