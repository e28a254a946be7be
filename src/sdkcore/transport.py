"""The one HTTP seam of both SDKs: sends an Operation over httpx with timeouts, retries and an idempotency key,
and turns every failure into the API's typed error."""

from __future__ import annotations

import asyncio
import json
import logging
import random
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import TracebackType
from typing import Any, TypeVar, cast
from urllib.parse import urlsplit, urlunsplit

import httpx
import msgspec

from sdkcore.errors import APIConnectionError, APIError, APIStatusError
from sdkcore.operation import Operation, RequestOptions
from sdkcore.profile import APIProfile
from sdkcore.redaction import SENSITIVE_HEADERS, RedactingFilter, Secret, redact_headers
from sdkcore.retry import RetryConfig, is_retryable_status, parse_retry_after, retry_delay

T = TypeVar("T")

DEFAULT_TIMEOUT = httpx.Timeout(60.0, connect=5.0)
"""Per try: 5 s to connect, 60 s for each read, write and pool wait."""
DEFAULT_DEADLINE = 300.0
"""Seconds one call may take in all, every try and wait included."""
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
MESSAGE_LIMIT = 2000


@dataclass(frozen=True)
class _Settings:
    """A transport's settings, as every call it sends reads them."""

    profile: APIProfile
    headers: Mapping[str, str | Secret] = field(repr=False)
    timeout: httpx.Timeout
    retry: RetryConfig
    deadline: float | None
    rng: random.Random
    log: logging.Logger


class _TransportBase:
    def __init__(
        self,
        base_url: str,
        *,
        profile: APIProfile,
        api_key: str | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
        max_retries: int | None = None,
        retry: RetryConfig | None = None,
        deadline: float | None = DEFAULT_DEADLINE,
    ) -> None:
        parts = urlsplit(base_url) if isinstance(base_url, str) else None
        if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"base_url must be an http:// or https:// URL, got {_safe_url(base_url)!r}")
        self.base_url = base_url.rstrip("/")
        all_headers: dict[str, str | Secret] = {
            name: Secret(value) if name.lower() in SENSITIVE_HEADERS else value
            for name, value in (headers or {}).items()
        }
        if api_key is not None:
            if not isinstance(api_key, str) or not api_key.strip():
                raise ValueError("api_key must be a non-empty string")
            if profile.auth_header is None:
                raise ValueError(f"the {profile.name} API takes no API key")
            all_headers[profile.auth_header] = Secret(profile.auth_value(api_key))
        if deadline is not None and not (isinstance(deadline, (int, float)) and deadline > 0):
            raise ValueError(f"deadline must be a number of seconds > 0, got {deadline!r}")
        retry = retry or RetryConfig()
        log = logging.getLogger(profile.logger_name)
        if not any(isinstance(f, RedactingFilter) for f in log.filters):
            log.addFilter(RedactingFilter())
        self._settings = _Settings(
            profile=profile,
            headers=all_headers,
            timeout=_timeout(timeout, "timeout"),
            retry=retry if max_retries is None else replace(retry, max_retries=max_retries),
            deadline=deadline,
            rng=random.Random(),
            log=log,
        )

    @property
    def profile(self) -> APIProfile:
        return self._settings.profile

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={_safe_url(self.base_url)!r}, api={self.profile.name!r})"

    def _call(
        self,
        operation: Operation,
        path_params: Mapping[str, str] | None,
        body: bytes | None,
        options: RequestOptions | None,
    ) -> _Call:
        return _Call(self._settings, operation, self.base_url + operation.url_path(path_params or {}), body,
                     options or RequestOptions())  # fmt: skip

    def decode(self, operation: Operation, response: httpx.Response, type_: type[T]) -> T:
        """Decode a success body into the operation's response model, or raise the decode error naming the path."""
        try:
            return operation.codec.decode(response.content, type_)
        except (msgspec.ValidationError, msgspec.DecodeError) as error:
            raise self.profile.errors.decode(
                f"{operation.operation_id}: the {response.status_code} response does not match "
                f"{type_.__name__}: {error}",
                status_code=response.status_code,
                request_id=response.headers.get(self.profile.request_id_header),
            ) from None


