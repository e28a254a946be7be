"""The local router running what it accepts (`LocalRouter(execute=True)`, `waygrid dev --execute`), over real HTTP
on loopback: outcomes, retries that really wait, the `GET /v1/traversals/{id}` extension route, the executor
thread's life, and results kept in the database file. Waits are bounded by generous timeouts and nothing asserts a
wall-clock upper bound."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.local_servers.conftest import ROOT, dev_process
from waygrid import DeliveryStrategy, JoinStrategy, Node, RetryPolicy, Spec, SyncWaygridClient
from waygrid.__main__ import main
from waygrid.local import MEMORY, LocalRouter
from waygrid.simulation import Call, fail, hang

FLAKY = "waygrid://processor/flaky"
HOOK = "waygrid://destination/hook"
DELAY_MS = 100
RETRY_SPEC = Spec.single(
    Node.standard(FLAKY).with_retry(RetryPolicy.linear(timedelta(milliseconds=DELAY_MS), 3)).on_success(
        Node.standard(HOOK))
)  # fmt: skip
PLAIN_SPEC = Spec.single(Node.standard("waygrid://processor/openai").on_success(Node.standard(HOOK)))
LATER_SPEC = Spec.single(Node.standard(HOOK).with_delivery(DeliveryStrategy.schedule_after(timedelta(hours=1))))
WAIT = 30.0  # seconds: a bound for waiting, never an expectation

DEV_HANDLERS = {FLAKY: fail(times=2)}
"""For `waygrid dev --handlers tests.local_servers.test_waygrid_execution:DEV_HANDLERS`."""


def submit(url: str, spec: Spec) -> str:
    with SyncWaygridClient(url) as client:
        return client.submit(spec).traversal_id


def settled(url: str, traversal_id: str, timeout: float = WAIT) -> dict[str, Any]:
    """Poll the extension route until the traversal is no longer running."""
    deadline = time.monotonic() + timeout
    while True:
        answer = httpx.get(f"{url}/v1/traversals/{traversal_id}")
        assert answer.status_code == 200, answer.text
        document: dict[str, Any] = answer.json()
        if document["outcome"] != "running":
            return document
        assert time.monotonic() < deadline, f"still running after {timeout} s: {document}"
        time.sleep(0.02)


def kinds(document: dict[str, Any]) -> list[str]:
    return [event["kind"] for event in document["events"]]


def ms(stamp: str) -> int:
    moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    return round(moment.timestamp() * 1000)


@pytest.fixture
def executing() -> Iterator[tuple[LocalRouter, str]]:
    with LocalRouter(MEMORY, execute=True) as router, router.serve() as server:
        yield router, server.url


def test_a_spec_executes_and_completes(executing: tuple[LocalRouter, str]) -> None:
    _, url = executing
    traversal_id = submit(url, PLAIN_SPEC)
    document = settled(url, traversal_id)
    assert document["traversalId"] == traversal_id
    assert document["outcome"] == "completed"
    assert kinds(document) == ["dispatched", "succeeded", "dispatched", "succeeded", "completed"]
    assert [event.get("address") for event in document["events"][::2]] == [
        "waygrid://processor/openai", HOOK, None]  # fmt: skip
    assert "error" not in document
    assert ms(document["events"][0]["at"]) == ms(document["startedAt"])


def test_a_fork_and_join_completes(executing: tuple[LocalRouter, str]) -> None:
    fork = (
        Node.fork("waygrid://system/waystation").join_id("j").branches({
            "a": Node.standard("waygrid://processor/a"), "b": Node.standard("waygrid://processor/b")})
        .with_join(Node.join("waygrid://system/waystation").join_id("j").strategy(JoinStrategy.AND)
                   .on_success(Node.standard(HOOK)))
    )  # fmt: skip
    _, url = executing
    document = settled(url, submit(url, Spec.single(fork)))
    assert document["outcome"] == "completed"
    assert {"forked", "join_reached", "join_completed"} <= set(kinds(document))


def test_a_failing_handler_is_retried_after_the_policy_delay() -> None:
    calls: list[tuple[int, float]] = []

    def flaky(call: Call) -> str:
        calls.append((call.attempt, time.time() * 1000))
        if call.attempt <= 2:
            raise ConnectionError(f"refused (attempt {call.attempt})")
        return "ok"

    with LocalRouter(MEMORY, execute=True, handlers={FLAKY: flaky}) as router, router.serve() as server:
        document = settled(server.url, submit(server.url, RETRY_SPEC))
    assert document["outcome"] == "completed"
    assert kinds(document) == [
        "dispatched", "failed", "retry_scheduled",
        "dispatched", "failed", "retry_scheduled",
        "dispatched", "succeeded", "dispatched", "succeeded", "completed",
    ]  # fmt: skip
    events = document["events"]
    dispatches = [event for event in events if event["kind"] == "dispatched" and event["address"] == FLAKY]
    assert [event["attempt"] for event in dispatches] == [1, 2, 3]
    assert events[1]["detail"] == "ConnectionError: refused (attempt 1)"
    retries = [event for event in events if event["kind"] == "retry_scheduled"]
    assert [event["attempt"] for event in retries] == [2, 3]
    for retry in retries:
        assert ms(retry["due"]) - ms(retry["at"]) >= DELAY_MS
    for retry, dispatch in zip(retries, dispatches[1:], strict=True):
        assert ms(dispatch["at"]) >= ms(retry["due"])
    # The waits were real: each retry's handler ran no earlier than its due time.
    assert [attempt for attempt, _ in calls] == [1, 2, 3]
    for retry, (_, called_ms) in zip(retries, calls[1:], strict=True):
        assert called_ms >= ms(retry["due"])


def test_a_failure_with_no_retry_left_fails_the_traversal() -> None:
    with LocalRouter(MEMORY, execute=True, handlers={FLAKY: fail()}) as router, router.serve() as server:
        document = settled(server.url, submit(server.url, RETRY_SPEC))
    assert document["outcome"] == "failed"
    assert kinds(document).count("dispatched") == 4  # the first attempt and 3 retries
    assert kinds(document)[-1] == "traversal_failed"


def test_a_traversal_waiting_for_a_due_time_is_running_and_a_hung_one_is_stalled(
    executing: tuple[LocalRouter, str],
) -> None:
    router, url = executing
    later = submit(url, LATER_SPEC)
    router.handle(FLAKY, hang())
    hung = submit(url, RETRY_SPEC)
    stalled = settled(url, hung)
    assert stalled["outcome"] == "stalled"
    assert kinds(stalled) == ["dispatched"]
    assert "detail" in stalled
    waiting = httpx.get(f"{url}/v1/traversals/{later}").json()
    assert waiting["outcome"] == "running"
    assert kinds(waiting) == ["scheduled"]
    assert ms(waiting["events"][0]["due"]) - ms(waiting["startedAt"]) == 3_600_000


def test_an_unknown_id_is_a_404(executing: tuple[LocalRouter, str]) -> None:
    _, url = executing
    answer = httpx.get(f"{url}/v1/traversals/01ARZ3NDEKTSV4RRFFQ69G5FAV")
    assert answer.status_code == 404
    assert answer.headers["content-type"] == "application/json"
    assert "01ARZ3NDEKTSV4RRFFQ69G5FAV" in answer.json()["error"]
    assert httpx.get(f"{url}/v1/traversals/a/b").status_code == 404


def test_with_execution_off_a_traversal_is_not_executed() -> None:
    with LocalRouter(MEMORY) as router, router.serve() as server:
        traversal_id = submit(server.url, PLAIN_SPEC)
        answer = httpx.get(f"{server.url}/v1/traversals/{traversal_id}")
        assert router.executor is None
        with pytest.raises(RuntimeError):
            router.handle(FLAKY, fail())
    assert answer.status_code == 200
    assert answer.json() == {"traversalId": traversal_id, "outcome": "not-executed", "events": []}
    with pytest.raises(ValueError, match="execute=True"):
        LocalRouter(MEMORY, handlers={FLAKY: fail()})
    with pytest.raises(TypeError):
        LocalRouter(MEMORY, execute=True, handlers={FLAKY: "not callable"})  # type: ignore[dict-item]


def test_the_ingest_answer_is_unchanged_and_replays_do_not_run_again(executing: tuple[LocalRouter, str]) -> None:
    router, url = executing
    body = {"graph": json.loads(PLAIN_SPEC.to_json())}
    first = httpx.post(f"{url}/v1/ingest", json=body, headers={"Idempotency-Key": "once"})
    again = httpx.post(f"{url}/v1/ingest", json=body, headers={"Idempotency-Key": "once"})
    assert set(first.json()) == {"traversalId", "dagHash"}
    assert again.json() == first.json()
    document = settled(url, first.json()["traversalId"])
    assert kinds(document).count("completed") == 1
    assert len(router.traversals()) == 1


def test_the_executor_thread_outlives_a_handler_raising_anything(executing: tuple[LocalRouter, str]) -> None:
    def exits(call: Call) -> None:
        raise SystemExit(3)

    router, url = executing
    router.handle(FLAKY, exits)
    broken = settled(url, submit(url, RETRY_SPEC))
    assert broken["outcome"] == "error"
    assert broken["error"]["code"] == "SystemExit"
    assert router.executor is not None
    assert router.executor.alive
    assert settled(url, submit(url, PLAIN_SPEC))["outcome"] == "completed"


def test_a_handler_registered_later_applies(executing: tuple[LocalRouter, str]) -> None:
    router, url = executing
    router.handle(FLAKY, fail(times=1))
    document = router.wait(submit(url, RETRY_SPEC), timeout=WAIT)
    assert document["outcome"] == "completed"
    assert kinds(document).count("failed") == 1


def test_close_stops_the_thread_even_with_traversals_waiting() -> None:
    router = LocalRouter(MEMORY, execute=True)
    with router.serve() as server:
        submit(server.url, LATER_SPEC)
    executor = router.executor
    assert executor is not None
    assert executor.alive
    threads = {thread.name for thread in threading.enumerate()}
    assert "waygrid-local-executor" in threads
    router.close()
    assert not executor.alive


def test_results_persist_in_the_database_file(tmp_path: Path) -> None:
    database = tmp_path / "router.db"
    with LocalRouter(database, execute=True, handlers={FLAKY: fail(times=2)}) as router, router.serve() as server:
        done = submit(server.url, RETRY_SPEC)
        finished = settled(server.url, done)
        waiting = submit(server.url, LATER_SPEC)
        assert httpx.get(f"{server.url}/v1/traversals/{waiting}").json()["outcome"] == "running"
    for execute in (False, True):
        with LocalRouter(database, execute=execute) as router, router.serve() as server:
            assert httpx.get(f"{server.url}/v1/traversals/{done}").json() == finished
            interrupted = httpx.get(f"{server.url}/v1/traversals/{waiting}").json()
            assert interrupted["outcome"] == "stalled"
            assert "stopped" in interrupted["detail"]
            assert kinds(interrupted) == ["scheduled"]
    assert finished["outcome"] == "completed"
    assert kinds(finished).count("retry_scheduled") == 2


def test_waygrid_dev_executes_with_handlers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)  # --handlers imports from the current directory
    handlers = "tests.local_servers.test_waygrid_execution:DEV_HANDLERS"
    with dev_process("waygrid", "--in-memory", "--handlers", handlers) as (_, url):
        document = settled(url, submit(url, RETRY_SPEC))
    assert document["outcome"] == "completed", document
    assert kinds(document).count("failed") == 2
    with dev_process("waygrid", "--in-memory", "--execute") as (_, url):
        document = settled(url, submit(url, RETRY_SPEC))
    assert document["outcome"] == "completed"
    assert "failed" not in kinds(document)


@pytest.mark.parametrize("reference", ["no-colon", "no_such_module_here:HANDLERS",
                                       "tests.local_servers.test_waygrid_execution:MISSING",
                                       "tests.local_servers.test_waygrid_execution:FLAKY"])  # fmt: skip
def test_waygrid_dev_refuses_bad_handlers(reference: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    with pytest.raises(SystemExit) as caught:
        main(["dev", "--in-memory", "--port", "0", "--handlers", reference])
    assert "--handlers" in str(caught.value.code)
