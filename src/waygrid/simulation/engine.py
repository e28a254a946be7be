"""The executor around the router's state machine: it calls the handlers, keeps the clock, and feeds replies,
retries, scheduled deliveries and join timeouts back as signals, one at a time in time order (ties in the order
they arose). The router has no executor of its own (c785f04 only logs effects); the choices made here are
documented in the README ("Simulating a traversal") and the ones a user could want otherwise are parameters.
"""

from __future__ import annotations

import heapq
import random
from collections import deque
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

import msgspec

from waygrid.simulation.conditions import NO_OUTPUT, evaluate
from waygrid.simulation.dag import Dag, DagNode
from waygrid.simulation.fsm import FsmError, TraversalFsm
from waygrid.simulation.result import Event, Outcome, SimulationError, to_datetime

__all__ = ["Call", "Handler", "SimulationLimitError", "Traversal"]

_SUCCESS, _FAILURE, _RESUME, _JOIN_TIMEOUT = range(4)
MAX_MS = 253_402_300_799_999
"""The last millisecond a Python datetime holds (9999-12-31T23:59:59.999Z): the virtual clock stops there."""


class SimulationLimitError(RuntimeError):
    """The simulation processed `max_steps` signals without ending (a huge maxRetries, for instance)."""


class Call:
    """One call of a node's service, as a handler sees it: `address`, `attempt` (from 1), `at` (an aware
    datetime), the node's spec `path`, `label` and `parameters` (the parameters are an SDK extension: the router
    delivers none), and `run` (from 1). `sleep(delay)` makes the reply come that much later; `hang()` means no
    reply ever comes."""

    __slots__ = ("_hung", "_node", "attempt", "delay_ms", "run", "started_ms")

    def __init__(self, node: DagNode, attempt: int, started_ms: int, run: int) -> None:
        self._node = node
        self.attempt = attempt
        self.started_ms = started_ms
        self.run = run
        self.delay_ms = 0
        self._hung = False

    @property
    def address(self) -> str:
        return self._node.address

    @property
    def path(self) -> str:
        return self._node.path

    @property
    def label(self) -> str | None:
        return self._node.label

    @property
    def parameters(self) -> dict[str, Any]:
        return self._node.parameters

    @property
    def node_index(self) -> int:
        """The DAG node's index (see `compile_spec`)."""
        return self._node.index

    @property
    def at(self) -> datetime:
        return to_datetime(self.started_ms)

    @property
    def now(self) -> datetime:
        """The call's start plus what it has slept so far (at most the latest moment a datetime holds)."""
        return to_datetime(min(self.started_ms + self.delay_ms, MAX_MS))

    @property
    def hung(self) -> bool:
        return self._hung

    def sleep(self, delay: timedelta) -> None:
        """Reply `delay` later in simulated time (whole milliseconds; sleeps add up)."""
        if not isinstance(delay, timedelta):
            raise TypeError(f"sleep takes a timedelta, got {type(delay).__name__}")
        if delay < timedelta(0):
            raise ValueError(f"sleep takes a non-negative timedelta, got {delay}")
        self.delay_ms += delay // timedelta(milliseconds=1)

    def hang(self) -> None:
        """Never reply: the router waits for this node forever (it has no node timeout)."""
        self._hung = True

    def __repr__(self) -> str:
        return f"Call({self.address!r}, attempt={self.attempt})"


Handler = Callable[[Call], Any]


class ScriptedFailureError(Exception):
    """What the ready-made `fail()` handler raises; a failed event's detail is its text alone."""


def describe(error: BaseException) -> str:
    """A failed event's detail: `Type: text` (a scripted failure: its text)."""
    try:
        text = str(error)
    except Exception:  # an exception whose __str__ fails still fails the node
        text = "(its message could not be read)"
    if isinstance(error, ScriptedFailureError):
        return text
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