class _Call:
    """One logical request: the idempotency key, retry budget and deadline every one of its tries shares."""

    def __init__(
        self, settings: _Settings, operation: Operation, url: str, body: bytes | None, options: RequestOptions
    ) -> None:
        self.settings = settings
        self.profile = settings.profile
        self.operation = operation
        self.url = url
        self.body = body
        self.headers: dict[str, str | Secret] = {"accept": "application/json", **settings.headers}
        if body is not None:
            self.headers["content-type"] = "application/json"
        if operation.method not in SAFE_METHODS and self.profile.idempotency_header:
            self.headers[self.profile.idempotency_header] = options.idempotency_key or str(uuid.uuid4())
        self.headers.update(options.extra_headers or {})
        self.timeout = settings.timeout if options.timeout is None else _timeout(options.timeout, "timeout")
        self.max_retries = settings.retry.max_retries if options.max_retries is None else options.max_retries
        deadline = options.deadline or settings.deadline
        self.deadline = None if deadline is None else time.monotonic() + deadline
        self.deadline_seconds = deadline
        self.attempt = 0

    def request(self, client: httpx.Client | httpx.AsyncClient) -> httpx.Request:
        """The next try, its timeouts cut to what is left of the deadline."""
        self.attempt += 1
        timeout = self.timeout
        if self.deadline is not None:
            left = self.deadline - time.monotonic()
            if left <= 0:
                raise self._finish(
                    self.profile.errors.timeout(self._text(f"deadline of {self.deadline_seconds} s passed"))
                )
            timeout = httpx.Timeout(
                connect=_cap(timeout.connect, left), read=_cap(timeout.read, left),
                write=_cap(timeout.write, left), pool=_cap(timeout.pool, left),
            )  # fmt: skip
        headers = {name: value.reveal() if isinstance(value, Secret) else value for name, value in self.headers.items()}
        self.settings.log.debug(
            "%s %s (try %d of at most %d) headers=%s", self.operation.method, self.url, self.attempt,
            self.max_retries + 1, redact_headers(headers),
        )  # fmt: skip
        return client.build_request(
            self.operation.method, self.url, headers=headers, content=self.body, timeout=timeout
        )

    def after_failure(self, error: httpx.TransportError) -> float:
        """The wait before the next try after a connection failure or timeout; raises when there is none."""
        errors = self.profile.errors
        kind = errors.timeout if isinstance(error, httpx.TimeoutException) else errors.connection
        label = "timed out" if isinstance(error, httpx.TimeoutException) else "connection failed"
        failure: APIConnectionError = kind(self._text(f"{label} ({type(error).__name__}: {error})"))
        return self._retry_or_raise(failure, retry_after=None)

    def after_response(self, response: httpx.Response) -> httpx.Response | float:
        """The response when it is a success, else the wait before the next try; raises when there is none."""
        self.settings.log.debug("%s %s -> HTTP %d", self.operation.method, self.url, response.status_code)
        if response.status_code in self.operation.success_status:
            return response
        permanent = self.profile.permanent_failure
        final_class = None if permanent is None else permanent(response.status_code, response.text)
        error = self._status_error(response, final_class)
        if final_class is not None or not is_retryable_status(response.status_code):
            raise self._finish(error)
        return self._retry_or_raise(error, retry_after=error.retry_after)

    def _retry_or_raise(self, error: APIError, retry_after: float | None) -> float:
        retry = self.attempt
        if retry > self.max_retries:
            raise self._finish(error)
        delay = retry_delay(retry, self.settings.retry, self.settings.rng, retry_after)
        if delay is None:
            raise self._finish(error)
        if self.deadline is not None and time.monotonic() + delay >= self.deadline:
            raise self._finish(error)
        self.settings.log.info(
            "%s %s: %s; retry %d of %d in %.2f s", self.operation.method, self.url, error.message, retry,
            self.max_retries, delay,
        )  # fmt: skip
        return delay

    def _finish(self, error: APIError) -> APIError:
        error.attempts = self.attempt
        if self.attempt > 1:
            error.message = f"{error.message} (after {self.attempt} tries)"
            error.args = (error.message,)
        return error

    def _text(self, detail: str) -> str:
        return f"{self.operation.operation_id}: {detail}"

    def _status_error(self, response: httpx.Response, error_class: type[APIStatusError] | None) -> APIStatusError:
        status = response.status_code
        error_class = error_class or self.profile.errors.for_status(status)
        body = _error_body(self.operation, response)
        server_message = _server_message(body, response)
        request_id = response.headers.get(self.profile.request_id_header)
        shown = server_message if len(server_message) <= MESSAGE_LIMIT else (
            f"{server_message[:MESSAGE_LIMIT]}... ({len(server_message) - MESSAGE_LIMIT} more characters in "
            "server_message)"
        )  # fmt: skip
        suffix = f" [request id {request_id}]" if request_id else ""
        return error_class(
            self._text(f"HTTP {status}: {shown}{suffix}"),
            status_code=status,
            request_id=request_id,
            server_message=server_message,
            body=body,
            retry_after=parse_retry_after(response.headers, time.time()),
        )


