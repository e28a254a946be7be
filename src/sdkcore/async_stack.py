"""How `AsyncTransport` puts a request on the wire and reads the answer whole.

Three stacks, one interface (`exchange`: one try of a call, the raw chunks of its body handed to the call, which
decodes and counts them and checks the deadline; the answer an `httpx.Response`):

* your `httpx.AsyncClient` (`http_client=`), or one the SDK makes over your transport (`http_transport=`, which
  stays yours to close): httpx's API is the seam, whatever you plug into it;
* by default, aiohttp, called directly: per request a fraction of the CPU httpx's own stack (httpcore) costs
  (`nox -s bench`, "HTTP stacks" and "Worker throughput"), which is what a worker polling and reporting all day
  pays; aiohttp is a dependency (exospherehost 0.0.3 depended on it too);
* httpx's transport called directly when aiohttp cannot be imported.

When the environment names a proxy (`HTTPS_PROXY`, ...) the SDK-owned stack is an `httpx.AsyncClient`, which
honours it. aiohttp's failures are turned into httpx's exception classes, so retries and messages do not depend on
the stack. No stack follows a redirect with the API key to another origin: the SDK's own never follow one, and a
client of yours that does is walked hop by hop (`sdkcore.lent.asend_following`).
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Protocol

import httpx

from sdkcore.lent import LentAsyncTransport, asend_following

if TYPE_CHECKING:
    import ssl
    from collections.abc import Mapping

    import aiohttp

__all__ = ["ATTEMPTS", "AsyncStack", "Try", "async_stack", "proxied", "read_httpx"]

ATTEMPTS = "sdkcore.attempts"
CHUNK = 64 * 1024


class Try(Protocol):
    """What a stack needs of the call it sends (the transport's `_Call`): the next try's request, then the answer's
    status, headers and raw body chunks as they arrive (`take` decodes and counts them, and says when to stop)."""

    attempt: int
    sensitive: frozenset[str]
    """Header names (lower case) that must not follow a redirect to another origin."""

    def prepared(self) -> tuple[str, str, dict[str, str], bytes | None, httpx.Timeout]: ...

    def start(self, status_code: int, headers: Mapping[str, str], decoded: bool = False) -> None: ...

    def take(self, chunk: bytes) -> bool: ...

    def content(self) -> bytes: ...

    def answered(self, response: httpx.Response) -> httpx.Response: ...


class AsyncStack:
    async def exchange(self, call: Try) -> httpx.Response:
        raise NotImplementedError

    async def aclose(self) -> None:
        raise NotImplementedError


class _HttpxStack(AsyncStack):
    """An httpx client, or an httpx transport called as a client would call it."""

    def __init__(self, client: httpx.AsyncClient | None, transport: httpx.AsyncBaseTransport | None,
                 owned: bool) -> None:  # fmt: skip
        self._client = client
        self._transport = transport
        self._owned = owned

    async def exchange(self, call: Try) -> httpx.Response:
        method, url, headers, body, timeout = call.prepared()
        if self._client is not None:
            request = self._client.build_request(method, url, headers=headers, content=body, timeout=timeout)
            response = await asend_following(self._client, request, call.sensitive)
        else:
            assert self._transport is not None
            request = httpx.Request(method, url, headers={**_DEFAULT_HEADERS, **headers}, content=body,
                                    extensions={"timeout": timeout.as_dict()})  # fmt: skip
            response = await self._transport.handle_async_request(request)
            response.request = request
        try:
            if read_httpx(call, response):
                async for chunk in response.aiter_raw():
                    if not call.take(chunk):
                        break
        finally:
            await response.aclose()
        return call.answered(response)

    async def aclose(self) -> None:
        if self._owned:
            if self._client is not None:
                await self._client.aclose()
            elif self._transport is not None:
                await self._transport.aclose()


def read_httpx(call: Try, response: httpx.Response) -> bool:
    """Start reading an httpx answer into `call`; False when its body is in memory already (a mock's, an
    in-process server's) and taken, True when its raw chunks are to be streamed to `call.take`."""
    if not response.is_stream_consumed:
        call.start(response.status_code, response.headers)
        return True
    call.start(response.status_code, response.headers, decoded=True)
    call.take(response.content)
    return False


_DEFAULT_HEADERS = {"accept-encoding": "gzip, deflate", "connection": "keep-alive",
                    "user-agent": f"python-httpx/{httpx.__version__}"}  # fmt: skip
"""What an `httpx.AsyncClient` adds to every request unless told otherwise."""


_FRAMING = (b"content-encoding", b"content-length", b"transfer-encoding")
"""Headers that describe the body as it travelled, not the decoded body the answer carries."""


class _AiohttpStack(AsyncStack):
    def __init__(self, verify: ssl.SSLContext) -> None:
        self._verify = verify
        self._session: aiohttp.ClientSession | None = None

    async def exchange(self, call: Try) -> httpx.Response:
        import aiohttp
        import yarl

        method, url, headers, body, timeout = call.prepared()
        if self._session is None:
            # The body is decoded by the call (`take`), which stops at its size limit: aiohttp would inflate a
            # compressed chunk whole, however large it grows.
            self._session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=self._verify),
                                                  auto_decompress=False)  # fmt: skip
        limits = aiohttp.ClientTimeout(total=None, connect=timeout.pool, sock_connect=timeout.connect,
                                       sock_read=timeout.read)  # fmt: skip
        try:
            async with self._session.request(method, yarl.URL(url, encoded=True), headers=headers, data=body,
                                             allow_redirects=False, timeout=limits) as answer:  # fmt: skip
                call.start(answer.status, answer.headers)
                async for chunk in answer.content.iter_chunked(CHUNK):
                    if not call.take(chunk):
                        answer.close()  # the rest is not read: the connection goes
                        break
                kept = [(name.decode("latin-1"), value.decode("latin-1")) for name, value in answer.raw_headers
                        if name.lower() not in _FRAMING]  # fmt: skip
                reason = (answer.reason or "").encode("latin-1", "replace")
                return _Answer.of_read_body(answer.status, kept, call.content(), (method, url, headers),
                                    {ATTEMPTS: call.attempt, "reason_phrase": reason})  # fmt: skip
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:
            raise _as_httpx(error) from error

    async def aclose(self) -> None:
        if self._session is not None:
            session, self._session = self._session, None
            await session.close()


