"""`StateManager` (asyncio, as in exospherehost 0.0.3) and `SyncStateManager`: graph templates, triggers, and the
routes that read namespaces, nodes, templates, runs and states or retry a state.

`trigger`, `get_graph` and `upsert_graph` keep the original's constructor, defaults, environment fallbacks, URLs,
request bodies, polling and messages. Every call is a plan in `_calls` (the requests and pauses, no I/O) that the
two classes here drive, with `await` or without; one connection pool serves a whole call, polls included, with
the shared transport's retries and typed errors.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import AsyncGenerator, Generator
from typing import TYPE_CHECKING, Any, TypeVar

from exospherehost.errors import APIStatusError, ConfigurationError
from sdkcore.secret import Secret
from sdkcore.settings import check_transport_options

if TYPE_CHECKING:
    import httpx

    from exospherehost._calls import Plan, Send, Where
    from exospherehost.models import CronTrigger, GraphNodeModel, RetryPolicyModel, StoreConfigModel
    from exospherehost.observation import RunResult
    from exospherehost.results import (
        GraphTemplate,
        GraphTemplates,
        HealthResult,
        ManualRetryResult,
        Namespaces,
        NodeRunDetails,
        RegisteredNodes,
        RunGraph,
        RunsPage,
        TriggerResult,
    )
    from sdkcore.per_loop import PerLoop
    from sdkcore.transport import AsyncTransport, SyncTransport


__all__ = ["StateManager", "SyncStateManager"]

URI_VARIABLE = "EXOSPHERE_STATE_MANAGER_URI"
KEY_VARIABLE = "EXOSPHERE_API_KEY"
T = TypeVar("T")


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
        timeout: float | httpx.Timeout | None = None,
        max_retries: int | None = None,
        deadline: float | None = None,
        max_response_bytes: int | None = None,
        max_error_bytes: int | None = None,
    ) -> None:
        self._namespace = namespace
        self._validate_locally = validate_locally
        self._http_transport = http_transport  # an httpx transport to send through: a local server in process
        given = (("timeout", timeout), ("max_retries", max_retries), ("deadline", deadline),
                 ("max_response_bytes", max_response_bytes), ("max_error_bytes", max_error_bytes))  # fmt: skip
        self._transport_options: dict[str, Any] = {name: value for name, value in given if value is not None}
        check_transport_options(self._transport_options)
        self._state_manager_uri = state_manager_uri if state_manager_uri is not None else os.environ.get(URI_VARIABLE)
        found = key if key is not None else os.environ.get(KEY_VARIABLE)
        self._key = None if found is None else Secret(found)
        self._state_manager_version = state_manager_version

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(namespace={self._namespace!r}, state_manager_uri={self._state_manager_uri!r}, "
                f"state_manager_version={self._state_manager_version!r})")  # fmt: skip

    def _transport_settings(self, needs_key: bool = True) -> tuple[str, dict[str, Any]]:
        if not self._state_manager_uri:
            raise ConfigurationError(f"no state manager URI: pass state_manager_uri= or set {URI_VARIABLE}")
        if needs_key and not self._key:
            raise ConfigurationError(f"no API key: pass key= or set {KEY_VARIABLE}")
        from exospherehost import _wire as wire

        settings: dict[str, Any] = {"profile": wire.PROFILE, "api_key": self._key.reveal() if self._key else None,
                                    **self._transport_options}  # fmt: skip
        if self._http_transport is not None:
            settings["http_transport"] = self._http_transport
        return self._state_manager_uri, settings

    def _checked_body(
        self,
        graph_name: str,
        graph_nodes: list[GraphNodeModel],
        secrets: dict[str, str],
        retry_policy: RetryPolicyModel | None,
        store_config: StoreConfigModel | None,
        triggers: list[CronTrigger] | None,
    ) -> bytes:
        """The upsert body, after the local check of the state manager's rules (unless switched off)."""
        if self._validate_locally:
            from exospherehost.validation import GraphTemplateError, validate_graph

            crons = [trigger.expression for trigger in triggers or ()]
            problems = validate_graph(graph_nodes, store_config, crons, name=graph_name, secrets=secrets)
            if problems:
                raise GraphTemplateError(problems)
        from exospherehost import _wire as wire

        return wire.upsert_body(graph_nodes, secrets, retry_policy, store_config, triggers)

    def _where(self) -> Where:
        from exospherehost._calls import Where  # loaded on the first call: see _calls.py

        return Where(self._state_manager_version, self._namespace)


