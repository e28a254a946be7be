"""One claimed state, from its node's `execute` to the report the state manager keeps: what `Runtime` does for
each state it claims.

The outcome is executed (the outputs), errored (the failure's text, as 0.0.3 sends `str(error)`), prune or
re-enqueue-after (the signals); it is logged at INFO, one line per state (the steps before it at DEBUG, since a
log line costs about a tenth of a state's CPU). Whatever the node raises, `BaseException`s included, becomes one
of them, so a claimed state is never left without a report; only the runtime's own cancellation (the grace period
ended) leaves it QUEUED, as a process that dies would. A report is retried while the state manager cannot take
it.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import threading
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import msgspec

from exospherehost.node_models import build, dump, field_annotations, is_struct
from exospherehost.signals import PruneSignal, ReQueueAfterSignal
from sdkcore.retry import RetryConfig, backoff

if TYPE_CHECKING:
    from exosphere_api.models.runtime import EnqueuedState
    from exospherehost.node import BaseNode
    from sdkcore.transport import AsyncTransport

__all__ = ["Executor"]

logger = logging.getLogger("exospherehost.runtime")
Log = logging.LoggerAdapter  # the per-state adapter: state_id, node, run_id on every record
REPORT_BACKOFF = RetryConfig(initial_delay=0.5, max_delay=30.0, jitter=0.0)
"""The waits between the tries of an undelivered report: 0.5 s, doubling up to 30 s."""


class Executor:
    """Executes states of `nodes` (by class name) and reports them through `transport`."""

    def __init__(self, transport: AsyncTransport, namespace: str, version: str, nodes: dict[str, type[BaseNode]],
                 thread_name: str) -> None:  # fmt: skip
        self.transport = transport
        self._namespace = namespace
        self._version = version
        self._nodes = nodes
        self._thread_name = thread_name
        self.cancelled: set[asyncio.Task[Any]] = set()
        """Tasks the runtime cancelled itself: their CancelledError is not the node's failure."""

    async def run(self, state: EnqueuedState) -> None:
        """Execute one state and report its outcome; raises only when the runtime cancels it."""
        from msgspec import UNSET

        run = state.run_id if state.run_id is not UNSET else "?"
        label = f"state {state.state_id} for node {state.node_name} (run {run})"
        log = Log(logger, {"state_id": state.state_id, "node": state.node_name, "run_id": run})
        try:
            kind, value = await self._outcome(state, label, log)
        except asyncio.CancelledError:
            if asyncio.current_task() in self.cancelled:
                raise
            log.error("Error executing %s: the node's work was cancelled", label)
            kind, value = "errored", "CancelledError: the node's work was cancelled"
        await self._report(kind, state.state_id, value, log)
        log.info("Reported %s of %s", kind, label)

    async def _outcome(self, state: EnqueuedState, label: str, log: Log[logging.Logger]) -> tuple[str, Any]:
        try:
            node_class = self._nodes.get(state.node_name)
            if node_class is None:
                raise KeyError(state.node_name)
            log.debug("Executing %s", label)
            secrets = await self._secrets(state.state_id, log) if field_annotations(node_class.Secrets) else {}
            outputs = await self._execute(node_class, state.inputs, secrets)
            log.debug("Got outputs for %s", label)
            return "executed", [_checked(node_class, output) for output in outputs]
        except PruneSignal as prune:
            log.debug("Pruning %s", label)
            try:
                msgspec.json.encode(prune.data)
            except (TypeError, ValueError) as error:
                return "errored", f"PruneSignal data cannot be sent as JSON: {error}"
            return "prune", prune.data
        except ReQueueAfterSignal as requeue:
            log.debug("Requeuing %s after %s", label, requeue.delay)
            return "re-enqueue-after", requeue.delay_ms
        except asyncio.CancelledError:
            raise
        except BaseException as error:  # the node's failure, whatever it raised, is the state's error
            log.error("Error executing %s: %s", label, error, exc_info=True)
            return "errored", str(error)

    async def _execute(self, node_class: type[BaseNode], inputs: dict[str, Any], secrets: dict[str, str]) -> list[Any]:
        node = node_class()
        node.inputs = build(node_class.Inputs, inputs)
        node.secrets = build(node_class.Secrets, secrets)
        execute: Callable[[], Any] = node.execute
        if inspect.iscoroutinefunction(inspect.unwrap(execute)):
            result = execute()
        else:
            result = await self._in_thread(execute)
        if inspect.isawaitable(result):
            result = await result
        if result is None:
            return []
        return list(result) if isinstance(result, list) else [result]  # pyright: ignore[reportUnknownArgumentType]

    async def _in_thread(self, function: Callable[[], Any]) -> Any:
        """`function()` in a daemon thread of its own: a plain-def node still running when the process ends (the
        grace period ran out) does not keep it alive, as a thread pool's threads would."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()

        def settle(result: Any, error: BaseException | None) -> None:
            if not future.done():
                future.set_exception(error) if error is not None else future.set_result(result)

        def target() -> None:
            try:
                result, error = function(), None
            except Exception as raised:  # handed to the event loop, which reports it
                result, error = None, raised
            except BaseException as raised:  # SystemExit and the like: no Future may carry them
                result, error = None, RuntimeError(f"{type(raised).__name__}: {raised}")
            with contextlib.suppress(RuntimeError):  # a closed loop: nobody waits for this result any more
                loop.call_soon_threadsafe(settle, result, error)

        threading.Thread(target=target, name=self._thread_name, daemon=True).start()
        return await future

    async def _secrets(self, state_id: str, log: Log[logging.Logger]) -> dict[str, str]:
        """The state's secrets; {} when the state manager refuses (as 0.0.3: the node then fails on them)."""
        from exosphere_api import operations
        from exospherehost.errors import APIStatusError

        try:
            answer = await operations.get_secrets_async(self.transport, namespace=self._namespace,
                                                        state_id=state_id, version=self._version)  # fmt: skip
        except APIStatusError as error:
            log.error("Failed to get secrets for state %s: %s", state_id, error.server_message)
            return {}
        return dict(answer.secrets)

    async def _report(self, kind: str, state_id: str, value: Any, log: Log[logging.Logger]) -> None:
        """Send the outcome, retrying while the state manager cannot take it. A refusal (4xx) ends the tries:
        after an earlier try was lost in transit, a 400 only says that try landed; a refused signal (422) is
        reported as the state's error instead, so the state does not stay QUEUED."""
        from exospherehost.errors import APIStatusError, ExosphereError

        tries = 0
        while True:
            try:
                await self._sender(kind, state_id, value)()
                return
            except APIStatusError as error:
                if error.status_code < 500 and error.status_code not in (408, 429):
                    if error.status_code == 400 and (tries or error.attempts > 1):
                        log.warning("%s of state %s was already recorded: %s", kind, state_id, error.server_message)
                    elif error.status_code == 422 and kind in ("prune", "re-enqueue-after"):
                        log.error("The state manager refused %s of state %s: %s", kind, state_id,
                                  error.server_message)  # fmt: skip
                        kind, value = "errored", f"the state manager refused the {kind} signal: {error.server_message}"
                        continue
                    else:
                        log.error("Failed to notify %s state %s: %s", kind, state_id, error.server_message)
                    return
                failure: ExosphereError = error
            except ExosphereError as error:
                failure = error
            tries += 1
            wait = backoff(tries, REPORT_BACKOFF)
            log.warning("Could not report %s of state %s (%s); trying again in %s s", kind, state_id, failure, wait)
            await asyncio.sleep(wait)

    def _sender(self, kind: str, state_id: str, value: Any) -> Callable[[], Awaitable[Any]]:
        from exosphere_api import operations
        from exosphere_api.models import runtime as models

        stub: Any
        body: Any
        if kind == "executed":
            stub, body = operations.executed_state_async, models.ExecutedRequest(outputs=value)
        elif kind == "errored":
            stub, body = operations.errored_state_async, models.ErroredRequest(error=value)
        elif kind == "prune":
            stub, body = operations.prune_state_async, models.PruneRequest(data=value)
        else:
            stub, body = operations.re_enqueue_after_state_async, models.ReEnqueueAfterRequest(enqueue_after=value)
        return lambda: stub(self.transport, namespace=self._namespace, state_id=state_id, version=self._version,
                            body=body)  # fmt: skip


def _checked(node_class: type[BaseNode], output: object) -> dict[str, Any]:
    """The output as sent; a Struct is checked against its own field types first (msgspec does not check on
    construction, pydantic does)."""
    dumped = dump(output)
    if is_struct(type(output)):
        try:
            msgspec.convert(dumped, type(output))
        except msgspec.ValidationError as error:
            raise TypeError(f"{node_class.__name__} returned an invalid {type(output).__qualname__}: {error}") from None
    return dumped
