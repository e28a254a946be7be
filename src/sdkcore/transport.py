"""The one HTTP seam of both SDKs: sends an Operation over httpx with timeouts, retries and an idempotency key,
and turns every failure into the API's typed error."""

from __future__ import annotations

import asyncio
import functools
import logging
import random
import ssl
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import TracebackType
from typing import Any, TypeVar

import httpx
import msgspec

from sdkcore.async_stack import ATTEMPTS, async_stack
from sdkcore.errors import APIError, APIStatusError, server_message_of
from sdkcore.lent import LentTransport
from sdkcore.operation import Operation, RequestOptions
from sdkcore.parameters import request_parts
from sdkcore.profile import APIProfile
from sdkcore.redaction import SENSITIVE_HEADERS, RedactingFilter, redact_headers, scrub
from sdkcore.retry import RetryConfig, is_retryable_status, parse_retry_after, retry_delay
from sdkcore.secret import Secret
from sdkcore.settings import check_deadline

T = TypeVar("T")
_timeout_scope = getattr(asyncio, "timeout", None)  # Python >= 3.11: bounds a try without a task of its own

DEFAULT_TIMEOUT = httpx.Timeout(60.0, connect=5.0)
"""Per try: 5 s to connect, 60 s for each read, write and pool wait."""
DEFAULT_DEADLINE = 300.0
"""Seconds one call may take in all, every try and wait included."""
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
MESSAGE_LIMIT = 2000
MIN_TRY_SECONDS = 0.05
"""A retry is not started unless at least this much of the deadline is left after its wait."""
FINAL_TRANSPORT_ERRORS = (httpx.LocalProtocolError, httpx.UnsupportedProtocol, httpx.DecodingError,
                          httpx.TooManyRedirects)  # fmt: skip
"""Failures a retry cannot fix: a request httpx refuses to send, or an answer it cannot read."""


@dataclass(frozen=True)
class _Settings:
    """A transport's settings, as every call it sends reads them."""

    profile: APIProfile
    headers: Mapping[str, str | Secret] = field(repr=False)
    secrets: tuple[str, ...] = field(repr=False)
    sensitive: frozenset[str]
    timeout: httpx.Timeout
    retry: RetryConfig
    deadline: float | None
    rng: random.Random
    log: logging.Logger

    def scrub(self, text: str) -> str:
        """`text` with every credential of this transport replaced, should a server or library echo one (in a
        JSON document, however escaped)."""
        return scrub(text, self.secrets)


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
        self.base_url = _checked_base_url(base_url)
        sensitive = SENSITIVE_HEADERS | {profile.auth_header.lower()} if profile.auth_header else SENSITIVE_HEADERS
        all_headers: dict[str, str | Secret] = {
            name.lower(): Secret(value) if name.lower() in sensitive else value
            for name, value in (headers or {}).items()
        }
        if api_key is not None:
            if profile.auth_header is None:
                raise ValueError(f"the {profile.name} API takes no API key")
            all_headers[profile.auth_header.lower()] = Secret(profile.auth_value(_checked_key(api_key)))
        check_deadline(deadline)
        secrets = [value.reveal() for value in all_headers.values() if isinstance(value, Secret)]
        if api_key is not None:
            secrets.append(api_key)
        retry = retry or RetryConfig()
        log = logging.getLogger(profile.logger_name)
        if not any(isinstance(f, RedactingFilter) for f in log.filters):
            log.addFilter(RedactingFilter(sensitive))
        self._settings = _Settings(
            profile=profile,
            headers=all_headers,
            secrets=tuple(sorted(secrets, key=len, reverse=True)),
            sensitive=frozenset(sensitive),
            timeout=_timeout(timeout, "timeout"),
            retry=retry if max_retries is None else replace(retry, max_retries=max_retries),
            deadline=deadline,
            rng=random.SystemRandom(),
            log=log,
        )

    @property
    def profile(self) -> APIProfile:
        return self._settings.profile

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.base_url!r}, api={self.profile.name!r})"

    def _call(
        self,
        operation: Operation,
        path_params: Mapping[str, str] | None,
        body: bytes | None,
        options: RequestOptions | None,
        params: Mapping[str, Any] | None = None,
    ) -> _Call:
        parts = request_parts(operation.operation_id, operation.parameters, {**(path_params or {}), **(params or {})})
        url = self.base_url + operation.url_path(path_params or {}, parts.path)
        if parts.query:
            url += "?" + parts.query
        return _Call(self._settings, operation, url, body, options or RequestOptions(), parts.headers)

    def decode(self, operation: Operation, response: httpx.Response, type_: type[T]) -> T:
        """Decode a success body into the operation's response model, or raise the decode error naming the path."""
        decoded: T = self.decode_value(operation, response, type_)
        return decoded

    def decode_value(self, operation: Operation, response: httpx.Response, type_: Any) -> Any:
        """`decode` for any type msgspec reads, a union alias included (the stubs cast the result)."""
        try:
            return operation.codec.decode(response.content, type_)
        except (msgspec.ValidationError, msgspec.DecodeError) as error:
            failure = self.profile.errors.decode(
                f"{operation.operation_id}: the {response.status_code} response does not match "
                f"{getattr(type_, '__name__', type_)}: {self._settings.scrub(str(error))}",
                status_code=response.status_code,
                request_id=response.headers.get(self.profile.request_id_header),
            )
        failure.attempts = response.extensions.get(ATTEMPTS, 1)
        raise failure


