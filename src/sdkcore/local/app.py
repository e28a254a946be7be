"""What a local server's app is: a callable that answers a `Request` with a `Response` (`App`), and the two
optional callables a server takes beside it (`Early`, `ErrorBody`). Served on a port by `sdkcore.local.http`, or in
process by `sdkcore.local.in_process`."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlsplit

__all__ = ["App", "Early", "ErrorBody", "Request", "Response", "error_body", "finish"]


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    """The path with %-escapes decoded, split at `/` before decoding (see `segments`)."""
    segments: tuple[str, ...]
    headers: Mapping[str, str]
    """Header names in lower case."""
    body: bytes = b""

    @classmethod
    def build(cls, method: str, target: str, headers: Mapping[str, str], body: bytes) -> Request:
        raw_path = urlsplit(target).path or "/"
        segments = tuple(unquote(part) for part in raw_path.split("/")[1:])
        lowered = {name.lower(): value for name, value in headers.items()}
        return cls(method.upper(), unquote(raw_path), segments, lowered, body)


@dataclass
class Response:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict[str, str])

    @classmethod
    def json(cls, status: int, document: Any, headers: Mapping[str, str] | None = None) -> Response:
        return cls(status, json.dumps(document, separators=(",", ":")).encode(), dict(headers or {}))


App = Callable[[Request], Response]
Early = Callable[[Request], "Response | None"]
"""Given a request's head (its body not read yet, `body` empty), the answer when the head decides it (a missing
API key), else None: the body is read and the app called."""
ErrorBody = Callable[[int, str], Response]
"""The answer the server itself gives (400, 408, 413, 431, 500, 501, 503) from a status and a message."""


def error_body(status: int, message: str) -> Response:
    """The default error style: `{"error": message}`."""
    return Response.json(status, {"error": message})


def finish(response: Response) -> Response:
    if response.body and not any(name.lower() == "content-type" for name in response.headers):
        response.headers["content-type"] = "application/json"
    return response