class StateManager(_StateManagerBase):
    """The asyncio client of the Exosphere state manager, as exospherehost 0.0.3's StateManager.

    `state_manager_uri` and `key` fall back to EXOSPHERE_STATE_MANAGER_URI and EXOSPHERE_API_KEY. Calls made on
    one event loop share one connection pool, closed when the loop shuts down (`asyncio.run` does that) or by
    `await manager.aclose()`; inside `async with manager:` one pool serves every call until the block ends. Error
    answers raise the typed errors of `exospherehost.errors` (NotFoundError, ConflictError, ...) with the
    original's message, `Failed to <what>: <status> <body>`.

    Keyword-only, beyond the original: `validate_locally`, `http_transport`, and the transport's `timeout`,
    `max_retries`, `deadline`, `max_response_bytes` and `max_error_bytes` (README, "The HTTP transport").
    """

    _transport: AsyncTransport | None = None

    _shared: PerLoop[AsyncTransport] | None = None

    def _new_transport(self, needs_key: bool = True) -> AsyncTransport:
        from sdkcore.transport import AsyncTransport

        base_url, settings = self._transport_settings(needs_key)
        return AsyncTransport(base_url, **settings)

    @contextlib.asynccontextmanager
    async def _connection(self, needs_key: bool = True) -> AsyncGenerator[AsyncTransport, None]:
        if self._transport is not None:
            yield self._transport
            return
        if not needs_key and not self._key:  # health() with no key configured: a pool of its own, for this call
            transport = self._new_transport(needs_key)
            try:
                yield transport
            finally:
                await transport.aclose()
            return
        if self._shared is None:
            from sdkcore.per_loop import PerLoop

            self._shared = PerLoop()
        yield await self._shared.get(self._new_transport)

    async def _run(self, plan: Plan[T]) -> T:
        """Drive one call's plan: what comes before its first request runs before the connection is opened."""
        import asyncio

        from exospherehost import _calls

        step = _calls.advance(plan, None)
        async with self._connection(not isinstance(step, _calls.Send) or step.needs_key) as transport:
            while not isinstance(step, _calls.Done):
                answer = None
                if isinstance(step, _calls.Send):
                    answer = await self._send(transport, step)
                else:
                    await asyncio.sleep(step.seconds)
                step = _calls.advance(plan, answer)
        return step.value

    async def _send(self, transport: AsyncTransport, send: Send) -> Any:
        from exospherehost import _wire

        try:
            response = await transport.send(send.operation, params=send.params, body=send.body)
        except APIStatusError as error:
            raise _wire.failure(error, send.what) from None
        return transport.decode_value(send.operation, response, send.result)

    async def trigger(
        self,
        graph_name: str,
        inputs: dict[str, str] | None = None,
        store: dict[str, str] | None = None,
        start_delay: int = 0,
    ) -> TriggerResult:
        """Start a run of the graph; `inputs` and `store` (beta) are string maps. Returns `status` and `run_id`."""
        from exospherehost import _calls

        return await self._run(_calls.trigger(self._where(), graph_name, inputs, store, start_delay))

    async def get_graph(self, graph_name: str) -> GraphTemplate:
        """The graph template with its validation status and errors."""
        from exospherehost import _calls

        return await self._run(_calls.get_graph(self._where(), graph_name))

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
        from exospherehost import _calls

        body = self._checked_body(graph_name, graph_nodes, secrets, retry_policy, store_config, triggers)
        return await self._run(_calls.upsert_graph(self._where(), graph_name, body, validation_timeout,
                                                   polling_interval))  # fmt: skip

    async def health(self) -> HealthResult:
        """GET /health: `message` is "OK" when the state manager is up. Needs no API key."""
        from exospherehost import _calls

        return await self._run(_calls.health())

    async def list_namespaces(self) -> Namespaces:
        """The namespaces that have registered nodes (graphs alone do not count), sorted."""
        from exospherehost import _calls

        return await self._run(_calls.list_namespaces(self._where()))

    async def list_registered_nodes(self) -> RegisteredNodes:
        """Every node class registered in this namespace, with its schemas, secrets and runtime."""
        from exospherehost import _calls

        return await self._run(_calls.list_registered_nodes(self._where()))

    async def list_graphs(self) -> GraphTemplates:
        """Every graph template of this namespace, with the stored retry policy, store config and triggers."""
        from exospherehost import _calls

        return await self._run(_calls.list_graphs(self._where()))

    async def get_runs(self, page: int = 1, size: int = 20) -> RunsPage:
        """One page of this namespace's runs, newest first; `page` counts from 1, `size` 0 means every run."""
        from exospherehost import _calls

        return await self._run(_calls.get_runs(self._where(), page, size))

    async def get_run_graph(self, run_id: str) -> RunGraph:
        """The run's states with their statuses and errors, the parent-to-child edges and a count per status.
        A run the namespace does not have answers an empty graph, not an error."""
        from exospherehost import _calls

        return await self._run(_calls.get_run_graph(self._where(), run_id))

    async def get_node_run_details(self, graph_name: str, run_id: str, node_id: str) -> NodeRunDetails:
        """One state of a run with its inputs, outputs, error and parents. `node_id` is a state id (the `id` of
        a `get_run_graph` node), not a graph node identifier."""
        from exospherehost import _calls

        return await self._run(_calls.get_node_run_details(self._where(), graph_name, run_id, node_id))

    async def manual_retry(self, state_id: str, fanout_id: str | None = None) -> ManualRetryResult:
        """Run a state again as a new CREATED state (the original becomes RETRY_CREATED), whatever its status.
        Each `fanout_id` works once per node of a run (ConflictError, 409, the second time); None sends a new
        UUID."""
        from exospherehost import _calls

        return await self._run(_calls.manual_retry(self._where(), state_id, fanout_id))

    async def wait_for_run(
        self, graph_name: str, run_id: str, *, timeout: float = 300, polling_interval: float = 1
    ) -> RunResult:
        """Poll the run's states every `polling_interval` seconds until none is CREATED, QUEUED or EXECUTED, then
        return its status (SUCCESS, or FAILED when a state failed for good or the run has no states), every
        state, and the outputs of the SUCCESS states by node identifier. RunTimeoutError after `timeout`
        seconds; `graph_name` is the graph `run_id` was triggered from."""
        from exospherehost import _calls

        return await self._run(_calls.wait_for_run(self._where(), graph_name, run_id, timeout, polling_interval))

    async def aclose(self) -> None:
        """Close the connection pool of `async with` and the one the calls on this event loop share."""
        if self._transport is not None:
            transport, self._transport = self._transport, None
            await transport.aclose()
        if self._shared is not None:
            await self._shared.close()

    async def __aenter__(self) -> StateManager:
        if self._transport is None:
            self._transport = self._new_transport()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


