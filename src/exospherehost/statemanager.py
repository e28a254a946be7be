"""`StateManager` (asyncio, as in exospherehost 0.0.3) and `SyncStateManager`: graph templates and triggers.

Same constructor, defaults, environment fallbacks, URLs, request bodies, polling and messages as the original;
one connection pool per event loop, reused while polling, with the shared transport's retries and typed errors.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import AsyncGenerator, Generator
from typing import TYPE_CHECKING, Any

from exospherehost.errors import APIStatusError, ConfigurationError
from sdkcore.secret import Secret

if TYPE_CHECKING:
    import httpx

    from exospherehost.models import CronTrigger, GraphNodeModel, RetryPolicyModel, StoreConfigModel
    from exospherehost.results import GraphTemplate, TriggerResult
    from sdkcore.operation import Operation
    from sdkcore.transport import AsyncTransport, SyncTransport


__all__ = ["StateManager", "SyncStateManager"]

URI_VARIABLE = "EXOSPHERE_STATE_MANAGER_URI"
KEY_VARIABLE = "EXOSPHERE_API_KEY"


class _StateManagerBase:
    def __init__(
        self,
        namespace: str,
        state_manager_uri: str | None = None,
        key: str | None = None,
        state_manager_version: str = "v0",
        *,
        validate_locally: bool = True,
        http_transport: httpx.BaseTransport | httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._namespace = namespace
        self._validate_locally = validate_locally
        self._http_transport = http_transport  # an httpx transport to send through: a local server in process
        self._state_manager_uri = state_manager_uri if state_manager_uri is not None else os.environ.get(URI_VARIABLE)
        found = key if key is not None else os.environ.get(KEY_VARIABLE)
        self._key = None if found is None else Secret(found)
        self._state_manager_version = state_manager_version

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(namespace={self._namespace!r}, state_manager_uri={self._state_manager_uri!r}, "
                f"state_manager_version={self._state_manager_version!r})")  # fmt: skip

    def _transport_settings(self) -> tuple[str, dict[str, Any]]:
        if not self._state_manager_uri:
            raise ConfigurationError(f"no state manager URI: pass state_manager_uri= or set {URI_VARIABLE}")
        if not self._key:
            raise ConfigurationError(f"no API key: pass key= or set {KEY_VARIABLE}")
        from exospherehost import _wire as wire

        settings: dict[str, Any] = {"profile": wire.PROFILE, "api_key": self._key.reveal()}
        if self._http_transport is not None:
            settings["http_transport"] = self._http_transport
        return self._state_manager_uri, settings

    def _checked_body(
        self,
        graph_nodes: list[GraphNodeModel],
        secrets: dict[str, str],
        retry_policy: RetryPolicyModel | None,
        store_config: StoreConfigModel | None,
        triggers: list[CronTrigger] | None,
    ) -> bytes:
        """The upsert body, after the local check of the state manager's rules (unless switched off)."""
        if self._validate_locally:
            from exospherehost.validation import GraphTemplateError, validate_graph

            problems = validate_graph(graph_nodes, store_config, [trigger.expression for trigger in triggers or ()])
            if problems:
                raise GraphTemplateError(problems)
        from exospherehost import _wire as wire

        return wire.upsert_body(graph_nodes, secrets, retry_policy, store_config, triggers)

    def _path(self, graph_name: str) -> dict[str, str]:
        return {"version": self._state_manager_version, "namespace": self._namespace, "graph_name": graph_name}


