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
  running states finish within `grace_period` seconds; a second signal stops at once. States cut short stay
  QUEUED on the server, as they would if the process died;
* a node whose `execute` is a plain `def` runs in a thread pool of `workers` threads;
* each state's log lines name its state id, node and run (the local state manager sends the run id; the released
  server does not, so the run shows as `?` there), and the API key never appears in a log line.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import os
import signal
from collections.abc import AsyncGenerator, Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, TypeVar

from exospherehost.node_checks import node_problems
from exospherehost.node_models import build, dump, field_annotations, json_schema
from exospherehost.signals import PruneSignal, ReQueueAfterSignal
from sdkcore.redaction import ValueFilter
from sdkcore.secret import Secret

if TYPE_CHECKING:
    import httpx

    from exosphere_api.models.runtime import EnqueuedState
    from exospherehost.node import BaseNode
    from sdkcore.transport import AsyncTransport

__all__ = ["Runtime"]

logger = logging.getLogger(__name__)
T = TypeVar("T")

URI_VARIABLE = "EXOSPHERE_STATE_MANAGER_URI"
KEY_VARIABLE = "EXOSPHERE_API_KEY"
REPORT_BACKOFF = (0.5, 30.0)
"""First and longest wait, in seconds, between the tries of an undelivered report."""


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
        self._poll_interval = poll_interval
        self._grace_period = grace_period
        self._max_poll_backoff = max_poll_backoff
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
        self._transport: AsyncTransport | None = None
        self._pool: ThreadPoolExecutor | None = None
        self._stopping: asyncio.Event | None = None
        self._task: asyncio.Future[None] | None = None
        self._running: set[asyncio.Task[None]] = set()
        self._finished: asyncio.Event | None = None

    def __repr__(self) -> str:
        names = [node.__name__ for node in self._nodes]
        return (f"Runtime(namespace={self._namespace!r}, name={self._name!r}, nodes={names!r}, "
                f"state_manager_uri={self._state_manager_uri!r})")  # fmt: skip

    # -- lifecycle -----------------------------------------------------------------------------------------------

    def start(self) -> asyncio.Task[None] | None:
        """Run the runtime: a Task inside a running event loop (keep it, await it), else block until stopped."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            asyncio.run(self._main(handle_signals=True))
            return None
        task = loop.create_task(self._main(handle_signals=False))
        self._task = task
        return task

    async def stop(self) -> None:
        """Stop polling, let running states finish (within `grace_period`), close the connection, and return
        when all that is done."""
        if self._stopping is not None:
            self._stopping.set()
        if self._task is not None and self._task is not asyncio.current_task():
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.shield(self._task)

    async def _main(self, *, handle_signals: bool) -> None:
        self._stopping = asyncio.Event()
        self._finished = asyncio.Event()
        if self._task is None:
            self._task = asyncio.current_task()
        handled = self._install_signal_handlers() if handle_signals else []
        key_filter = ValueFilter([self._secret()])
        logger.addFilter(key_filter)
        try:
            async with self.connected():
                await self._serve()
        finally:
            logger.removeFilter(key_filter)
            loop = asyncio.get_running_loop()
            for number in handled:
                loop.remove_signal_handler(number)
            if self._pool is not None:
                self._pool.shutdown(wait=False, cancel_futures=True)
                self._pool = None

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
            for task in list(self._running):
                task.cancel()
            return
        logger.info("%s received: stopping after the running states (grace period %s s)",
                    signal.Signals(number).name, self._grace_period)  # fmt: skip
        self._stopping.set()

    def _secret(self) -> str:
        assert self._key is not None
        return self._key.reveal()

    @contextlib.asynccontextmanager
    async def connected(self) -> AsyncGenerator[Runtime, None]:
        """Open the connection and register the nodes, for driving the runtime by hand with `run_once()` (a test
        harness, a one-shot job); `start()` does this itself."""
        from exospherehost._api import PROFILE
        from sdkcore.transport import AsyncTransport

        assert self._state_manager_uri is not None
        transport = AsyncTransport(self._state_manager_uri, profile=PROFILE, api_key=self._secret(),
                                   http_client=self._http_client, http_transport=self._http_transport)  # fmt: skip
        self._transport = transport
        try:
            await self._register()
            yield self
        finally:
            self._transport = None
            await transport.aclose()

    # -- the protocol --------------------------------------------------------------------------------------------

    async def _register(self) -> None:
        from exosphere_api import operations
        from exosphere_api.models.runtime import NodeRegistration, RegisterNodesRequest
        from exospherehost.errors import APIStatusError

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
        assert self._transport is not None
        try:
            await operations.register_nodes_async(
                self._transport, namespace=self._namespace, version=self._version, body=body
            )
        except APIStatusError as error:
            logger.error("Failed to register nodes: %s", error.server_message)
            raise
        logger.info("Registered nodes: %s", names)

    async def run_once(self, limit: int | None = None, *, one_at_a_time: bool = False) -> int:
        """Claim up to `limit` (default: batch_size) runnable states, execute them (concurrently, or in the order
        claimed with `one_at_a_time`) and report each; the number claimed. Needs `async with runtime.connected():`."""
        if self._transport is None:
            raise RuntimeError("run_once() needs the connection: use it inside `async with runtime.connected():`")
        states = await self._claim(self._batch_size if limit is None else limit)
        if one_at_a_time:
            for state in states:
                await self._run(state)
        else:
            await asyncio.gather(*(self._run(state) for state in states))
        return len(states)

    async def _claim(self, count: int) -> list[EnqueuedState]:
        from exosphere_api import operations
        from exosphere_api.models.runtime import EnqueueRequest

        assert self._transport is not None
        body = EnqueueRequest(nodes=list(self._node_mapping), batch_size=count)
        answer = await operations.enqueue_states_async(
            self._transport, namespace=self._namespace, version=self._version, body=body
        )
        return answer.states

    async def _serve(self) -> None:
        from exospherehost.errors import ExosphereError

        assert self._stopping is not None
        assert self._finished is not None
        finished = self._finished
        failures = 0
        while not self._stopping.is_set():
            free = self._workers - len(self._running)
            if free <= 0:
                await self._until_stop_or(asyncio.wait(self._running, return_when=asyncio.FIRST_COMPLETED))
                continue
            asked = min(self._batch_size, free)
            try:
                states = await self._claim(asked)
            except ExosphereError as error:
                failures += 1
                wait = min(self._max_poll_backoff, 2 * self._poll_interval * 2 ** min(failures - 1, 16))
                logger.error("Error enqueuing states: %s (next poll in %s s)", error, wait)
                await self._until_stop_or(asyncio.sleep(wait))
                continue
            if failures:
                logger.info("State manager reachable again after %d failed polls", failures)
                failures = 0
            logger.info("Enqueued states: %d", len(states))
            for state in states:
                task = asyncio.create_task(self._run(state))
                self._running.add(task)
                task.add_done_callback(self._done)
            if len(states) < asked:
                # a state that finishes has likely made next states: poll again then, or after poll_interval
                finished.clear()
                await self._until_stop_or(asyncio.wait_for(finished.wait(), self._poll_interval))
        await self._drain()

    def _done(self, task: asyncio.Task[None]) -> None:
        self._running.discard(task)
        if self._finished is not None:
            self._finished.set()

    async def _until_stop_or(self, awaitable: Awaitable[Any]) -> None:
        """Wait for `awaitable` or the stop request, whichever comes first."""
        assert self._stopping is not None
        work = asyncio.ensure_future(awaitable)
        stop = asyncio.ensure_future(self._stopping.wait())
        try:
            await asyncio.wait({work, stop}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for future in (work, stop):
                if not future.done():
                    future.cancel()
            await asyncio.gather(work, stop, return_exceptions=True)

    async def _drain(self) -> None:
        if not self._running:
            return
        logger.info("Waiting up to %s s for %d running states", self._grace_period, len(self._running))
        _, late = await asyncio.wait(set(self._running), timeout=self._grace_period)
        for task in late:
            task.cancel()
        if late:
            await asyncio.gather(*late, return_exceptions=True)
            logger.warning("%d states did not finish within the grace period; they stay QUEUED", len(late))

    # -- one state -----------------------------------------------------------------------------------------------

    async def _run(self, state: EnqueuedState) -> None:
        """Execute one state and report its outcome; never raises (a report is retried until it lands)."""
        from msgspec import UNSET

        run = state.run_id if state.run_id is not UNSET else "?"
        node_class = self._node_mapping.get(state.node_name)
        label = f"state {state.state_id} for node {state.node_name} (run {run})"
        log = logging.LoggerAdapter(logger, {"state_id": state.state_id, "node": state.node_name, "run_id": run})
        try:
            if node_class is None:
                raise KeyError(state.node_name)
            log.info("Executing %s", label)
            secrets = await self._secrets(state.state_id, log) if field_annotations(node_class.Secrets) else {}
            outputs = await self._execute(node_class, state.inputs, secrets)
            log.info("Got outputs for %s", label)
            body = [dump(output) for output in outputs]
        except PruneSignal as prune:
            log.info("Pruning %s", label)
            await self._report("prune", state.state_id, prune.data, log)
        except ReQueueAfterSignal as requeue:
            log.info("Requeuing %s after %s", label, requeue.delay)
            await self._report("re-enqueue-after", state.state_id, requeue.delay_ms, log)
        except Exception as error:  # the node's failure, whatever it is, is the state's error
            log.error("Error executing %s: %s", label, error, exc_info=True)
            await self._report("errored", state.state_id, str(error), log)
        else:
            await self._report("executed", state.state_id, body, log)
        log.info("Reported %s", label)

    async def _execute(self, node_class: type[BaseNode], inputs: dict[str, Any], secrets: dict[str, str]) -> list[Any]:
        node = node_class()
        given = build(node_class.Inputs, inputs)
        secret_values = build(node_class.Secrets, secrets)
        node.inputs, node.secrets = given, secret_values
        result: Any
        if inspect.iscoroutinefunction(node.execute):
            result = await node.execute()
        else:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self._workers, thread_name_prefix=f"exosphere-{self._name}")
            result = await asyncio.get_running_loop().run_in_executor(self._pool, node.execute)
        return _as_list(result)

    async def _secrets(self, state_id: str, log: logging.LoggerAdapter[logging.Logger]) -> dict[str, str]:
        """The state's secrets; {} when the state manager refuses (as 0.0.3: the node then fails on them)."""
        from exosphere_api import operations
        from exospherehost.errors import APIStatusError

        assert self._transport is not None
        try:
            answer = await operations.get_secrets_async(
                self._transport, namespace=self._namespace, state_id=state_id, version=self._version
            )
        except APIStatusError as error:
            log.error("Failed to get secrets for state %s: %s", state_id, error.server_message)
            return {}
        return dict(answer.secrets)

    async def _report(self, kind: str, state_id: str, value: Any, log: logging.LoggerAdapter[logging.Logger]) -> None:
        """Send the outcome, retrying while the state manager cannot take it. A refusal (4xx) ends the tries: after
        an earlier try was lost in transit, the 400 only says that try landed."""
        from exospherehost.errors import APIStatusError, ExosphereError

        send = self._sender(kind, state_id, value)
        tries = 0
        while True:
            try:
                await send()
                return
            except APIStatusError as error:
                if error.status_code < 500 and error.status_code not in (408, 429):
                    if error.status_code == 400 and (tries or error.attempts > 1):
                        log.warning("%s of state %s was already recorded: %s", kind, state_id, error.server_message)
                    else:
                        log.error("Failed to notify %s state %s: %s", kind, state_id, error.server_message)
                    return
                failure: ExosphereError = error
            except ExosphereError as error:
                failure = error
            tries += 1
            wait = min(REPORT_BACKOFF[1], REPORT_BACKOFF[0] * 2 ** min(tries - 1, 16))
            log.warning("Could not report %s of state %s (%s); trying again in %s s", kind, state_id, failure, wait)
            await asyncio.sleep(wait)

    def _sender(self, kind: str, state_id: str, value: Any) -> Callable[[], Awaitable[Any]]:
        from exosphere_api import operations
        from exosphere_api.models import runtime as models

        assert self._transport is not None
        transport, namespace, version = self._transport, self._namespace, self._version
        if kind == "executed":
            body: Any = models.ExecutedRequest(outputs=value)
            return lambda: operations.executed_state_async(transport, namespace=namespace, state_id=state_id,
                                                           version=version, body=body)  # fmt: skip
        if kind == "errored":
            body = models.ErroredRequest(error=value)
            return lambda: operations.errored_state_async(transport, namespace=namespace, state_id=state_id,
                                                          version=version, body=body)  # fmt: skip
        if kind == "prune":
            body = models.PruneRequest(data=value)
            return lambda: operations.prune_state_async(transport, namespace=namespace, state_id=state_id,
                                                        version=version, body=body)  # fmt: skip
        body = models.ReEnqueueAfterRequest(enqueue_after=value)
        return lambda: operations.re_enqueue_after_state_async(transport, namespace=namespace, state_id=state_id,
                                                               version=version, body=body)  # fmt: skip


def _as_list(result: Any) -> list[Any]:
    """What `execute` returned as the list of outputs 0.0.3 sends: None is none, a single output is one."""
    if result is None:
        return []
    return list(result) if isinstance(result, list) else [result]  # pyright: ignore[reportUnknownArgumentType]
