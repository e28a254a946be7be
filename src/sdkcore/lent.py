"""What the caller lends a transport, and how it is used without handing anything over.

* A transport (`http_transport=`): the client the SDK makes over it sends through it but must not close it, since
  the caller may lend it again.
* A client (`http_client=`): when it follows redirects, the SDK follows them hop by hop itself, as httpx would,
  but the credentials never leave the origin (scheme, host and port) the call was made to. httpx itself only
  drops `Authorization` on the way to another host, so an `x-api-key` would travel on.
"""

from __future__ import annotations

from collections.abc import Collection

import httpx

__all__ = ["LentAsyncTransport", "LentTransport", "asend_following", "send_following"]


class LentTransport(httpx.BaseTransport):
    def __init__(self, transport: httpx.BaseTransport) -> None:
        self._transport = transport

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return self._transport.handle_request(request)

    def close(self) -> None:
        return None


class LentAsyncTransport(httpx.AsyncBaseTransport):
    def __init__(self, transport: httpx.AsyncBaseTransport) -> None:
        self._transport = transport

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await self._transport.handle_async_request(request)

    async def aclose(self) -> None:
        return None


_DEFAULT_PORTS = {"http": 80, "https": 443}


def origin(url: httpx.URL) -> tuple[str, str, int | None]:
    """Scheme, host and port (the scheme's default when the URL names none)."""
    return url.scheme, url.host, url.port or _DEFAULT_PORTS.get(url.scheme)


def send_following(client: httpx.Client, request: httpx.Request, sensitive: Collection[str]) -> httpx.Response:
    """`client.send(request, stream=True)`, its redirects followed if the client follows them, with the
    `sensitive` headers dropped once a hop leaves the request's origin."""
    response = client.send(request, stream=True, follow_redirects=False)
    hops = 0
    while client.follow_redirects and response.next_request is not None:
        hops += 1
        hop = _next_hop(response.next_request, request, sensitive, hops, client.max_redirects)
        response.close()
        # No auth: the client's auth was applied to the first request, and httpx's own redirects do not repeat it.
        response = client.send(hop, stream=True, follow_redirects=False, auth=None)
    return response


async def asend_following(
    client: httpx.AsyncClient, request: httpx.Request, sensitive: Collection[str]
) -> httpx.Response:
    """The asyncio form of `send_following`."""
    response = await client.send(request, stream=True, follow_redirects=False)
    hops = 0
    while client.follow_redirects and response.next_request is not None:
        hops += 1
        hop = _next_hop(response.next_request, request, sensitive, hops, client.max_redirects)
        await response.aclose()
        response = await client.send(hop, stream=True, follow_redirects=False, auth=None)
    return response


def _next_hop(
    hop: httpx.Request, first: httpx.Request, sensitive: Collection[str], hops: int, max_redirects: int
) -> httpx.Request:
    """The request httpx built for a redirect, without the credentials if it leaves the first request's origin.

    Once dropped they stay dropped: each hop starts from the headers of the one before."""
    if hops > max_redirects:
        raise httpx.TooManyRedirects("Exceeded maximum allowed redirects.", request=hop)
    if origin(hop.url) != origin(first.url):
        for name in sensitive:
            hop.headers.pop(name, None)
    return hop
