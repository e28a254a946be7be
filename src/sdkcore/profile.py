"""What a transport needs to know about the API it talks to: headers, its error classes, its retry exceptions."""

from __future__ import annotations

from collections.abc import Callable

import msgspec

from sdkcore.errors import APIStatusError, ErrorTypes

PermanentFailure = Callable[[int, str], "type[APIStatusError] | None"]
"""Given a failed response's status and body text: the error class to raise at once, or None for the usual rules."""


class APIProfile(msgspec.Struct, frozen=True, kw_only=True):
    """One API as the transport sees it. The generated `operations.API` has the wire facts from the OpenAPI
    document; an SDK replaces `errors` and `permanent_failure` with its own."""

    name: str
    auth_header: str | None = None
    auth_scheme: str | None = None
    idempotency_header: str | None = "Idempotency-Key"
    request_id_header: str = "x-request-id"
    errors: ErrorTypes = msgspec.field(default_factory=ErrorTypes)
    permanent_failure: PermanentFailure | None = None

    @property
    def logger_name(self) -> str:
        return f"{self.name}.http"

    def auth_value(self, api_key: str) -> str:
        return f"{self.auth_scheme} {api_key}" if self.auth_scheme else api_key