class _Call:
    """One logical request: the idempotency key, retry budget and deadline every one of its tries shares."""

    def __init__(
        self,
        settings: _Settings,
        operation: Operation,
        url: str,
        body: bytes | None,
        options: RequestOptions,
        header_params: Mapping[str, str] | None = None,
    ) -> None:
        self.settings = settings
        self.profile = settings.profile
        self.operation = operation
        self.url = url
        self.body = body
        self.headers: dict[str, str | Secret] = {
            "accept": "application/json",
            **(header_params or {}),
            **settings.headers,
        }
        if body is not None:
            self.headers["content-type"] = "application/json"
        extra = {name.lower(): value for name, value in (options.extra_headers or {}).items()}
        idempotency_header = (self.profile.idempotency_header or "").lower()
        if idempotency_header and options.idempotency_key is not None:
            self.headers[idempotency_header] = options.idempotency_key
        elif idempotency_header and operation.method not in SAFE_METHODS and idempotency_header not in extra:
            self.headers[idempotency_header] = str(uuid.uuid4())
        self.headers.update(extra)
        self.timeout = settings.timeout if options.timeout is None else _timeout(options.timeout, "timeout")
        self.max_retries = settings.retry.max_retries if options.max_retries is None else options.max_retries
        deadline = options.deadline or settings.deadline
        self.deadline = None if deadline is None else time.monotonic() + deadline
        self.deadline_seconds = deadline
        self.attempt = 0
        self.last_error: APIError | None = None
        self.chunks: list[bytes] = []

    def left(self) -> float | None:
        """Seconds left before the deadline (None: no deadline)."""
        return None if self.deadline is None else self.deadline - time.monotonic()

    def prepared(self) -> tuple[str, str, dict[str, str], bytes | None, httpx.Timeout]:
        """The next try: method, URL, headers, body and its timeouts, cut to what is left of the deadline."""
        left = self.left()
        if left is not None and left <= 0:
            raise self._finish(self.last_error or self._deadline_error())
        self.attempt += 1
        self.chunks = []
        timeout = self.timeout
        if left is not None:
            timeout = httpx.Timeout(
                connect=_cap(timeout.connect, left), read=_cap(timeout.read, left),
                write=_cap(timeout.write, left), pool=_cap(timeout.pool, left),
            )  # fmt: skip
        headers = {name: value.reveal() if isinstance(value, Secret) else value for name, value in self.headers.items()}
        if self.settings.log.isEnabledFor(logging.DEBUG):
            self.settings.log.debug(
                "%s %s (try %d of at most %d) headers=%s", self.operation.method, self.url, self.attempt,
                self.max_retries + 1, redact_headers(headers, self.settings.sensitive),
            )  # fmt: skip
        return self.operation.method, self.url, headers, self.body, timeout

    def take(self, chunk: bytes) -> None:
        """One chunk of the answer's body; raises the deadline error once the deadline has passed."""
        self.chunks.append(chunk)
        left = self.left()
        if left is not None and left <= 0:
            raise self._finish(self._deadline_error())

    def answered(self, response: httpx.Response) -> httpx.Response:
        """The answer with its whole body read (as `take` collected it, already decoded)."""
        headers = [(name, value) for name, value in response.headers.multi_items()
                   if name.lower() not in ("content-encoding", "content-length", "transfer-encoding")]  # fmt: skip
        extensions = {**response.extensions, ATTEMPTS: self.attempt}
        whole = httpx.Response(response.status_code, headers=headers, content=b"".join(self.chunks),
                               request=response.request, extensions=extensions)  # fmt: skip
        whole.read()
        return whole

    def next_step(self, answer: httpx.Response | Exception) -> httpx.Response | float:
        """The success response, or the wait before the next try; raises the API's error when there is none."""
        if isinstance(answer, Exception):
            return self.after_failure(answer)
        return self.after_response(answer)

    def after_failure(self, error: Exception) -> float:
        """The wait before the next try after the request failed in transport; raises when there is none."""
        errors = self.profile.errors
        detail = f"({type(error).__name__}: {self.settings.scrub(str(error))})"
        if isinstance(error, asyncio.TimeoutError):
            raise self._finish(self._deadline_error())
        if isinstance(error, httpx.TimeoutException):
            return self._retry_or_raise(errors.timeout(self._text(f"timed out {detail}")), retry_after=None)
        failure = errors.connection(self._text(f"connection failed {detail}"))
        if isinstance(error, FINAL_TRANSPORT_ERRORS):
            raise self._finish(failure)
        return self._retry_or_raise(failure, retry_after=None)

    def after_response(self, response: httpx.Response) -> httpx.Response | float:
        """The response when it is a success, else the wait before the next try; raises when there is none."""
        self.settings.log.debug("%s %s -> HTTP %d", self.operation.method, self.url, response.status_code)
        if response.status_code in self.operation.success_status:
            return response
        text = self.settings.scrub(response.text)
        permanent = self.profile.permanent_failure
        final_class = None if permanent is None else permanent(response.status_code, text)
        error = self._status_error(response, text, final_class)
        if final_class is not None or not is_retryable_status(response.status_code):
            raise self._finish(error)
        return self._retry_or_raise(error, retry_after=error.retry_after)

    def _retry_or_raise(self, error: APIError, retry_after: float | None) -> float:
        self.last_error = error
        retry = self.attempt
        if retry > self.max_retries:
            raise self._finish(error)
        delay = retry_delay(retry, self.settings.retry, self.settings.rng, retry_after)
        if delay is None:
            raise self._finish(error)
        left = self.left()
        if left is not None and delay + MIN_TRY_SECONDS >= left:
            raise self._finish(error)
        self.settings.log.info(
            "%s %s: %s; retry %d of %d in %.2f s", self.operation.method, self.url, error.message, retry,
            self.max_retries, delay,
        )  # fmt: skip
        return delay

    def _deadline_error(self) -> APIError:
        return self.profile.errors.timeout(self._text(f"the deadline of {self.deadline_seconds} s passed"))

    def _finish(self, error: APIError) -> APIError:
        error.attempts = self.attempt
        if self.attempt > 1 and not error.message.endswith(" tries)"):
            error.message = f"{error.message} (after {self.attempt} tries)"
            error.args = (error.message,)
        return error

    def _text(self, detail: str) -> str:
        return f"{self.operation.operation_id}: {detail}"

    def _status_error(
        self, response: httpx.Response, text: str, error_class: type[APIStatusError] | None
    ) -> APIStatusError:
        status = response.status_code
        error_class = error_class or self.profile.errors.for_status(status)
        body = self.operation.error_body(status, text)
        server_message = server_message_of(body, text) or response.reason_phrase
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
            response_text=text,
        )


