"""`Runtime`: the worker that executes a graph's nodes, a drop-in for exospherehost 0.0.3's.

It registers its node classes, claims runnable states from the state manager, runs each node and reports the
outcome (executed, errored, prune, re-enqueue-after), with 0.0.3's constructor, checks, messages, environment
fallbacks, logging defaults and request bodies. Where 0.0.3 loses work, this one does not:

* one pooled connection (the shared transport, with its retries) serves every call;
* it claims only as many states as it has free workers (`min(batch_size, free workers)` per poll), so no claimed
  state waits in a local queue while another runtime could run it;
* a report that cannot be delivered (the state manager down, a 5xx) is retried with a capped backoff until it
  lands or the runtime stops; 0.0.3 only logged it, or died;
* while the state manager is unreachable the poller backs off (up to `max_poll_backoff` seconds) and resumes when
  it answers again;
* SIGINT / SIGTERM (when `start()` runs the loop itself) or `await runtime.stop()` stop the polling and let the
  running states (and a claim in flight) finish within `grace_period` seconds; a second signal stops at once.
  States cut short stay QUEUED on the server, as they would if the process died;
* whatever a node raises becomes a report (`execution.py`); a node whose `execute` is a plain `def` runs in a
  thread of its own;
* each state's log lines name its state id, node and run (the local state manager sends the run id; the released
  server does not, so the run shows as `?` there), and the API key never appears in a log line.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import signal
from collections.abc import AsyncGenerator, Awaitable
from typing import TYPE_CHECKING, Any

from exospherehost.node_checks import node_problems
from exospherehost.node_models import field_annotations, json_schema
from sdkcore.redaction import ValueFilter
from sdkcore.retry import RetryConfig, backoff
from sdkcore.secret import Secret
from sdkcore.settings import check_seconds

if TYPE_CHECKING:
    import httpx

    from exosphere_api.models.runtime import EnqueuedState
    from exospherehost.execution import Executor
    from exospherehost.node import BaseNode

__all__ = ["Runtime"]

logger = logging.getLogger(__name__)

URI_VARIABLE = "EXOSPHERE_STATE_MANAGER_URI"
KEY_VARIABLE = "EXOSPHERE_API_KEY"
LOGGERS = ("exospherehost.runtime", "exospherehost.http")
"""The loggers that carry the key filter while a runtime is connected."""
MIN_POLL_BACKOFF = 0.1
"""The shortest wait after a failed poll, whatever poll_interval is."""


def _setup_default_logging() -> None:
    """0.0.3's default: basic logging at EXOSPHERE_LOG_LEVEL (INFO), unless the root logger has handlers or
    EXOSPHERE_DISABLE_DEFAULT_LOGGING is set to anything non-empty."""
    if logging.getLogger().handlers or os.environ.get("EXOSPHERE_DISABLE_DEFAULT_LOGGING"):
        return
    level_name = os.environ.get("EXOSPHERE_LOG_LEVEL", "INFO").upper()
    level = getattr(logging, level_name, logging.INFO)
    logging.basicConfig(level=level if isinstance(level, int) else logging.INFO,
                        format="%(asctime)s | %(levelname)s | %(name)s | %(message)s",
                        datefmt="%Y-%m-%d %H:%M:%S")  # fmt: skip
    # 0.0.3's aiohttp logs nothing per request; httpx logs each at INFO, which would flood that default
    for name in ("httpx", "httpcore"):
        logging.getLogger(name).setLevel(max(logging.WARNING, logging.getLogger().level))


class Runtime:
    """Executes `nodes` (BaseNode classes) for `namespace`, registered under the runtime name `name`.

    `state_manager_uri` and `key` fall back to EXOSPHERE_STATE_MANAGER_URI and EXOSPHERE_API_KEY. `start()` blocks
    when no event loop runs; inside one it returns the runtime's task. Beyond 0.0.3 (keyword only): `grace_period`
    (seconds running states get to finish when stopping), `max_poll_backoff` (the longest wait between polls while
    the state manager fails), and `http_client` / `http_transport` (an httpx AsyncClient to send through, or an
    httpx transport for the client the runtime makes: a local state manager in process, a proxy...).
    """

    def __init__(
        self,
        namespace: str,
        name: str,
        nodes: list[type[BaseNode]],
        state_manager_uri: str | None = None,
        key: str | None = None,
        batch_size: int = 16,
        workers: int = 4,
        state_manage_version: str = "v0",
        poll_interval: float = 1,
        *,
        grace_period: float = 30.0,
        max_poll_backoff: float = 30.0,
        http_client: httpx.AsyncClient | None = None,
        http_transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        _setup_default_logging()
        self._namespace = namespace
        self._name = name
        self._nodes = list(nodes)
        self._batch_size = batch_size
        self._workers = workers
        self._version = str(state_manage_version)
        for option, seconds in (
            ("poll_interval", poll_interval),
            ("grace_period", grace_period),
            ("max_poll_backoff", max_poll_backoff),
        ):
            check_seconds(option, seconds)
        self._poll_interval = float(poll_interval)
        self._grace_period = float(grace_period)
        self._poll_backoff = RetryConfig(
            initial_delay=max(MIN_POLL_BACKOFF, 2 * self._poll_interval),
            max_delay=max(MIN_POLL_BACKOFF, float(max_poll_backoff)),
            jitter=0.0,
        )
        """While polls fail: 2 x poll_interval after the first failure (as 0.0.3), doubling up to the bound."""
        self._http_client, self._http_transport = http_client, http_transport
        self._state_manager_uri = state_manager_uri if state_manager_uri is not None else os.environ.get(URI_VARIABLE)
        found = key if key is not None else os.environ.get(KEY_VARIABLE)
        self._key = None if found is None else Secret(found)
        if batch_size < 1:
            raise ValueError("Batch size should be at least 1")
        if workers < 1:
            raise ValueError("Workers should be at least 1")
        if self._state_manager_uri is None:
            raise ValueError("State manager URI is not set")
        if self._key is None:
            raise ValueError("API key is not set")
        problems = node_problems(self._nodes)
        if problems:
            raise ValueError("Following errors while validating nodes: " + "\n".join(problems))
        self._node_mapping = {node.__name__: node for node in self._nodes}
        self._claim_at = max(1, min(batch_size, workers) // 2)
        """Free workers a claim waits for while states run (at most poll_interval): half a batch."""
        self._executor: Executor | None = None
        self._stopping: asyncio.Event | None = None
        self._task: asyncio.Future[None] | None = None
        self._running: set[asyncio.Task[None]] = set()

    def __repr__(self) -> str:
        names = [node.__name__ for node in self._nodes]
        return (f"Runtime(namespace={self._namespace!r}, name={self._name!r}, nodes={names!r}, "
                f"state_manager_uri={self._state_manager_uri!r})")  # fmt: skip

    # -- lifecycle -----------------------------------------------------------------------------------------------

    def start(self) -> asyncio.Task[None] | None:
        """Run the runtime: a Task inside a running event loop (keep it, await it), else block until stopped.
        RuntimeError when it is running already."""
        if self._task is not None and not self._task.done():
            raise RuntimeError("this Runtime is running already")
        self._stopping = asyncio.Event()
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            with contextlib.suppress(asyncio.CancelledError):  # a second signal: stopped at once
                asyncio.run(self._main(handle_signals=True))
            return None
        task = loop.create_task(self._main(handle_signals=False))
        self._task = task
        return task

    async def stop(self) -> None:
        """Stop polling, let running states finish (within `grace_period`), close the connection, and return
        when all that is done (at once when called from a node, or before `start()`)."""
        if self._stopping is not None:
            self._stopping.set()
        task, current = self._task, asyncio.current_task()
        if task is None or task is current or current in self._running or task.done():
            return
        await asyncio.wait({task})

    async def _main(self, *, handle_signals: bool) -> None:
        self._task = asyncio.current_task()
        handled = self._install_signal_handlers() if handle_signals else []
        try:
            async with self._open():
                try:
                    registering = asyncio.ensure_future(self._register())
                    if await self._until_stop_or(registering):
                        registering.result()
                        await self._serve()
                finally:
                    await self._cancel_running()
        finally:
            loop = asyncio.get_running_loop()
            for number in handled:
                loop.remove_signal_handler(number)

    def _install_signal_handlers(self) -> list[int]:
        loop = asyncio.get_running_loop()
        installed: list[int] = []
        for number in (signal.SIGINT, signal.SIGTERM):
            try:
                loop.add_signal_handler(number, self._on_signal, number)
            except (NotImplementedError, RuntimeError, ValueError):  # not the main thread, or not Unix
                continue
            installed.append(number)
        return installed

    def _on_signal(self, number: int) -> None:
        assert self._stopping is not None
        if self._stopping.is_set():
            logger.warning("Second %s: stopping now", signal.Signals(number).name)
            if self._task is not None:
                self._task.cancel()
            return
        logger.info("%s received: stopping after the running states (grace period %s s)",
                    signal.Signals(number).name, self._grace_period)  # fmt: skip
        self._stopping.set()

    @contextlib.asynccontextmanager
    async def connected(self) -> AsyncGenerator[Runtime, None]:
        """Open the connection and register the nodes, for driving the runtime by hand with `run_once()` (a test
        harness, a one-shot job); `start()` does this itself."""
        async with self._open():
            await self._register()
            yield self

    @contextlib.asynccontextmanager
    async def _open(self) -> AsyncGenerator[Executor, None]:
        """The connection, and the key filter on the runtime's loggers while it is open."""
        from exospherehost._api import PROFILE
        from exospherehost.execution import Executor
        from sdkcore.transport import AsyncTransport

        assert self._state_manager_uri is not None
        assert self._key is not None
        key = self._key.reveal()
        key_filter = ValueFilter([key])
        for name in LOGGERS:
            logging.getLogger(name).addFilter(key_filter)
        try:
            transport = AsyncTransport(self._state_manager_uri, profile=PROFILE, api_key=key,
                                       http_client=self._http_client, http_transport=self._http_transport)  # fmt: skip
            try:
                self._executor = Executor(transport, self._namespace, self._version, self._node_mapping,
                                          f"exosphere-{self._name}")  # fmt: skip
                yield self._executor
            finally:
                self._executor = None
                await transport.aclose()
        finally:
            for name in LOGGERS:
                logging.getLogger(name).removeFilter(key_filter)

    # -- the protocol --------------------------------------------------------------------------------------------

    async def _register(self) -> None:
        from exosphere_api import operations
        from exosphere_api.models.runtime import NodeRegistration, RegisterNodesRequest
        from exospherehost.errors import APIStatusError, RegistrationError

        names = [f"{self._namespace}/{node.__name__}" for node in self._nodes]
        logger.info("Registering nodes: %s", names)
        body = RegisterNodesRequest(
            runtime_name=self._name,
            runtime_namespace=self._namespace,
            nodes=[
                NodeRegistration(
                    name=node.__name__,
                    namespace=self._namespace,
                    inputs_schema=json_schema(node.Inputs),
                    outputs_schema=json_schema(node.Outputs),
                    secrets=list(field_annotations(node.Secrets)),
                )
                for node in self._nodes
            ],
        )
        assert self._executor is not None
        try:
            await operations.register_nodes_async(self._executor.transport, namespace=self._namespace,
                                                  version=self._version, body=body)  # fmt: skip
        except APIStatusError as error:
            message = f"Failed to register nodes: {_parsed(error.response_text)}"  # 0.0.3's text
            logger.error("%s", message)
            raise RegistrationError(message, status_code=error.status_code) from error
        logger.info("Registered nodes: %s", names)

    async def run_once(self, limit: int | None = None, *, one_at_a_time: bool = False) -> int:
        """Claim up to `limit` (default: batch_size) runnable states, execute them (concurrently, or in the order
        claimed with `one_at_a_time`) and report each; the number claimed. Needs `async with runtime.connected():`."""
        executor = self._executor
        if executor is None:
            raise RuntimeError("run_once() needs the connection: use it inside `async with runtime.connected():`")
        states = await self._claim(self._batch_size if limit is None else limit)
        if one_at_a_time:
            for state in states:
                await executor.run(state)
        else:
            await asyncio.gather(*(executor.run(state) for state in states))
        return len(states)

    async def _claim(self, count: int) -> list[EnqueuedState]:
        from exosphere_api import operations
        from exosphere_api.models.runtime import EnqueueRequest

        assert self._executor is not None
        body = EnqueueRequest(nodes=list(self._node_mapping), batch_size=count)
        answer = await operations.enqueue_states_async(self._executor.transport, namespace=self._namespace,
                                                       version=self._version, body=body)  # fmt: skip
        return answer.states

    async def _serve(self) -> None:
        from exospherehost.errors import ExosphereError

        assert self._stopping is not None
        failures = 0
        while not self._stopping.is_set():
            free = self._workers - len(self._running)
            if free <= 0:
                await self._until_stop_or(self._a_state_finishes(None))
                continue
            await self._gather_free_workers()
            free = self._workers - len(self._running)
            asked = min(self._batch_size, free)
            claim = asyncio.ensure_future(self._claim(asked))
            if not await self._until_stop_or(claim, keep=True):  # stopping: the claim gets the grace period
                await asyncio.wait({claim}, timeout=self._grace_period)
                if not claim.done():
                    claim.cancel()
                    logger.warning("Stopped during a claim; states it may have claimed stay QUEUED")
                    break
            try:
                states = claim.result()
            except (ExosphereError, asyncio.CancelledError) as error:
                failures += 1
                wait = backoff(failures, self._poll_backoff)
                logger.error("Error enqueuing states: %s (next poll in %s s)", error, wait)
                await self._until_stop_or(asyncio.sleep(wait))
                continue
            if failures:
                logger.info("State manager reachable again after %d failed polls", failures)
                failures = 0
            logger.info("Enqueued states: %d", len(states))
            self._begin(states)
            if len(states) < asked and not self._stopping.is_set():
                # a state that finishes has likely made next states: poll again then, or after poll_interval
                await self._until_stop_or(self._a_state_finishes(self._poll_interval))
        await self._drain()

    async def _gather_free_workers(self) -> None:
        """While states run, wait up to poll_interval for half a batch of workers to be free, so that one claim
        serves several of them (a claim per freed worker would cost a request per state)."""
        assert self._stopping is not None
        loop = asyncio.get_running_loop()
        until = loop.time() + self._poll_interval
        while self._running and self._workers - len(self._running) < self._claim_at and not self._stopping.is_set():
            left = until - loop.time()
            if left <= 0:
                return
            await self._until_stop_or(self._a_state_finishes(left))

    def _a_state_finishes(self, timeout: float | None) -> Awaitable[Any]:
        """A wait for one of the running states to finish, or `timeout` seconds (None: no limit, states run)."""
        if not self._running:
            return asyncio.sleep(timeout or 0)
        return asyncio.wait(set(self._running), timeout=timeout, return_when=asyncio.FIRST_COMPLETED)

    def _begin(self, states: list[EnqueuedState]) -> None:
        assert self._executor is not None
        for state in states:
            task = asyncio.create_task(self._executor.run(state))
            self._running.add(task)
            task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[None]) -> None:
        self._running.discard(task)
        if not task.cancelled() and task.exception() is not None:
            logger.error("A state's task failed: %s", task.exception())

    async def _until_stop_or(self, awaitable: Awaitable[Any], *, keep: bool = False) -> bool:
        """Wait for `awaitable` or the stop request, whichever comes first; True when `awaitable` finished.
        Unless `keep`, an unfinished `awaitable` is cancelled."""
        assert self._stopping is not None
        work = asyncio.ensure_future(awaitable)
        stop = asyncio.ensure_future(self._stopping.wait())
        try:
            await asyncio.wait({work, stop}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stop.cancel()
            if not keep and not work.done():
                work.cancel()
            await asyncio.gather(stop, *([] if keep else [work]), return_exceptions=True)
        return work.done() and not work.cancelled()

    async def _drain(self) -> None:
        if not self._running:
            return
        logger.info("Waiting up to %s s for %d running states", self._grace_period, len(self._running))
        _, late = await asyncio.wait(set(self._running), timeout=self._grace_period)
        if late:
            logger.warning("%d states did not finish within the grace period; they stay QUEUED", len(late))

    async def _cancel_running(self) -> None:
        """Cancel the states still running (the grace period ended, or a second signal came)."""
        late = set(self._running)
        if self._executor is not None:
            self._executor.cancelled |= late
        for task in late:
            task.cancel()
        if late:
            await asyncio.gather(*late, return_exceptions=True)


def _parsed(text: str) -> object:
    """The answer as 0.0.3 prints it in its messages: the parsed JSON document, else the text."""
    try:
        parsed: object = json.loads(text)
    except ValueError:
        return text
    return parsed