class Traversal:
    """One run of a traversal: `begin()`, then `step()` while `next_due()` is not None and `outcome` is None."""

    def __init__(self, dag: Dag, handlers: Mapping[str, Handler], *, start_ms: int, seed: int,
                 branch_failures: str = "traversal", json_conditions: bool = False, join_timers: str = "drop",
                 run: int = 1, max_steps: int = 1_000_000) -> None:  # fmt: skip
        self.dag = dag
        self.nodes = dag.nodes
        self.handlers = handlers
        condition = evaluate if json_conditions else _router_condition
        self.fsm = TraversalFsm(dag, random.Random(seed), condition)
        self.fsm.now = start_ms
        self.start_ms = start_ms
        self.report_to_join = branch_failures == "join"
        self.json_outputs = json_conditions
        self.keep_join_timers = join_timers == "keep"
        self.run = run
        self.max_steps = max_steps
        self.steps = 0
        self.queue: list[tuple[int, int, int, int, int | None, Any]] = []
        self.ready: deque[tuple[int, int, int, int | None, Any]] = deque()
        self.sequence = 0
        self.canceled: set[int] = set()
        self.timers: dict[int, int] = {}
        self.events: list[Event] = []
        self.outcome: Outcome | None = None
        self.error: SimulationError | None = None
        self.fsm_error: FsmError | None = None
        self.terminal_node: int | None = None
        self.open_scopes_at_end = 0

    # -- driving -------------------------------------------------------------------------------------------------
    #
    # Signals due later wait in a heap ordered by (due, sequence); signals due now (a reply without delay) in a
    # FIFO. Everything in the heap that is due now arose before anything in the FIFO, so taking the heap's due
    # items first, then the FIFO, is the (due, sequence) order without a heap operation per instant reply.

    def begin(self, entry: int | None = None) -> None:
        try:
            effect = self.fsm.begin(entry)
        except FsmError as error:
            self._error(error)
            return
        self._apply(effect)

    def next_due(self) -> int | None:
        """When the next signal is due (ms), or None when nothing is left."""
        if self.outcome is not None:
            return None
        if self.ready:
            return self.fsm.now
        return self.queue[0][0] if self.queue else None

    def _next(self) -> tuple[int, int, int, int | None, Any] | None:
        queue = self.queue
        if queue and (not self.ready or queue[0][0] <= self.fsm.now):
            at, _, kind, node, tag, payload = heapq.heappop(queue)
            return at, kind, node, tag, payload
        if self.ready:
            return self.ready.popleft()
        return None

    def step(self) -> None:
        """Process the next due signal (skipping the ones a cancellation or an ended join made moot)."""
        item = self._next()
        if item is not None:
            self._process(*item)

    def run_to_end(self) -> None:
        take = self._next
        process = self._process
        while self.outcome is None:
            item = take()
            if item is None:
                self.outcome = "stalled"
                return
            process(*item)

    def _process(self, at: int, kind: int, node: int, tag: int | None, payload: Any) -> None:
        if tag is not None and tag in self.canceled:
            return
        if kind == _JOIN_TIMEOUT and self.timers.get(node) != payload:
            return
        self.steps += 1
        if self.steps > self.max_steps:
            raise SimulationLimitError(f"the simulation processed {self.max_steps} signals without ending; raise "
                                       "max_steps if the spec really needs more")  # fmt: skip
        fsm = self.fsm
        if at > MAX_MS:
            self._error(FsmError("ClockOverflow", node, "the virtual clock would pass 9999-12-31T23:59:59.999Z, the "
                                 "latest moment the simulator can show"))  # fmt: skip
            return
        fsm.now = at
        try:
            if kind == _SUCCESS:
                self.events.append(Event(at, "succeeded", self.nodes[node], fsm.retries.get(node, 0) + 1, None,
                                         None, payload, self.run))  # fmt: skip
                effect = fsm.node_success(node, payload)
            elif kind == _FAILURE:
                self.events.append(Event(at, "failed", self.nodes[node], fsm.retries.get(node, 0) + 1, None,
                                         payload, None, self.run))  # fmt: skip
                effect = self._failure(node, tag)
            elif kind == _RESUME:
                effect = fsm.resume(node)
            else:
                del self.timers[node]
                effect = fsm.join_timeout(node)
        except FsmError as error:
            self._error(error)
            return
        self._apply(effect)

    # -- effects -------------------------------------------------------------------------------------------------

    def _failure(self, node: int, branch: int | None) -> tuple[Any, ...]:
        """NodeFailure; with failures reported to the join, a `Fail` of a node dispatched in a branch becomes the
        executor's BranchComplete(Failure) for that branch (a branch its join already removed: BranchNotFound)."""
        effect = self.fsm.node_failure(node)
        if effect[0] == "fail" and self.report_to_join and branch is not None:
            return self.fsm.branch_failed(branch, node)
        return effect

    def _push(self, at: int, kind: int, node: int, tag: int | None, payload: Any) -> None:
        """Queue a signal due at `at`; one due now or earlier (a retry the router scheduled in the past) is due now:
        the clock never runs backwards."""
        if at <= self.fsm.now:
            self.ready.append((self.fsm.now, kind, node, tag, payload))
            return
        self.sequence += 1
        heapq.heappush(self.queue, (at, self.sequence, kind, node, tag, payload))

    def _cancel(self, branches: tuple[int, ...]) -> None:
        """Drop the replies of the cancelled branches and of every branch of a fork nested inside one of them."""
        canceled = self.canceled
        canceled.update(branches)
        fsm = self.fsm
        for branch in fsm.branches.values():
            seen: set[int] = set()
            current: int | None = branch.id
            while current is not None and current not in canceled and current not in seen:
                seen.add(current)
                owner = fsm.branches.get(current)
                scope = None if owner is None else fsm.scopes.get(owner.fork_id)
                current = None if scope is None else scope.parent_branch
            if current is not None and current in canceled:
                canceled.update(seen)

    def _error(self, error: FsmError) -> None:
        self._notes()
        node = None if error.node is None else self.nodes[error.node]
        self.events.append(Event(self.fsm.now, "error", node, None, None, str(error), None, self.run))
        self.outcome = "error"
        self.fsm_error = error
        self.error = SimulationError(error.code, error.message, node)

    def _apply(self, effect: tuple[Any, ...]) -> None:
        if self.fsm.notes:
            self._notes()
        kind = effect[0]
        now = self.fsm.now
        if kind == "dispatch":
            if effect[2]:
                self._cancel(effect[2])
            self._dispatch(effect[1])
        elif kind == "dispatch_many":
            for node, _ in effect[1]:
                self._dispatch(node)
            if effect[2] is not None and effect[3] is not None:
                self.sequence += 1
                self.timers[effect[3]] = self.sequence
                self._push(effect[2], _JOIN_TIMEOUT, effect[3], None, self.sequence)
        elif kind in ("retry", "schedule") and effect[1] > MAX_MS:
            self._error(FsmError("ClockOverflow", effect[-1], "the node is due after 9999-12-31T23:59:59.999Z, the "
                                 "latest moment the simulator can show"))  # fmt: skip
        elif kind == "retry":
            at, attempt, node = effect[1], effect[2], effect[3]
            self.events.append(Event(now, "retry_scheduled", self.nodes[node], attempt + 1, at, None, None, self.run))
            self._push(at, _RESUME, node, self.fsm.node_to_branch.get(node), None)
        elif kind == "schedule":
            at, node = effect[1], effect[2]
            self.events.append(Event(now, "scheduled", self.nodes[node], None, at, None, None, self.run))
            self._push(at, _RESUME, node, None, None)
        elif kind == "complete":
            self.events.append(Event(now, "completed", None, None, None, None, None, self.run))
            self.outcome = "completed"
            self.terminal_node = effect[1]
            self.open_scopes_at_end = len(self.fsm.scopes)
        elif kind == "fail":
            self.events.append(Event(now, "traversal_failed", self.nodes[effect[1]], None, None, None, None, self.run))
            self.outcome = "failed"
            self.terminal_node = effect[1]

    def _dispatch(self, node: int) -> None:
        fsm = self.fsm
        now = fsm.now
        dag_node = self.nodes[node]
        attempt = fsm.retries.get(node, 0) + 1
        self.events.append(Event(now, "dispatched", dag_node, attempt, None, None, None, self.run))
        tag = fsm.node_to_branch.get(node)
        handler = self.handlers.get(dag_node.address)
        if handler is None:
            self.ready.append((now, _SUCCESS, node, tag, None))
            return
        call = Call(dag_node, attempt, now, self.run)
        try:
            output = handler(call)
        except Exception as error:  # a handler's failure is the node's failure, whatever it raises
            if not call.hung:
                self._push(now + call.delay_ms, _FAILURE, node, tag, describe(error))
            return
        if call.hung:
            return
        if self.json_outputs and output is not None:
            try:  # the conditions read JSON: a handler's output is taken as the JSON it encodes to
                output = msgspec.json.decode(msgspec.json.encode(output))
            except (TypeError, ValueError, OverflowError, msgspec.EncodeError) as error:
                self._push(now + call.delay_ms, _FAILURE, node, tag, f"the handler's output is not JSON: {error}")
                return
        self._push(now + call.delay_ms, _SUCCESS, node, tag, output)

    def _notes(self) -> None:
        nodes, events, run, now = self.nodes, self.events, self.run, self.fsm.now
        for kind, node, detail in self.fsm.notes:
            if kind == "forked":
                text = ", ".join(branch.name for branch in detail)
                events.append(Event(now, kind, nodes[node], None, None, text, None, run))
            elif kind in ("branch_canceled", "branch_failed"):
                events.append(Event(now, kind, nodes[detail.node], None, None, detail.name, None, run))
            elif kind == "join_reached":
                name = None if detail is None else detail.name
                events.append(Event(now, kind, nodes[node], None, None, name, None, run))
            else:
                events.append(Event(now, kind, nodes[node], None, None, None, None, run))
                if not self.keep_join_timers and kind in ("join_completed", "join_failed"):
                    self.timers.pop(node, None)
        self.fsm.notes.clear()


def _router_condition(condition: Any, output: Any) -> bool:
    """The router build's evaluation: no input (a node's output is not read)."""
    return evaluate(condition, NO_OUTPUT)
