"""The one HTTP seam of both SDKs: sends an Operation over httpx with timeouts, retries and an idempotency key,
and turns every failure into the API's typed error."""

from __future__ import annotations

import asyncio
import contextvars
import functools
import logging
import os
import queue
import random
import ssl
import threading
import time
import uuid
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from types import TracebackType
from typing import Any, TypeVar

import httpcore
import httpx
import msgspec

from sdkcore.async_stack import ATTEMPTS, CHUNK, async_stack, proxied, read_httpx
from sdkcore.errors import APIError, APIStatusError, server_message_of
from sdkcore.lent import LentTransport, send_following
from sdkcore.operation import Operation, RequestOptions
from sdkcore.parameters import request_parts
from sdkcore.profile import APIProfile
from sdkcore.redaction import SENSITIVE_HEADERS, RedactingFilter, redact_headers, scrub
from sdkcore.retry import RetryConfig, is_retryable_status, parse_retry_after, retry_delay
from sdkcore.secret import Secret
from sdkcore.settings import check_bytes, check_deadline, check_timeout

T = TypeVar("T")
_timeout_scope = getattr(asyncio, "timeout", None)  # Python >= 3.11: bounds a try without a task of its own

DEFAULT_TIMEOUT = httpx.Timeout(60.0, connect=5.0)
"""Per try: 5 s to connect, 60 s for each read, write and pool wait."""
DEFAULT_DEADLINE = 300.0
"""Seconds one call may take in all, every try and wait included."""
DEFAULT_MAX_RESPONSE_BYTES = 16 * 1024 * 1024
"""The largest success body a call reads, counted decoded (after gzip or deflate): 16 MiB."""
DEFAULT_MAX_ERROR_BYTES = 8 * 1024
"""How much of an error answer's body a call reads and keeps on the error (decoded): 8 KiB."""
ACCEPT_ENCODING = "gzip, deflate"
"""The codings the transport decodes itself, a piece at a time, so the size limits hold on the decoded size."""
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
    max_response_bytes: int
    max_error_bytes: int
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
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        max_error_bytes: int = DEFAULT_MAX_ERROR_BYTES,
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
        check_bytes("max_response_bytes", max_response_bytes)
        check_bytes("max_error_bytes", max_error_bytes)
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
            max_response_bytes=max_response_bytes,
            max_error_bytes=max_error_bytes,
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
        self.sensitive = settings.sensitive
        self.operation = operation
        self.url = url
        self.body = body
        self.headers: dict[str, str | Secret] = {
            "accept": "application/json",
            "accept-encoding": ACCEPT_ENCODING,
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
        self._answer = _Body(None, settings.max_error_bytes, strict=False)
        self._status = 0
        self._success = False
        self._request_id: str | None = None

    def left(self) -> float | None:
        """Seconds left before the deadline (None: no deadline)."""
        return None if self.deadline is None else self.deadline - time.monotonic()

    def prepared(self) -> tuple[str, str, dict[str, str], bytes | None, httpx.Timeout]:
        """The next try: method, URL, headers, body and its timeouts, cut to what is left of the deadline."""
        left = self.left()
        if left is not None and left <= 0:
            raise self._finish(self.last_error or self._deadline_error())
        self.attempt += 1
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

    def start(self, status_code: int, headers: Mapping[str, str], decoded: bool = False) -> None:
        """An answer's status and headers arrived; its body follows (already decoded if `decoded`). A success may
        hold at most `max_response_bytes`, one that says it holds more is refused before it is read; of an error
        status only the first `max_error_bytes` are read."""
        self._status = status_code
        self._success = status_code in self.operation.success_status
        self._request_id = headers.get(self.profile.request_id_header)
        limit = self.settings.max_response_bytes if self._success else self.settings.max_error_bytes
        codings = None if decoded else headers.get("content-encoding")
        declared = _length(headers.get("content-length"))
        if self._success and not codings and self.operation.method != "HEAD" and (declared or 0) > limit:
            raise self._finish(self._too_large())
        self._answer = _Body(codings, limit, strict=self._success)

    def take(self, chunk: bytes) -> bool:
        """One raw chunk of the answer's body; False once enough is read (the rest of an error body is not wanted:
        the stack stops and drops the connection). Raises the too-large error for a success beyond its limit, and
        the deadline error once the deadline has passed."""
        more = self._answer.feed(chunk)
        if self._answer.full and self._success:
            raise self._finish(self._too_large())
        left = self.left()
        if left is not None and left <= 0:
            raise self._finish(self._deadline_error())
        return more

    def content(self) -> bytes:
        """The body `take` collected, decoded."""
        content = self._answer.content()
        if self._answer.full and self._success:
            raise self._finish(self._too_large())
        return content

    def answered(self, response: httpx.Response) -> httpx.Response:
        """The answer with its body read (as `take` collected it, decoded)."""
        headers = [(name, value) for name, value in response.headers.multi_items()
                   if name.lower() not in ("content-encoding", "content-length", "transfer-encoding")]  # fmt: skip
        extensions = {**response.extensions, ATTEMPTS: self.attempt}
        whole = httpx.Response(response.status_code, headers=headers, content=self.content(),
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
        if isinstance(error, (asyncio.TimeoutError, _DeadlinePassedError)):
            raise self._finish(self._deadline_error())
        if isinstance(error, httpx.TimeoutException):
            left = self.left()
            if left is not None and left <= 0:  # a timeout cut to what was left of the deadline
                raise self._finish(self._deadline_error())
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

    def _too_large(self) -> APIError:
        limit = self.settings.max_response_bytes
        suffix = f" [request id {self._request_id}]" if self._request_id else ""
        return self.profile.errors.too_large(
            self._text(f"the {self._status} response is larger than max_response_bytes ({limit} bytes, decoded); "
                       f"it was not read further{suffix}"),
            status_code=self._status, request_id=self._request_id, limit=limit,
        )  # fmt: skip

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


class _Body:
    """An answer's body as it arrives: decoded a piece at a time (gzip, deflate), counted, at most `limit` bytes
    kept. `full` once more than that arrived. A `strict` body raises `httpx.DecodingError` for a coding it cannot
    undo; another (an error answer's, only read for its text) keeps what it could decode and stops."""

    def __init__(self, codings: str | None, limit: int, *, strict: bool) -> None:
        self.limit = limit
        self.full = False
        self._size = 0
        self._parts: list[bytes] = []
        self._strict = strict
        self._broken = False
        try:
            self._stages = _inflaters(codings)
        except httpx.DecodingError:
            if strict:
                raise
            self._stages, self._broken = [], True

    def feed(self, chunk: bytes) -> bool:
        """Take a raw chunk; False once no more is wanted."""
        return self._kept(lambda: _through(self._stages, chunk))

    def content(self) -> bytes:
        if not self.full:
            self._kept(lambda: _flushed(self._stages))
        return b"".join(self._parts)

    def _kept(self, pieces: Callable[[], Iterable[bytes]]) -> bool:
        if self._broken or self.full:
            return False
        try:
            for piece in pieces():
                room = self.limit - self._size
                if len(piece) > room:
                    self._parts.append(piece[:room])
                    self._size, self.full = self.limit, True
                    return False
                self._parts.append(piece)
                self._size += len(piece)
        except httpx.DecodingError:
            if self._strict:
                raise
            self._broken = True
            return False
        return True


_WBITS = {"gzip": 16 + zlib.MAX_WBITS, "x-gzip": 16 + zlib.MAX_WBITS, "deflate": zlib.MAX_WBITS}


class _Inflater:
    """One content coding undone with zlib, never more than CHUNK bytes of output at a time."""

    def __init__(self, coding: str) -> None:
        self._wbits = _WBITS[coding]
        self._zlib = zlib.decompressobj(self._wbits)
        self._raw_deflate_possible = coding == "deflate"  # deflate is zlib-wrapped, but some servers send it raw

    def pieces(self, data: bytes) -> Iterator[bytes]:
        while not self._zlib.eof:
            piece = self._step(data)
            data = self._zlib.unconsumed_tail
            if piece:
                yield piece
            if not data and len(piece) < CHUNK:
                return

    def flush(self) -> bytes:
        try:
            return b"" if self._zlib.eof else self._zlib.flush()
        except zlib.error as error:
            raise httpx.DecodingError(str(error)) from None

    def _step(self, data: bytes) -> bytes:
        try:
            piece = self._zlib.decompress(data, CHUNK)
        except zlib.error as error:
            if not self._raw_deflate_possible:
                raise httpx.DecodingError(str(error)) from None
            self._raw_deflate_possible = False
            self._zlib = zlib.decompressobj(-zlib.MAX_WBITS)
            return self._step(data)
        if data:
            self._raw_deflate_possible = False
        return piece


def _inflaters(codings: str | None) -> list[_Inflater]:
    """The decoders for a Content-Encoding header, in the order they undo it."""
    names = [name.strip().lower() for name in (codings or "").split(",")]
    unknown = [name for name in names if name and name != "identity" and name not in _WBITS]
    if unknown:
        raise httpx.DecodingError(f"content-encoding {unknown[0]!r} is not supported (only {ACCEPT_ENCODING})")
    return [_Inflater(name) for name in reversed(names) if name in _WBITS]


def _through(stages: list[_Inflater], data: bytes) -> Iterator[bytes]:
    if not stages:
        if data:
            yield data
        return
    for piece in stages[0].pieces(data):
        yield from _through(stages[1:], piece)


def _flushed(stages: list[_Inflater]) -> Iterator[bytes]:
    for index, stage in enumerate(stages):
        yield from _through(stages[index + 1 :], stage.flush())


def _length(value: str | None) -> int | None:
    try:
        return None if value is None else int(value)
    except ValueError:
        return None


@functools.cache
def default_tls() -> ssl.SSLContext:
    """httpx's default certificate check (certifi, or SSL_CERT_FILE / SSL_CERT_DIR as the process started with),
    built once: building it loads the CA bundle, tens of milliseconds that a client made per call (as the
    Exosphere StateManager does outside `async with`) would otherwise pay on every call."""
    return httpx.create_ssl_context()


class SyncTransport(_TransportBase):
    """Blocking transport with one connection pool; close it, or use it as a context manager.

    The deadline holds in every phase of a try (connecting, sending, the headers, the body). On the transport's
    own pool each socket operation's timeout is cut to what is left of it, so an answer that trickles in ends
    when the deadline passes; a try through your `http_client` or `http_transport` (or a proxy from the
    environment) runs in a worker thread the call stops waiting for at the deadline."""

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
        own = None if http_client is not None or http_transport is not None or proxied() else _deadline_transport()
        self._watched = own is None
        if http_client is not None:
            self._client = http_client
        elif own is not None:
            self._client = httpx.Client(transport=own)
        elif http_transport is not None:  # a local server in process, a mock; it stays the caller's to close
            self._client = httpx.Client(transport=LentTransport(http_transport))
        else:
            self._client = httpx.Client(verify=default_tls())

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
            except (httpx.RequestError, _DeadlinePassedError) as error:
                answer = error
            # Handled outside the except block, so the SDK error does not chain httpx's (whose request holds the key).
            step = call.next_step(answer)
            if isinstance(step, httpx.Response):
                return step
            time.sleep(step)

    def _try(self, call: _Call) -> httpx.Response:
        if call.deadline is None:
            return self._exchange(call)
        if self._watched:
            return _within(call.deadline, self._exchange, call)
        token = _DEADLINE.set(call.deadline)  # read by the pool's sockets (_DeadlineStream)
        try:
            return self._exchange(call)
        finally:
            _DEADLINE.reset(token)

    def _exchange(self, call: _Call) -> httpx.Response:
        method, url, headers, body, timeout = call.prepared()
        request = self._client.build_request(method, url, headers=headers, content=body, timeout=timeout)
        response = send_following(self._client, request, call.sensitive)
        try:
            if read_httpx(call, response):
                for chunk in response.iter_raw():
                    if not call.take(chunk):
                        break  # closing the answer unread drops its connection
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


class _DeadlinePassedError(Exception):
    """The deadline passed while a try was still running in its worker thread."""


def _within(deadline: float, function: Callable[[_Call], httpx.Response], call: _Call) -> httpx.Response:
    """`function(call)` run by a worker thread (with the caller's context variables), waited for until the
    deadline (a `time.monotonic()` value) at most. A try left behind stops at its next body chunk (`take` checks
    the deadline), or when the client's own timeouts or the server end it; its answer is dropped."""
    outcome: queue.SimpleQueue[tuple[bool, Any]] = queue.SimpleQueue()
    context = contextvars.copy_context()

    def run() -> None:
        try:
            outcome.put((True, context.run(function, call)))
        except BaseException as error:  # handed to the caller's thread and raised there
            outcome.put((False, error))

    _WORKERS.submit(run)
    try:
        succeeded, value = outcome.get(timeout=max(0.0, deadline - time.monotonic()))
    except queue.Empty:
        raise _DeadlinePassedError from None
    if succeeded:
        answer: httpx.Response = value
        return answer
    raise value


class _Workers:
    """The daemon threads that run the tries `_within` waits for: an idle one takes the next try, a new one starts
    when none is idle (one still running a try left behind is not), and one idle for `IDLE` seconds ends.
    Starting a thread per try would cost more CPU than the request."""

    IDLE = 30.0

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._idle: list[queue.SimpleQueue[Callable[[], None]]] = []

    def submit(self, job: Callable[[], None]) -> None:
        with self._lock:
            idle = self._idle.pop() if self._idle else None
        inbox: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue() if idle is None else idle
        if idle is None:
            threading.Thread(target=self._work, args=(inbox,), name="sdkcore-try", daemon=True).start()
        inbox.put(job)

    def forget(self) -> None:
        """In a forked child: the parent's workers do not exist there."""
        self._lock = threading.Lock()
        self._idle = []

    def _work(self, inbox: queue.SimpleQueue[Callable[[], None]]) -> None:
        while True:
            try:
                job = inbox.get(timeout=self.IDLE)
            except queue.Empty:
                with self._lock:
                    if inbox in self._idle:
                        self._idle.remove(inbox)
                        return
                continue  # taken the moment it timed out: its job is on the way
            job()
            del job
            with self._lock:
                self._idle.append(inbox)


_WORKERS = _Workers()
if hasattr(os, "register_at_fork"):  # not on Windows
    os.register_at_fork(after_in_child=_WORKERS.forget)


_DEADLINE: contextvars.ContextVar[float | None] = contextvars.ContextVar("sdkcore_deadline", default=None)
"""The `time.monotonic()` deadline of the try running in this thread, for the sockets of the transport's pool."""


def _bounded(timeout: float | None, error: type[Exception]) -> float | None:
    """A socket operation's timeout, cut to what is left of the current try's deadline; `error` once none is."""
    deadline = _DEADLINE.get()
    if deadline is None:
        return timeout
    left = deadline - time.monotonic()
    if left <= 0:
        raise error("the deadline of the call passed")
    return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    """A connection whose every read, write and TLS handshake ends by the deadline of the try using it: httpx's
    timeouts count per socket operation, so an answer that drips a header line at a time would never end."""

    def __init__(self, stream: httpcore.NetworkStream) -> None:
        self._stream = stream

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, _bounded(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, _bounded(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        timeout = _bounded(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(self._stream.start_tls(ssl_context, server_hostname, timeout))

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


class _DeadlineBackend(httpcore.NetworkBackend):
    def __init__(self) -> None:
        self._backend = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        timeout = _bounded(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(self._backend.connect_tcp(host, port, timeout, local_address, socket_options))

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None
    ) -> httpcore.NetworkStream:
        timeout = _bounded(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(self._backend.connect_unix_socket(path, timeout, socket_options))

    def sleep(self, seconds: float) -> None:
        self._backend.sleep(seconds)


def _deadline_transport() -> httpx.HTTPTransport | None:
    """httpx's transport as `httpx.Client()` makes it (the shared certificate context, httpx's default limits),
    over a pool whose connections end by the try's deadline; None if this httpx keeps its pool elsewhere."""
    transport = httpx.HTTPTransport(verify=default_tls())
    if not isinstance(getattr(transport, "_pool", None), httpcore.ConnectionPool):
        return None
    pool = httpcore.ConnectionPool(ssl_context=default_tls(), max_connections=100, max_keepalive_connections=20,
                                   keepalive_expiry=5.0, network_backend=_DeadlineBackend())  # fmt: skip
    transport._pool = pool  # pyright: ignore[reportPrivateUsage] -- the one pool httpx sends through
    return transport


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
    check_timeout(name, value)
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
