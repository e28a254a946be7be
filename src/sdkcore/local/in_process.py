"""A local server's app in process: httpx transports that call it directly, with no socket
(`httpx.Client(transport=InProcessTransport(app))`); a closed server is a connection error, as a stopped one."""

from __future__ import annotations

import asyncio

import httpx

from sdkcore.local.app import App, Request, Response, finish

__all__ = ["AsyncInProcessTransport", "InProcessTransport"]


def _response(request: httpx.Request, answer: Response) -> httpx.Response:
    answer = finish(answer)
    return httpx.Response(answer.status, headers=answer.headers, content=answer.body, request=request)


def _request(request: httpx.Request, body: bytes) -> Request:
    return Request.build(request.method, request.url.raw_path.decode("ascii"), dict(request.headers.items()), body)


def _check_open(app: App, request: httpx.Request) -> None:
    """A closed server is gone, as one whose process ended: httpx's ConnectError (the SDKs' APIConnectionError)."""
    if getattr(app, "closed", False):
        raise httpx.ConnectError(f"{app!r} is closed: use it inside its `with` block", request=request)


class InProcessTransport(httpx.BaseTransport):
    """An httpx transport that calls the app directly: `httpx.Client(transport=InProcessTransport(app))`."""

    def __init__(self, app: App) -> None:
        self._app = app

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        _check_open(self._app, request)
        return _response(request, self._app(_request(request, request.read())))


class AsyncInProcessTransport(httpx.AsyncBaseTransport):
    """The asyncio form of InProcessTransport; the app runs in a worker thread, so it never blocks the loop."""

    def __init__(self, app: App) -> None:
        self._app = app

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        _check_open(self._app, request)
        body = await request.aread()
        answer = await asyncio.to_thread(self._app, _request(request, body))
        return _response(request, answer)
