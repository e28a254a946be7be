"""What an adversarial review of the simulator found, pinned: each case failed before its fix."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

import waygrid
from waygrid import Condition, DeliveryStrategy, JoinStrategy, Node, RetryPolicy, Spec
from waygrid.simulation import explore, fail, succeed
from waygrid.simulation.backoff import _fibonacci, _int32, _millis, next_delay_ms
from waygrid.validation import SpecValidationError

W = "waygrid://system/waystation"


def s(name: str):
    return Node.standard(f"waygrid://processor/{name}")


def test_a_cycle_the_compiler_closes_is_refused_as_the_router_refuses_it() -> None:
    inner = Node.fork(W).join_id("j").branches({"x": s("x"), "y": s("y")})
    looping = Node.fork(W).join_id("j").branches({"x": s("x").on_success(inner), "y": s("y")})
    spec = Spec.single(looping.with_join(Node.join(W)))
    with pytest.raises(SpecValidationError, match="CycleDetected"):
        waygrid.simulate(spec)


def test_fibonacci_numbers_wrap_as_the_routers_int_loop_and_cost_no_loop() -> None:
    def loop(n: int) -> int:
        a, b = 0, 1
        for _ in range(n):
            a, b = b, _int32(a + b)
        return a

    assert [_fibonacci(n) for n in range(300)] == [loop(n) for n in range(300)]
    policy = RetryPolicy.fibonacci(timedelta(milliseconds=0), 2**31 - 1)
    assert next_delay_ms(policy, 2**31 - 1, __import__("random").Random(0)) == 0


def test_negative_delays_truncate_toward_zero_as_the_jvm_does() -> None:
    assert _millis(-1_500_000) == -1
    assert _millis(-1_000_000) == -1
    assert _millis(-999_999) == 0


def test_the_clock_never_runs_backwards_even_when_the_router_schedules_a_retry_in_the_past() -> None:
    spec = Spec.single(s("a").with_retry(RetryPolicy.fibonacci(timedelta(seconds=1), 60)))
    result = waygrid.simulate(spec, {"waygrid://processor/a": fail()})
    times = [event.at_ms for event in result.events]
    assert times == sorted(times)
    assert any(event.due_ms is not None and event.due_ms < event.at_ms for event in result.of_kind("retry_scheduled"))


def test_an_or_join_drops_the_replies_of_forks_nested_in_the_branches_it_cancels() -> None:
    inner = Node.fork(W).join_id("inner").branches({"p": s("p"), "q": s("q")}).with_join(Node.join(W))
    outer = Node.fork(W).join_id("outer").branches({"fast": s("fast"), "nested": inner})
    spec = Spec.single(outer.with_join(Node.join(W).strategy(JoinStrategy.OR).on_success(s("final"))))
    slow = succeed(after=timedelta(seconds=5))
    result = waygrid.simulate(spec, {"waygrid://processor/p": slow, "waygrid://processor/q": slow,
                                     "waygrid://processor/final": succeed(after=timedelta(seconds=10))})  # fmt: skip
    assert result.outcome == "completed", result.timeline()


def test_a_zero_join_timeout_comes_after_the_replies_that_arose_before_it() -> None:
    document = json.loads(Spec.single(Node.fork(W).join_id("j").branches({"x": s("x"), "y": s("y")}).with_join(
        Node.join(W).timeout(timedelta(seconds=1)).on_success(s("done")).on_timeout(s("late")))).to_json())  # fmt: skip
    text = json.dumps(document).replace('"1 second"', '"0 seconds"')
    assert '"0 seconds"' in text
    result = waygrid.simulate(Spec.from_json(text))
    assert "waygrid://processor/done" in [event.address for event in result.of_kind("dispatched")]
    assert not result.of_kind("join_timed_out")


def test_time_beyond_what_a_datetime_holds_ends_the_run_as_an_error() -> None:
    far = s("a").with_delivery(DeliveryStrategy.schedule_at(datetime(9999, 12, 31, 23, 59, tzinfo=timezone.utc)))
    sleepy = Spec.single(s("a").on_success(s("b")))
    scheduled = waygrid.simulate(Spec.single(s("first").with_retry(RetryPolicy.linear(timedelta(days=100_000), 30))),
                                 {"waygrid://processor/first": fail()})  # fmt: skip
    assert scheduled.outcome == "error"
    assert scheduled.error is not None
    assert scheduled.error.code == "ClockOverflow"
    assert waygrid.simulate(Spec.single(far)).outcome == "completed"
    slept = waygrid.simulate(sleepy, {"waygrid://processor/a": lambda call: call.sleep(timedelta.max)})
    assert slept.outcome == "error"
    assert slept.ended_at.year == 2025


def test_explore_checks_its_arguments() -> None:
    spec = Spec.single(s("a"))
    for keywords, error in (({"entry": "0"}, TypeError), ({"entry": 5}, ValueError), ({"entry": True}, TypeError),
                            ({"branch_failures": "bogus"}, ValueError), ({"json_conditions": "yes"}, TypeError),
                            ({"max_steps": 0}, ValueError)):  # fmt: skip
        with pytest.raises(error):
            explore(spec, **keywords)


def test_a_handler_whose_exception_cannot_be_printed_still_fails_its_node() -> None:
    class OddError(Exception):
        def __str__(self) -> str:
            raise RuntimeError("no")

    def handler(call):
        raise OddError

    result = waygrid.simulate(Spec.single(s("a")), {"waygrid://processor/a": handler})
    assert result.outcome == "failed"
    assert result.of_kind("failed")[0].detail == "OddError: (its message could not be read)"


def test_outputs_are_read_as_json_when_conditions_read_them() -> None:
    spec = Spec.single(s("a").on_conditions([Condition.when(Condition.json_exists("/x"), s("b"))]))
    result = waygrid.simulate(spec, {"waygrid://processor/a": lambda call: object()}, json_conditions=True)
    assert result.of_kind("failed")[0].detail.startswith("the handler's output is not JSON")


def test_exploration_reports_a_run_that_reaches_its_step_limit() -> None:
    spec = Spec.single(s("a").with_retry(RetryPolicy.linear(timedelta(seconds=1), 2**31 - 1)))
    findings = explore(spec, max_steps=500).findings
    assert [finding.kind for finding in findings] == ["limit"]
    assert spec.problems(explore=True)[0].rule == "runtime-limit"


def test_runs_are_planned_one_at_a_time() -> None:
    from waygrid import RepeatPolicy

    spec = Spec.single(s("a"), RepeatPolicy.times(timedelta(hours=1), 3))
    assert len(waygrid.simulate(spec, runs=10**9).run_outcomes) == 3


def test_conditions_nested_past_the_limit_are_refused_not_a_recursion_error() -> None:
    condition = Condition.ALWAYS
    for _ in range(3000):
        condition = Condition.not_(condition)
    spec = Spec.single(s("a").on_conditions([Condition.when(condition, s("b"))]))
    with pytest.raises(SpecValidationError, match="condition-depth"):
        waygrid.simulate(spec)


def test_a_scheduled_node_in_a_branch_loses_it_even_when_due_at_once() -> None:
    now = s("now").with_delivery(DeliveryStrategy.schedule_after(timedelta(0)))
    spec = Spec.single(Node.fork(W).join_id("j").branches({"x": s("x").on_success(now), "y": s("y")})
                       .with_join(Node.join(W)))  # fmt: skip
    assert "scheduled-loses-branch" in [finding.kind for finding in explore(spec).findings]