class SyncTransport(_TransportBase):
    """Blocking transport with one connection pool; close it, or use it as a context manager."""

    def __init__(self, base_url: str, *, http_client: httpx.Client | None = None, **settings: Any) -> None:
        super().__init__(base_url, **settings)
        self._owns_client = http_client is None
        self._client = http_client or httpx.Client()

    def send(
        self,
        operation: Operation,
        *,
        path_params: Mapping[str, str] | None = None,
        body: bytes | None = None,
        options: RequestOptions | None = None,
    ) -> httpx.Response:
        """Send one call, retrying as configured; the success response, or the API's typed error."""
        call = self._call(operation, path_params, body, options)
        while True:
            request = call.request(self._client)
            try:
                response = self._client.send(request)
            except httpx.TransportError as error:
                delay = call.after_failure(error)
            else:
                outcome = call.after_response(response)
                if isinstance(outcome, httpx.Response):
                    return outcome
                delay = outcome
            time.sleep(delay)

    def close(self) -> None:
        if self._owns_client:
            self._client.close()

    def __enter__(self) -> SyncTransport:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AsyncTransport(_TransportBase):
    """Asyncio transport with one connection pool; close it, or use it as an async context manager."""

    def __init__(self, base_url: str, *, http_client: httpx.AsyncClient | None = None, **settings: Any) -> None:
        super().__init__(base_url, **settings)
        self._owns_client = http_client is None
        self._client = http_client or httpx.AsyncClient()

    async def send(
        self,
        operation: Operation,
        *,
        path_params: Mapping[str, str] | None = None,
        body: bytes | None = None,
        options: RequestOptions | None = None,
    ) -> httpx.Response:
        """Send one call, retrying as configured; the success response, or the API's typed error."""
        call = self._call(operation, path_params, body, options)
        while True:
            request = call.request(self._client)
            try:
                response = await self._client.send(request)
            except httpx.TransportError as error:
                delay = call.after_failure(error)
            else:
                outcome = call.after_response(response)
                if isinstance(outcome, httpx.Response):
                    return outcome
                delay = outcome
            await asyncio.sleep(delay)

    async def aclose(self) -> None:
        if self._owns_client:
            await self._client.aclose()

    async def __aenter__(self) -> AsyncTransport:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()


def _timeout(value: httpx.Timeout | float, name: str) -> httpx.Timeout:
    if isinstance(value, httpx.Timeout):
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise ValueError(f"{name} must be a number of seconds > 0 or an httpx.Timeout, got {value!r}")
    return httpx.Timeout(value, connect=min(value, DEFAULT_TIMEOUT.connect or value))


def _cap(seconds: float | None, left: float) -> float:
    return left if seconds is None else min(seconds, left)


def _safe_url(url: object) -> str:
    """The URL without any user:password part."""
    if not isinstance(url, str):
        return repr(url)
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit(parts._replace(netloc=netloc))


def _error_body(operation: Operation, response: httpx.Response) -> Any:
    error_type = operation.error_types.get(response.status_code)
    if error_type is None:
        return None
    try:
        return operation.codec.decode(response.content, error_type)
    except (msgspec.ValidationError, msgspec.DecodeError):
        return None


def _server_message(body: Any, response: httpx.Response) -> str:
    """The server's explanation: the error model's `error`/`detail` text, the same keys of any JSON object, or the
    body as text."""
    fields: Any = body
    if fields is None:
        try:
            fields = json.loads(response.content)
        except ValueError:
            fields = None
    for key in ("error", "detail", "message"):
        value: object = (
            cast("dict[str, object]", fields).get(key) if isinstance(fields, dict) else getattr(fields, key, None)
        )
        if isinstance(value, str):
            return value
    return response.text or response.reason_phrase