class SyncStateManager(_StateManagerBase):
    """The blocking variant of StateManager: the same calls, without `await`; `with manager:` keeps one pool."""

    _transport: SyncTransport | None = None

    def _new_transport(self, needs_key: bool = True) -> SyncTransport:
        from sdkcore.transport import SyncTransport

        base_url, settings = self._transport_settings(needs_key)
        return SyncTransport(base_url, **settings)

    @contextlib.contextmanager
    def _connection(self, needs_key: bool = True) -> Generator[SyncTransport, None, None]:
        if self._transport is not None:
            yield self._transport
            return
        with self._new_transport(needs_key) as transport:
            yield transport

    def _run(self, plan: Plan[T]) -> T:
        """See StateManager._run."""
        from exospherehost import _calls

        step = _calls.advance(plan, None)
        with self._connection(not isinstance(step, _calls.Send) or step.needs_key) as transport:
            while not isinstance(step, _calls.Done):
                answer = None
                if isinstance(step, _calls.Send):
                    answer = self._send(transport, step)
                else:
                    time.sleep(step.seconds)
                step = _calls.advance(plan, answer)
        return step.value

    def _send(self, transport: SyncTransport, send: Send) -> Any:
        from exospherehost import _wire

        try:
            response = transport.send(send.operation, params=send.params, body=send.body)
        except APIStatusError as error:
            raise _wire.failure(error, send.what) from None
        return transport.decode_value(send.operation, response, send.result)

    def trigger(
        self,
        graph_name: str,
        inputs: dict[str, str] | None = None,
        store: dict[str, str] | None = None,
        start_delay: int = 0,
    ) -> TriggerResult:
        """See StateManager.trigger."""
        from exospherehost import _calls

        return self._run(_calls.trigger(self._where(), graph_name, inputs, store, start_delay))

    def get_graph(self, graph_name: str) -> GraphTemplate:
        """See StateManager.get_graph."""
        from exospherehost import _calls

        return self._run(_calls.get_graph(self._where(), graph_name))

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
        """See StateManager.upsert_graph."""
        from exospherehost import _calls

        body = self._checked_body(graph_name, graph_nodes, secrets, retry_policy, store_config, triggers)
        return self._run(_calls.upsert_graph(self._where(), graph_name, body, validation_timeout, polling_interval))

    def health(self) -> HealthResult:
        """See StateManager.health."""
        from exospherehost import _calls

        return self._run(_calls.health())

    def list_namespaces(self) -> Namespaces:
        """See StateManager.list_namespaces."""
        from exospherehost import _calls

        return self._run(_calls.list_namespaces(self._where()))

    def list_registered_nodes(self) -> RegisteredNodes:
        """See StateManager.list_registered_nodes."""
        from exospherehost import _calls

        return self._run(_calls.list_registered_nodes(self._where()))

    def list_graphs(self) -> GraphTemplates:
        """See StateManager.list_graphs."""
        from exospherehost import _calls

        return self._run(_calls.list_graphs(self._where()))

    def get_runs(self, page: int = 1, size: int = 20) -> RunsPage:
        """See StateManager.get_runs."""
        from exospherehost import _calls

        return self._run(_calls.get_runs(self._where(), page, size))

    def get_run_graph(self, run_id: str) -> RunGraph:
        """See StateManager.get_run_graph."""
        from exospherehost import _calls

        return self._run(_calls.get_run_graph(self._where(), run_id))

    def get_node_run_details(self, graph_name: str, run_id: str, node_id: str) -> NodeRunDetails:
        """See StateManager.get_node_run_details."""
        from exospherehost import _calls

        return self._run(_calls.get_node_run_details(self._where(), graph_name, run_id, node_id))

    def manual_retry(self, state_id: str, fanout_id: str | None = None) -> ManualRetryResult:
        """See StateManager.manual_retry."""
        from exospherehost import _calls

        return self._run(_calls.manual_retry(self._where(), state_id, fanout_id))

    def wait_for_run(
        self, graph_name: str, run_id: str, *, timeout: float = 300, polling_interval: float = 1
    ) -> RunResult:
        """See StateManager.wait_for_run."""
        from exospherehost import _calls

        return self._run(_calls.wait_for_run(self._where(), graph_name, run_id, timeout, polling_interval))

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
