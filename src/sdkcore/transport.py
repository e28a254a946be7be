"""The one HTTP seam of both SDKs: builds a request for an Operation, sends it over httpx, maps failures to errors."""

from __future__ import annotations

from collections.abc import Mapping
from types import TracebackType
from typing import Any, TypeVar

import httpx
import msgspec

from sdkcore.errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    ResponseDecodeError,
    status_error_class,
)
from sdkcore.operation import Operation, RequestOptions

T = TypeVar("T")

DEFAULT_TIMEOUT = httpx.Timeout(60.0, connect=5.0)


class _TransportBase:
    def __init__(
        self,
        base_url: str,
        *,
        headers: Mapping[str, str] | None = None,
        timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
        request_id_header: str = "x-request-id",
    ) -> None:
        if not base_url:
            raise ValueError("base_url must be a non-empty URL")
        self.base_url = base_url.rstrip("/")
        self._headers = dict(headers or {})
        self._timeout = timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(timeout)
        self._request_id_header = request_id_header

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.base_url!r})"

    def _request(
        self,
        client: httpx.Client | httpx.AsyncClient,
        operation: Operation,
        path_params: Mapping[str, str],
        body: bytes | None,
        options: RequestOptions | None,
    ) -> httpx.Request:
        headers = {"accept": "application/json", **self._headers}
        if body is not None:
            headers["content-type"] = "application/json"
        timeout = self._timeout
        if options is not None:
            headers.update(options.extra_headers or {})
            if options.timeout is not None:
                timeout = httpx.Timeout(options.timeout, connect=min(options.timeout, self._timeout.connect or 5.0))
        return client.build_request(
            operation.method,
            self.base_url + operation.url_path(path_params),
            headers=headers,
            content=body,
            timeout=timeout,
        )

    def decode(self, operation: Operation, response: httpx.Response, type_: type[T]) -> T:
        """Decode a success body into the operation's response model, or raise ResponseDecodeError naming the path."""
        try:
            return operation.codec.decode(response.content, type_)
        except (msgspec.ValidationError, msgspec.DecodeError) as error:
            raise ResponseDecodeError(
                f"{operation.operation_id}: the {response.status_code} response does not match "
                f"{type_.__name__}: {error}",
                status_code=response.status_code,
                request_id=response.headers.get(self._request_id_header),
            ) from None

    def _check(self, operation: Operation, response: httpx.Response) -> httpx.Response:
        if response.status_code in operation.success_status:
            return response
        raise _status_error(operation, response, response.headers.get(self._request_id_header))


class SyncTransport(_TransportBase):
    """Blocking transport with one connection pool; close it, or use it as a context manager."""

    def __init__(self, base_url: str, *, http_client: httpx.Client | None = None, **kwargs: Any) -> None:
        super().__init__(base_url, **kwargs)
        self._client = http_client or httpx.Client()

    def send(
        self,
        operation: Operation,
        *,
        path_params: Mapping[str, str] | None = None,
        body: bytes | None = None,
        options: RequestOptions | None = None,
    ) -> httpx.Response:
        request = self._request(self._client, operation, path_params or {}, body, options)
        try:
            response = self._client.send(request)
        except httpx.TransportError as error:
            raise _transport_failure(operation, error) from None
        return self._check(operation, response)

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> SyncTransport:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AsyncTransport(_TransportBase):
    """Asyncio transport with one connection pool; close it, or use it as an async context manager."""

    def __init__(self, base_url: str, *, http_client: httpx.AsyncClient | None = None, **kwargs: Any) -> None:
        super().__init__(base_url, **kwargs)
        self._client = http_client or httpx.AsyncClient()

    async def send(
        self,
        operation: Operation,
        *,
        path_params: Mapping[str, str] | None = None,
        body: bytes | None = None,
        options: RequestOptions | None = None,
    ) -> httpx.Response:
        request = self._request(self._client, operation, path_params or {}, body, options)
        try:
            response = await self._client.send(request)
        except httpx.TransportError as error:
            raise _transport_failure(operation, error) from None
        return self._check(operation, response)

    async def aclose(self) -> None:
        await self._client.aclose()

    async def __aenter__(self) -> AsyncTransport:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()


def _transport_failure(operation: Operation, error: httpx.TransportError) -> APIConnectionError:
    if isinstance(error, httpx.TimeoutException):
        return APITimeoutError(f"{operation.operation_id}: timed out ({type(error).__name__})")
    return APIConnectionError(f"{operation.operation_id}: connection failed ({type(error).__name__})")


def _status_error(operation: Operation, response: httpx.Response, request_id: str | None) -> APIStatusError:
    body: Any = None
    server_message = response.text
    error_type = operation.error_types.get(response.status_code)
    if error_type is not None:
        try:
            body = operation.codec.decode(response.content, error_type)
        except (msgspec.ValidationError, msgspec.DecodeError):
            body = None
    for attribute in ("error", "detail"):
        value = getattr(body, attribute, None)
        if isinstance(value, str):
            server_message = value
    error_class = status_error_class(response.status_code)
    return error_class(
        f"{operation.operation_id}: HTTP {response.status_code}: {server_message}",
        status_code=response.status_code,
        body=body,
        request_id=request_id,
    )
