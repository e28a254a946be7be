"""waygrid.simulate: the issue's checked-by cases, the executor's options, and bad input."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

import waygrid
from waygrid import Condition, DeliveryStrategy, JoinStrategy, Node, RepeatPolicy, RetryPolicy, Spec
from waygrid.simulation import SimulationLimitError, compile_spec, fail, hang, sequence, succeed
from waygrid.validation import SpecValidationError

W = "waygrid://system/waystation"


def s(name: str) -> waygrid.StandardNodeBuilder:
    return Node.standard(f"waygrid://processor/{name}")


def fan(strategy, names="xyz", timeout=None, on_timeout=None, after=None):
    join = Node.join(W).strategy(strategy).on_success(after or s("d"))
    if timeout is not None:
        join = join.timeout(timeout)
    if on_timeout is not None:
        join = join.on_timeout(on_timeout)
    fork = Node.fork(W).join_id("j").branches({name: s(name) for name in names}).with_join(join)
    return Spec.single(s("a").on_success(fork))


def offsets(result, kind, address=None):
    return [event.at_ms - result.started_ms for event in result.of_kind(kind)
            if address is None or event.address == address]  # fmt: skip


def test_exponential_retries_come_1075_2300_4230_ms_after_each_failure_then_the_traversal_fails() -> None:
    spec = Spec.single(s("a").with_retry(RetryPolicy.exponential(timedelta(seconds=1), 3)))
    result = waygrid.simulate(spec, {"waygrid://processor/a": fail()})
    dispatched = offsets(result, "dispatched")
    failed = offsets(result, "failed")
    assert [later - earlier for earlier, later in zip(failed, dispatched[1:], strict=False)] == [1075, 2300, 4230]
    assert [event.attempt for event in result.of_kind("dispatched")] == [1, 2, 3, 4]
    assert result.outcome == "failed"
    assert result.events[-1].kind == "traversal_failed"


def test_an_or_join_cancels_the_other_branches_and_drops_their_replies() -> None:
    slow = succeed(after=timedelta(seconds=5))
    result = waygrid.simulate(fan(JoinStrategy.OR), {"waygrid://processor/x": slow, "waygrid://processor/z": slow})
    assert [event.detail for event in result.of_kind("branch_canceled")] == ["x", "z"]
    assert result.outcome == "completed"
    late = {"waygrid://processor/x", "waygrid://processor/z"}
    assert not [event for event in result.of_kind("succeeded") if event.address in late]


def test_a_quorum_with_one_failing_branch_completes_when_failures_go_to_the_join_and_fails_under_the_fsm() -> None:
    handlers = {"waygrid://processor/x": fail()}
    reported = waygrid.simulate(fan(JoinStrategy.quorum(2)), handlers, branch_failures="join")
    strict = waygrid.simulate(fan(JoinStrategy.quorum(2)), handlers)
    assert reported.outcome == "completed"
    assert [e.detail for e in reported.of_kind("branch_failed")] == ["x"]
    assert strict.outcome == "failed"
    assert strict.events[-1].address == "waygrid://processor/x"


def test_two_true_conditions_are_the_routers_runtime_error() -> None:
    spec = Spec.single(s("a").on_conditions([Condition.when(Condition.ALWAYS, s("b")),
                                             Condition.when(Condition.and_([]), s("c"))]))  # fmt: skip
    result = waygrid.simulate(spec)
    assert result.outcome == "error"
    assert result.error is not None
    assert result.error.code == "InvalidNodeState"
    assert "2 successors" in result.error.message
    assert result.error.path == "entryPoints[0]"


def test_the_first_true_condition_alone_routes_and_no_match_falls_back_to_on_success() -> None:
    never = Condition.not_(Condition.ALWAYS)
    routed = Spec.single(s("a").on_conditions([Condition.when(never, s("b")), Condition.when(Condition.ALWAYS, s("c"))])
                         .on_success(s("d")))  # fmt: skip
    fallback = Spec.single(s("a").on_conditions([Condition.when(never, s("b"))]).on_success(s("d")))
    assert [e.address for e in waygrid.simulate(routed).of_kind("dispatched")][-1] == "waygrid://processor/c"
    assert [e.address for e in waygrid.simulate(fallback).of_kind("dispatched")][-1] == "waygrid://processor/d"


def test_json_conditions_are_refused_unless_asked_for_and_then_read_the_output() -> None:
    spec = Spec.single(s("a").on_conditions([Condition.when(Condition.json_equals("/tier", "gold"), s("vip"))])
                       .on_success(s("plain")))  # fmt: skip
    with pytest.raises(SpecValidationError, match="condition-not-accepted"):
        waygrid.simulate(spec)
    gold = waygrid.simulate(spec, {"waygrid://processor/a": succeed({"tier": "gold"})}, json_conditions=True)
    basic = waygrid.simulate(spec, {"waygrid://processor/a": succeed({"tier": "basic"})}, json_conditions=True)
    assert gold.of_kind("dispatched")[-1].address == "waygrid://processor/vip"
    assert basic.of_kind("dispatched")[-1].address == "waygrid://processor/plain"


def test_a_hung_node_stalls_and_a_join_timeout_takes_the_on_timeout_route() -> None:
    assert waygrid.simulate(Spec.single(s("a")), {"waygrid://processor/a": hang()}).outcome == "stalled"
    result = waygrid.simulate(fan(JoinStrategy.AND, timeout=timedelta(seconds=30), on_timeout=s("late")),
                              {"waygrid://processor/y": hang()})  # fmt: skip
    assert offsets(result, "join_timed_out") == [30_000]
    assert result.of_kind("dispatched")[-1].address == "waygrid://processor/late"


def test_join_timers_are_dropped_once_the_join_completes_unless_kept() -> None:
    spec = fan(JoinStrategy.AND, timeout=timedelta(seconds=1), on_timeout=s("late"))
    slow_d = {"waygrid://processor/d": succeed(after=timedelta(seconds=10))}
    dropped = waygrid.simulate(spec, slow_d)
    kept = waygrid.simulate(spec, slow_d, join_timers="keep")
    assert not dropped.of_kind("join_timed_out")
    assert dropped.outcome == "completed"
    assert offsets(kept, "join_timed_out") == [1000]
    assert "waygrid://processor/late" in [event.address for event in kept.of_kind("dispatched")]


def test_a_scheduled_entry_waits_and_a_scheduled_node_in_a_branch_never_reaches_its_join() -> None:
    later = s("a").with_delivery(DeliveryStrategy.schedule_after(timedelta(minutes=5)))
    result = waygrid.simulate(Spec.single(later))
    assert [e.kind for e in result.events][:2] == ["scheduled", "dispatched"]
    assert offsets(result, "dispatched") == [300_000]
    fork = Node.fork(W).join_id("j").branches({
        "x": s("x").on_success(s("wait").with_delivery(DeliveryStrategy.schedule_after(timedelta(seconds=1)))),
        "y": s("y")}).with_join(Node.join(W).on_success(s("d")))  # fmt: skip
    lost = waygrid.simulate(Spec.single(fork))
    assert lost.outcome == "error"
    assert lost.error is not None
    assert "branch context" in lost.error.message


def test_only_the_first_entry_point_starts_unless_another_is_chosen() -> None:
    spec = Spec.multiple([s("first"), s("second")])
    assert [e.address for e in waygrid.simulate(spec).of_kind("dispatched")] == ["waygrid://processor/first"]
    chosen = waygrid.simulate(spec, entry=1)
    assert [e.address for e in chosen.of_kind("dispatched")] == ["waygrid://processor/second"]


def test_one_spec_node_reached_by_two_paths_is_two_dag_nodes() -> None:
    shared = s("shared")
    dag = compile_spec(Spec.single(s("a").on_success(shared).on_failure(shared)))
    assert [node.path for node in dag.nodes] == ["entryPoints[0]", "entryPoints[0].onFailure",
                                                 "entryPoints[0].onSuccess"]  # fmt: skip


def test_random_delays_are_deterministic_for_a_seed() -> None:
    spec = Spec.single(s("a").with_retry(RetryPolicy.full_jitter(timedelta(seconds=10), 5)))
    handlers = {"waygrid://processor/a": fail()}
    runs = [offsets(waygrid.simulate(spec, handlers, seed=seed), "dispatched") for seed in (1, 1, 2)]
    assert runs[0] == runs[1] != runs[2]


def test_runs_repeat_a_spec_with_a_repeat_policy() -> None:
    spec = Spec.single(s("a"), RepeatPolicy.times(timedelta(hours=1), 3))
    result = waygrid.simulate(spec, runs=5)
    assert offsets(result, "dispatched") == [0, 3_600_000, 7_200_000]
    assert result.run_outcomes == ["completed"] * 3
    assert len(waygrid.simulate(Spec.single(s("a")), runs=5).run_outcomes) == 1


def test_handlers_see_the_call_and_sleep_in_virtual_time() -> None:
    seen = []

    def handler(call):
        seen.append((call.address, call.attempt, call.at, call.path))
        call.sleep(timedelta(seconds=2))
        if call.attempt == 1:
            raise RuntimeError("boom")
        return {"ok": True}

    start = datetime(2030, 1, 1, tzinfo=timezone.utc)
    spec = Spec.single(s("a").with_retry(RetryPolicy.linear(timedelta(seconds=1), 1)))
    result = waygrid.simulate(spec, {"waygrid://processor/a": handler}, start=start)
    assert seen[0] == ("waygrid://processor/a", 1, start, "entryPoints[0]")
    assert seen[1][2] == start + timedelta(milliseconds=2000 + 1030)
    assert result.of_kind("failed")[0].detail == "RuntimeError: boom"
    assert result.of_kind("succeeded")[0].output == {"ok": True}
    assert result.ended_at == start + timedelta(milliseconds=2000 + 1030 + 2000)


def test_sequence_runs_step_k_on_attempt_k() -> None:
    spec = Spec.single(s("a").with_retry(RetryPolicy.linear(timedelta(seconds=1), 5)))
    result = waygrid.simulate(spec, {"waygrid://processor/a": sequence(fail(), fail(), succeed())})
    assert [e.attempt for e in result.of_kind("succeeded")] == [3]


def test_the_timeline_is_a_readable_table(snapshot) -> None:
    result = waygrid.simulate(fan(JoinStrategy.quorum(2)), {"waygrid://processor/x": fail()}, branch_failures="join")
    assert str(result) == snapshot


@pytest.mark.parametrize(
    ("keywords", "error", "message"),
    [
        ({"start": datetime(2025, 1, 1)}, ValueError, "timezone-aware"),
        ({"handlers": {"waygrid://processor/a": "nope"}}, TypeError, r"handlers\['waygrid://processor/a'\]"),
        ({"entry": 3}, ValueError, "entry must be between 0 and 0"),
        ({"branch_failures": "branch"}, ValueError, "branch_failures must be one of"),
        ({"join_timers": "never"}, ValueError, "join_timers must be one of"),
        ({"runs": 0}, ValueError, "runs must be a positive int"),
        ({"seed": "1"}, TypeError, "seed must be an int"),
    ],
)
def test_bad_arguments_name_the_parameter(keywords, error, message) -> None:
    handlers = keywords.pop("handlers", None)
    with pytest.raises(error, match=message):
        waygrid.simulate(Spec.single(s("a")), handlers, **keywords)


def test_a_spec_the_router_refuses_is_not_simulated_and_a_runaway_is_bounded() -> None:
    bad = Spec.single(Node.fork(W).join_id("lonely").branches({"x": s("x"), "y": s("y")}))
    with pytest.raises(SpecValidationError, match="ForkWithoutJoin"):
        waygrid.simulate(bad)
    endless = Spec.single(s("a").with_retry(RetryPolicy.linear(timedelta(seconds=1), 2**31 - 1)))
    with pytest.raises(SimulationLimitError, match="1000 signals"):
        waygrid.simulate(endless, {"waygrid://processor/a": fail()}, max_steps=1000)


def test_long_same_address_chains_in_a_fork_merge_where_the_routers_path_bits_collide() -> None:
    def chain(length: int):
        node = s("step")
        for _ in range(length - 1):
            node = s("step").on_success(node)
        return node

    def spec(length: int) -> Spec:
        fork = Node.fork(W).join_id("j").branches({"a": chain(length), "b": chain(length)})
        return Spec.single(fork.with_join(Node.join(W)))

    assert len(compile_spec(spec(25))) == 2 * 25 + 2
    assert len(compile_spec(spec(26))) == 2 * 26 + 2 - 1
    merged = waygrid.simulate(spec(26))
    assert merged.outcome == "error"
    assert merged.error is not None
    assert "2 successors" in merged.error.message