class StateManager(_StateManagerBase):
    """The asyncio client of the Exosphere state manager, as exospherehost 0.0.3's StateManager.

    `state_manager_uri` and `key` fall back to EXOSPHERE_STATE_MANAGER_URI and EXOSPHERE_API_KEY. Each call uses
    one connection pool for all its requests (the upsert and all its polls); inside `async with manager:` one
    pool serves every call until the block ends.
    """

    _transport: AsyncTransport | None = None

    def _new_transport(self) -> AsyncTransport:
        from sdkcore.transport import AsyncTransport

        base_url, settings = self._transport_settings()
        return AsyncTransport(base_url, **settings)

    @contextlib.asynccontextmanager
    async def _connection(self) -> AsyncGenerator[AsyncTransport, None]:
        if self._transport is not None:
            yield self._transport
            return
        transport = self._new_transport()
        try:
            yield transport
        finally:
            await transport.aclose()

    async def _call(
        self, transport: AsyncTransport, operation: Operation, graph_name: str, body: bytes | None, what: str
    ) -> Any:
        try:
            return await transport.send(operation, path_params=self._path(graph_name), body=body)
        except APIStatusError as error:
            from exospherehost import _wire as wire

            raise wire.failure(error, what) from None

    async def trigger(
        self,
        graph_name: str,
        inputs: dict[str, str] | None = None,
        store: dict[str, str] | None = None,
        start_delay: int = 0,
    ) -> TriggerResult:
        """Start a run of the graph; `inputs` and `store` (beta) are string maps. Returns `status` and `run_id`."""
        from exospherehost import _wire as wire  # loaded on the first call: see _wire.py

        body = wire.trigger_body(inputs, store, start_delay)
        async with self._connection() as transport:
            response = await self._call(transport, wire.operations.TRIGGER_GRAPH, graph_name, body, "trigger state")
            return transport.decode(wire.operations.TRIGGER_GRAPH, response, wire.TriggerResult)

    async def get_graph(self, graph_name: str) -> GraphTemplate:
        """The graph template with its validation status and errors."""
        async with self._connection() as transport:
            return await self._get_graph(transport, graph_name)

    async def _get_graph(self, transport: AsyncTransport, graph_name: str) -> GraphTemplate:
        from exospherehost import _wire as wire  # loaded on the first call: see _wire.py

        response = await self._call(transport, wire.operations.GET_GRAPH, graph_name, None, "get graph")
        return transport.decode(wire.operations.GET_GRAPH, response, wire.GraphTemplate)

    async def upsert_graph(
        self,
        graph_name: str,
        graph_nodes: list[GraphNodeModel],
        secrets: dict[str, str],
        retry_policy: RetryPolicyModel | None = None,
        store_config: StoreConfigModel | None = None,
        triggers: list[CronTrigger] | None = None,
        validation_timeout: int = 60,
        polling_interval: int = 1,
    ) -> GraphTemplate:
        """Create or update the graph, then poll until the state manager has validated it.

        Raises GraphValidationError when it is invalid, GraphValidationTimeoutError after `validation_timeout`
        seconds of PENDING. Before sending, the graph is checked against the state manager's rules
        (GraphTemplateError lists every problem); `StateManager(..., validate_locally=False)` skips that."""
        from exospherehost import _wire as wire  # loaded on the first call: see _wire.py

        body = self._checked_body(graph_nodes, secrets, retry_policy, store_config, triggers)
        import asyncio

        async with self._connection() as transport:
            response = await self._call(transport, wire.operations.UPSERT_GRAPH, graph_name, body, "upsert graph")
            graph = transport.decode(wire.operations.UPSERT_GRAPH, response, wire.GraphTemplate)
            started = time.monotonic()
            while graph.validation_status == "PENDING":
                if time.monotonic() - started > validation_timeout:
                    raise wire.timed_out(validation_timeout)
                await asyncio.sleep(polling_interval)
                graph = await self._get_graph(transport, graph_name)
        return wire.validated(graph)

    async def aclose(self) -> None:
        if self._transport is not None:
            transport, self._transport = self._transport, None
            await transport.aclose()

    async def __aenter__(self) -> StateManager:
        if self._transport is None:
            self._transport = self._new_transport()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


class SyncStateManager(_StateManagerBase):
    """The blocking variant of StateManager: the same calls, without `await`; `with manager:` keeps one pool."""

    _transport: SyncTransport | None = None

    def _new_transport(self) -> SyncTransport:
        from sdkcore.transport import SyncTransport

        base_url, settings = self._transport_settings()
        return SyncTransport(base_url, **settings)

    @contextlib.contextmanager
    def _connection(self) -> Generator[SyncTransport, None, None]:
        if self._transport is not None:
            yield self._transport
            return
        with self._new_transport() as transport:
            yield transport

    def _call(self, transport: SyncTransport, operation: Operation, graph_name: str, body: bytes | None,
              what: str) -> Any:  # fmt: skip
        try:
            return transport.send(operation, path_params=self._path(graph_name), body=body)
        except APIStatusError as error:
            from exospherehost import _wire as wire

            raise wire.failure(error, what) from None

    def trigger(
        self,
        graph_name: str,
        inputs: dict[str, str] | None = None,
        store: dict[str, str] | None = None,
        start_delay: int = 0,
    ) -> TriggerResult:
        from exospherehost import _wire as wire  # loaded on the first call: see _wire.py

        body = wire.trigger_body(inputs, store, start_delay)
        with self._connection() as transport:
            response = self._call(transport, wire.operations.TRIGGER_GRAPH, graph_name, body, "trigger state")
            return transport.decode(wire.operations.TRIGGER_GRAPH, response, wire.TriggerResult)

    def get_graph(self, graph_name: str) -> GraphTemplate:
        with self._connection() as transport:
            return self._get_graph(transport, graph_name)

    def _get_graph(self, transport: SyncTransport, graph_name: str) -> GraphTemplate:
        from exospherehost import _wire as wire  # loaded on the first call: see _wire.py

        response = self._call(transport, wire.operations.GET_GRAPH, graph_name, None, "get graph")
        return transport.decode(wire.operations.GET_GRAPH, response, wire.GraphTemplate)

    def upsert_graph(
        self,
        graph_name: str,
        graph_nodes: list[GraphNodeModel],
        secrets: dict[str, str],
        retry_policy: RetryPolicyModel | None = None,
        store_config: StoreConfigModel | None = None,
        triggers: list[CronTrigger] | None = None,
        validation_timeout: int = 60,
        polling_interval: int = 1,
    ) -> GraphTemplate:
        from exospherehost import _wire as wire  # loaded on the first call: see _wire.py

        body = self._checked_body(graph_nodes, secrets, retry_policy, store_config, triggers)
        with self._connection() as transport:
            response = self._call(transport, wire.operations.UPSERT_GRAPH, graph_name, body, "upsert graph")
            graph = transport.decode(wire.operations.UPSERT_GRAPH, response, wire.GraphTemplate)
            started = time.monotonic()
            while graph.validation_status == "PENDING":
                if time.monotonic() - started > validation_timeout:
                    raise wire.timed_out(validation_timeout)
                time.sleep(polling_interval)
                graph = self._get_graph(transport, graph_name)
        return wire.validated(graph)

    def close(self) -> None:
        if self._transport is not None:
            transport, self._transport = self._transport, None
            transport.close()

    def __enter__(self) -> SyncStateManager:
        if self._transport is None:
            self._transport = self._new_transport()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
