"""The local router running what it accepts (`LocalRouter(execute=True)`, `waygrid dev --execute`): each accepted
traversal runs on the simulator's engine (`waygrid.simulation`, the router's state machine) on the real clock.

One daemon thread per router processes every running traversal's signals in time order: it sleeps until the
earliest one is due (woken early by a new traversal or by `close()`), then processes each signal due by then.
A traversal starts at the wall-clock millisecond its submission was accepted, and its events are stamped with the
time each signal was due (processing lag is not shown); a retry or a scheduled delivery really waits.

Handlers are registered in process by node address (a callable taking a `waygrid.simulation.Call`: returning is
success, raising is failure, `call.sleep()` delays the reply in real time, `call.hang()` withholds it); an
address without one succeeds at once. Handlers run on the executor thread, one at a time: a handler that blocks
delays every traversal. A traversal runs once (repeat policies are not run), and one left unfinished when its
router stops is not resumed: `GET /v1/traversals/{id}` then says "stalled", with a `detail`.

Events and outcomes are kept in the router's database (`executions`, `execution_events`), written as they happen.
"""

from __future__ import annotations

import heapq
import json
import logging
import secrets
import sqlite3
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

from sdkcore.local.database import Database
from waygrid.simulation import Handler, compile_spec
from waygrid.simulation.engine import Traversal
from waygrid.simulation.result import SimulationError, to_datetime
from waygrid.validation import SpecValidationError
from waygrid_api.models.traversal_spec import Spec

__all__ = ["SCHEMA", "Executor", "check_handlers", "execution_document"]

logger = logging.getLogger("waygrid.local")

SCHEMA = """
CREATE TABLE IF NOT EXISTS executions (
    traversal_id TEXT PRIMARY KEY,
    outcome TEXT NOT NULL,
    started_ms INTEGER NOT NULL,
    error TEXT
);
CREATE TABLE IF NOT EXISTS execution_events (
    traversal_id TEXT NOT NULL,
    position INTEGER NOT NULL,
    event TEXT NOT NULL,
    PRIMARY KEY (traversal_id, position)
)
"""

_MAX_WAIT = 60.0  # seconds; the thread re-reads the clock at least this often (a far due time, a clock change)
_INTERRUPTED = "the router running it stopped before it ended; a traversal is not resumed"
_HUNG = "nothing is due and no reply will come (a handler hung, for instance): the traversal can go no further"


def _now_ms() -> float:
    return time.time() * 1000


def _iso(millis: int) -> str:
    return to_datetime(millis).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def check_handler(address: object, handler: object) -> None:
    if not isinstance(address, str):
        raise TypeError(f"handlers: keys are node addresses (str), got {address!r}")
    if not callable(handler):
        raise TypeError(f"the handler for {address!r} must be a callable taking the call, got {handler!r}")


def check_handlers(handlers: Mapping[str, Handler] | None) -> dict[str, Handler]:
    """A copy of `handlers` (address → handler), checked."""
    if handlers is None:
        return {}
    if not isinstance(handlers, Mapping):
        raise TypeError(f"handlers must map node addresses to callables, got {type(handlers).__name__}")
    for address, handler in handlers.items():
        check_handler(address, handler)
    return dict(handlers)


def _error(code: str, message: str, path: str | None = None, address: str | None = None) -> dict[str, Any]:
    return {"code": code, "message": message, "path": path, "address": address}


class _Run:
    """One executing traversal, with how much of it the database has."""

    __slots__ = ("crash", "saved", "saved_outcome", "traversal", "traversal_id")

    def __init__(self, traversal_id: str, traversal: Traversal) -> None:
        self.traversal_id = traversal_id
        self.traversal = traversal
        self.crash: dict[str, Any] | None = None  # something other than a handler's Exception stopped it
        self.saved = 0  # events written
        self.saved_outcome = "running"

    def state(self) -> tuple[str, dict[str, Any] | None]:
        """The outcome so far ("running" while something is due) and the error, if any."""
        if self.crash is not None:
            return "error", self.crash
        traversal = self.traversal
        if traversal.outcome is not None:
            error: SimulationError | None = traversal.error
            return traversal.outcome, None if error is None else _error(
                error.code, error.message, error.path, error.address)  # fmt: skip
        return ("running" if traversal.next_due() is not None else "stalled"), None


