"""A resource shared by every call made on one event loop and closed when that loop shuts down: how a client used
outside `async with` keeps one connection pool instead of opening one per call.

The closing rides on asyncio's own clean-up: each resource is held by a suspended async generator, and
`loop.shutdown_asyncgens()` (which `asyncio.run` and `asyncio.Runner` call before closing the loop) resumes it into
its `finally`, which awaits the resource's `aclose()` on that loop. A loop closed without that step leaves the
pool to the garbage collector, as an unclosed client would.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import AsyncGenerator, Awaitable, Callable
from typing import Generic, Protocol, TypeVar

__all__ = ["PerLoop"]


class Closable(Protocol):
    def aclose(self) -> Awaitable[None]: ...


R = TypeVar("R", bound=Closable)


async def _holder(resource: Closable) -> AsyncGenerator[None, None]:
    try:
        yield
    finally:
        await resource.aclose()


class PerLoop(Generic[R]):
    """`await shared.get(make)`: the resource of the running loop, made by `make()` on first use."""

    def __init__(self) -> None:
        self._held: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, tuple[R, AsyncGenerator[None, None]]] = (
            weakref.WeakKeyDictionary()
        )

    async def get(self, make: Callable[[], R]) -> R:
        loop = asyncio.get_running_loop()
        held = self._held.get(loop)
        if held is not None:
            return held[0]
        resource = make()
        holder = _holder(resource)
        await holder.__anext__()  # now suspended: the loop's async-generator hooks know it
        self._held[loop] = (resource, holder)
        return resource

    async def close(self) -> None:
        """Close the running loop's resource now (the next `get` makes a new one)."""
        held = self._held.pop(asyncio.get_running_loop(), None)
        if held is not None:
            await held[1].aclose()