class _Answer(httpx.Response):
    """An answer whose `request` (an `httpx.Request`, for `raise_for_status()` and the like) is only built when
    asked for: parsing the URL again costs a good part of a request's CPU."""

    sent: tuple[str, str, dict[str, str]] | None = None

    @classmethod
    def of_read_body(cls, status: int, headers: list[tuple[str, str]], content: bytes,
                     sent: tuple[str, str, dict[str, str]], extensions: dict[str, object]) -> _Answer:  # fmt: skip
        """An answer whose body aiohttp has read and decoded already (httpx would read it through its decoders
        again)."""
        answer = cls(status, headers=headers, stream=httpx.ByteStream(content), extensions=extensions)
        answer._content = content
        answer.sent = sent
        return answer

    @property
    def request(self) -> httpx.Request:
        if self._request is None and self.sent is not None:
            method, url, headers = self.sent
            self._request = httpx.Request(method, url, headers=headers)
        return super().request

    @request.setter
    def request(self, value: httpx.Request) -> None:
        self._request = value

    def raise_for_status(self) -> httpx.Response:
        self.request  # noqa: B018 -- built now: httpx reads the attribute behind it
        return super().raise_for_status()


def _as_httpx(error: BaseException) -> Exception:
    """aiohttp's failure as the httpx exception the other stacks raise for it."""
    import aiohttp

    text = str(error) or type(error).__name__
    connect_timeout = getattr(aiohttp, "ConnectionTimeoutError", ())
    if connect_timeout and isinstance(error, connect_timeout):
        return httpx.ConnectTimeout(text)
    if isinstance(error, asyncio.TimeoutError):
        return httpx.ReadTimeout(text)
    if isinstance(error, (aiohttp.InvalidURL, ValueError)):
        return httpx.UnsupportedProtocol(text)
    if isinstance(error, aiohttp.ClientConnectorError):
        return httpx.ConnectError(text)
    if isinstance(error, (aiohttp.ServerDisconnectedError, aiohttp.ClientResponseError)):
        return httpx.RemoteProtocolError(text)
    return httpx.ReadError(text)


def proxied() -> bool:
    """Whether the environment names a proxy (`HTTPS_PROXY`, ...), which only httpx's own stack honours."""
    from urllib.request import getproxies

    return bool(getproxies())


def async_stack(http_client: httpx.AsyncClient | None, http_transport: httpx.AsyncBaseTransport | None,
                verify: ssl.SSLContext) -> AsyncStack:  # fmt: skip
    """The stack for a transport: the caller's client; a client over the caller's transport; else aiohttp (or
    httpx's transport without it), or an httpx client when a proxy is configured."""
    if http_client is not None:
        return _HttpxStack(http_client, None, owned=False)
    if http_transport is not None:
        return _HttpxStack(httpx.AsyncClient(transport=LentAsyncTransport(http_transport)), None, owned=True)
    if proxied():
        return _HttpxStack(httpx.AsyncClient(verify=verify), None, owned=True)
    import importlib.util

    if importlib.util.find_spec("aiohttp") is None:
        return _HttpxStack(None, httpx.AsyncHTTPTransport(verify=verify), owned=True)
    return _AiohttpStack(verify)