class Executor:
    """Runs the traversals `accept()` is given on a background thread until `close()`."""

    def __init__(self, database: Database, handlers: Mapping[str, Handler] | None = None) -> None:
        self._database = database
        self.handlers = check_handlers(handlers)
        """Address → handler, read at each dispatch (so a handler registered later applies to running traversals)."""
        self._wake = threading.Condition()
        self._pending: list[_Run] = []  # accepted, not begun yet
        self._active: set[str] = set()  # accepted and not ended (under _wake)
        self._closed = False
        self._due: list[tuple[int, int, _Run]] = []  # each running traversal once: (next due time, order, run)
        self._order = 0  # ties in the order they were queued
        self._thread = threading.Thread(target=self._loop, name="waygrid-local-executor", daemon=True)
        self._thread.start()

    def handle(self, address: str, handler: Handler) -> None:
        check_handler(address, handler)
        self.handlers[address] = handler

    @property
    def alive(self) -> bool:
        """Whether the executor thread is running."""
        return self._thread.is_alive()

    def is_active(self, traversal_id: str) -> bool:
        """Whether this executor is still running the traversal."""
        with self._wake:
            return traversal_id in self._active

    def accept(self, connection: sqlite3.Connection, traversal_id: str, spec: Spec) -> None:
        """Start `spec` now; called in the transaction that stores the traversal (its row is written there)."""
        start_ms = int(_now_ms())
        try:
            dag = compile_spec(spec)
        except SpecValidationError as refused:  # a rule the ingest does not check but the compiler does
            message = "; ".join(f"{problem.path}: {problem.message}" for problem in refused.problems)
            error = _error("SpecValidationError", message, refused.problems[0].path if refused.problems else None)
            connection.execute("INSERT INTO executions VALUES (?, 'error', ?, ?)",
                               (traversal_id, start_ms, json.dumps(error)))  # fmt: skip
            return
        traversal = Traversal(dag, self.handlers, start_ms=start_ms, seed=secrets.randbits(64))
        connection.execute("INSERT INTO executions VALUES (?, 'running', ?, NULL)", (traversal_id, start_ms))
        with self._wake:
            self._pending.append(_Run(traversal_id, traversal))
            self._active.add(traversal_id)
            self._wake.notify_all()

    def wait(self, traversal_id: str, timeout: float) -> bool:
        """Block until the traversal is no longer running here (or the executor closes); False on timeout."""
        with self._wake:
            return self._wake.wait_for(lambda: traversal_id not in self._active or self._closed, timeout)

    def close(self, timeout: float = 5.0) -> None:
        """Stop the thread: it ends after the handler or signal it is processing (waited for up to `timeout` s)."""
        with self._wake:
            self._closed = True
            self._wake.notify_all()
        if threading.current_thread() is self._thread:  # a handler closing its router: the loop ends after it
            return
        self._thread.join(timeout)
        if self._thread.is_alive():
            logger.warning("the executor thread is still in a handler after %s s; leaving it (a daemon)", timeout)

    # -- the thread ----------------------------------------------------------------------------------------------

    def _loop(self) -> None:
        while True:
            with self._wake:
                while not self._closed and not self._pending:
                    wait = None if not self._due else (self._due[0][0] - _now_ms()) / 1000
                    if wait is not None and wait <= 0:
                        break
                    self._wake.wait(_MAX_WAIT if wait is None else min(wait, _MAX_WAIT))
                if self._closed:
                    return
                begun, self._pending = self._pending, []
            for run in begun:
                self._proceed(run, run.traversal.begin)
            while self._due and self._due[0][0] <= _now_ms() and not self._closed:
                run = heapq.heappop(self._due)[2]
                self._proceed(run, run.traversal.step)

    def _proceed(self, run: _Run, action: Callable[[], None]) -> None:
        """Begin the run or process its next signal, write what changed, and queue it again unless it ended."""
        try:
            action()
        except BaseException as error:  # the engine catches a handler's Exception; the thread outlives the rest
            logger.warning("traversal %s stopped: %s: %s", run.traversal_id, type(error).__name__, error)
            run.crash = _error(type(error).__name__, str(error))
        following = run.traversal.next_due() if run.crash is None else None
        try:
            saved = self._save(run)
        except Exception:  # a database failure: this run is lost, the thread goes on
            logger.exception("traversal %s: its events could not be written; it is dropped", run.traversal_id)
            saved = False
        if saved and following is not None:
            self._order += 1
            heapq.heappush(self._due, (following, self._order, run))
        else:
            with self._wake:
                self._active.discard(run.traversal_id)
                self._wake.notify_all()

    def _save(self, run: _Run) -> bool:
        """Write what is new; False when the run must not go on (the router closed, or its traversal is gone:
        the transaction that accepted it rolled back)."""
        outcome, error = run.state()
        events = run.traversal.events
        if run.saved == len(events) and outcome == run.saved_outcome:
            return not self._closed
        rows = [(run.traversal_id, position, json.dumps(event.to_dict(), default=str))
                for position, event in enumerate(events[run.saved:], start=run.saved)]  # fmt: skip
        try:
            with self._database.transaction() as connection:
                if self._closed:
                    return False
                updated = connection.execute("UPDATE executions SET outcome = ?, error = ? WHERE traversal_id = ?",
                                             (outcome, None if error is None else json.dumps(error),
                                              run.traversal_id)).rowcount  # fmt: skip
                if not updated:
                    return False
                connection.executemany("INSERT INTO execution_events VALUES (?, ?, ?)", rows)
        except sqlite3.ProgrammingError:  # the database closed under a late thread
            if self._closed:
                return False
            raise
        run.saved, run.saved_outcome = len(events), outcome
        if outcome != "running":
            why = "" if error is None else f" ({error['code']}: {error['message']})"
            logger.info("traversal %s: %s%s", run.traversal_id, outcome, why)
        return True


def execution_document(database: Database, traversal_id: str, executor: Executor | None) -> dict[str, Any] | None:
    """`GET /v1/traversals/{id}`'s answer, None when no traversal has that id."""
    with database.lock:
        rows = database.query("SELECT outcome, started_ms, error FROM executions WHERE traversal_id = ?",
                              (traversal_id,))  # fmt: skip
        if not rows:
            if not database.query("SELECT 1 FROM traversals WHERE traversal_id = ?", (traversal_id,)):
                return None
            return {"traversalId": traversal_id, "outcome": "not-executed", "events": []}
        events = database.query("SELECT event FROM execution_events WHERE traversal_id = ? ORDER BY position",
                                (traversal_id,))  # fmt: skip
    row = rows[0]
    document: dict[str, Any] = {"traversalId": traversal_id, "outcome": row["outcome"],
                                "startedAt": _iso(row["started_ms"]),
                                "events": [json.loads(event["event"]) for event in events]}  # fmt: skip
    if row["outcome"] == "running" and (executor is None or not executor.is_active(traversal_id)):
        document["outcome"], document["detail"] = "stalled", _INTERRUPTED
    elif row["outcome"] == "stalled":
        document["detail"] = _HUNG
    if row["error"] is not None:
        document["error"] = json.loads(row["error"])
    return document
