"""`WaygridClient` (asyncio) and `SyncWaygridClient`: submit specs to the router through the shared transport."""

from __future__ import annotations

from types import TracebackType
from typing import TYPE_CHECKING, Any

from msgspec import UNSET

from sdkcore.operation import RequestOptions
from sdkcore.secret import Secret
from waygrid._api import PROFILE
from waygrid.spec import Spec
from waygrid_api import operations
from waygrid_api.models.ingest import IngestRequest, IngestResponse, ServiceInfo
from waygrid_api.models.traversal_spec import Spec as SpecStruct

if TYPE_CHECKING:
    import httpx

    from sdkcore.transport import AsyncTransport, SyncTransport

__all__ = ["SubmitResult", "SyncWaygridClient", "WaygridClient"]

SubmitResult = IngestResponse
"""What `submit` returns: `traversal_id` and `dag_hash`."""


class _ClientBase:
    def __init__(
        self,
        base_url: str,
        api_key: str | None = None,
        *,
        timeout: float | httpx.Timeout | None = None,
        max_retries: int | None = None,
        deadline: float | None = None,
        max_response_bytes: int | None = None,
        max_error_bytes: int | None = None,
        validate: bool = True,
        http_transport: httpx.BaseTransport | httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._base_url = base_url
        self._api_key = None if api_key is None else Secret(api_key)
        given = (("timeout", timeout), ("max_retries", max_retries), ("deadline", deadline),
                 ("max_response_bytes", max_response_bytes), ("max_error_bytes", max_error_bytes))  # fmt: skip
        self._settings: dict[str, Any] = {name: value for name, value in given if value is not None}
        if http_transport is not None:  # an httpx transport to send through: a local router in process, a mock
            self._settings["http_transport"] = http_transport
        self._validate = validate

    def _transport_settings(self) -> dict[str, Any]:
        api_key = None if self._api_key is None else self._api_key.reveal()
        return {"profile": PROFILE, "api_key": api_key, **self._settings}

    def _request(self, spec: Spec | SpecStruct, payload: Any, validate: bool | None) -> IngestRequest:
        if not isinstance(spec, SpecStruct):
            raise TypeError(f"submit takes a Spec (Spec.single(...)), got {type(spec).__name__}")
        if self._validate if validate is None else validate:
            Spec.from_struct(spec).validate()
        return IngestRequest(graph=spec, payload=UNSET if payload is None else payload)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self._base_url!r})"


class WaygridClient(_ClientBase):
    """The asyncio client. Use it as `async with WaygridClient(...) as client:`; it can be entered again after it
    closed (a new connection pool is opened)."""

    def __init__(self, base_url: str, api_key: str | None = None, **settings: Any) -> None:
        super().__init__(base_url, api_key, **settings)
        self._transport: AsyncTransport | None = None
        self._open()  # checks base_url and api_key now, not at the first call

    def _open(self) -> AsyncTransport:
        if self._transport is None:
            from sdkcore.transport import AsyncTransport

            self._transport = AsyncTransport(self._base_url, **self._transport_settings())
        return self._transport

    async def submit(
        self,
        spec: Spec | SpecStruct,
        payload: Any = None,
        *,
        validate: bool | None = None,
        options: RequestOptions | None = None,
    ) -> SubmitResult:
        """Validate the spec (unless `validate=False`), send it with the payload (left out when None) and return
        the `traversal_id` and `dag_hash` the router assigned."""
        body = self._request(spec, payload, validate)
        return await operations.ingest_async(self._open(), body=body, options=options)

    async def service_info(self, *, options: RequestOptions | None = None) -> ServiceInfo:
        """The router's `GET /` description of itself."""
        return await operations.service_info_async(self._open(), options=options)

    async def aclose(self) -> None:
        if self._transport is not None:
            transport, self._transport = self._transport, None
            await transport.aclose()

    async def __aenter__(self) -> WaygridClient:
        self._open()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()


class SyncWaygridClient(_ClientBase):
    """The blocking client, with the same calls as WaygridClient. Use it as `with SyncWaygridClient(...) as c:`."""

    def __init__(self, base_url: str, api_key: str | None = None, **settings: Any) -> None:
        super().__init__(base_url, api_key, **settings)
        self._transport: SyncTransport | None = None
        self._open()

    def _open(self) -> SyncTransport:
        if self._transport is None:
            from sdkcore.transport import SyncTransport

            self._transport = SyncTransport(self._base_url, **self._transport_settings())
        return self._transport

    def submit(
        self,
        spec: Spec | SpecStruct,
        payload: Any = None,
        *,
        validate: bool | None = None,
        options: RequestOptions | None = None,
    ) -> SubmitResult:
        """See WaygridClient.submit."""
        return operations.ingest(self._open(), body=self._request(spec, payload, validate), options=options)

    def service_info(self, *, options: RequestOptions | None = None) -> ServiceInfo:
        return operations.service_info(self._open(), options=options)

    def close(self) -> None:
        if self._transport is not None:
            transport, self._transport = self._transport, None
            transport.close()

    def __enter__(self) -> SyncWaygridClient:
        self._open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
