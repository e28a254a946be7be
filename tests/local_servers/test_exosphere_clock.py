"""The local state manager's clock: `VirtualClock` moves only forward and only when told; every timestamp and
`enqueue_after` of the server reads it, so a one-hour start delay or retry backoff is due after `advance(3600)`,
and `next_due_ms` says when the next waiting state is due."""

from __future__ import annotations

import math
import threading
from datetime import datetime, timedelta, timezone

import pytest

from exospherehost import RetryPolicyModel
from exospherehost.local import MEMORY, LocalStateManager, SystemClock, VirtualClock, from_ms, to_ms
from exospherehost.local.clock import Clock
from tests.local_servers.test_exosphere_state_manager import KEY, NS, SEED_NODES, enqueue, http, seed_graph

START = datetime(2030, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
HOUR_MS = 3_600_000


def test_a_virtual_clock_moves_forward_only_when_told() -> None:
    clock = VirtualClock(START)
    assert clock.now() == START
    assert clock.now() == START  # it does not move by itself
    assert clock.advance(1.5) == START + timedelta(seconds=1.5)
    assert clock.advance(0) == clock.now()
    later = START + timedelta(hours=2)
    assert clock.advance_to(later) == later
    assert clock.advance_to(later) == later  # the current time itself is allowed
    with pytest.raises(ValueError, match=r"never goes backwards: seconds must be >= 0, got -0\.001"):
        clock.advance(-0.001)
    with pytest.raises(ValueError, match=r"never goes backwards: 2030-01-02T04:04:05\+00:00 is before its current "
                                         r"time 2030-01-02T05:04:05\+00:00"):  # fmt: skip
        clock.advance_to(later - timedelta(hours=1))
    with pytest.raises(ValueError, match="seconds must be a finite number, got nan"):
        clock.advance(math.nan)
    with pytest.raises(ValueError, match="moment must be a timezone-aware datetime, got the naive 2031-01-01T00:00:00"):
        clock.advance_to(datetime(2031, 1, 1))
    with pytest.raises(ValueError, match="start must be a timezone-aware datetime"):
        VirtualClock(datetime(2030, 1, 1))
    assert clock.now() == later  # the refused moves changed nothing


def test_a_virtual_clock_reads_in_utc_and_defaults_to_the_wall_clock() -> None:
    paris = timezone(timedelta(hours=1))
    clock = VirtualClock(datetime(2030, 1, 1, 1, 0, tzinfo=paris))
    assert clock.now() == datetime(2030, 1, 1, tzinfo=timezone.utc)
    assert clock.now().tzinfo == timezone.utc
    before = datetime.now(timezone.utc)
    default = VirtualClock().now()
    assert before <= default <= datetime.now(timezone.utc)
    assert isinstance(clock, Clock)
    assert isinstance(SystemClock(), Clock)
    wall = SystemClock().now()
    assert wall.tzinfo == timezone.utc
    assert abs(wall - datetime.now(timezone.utc)) < timedelta(seconds=5)


def test_a_virtual_clock_loses_no_step_when_moved_from_many_threads() -> None:
    clock = VirtualClock(START)

    def step() -> None:
        for _ in range(1000):
            clock.advance(0.001)

    threads = [threading.Thread(target=step) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert clock.now() == START + timedelta(seconds=8)


def test_milliseconds_convert_both_ways() -> None:
    assert to_ms(datetime(1970, 1, 1, 0, 0, 1, 999, tzinfo=timezone.utc)) == 1000  # rounded down
    assert to_ms(START) == 1_893_553_445_000
    assert from_ms(1_893_553_445_123) == START + timedelta(milliseconds=123)
    assert all(to_ms(from_ms(n)) == n for n in (0, 1, 999, 1_893_553_445_123, 2**41 + 7))
    with pytest.raises(ValueError, match="naive"):
        to_ms(datetime(2030, 1, 1))


def test_the_server_reads_the_wall_clock_unless_given_one() -> None:
    with LocalStateManager(MEMORY, api_key=KEY) as local:
        assert isinstance(local.clock, SystemClock)
    clock = VirtualClock(START)
    with LocalStateManager(MEMORY, api_key=KEY, clock=clock) as local:
        assert local.clock is clock


def started(local: LocalStateManager, max_retries: int = 0, backoff: int = 1) -> None:
    with http(local) as client:
        assert client.put("/nodes/", json=SEED_NODES).status_code == 200
    policy = RetryPolicyModel(max_retries=max_retries, strategy="FIXED", backoff_factor=backoff)
    local.sync_state_manager(NS).upsert_graph("g", seed_graph(), {"api_key": "s"}, policy, polling_interval=0.01)


def test_a_start_delay_is_due_when_the_clock_reaches_it() -> None:
    clock = VirtualClock(START)
    with LocalStateManager(MEMORY, api_key=KEY, clock=clock) as local, http(local) as client:
        started(local)
        assert local.next_due_ms(NS) is None
        answer = client.post("/graph/g/trigger", json={"start_delay": HOUR_MS})
        assert answer.status_code == 200
        due = to_ms(START) + HOUR_MS
        assert local.next_due_ms(NS) == due
        assert enqueue(client, "DataLoaderNode") == []
        clock.advance(3599.999)
        assert enqueue(client, "DataLoaderNode") == []
        clock.advance(0.001)
        (state,) = enqueue(client, "DataLoaderNode")
        assert state["created_at"] == "2030-01-02T03:04:05"  # when it was created, by the clock
        assert local.next_due_ms(NS) is None  # a QUEUED state waits for no one


def test_a_retry_backoff_is_due_when_the_clock_reaches_it() -> None:
    clock = VirtualClock(START)
    with LocalStateManager(MEMORY, api_key=KEY, clock=clock) as local, http(local) as client:
        started(local, max_retries=1, backoff=HOUR_MS)
        client.post("/graph/g/trigger", json={})
        (state,) = enqueue(client, "DataLoaderNode")
        clock.advance(10)
        failed = client.post(f"/state/{state['state_id']}/errored", json={"error": "boom"})
        assert failed.json() == {"status": "ERRORED", "retry_created": True}
        due = to_ms(START) + 10_000 + HOUR_MS
        assert local.next_due_ms(NS) == due
        assert local.next_due_ms(NS, ["DataLoaderNode"]) == due
        assert local.next_due_ms(NS, ["DataProcessorNode"]) is None
        assert local.next_due_ms(NS, []) is None
        assert local.next_due_ms("other") is None
        clock.advance_to(from_ms(due - 1))
        assert enqueue(client, "DataLoaderNode") == []
        clock.advance_to(from_ms(due))
        (retry,) = enqueue(client, "DataLoaderNode")
        assert retry["inputs"] == state["inputs"]
        assert retry["created_at"] == "2030-01-02T03:04:15"


def test_signals_and_timestamps_read_the_clock() -> None:
    clock = VirtualClock(START)
    with LocalStateManager(MEMORY, api_key=KEY, clock=clock) as local, http(local) as client:
        started(local)
        graph = client.get("/graph/g").json()
        assert (graph["created_at"], graph["updated_at"]) == ("2030-01-02T03:04:05", "2030-01-02T03:04:05")
        first = client.post("/graph/g/trigger", json={}).json()["run_id"]
        second = client.post("/graph/g/trigger", json={}).json()["run_id"]  # the same instant: newest first
        assert [run["run_id"] for run in client.get("/runs/1/0").json()["runs"]] == [second, first]
        one, _ = enqueue(client, "DataLoaderNode")
        clock.advance(0.25)
        later = client.post(f"/state/{one['state_id']}/re-enqueue-after", json={"enqueue_after": 60_000})
        assert later.json() == {"status": "CREATED", "enqueue_after": to_ms(START) + 250 + 60_000}
        assert local.next_due_ms(NS) == to_ms(START) + 250 + 60_000
        clock.advance(60)
        (again,) = enqueue(client, "DataLoaderNode")
        pruned = client.post(f"/state/{again['state_id']}/prune", json={"data": {}})
        assert pruned.json() == {"status": "PRUNED", "enqueue_after": to_ms(START) + 250 + 60_000}
        clock.advance(1.5)
        third = client.post("/graph/g/trigger", json={}).json()["run_id"]
        newest = client.get("/runs/1/1").json()["runs"][0]
        assert (newest["run_id"], newest["created_at"]) == (third, "2030-01-02T03:05:06.750000")