@functools.cache
def default_tls() -> ssl.SSLContext:
    """httpx's default certificate check (certifi, or SSL_CERT_FILE / SSL_CERT_DIR as the process started with),
    built once: building it loads the CA bundle, tens of milliseconds that a client made per call (as the
    Exosphere StateManager does outside `async with`) would otherwise pay on every call."""
    return httpx.create_ssl_context()


def _own_client_settings(http_transport: httpx.BaseTransport | None) -> dict[str, Any]:
    """How a transport builds the client it owns: through `http_transport` when one is given (a local server in
    process; it stays the caller's to close), else over the network with the shared certificate context."""
    return {"verify": default_tls()} if http_transport is None else {"transport": LentTransport(http_transport)}


class SyncTransport(_TransportBase):
    """Blocking transport with one connection pool; close it, or use it as a context manager.

    The deadline is checked between the chunks of an answer; an answer that stalls completely ends at its read
    timeout, which is never longer than the time left when the try began."""

    def __init__(
        self,
        base_url: str,
        *,
        http_client: httpx.Client | None = None,
        http_transport: httpx.BaseTransport | None = None,
        **settings: Any,
    ) -> None:
        super().__init__(base_url, **settings)
        self._owns_client = http_client is None
        self._client = http_client or httpx.Client(**_own_client_settings(http_transport))

    def send(
        self,
        operation: Operation,
        *,
        path_params: Mapping[str, str] | None = None,
        body: bytes | None = None,
        options: RequestOptions | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> httpx.Response:
        """Send one call, retrying as configured; the success response, or the API's typed error."""
        call = self._call(operation, path_params, body, options, params)
        while True:
            try:
                answer: httpx.Response | Exception = self._try(call)
            except httpx.RequestError as error:
                answer = error
            # Handled outside the except block, so the SDK error does not chain httpx's (whose request holds the key).
            step = call.next_step(answer)
            if isinstance(step, httpx.Response):
                return step
            time.sleep(step)

    def _try(self, call: _Call) -> httpx.Response:
        method, url, headers, body, timeout = call.prepared()
        request = self._client.build_request(method, url, headers=headers, content=body, timeout=timeout)
        response = self._client.send(request, stream=True)
        try:
            for chunk in response.iter_bytes():
                call.take(chunk)
        finally:
            response.close()
        return call.answered(response)

    def close(self) -> None:
        if self._owns_client:
            self._client.close()

    def __enter__(self) -> SyncTransport:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AsyncTransport(_TransportBase):
    """Asyncio transport with one connection pool; close it, or use it as an async context manager.

    Each try is also bounded as a whole by what is left of the deadline."""

    def __init__(
        self,
        base_url: str,
        *,
        http_client: httpx.AsyncClient | None = None,
        http_transport: httpx.AsyncBaseTransport | None = None,
        **settings: Any,
    ) -> None:
        super().__init__(base_url, **settings)
        self._stack = async_stack(http_client, http_transport, default_tls())

    async def send(
        self,
        operation: Operation,
        *,
        path_params: Mapping[str, str] | None = None,
        body: bytes | None = None,
        options: RequestOptions | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> httpx.Response:
        """Send one call, retrying as configured; the success response, or the API's typed error."""
        call = self._call(operation, path_params, body, options, params)
        while True:
            try:
                left = call.left()
                answer: httpx.Response | Exception = await self._bounded(call, left)
            except (httpx.RequestError, asyncio.TimeoutError) as error:
                answer = error
            step = call.next_step(answer)
            if isinstance(step, httpx.Response):
                return step
            await asyncio.sleep(step)

    async def _bounded(self, call: _Call, left: float | None) -> httpx.Response:
        if left is None:
            return await self._try(call)
        if _timeout_scope is None:  # Python 3.10
            return await asyncio.wait_for(self._try(call), left)
        async with _timeout_scope(left):
            return await self._try(call)

    async def _try(self, call: _Call) -> httpx.Response:
        return await self._stack.exchange(call)

    async def aclose(self) -> None:
        await self._stack.aclose()

    async def __aenter__(self) -> AsyncTransport:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()


def _checked_base_url(base_url: object) -> str:
    if not isinstance(base_url, str):
        raise TypeError(f"base_url must be a str, got {type(base_url).__name__}")
    try:
        url = httpx.URL(base_url)
        port = url.port
    except (httpx.InvalidURL, ValueError):
        url, port = None, None
    if url is None or url.scheme not in ("http", "https") or not url.host:
        raise ValueError(f"base_url must be an http:// or https:// URL, got {_without_userinfo(base_url)!r}")
    if url.userinfo:
        raise ValueError("base_url must not carry a user or password: pass the key as api_key")
    del port
    return base_url.rstrip("/")


def _checked_key(api_key: object) -> str:
    """The key, if it can travel in a header; the error never repeats it."""
    if not isinstance(api_key, str):
        raise TypeError(f"api_key must be a str, got {type(api_key).__name__}")
    if not api_key or any(not "!" <= char <= "~" for char in api_key):
        raise ValueError(
            "api_key must be non-empty printable ASCII without spaces or line breaks "
            "(a key read from a file often ends in a newline)"
        )
    return api_key


def _timeout(value: httpx.Timeout | float, name: str) -> httpx.Timeout:
    if isinstance(value, httpx.Timeout):
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise ValueError(f"{name} must be a number of seconds > 0 or an httpx.Timeout, got {value!r}")
    return httpx.Timeout(value, connect=min(value, DEFAULT_TIMEOUT.connect or value))


def _cap(seconds: float | None, left: float) -> float:
    return left if seconds is None else min(seconds, left)


def _without_userinfo(url: str) -> str:
    """The URL without any user:password part, for error messages."""
    scheme, separator, rest = url.partition("://")
    if not separator:
        return url
    authority, slash, path = rest.partition("/")
    return f"{scheme}://{authority.rpartition('@')[2]}{slash}{path}"
