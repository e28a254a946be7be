"""The builders: immutable, sharable, strict about their arguments, and the fork/join attachment rules."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from msgspec import UNSET

from waygrid import Condition, DeliveryStrategy, JoinStrategy, Node, RepeatPolicy, RetryPolicy, Spec
from waygrid_api import codec
from waygrid_api.models.traversal_spec import Spec as SpecStruct
from waygrid_api.models.traversal_spec import StandardNode

WAYSTATION = "waygrid://system/waystation"


def test_every_setter_returns_a_new_node_and_leaves_the_old_one_alone() -> None:
    base = Node.standard("waygrid://processor/openai")
    labelled = base.label("AI")
    retried = labelled.with_retry(RetryPolicy.exponential(timedelta(seconds=1), max_retries=3))
    assert base.struct.label is not labelled.struct.label
    assert labelled.struct.label == "AI"
    assert retried is not labelled
    assert labelled.struct.retry_policy == RetryPolicy.NONE
    with pytest.raises(AttributeError):
        base.struct.label = "changed"  # type: ignore[misc]
    with pytest.raises(AttributeError, match="immutable"):
        base._node = labelled.struct  # type: ignore[misc]
    with pytest.raises(AttributeError, match="immutable"):
        base.anything = 1  # type: ignore[attr-defined]


def test_one_node_can_be_shared_by_two_specs() -> None:
    shared = Node.standard("waygrid://destination/webhook").label("Deliver")
    first = Spec.single(Node.standard("waygrid://processor/a").on_success(shared))
    second = Spec.single(Node.standard("waygrid://processor/b").on_failure(shared))
    assert first.entry_points[0].struct.on_success is shared  # type: ignore[union-attr]
    assert second.entry_points[0].struct.on_failure is shared  # type: ignore[union-attr]
    assert shared.label("Changed").struct.label == "Changed"
    assert shared.struct.label == "Deliver"


def test_builders_are_the_generated_structs() -> None:
    node = Node.standard("waygrid://processor/a").label("A")
    assert isinstance(node, StandardNode)
    assert type(node.struct) is StandardNode
    assert node.struct.label == "A"
    assert Node.from_struct(node.struct) == node
    spec = Spec.single(node)
    assert isinstance(spec, SpecStruct)
    assert codec.encode(spec) == spec.to_bytes()


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: Node.standard("http://example.com"), "address must look like waygrid://"),
        (lambda: Node.standard("waygrid://queue/x"), "address must look like waygrid://"),
        (lambda: Node.standard("waygrid://processor/Upper"), "address must look like waygrid://"),
        (lambda: Node.standard("waygrid://processor/x").label("x" * 65), "label must be at most 64"),
        (lambda: RetryPolicy.exponential(timedelta(seconds=-1), max_retries=3), "base must not be negative"),
        (lambda: RetryPolicy.linear(timedelta(seconds=1), max_retries=-1), "max_retries must be between"),
        (lambda: RetryPolicy.linear(timedelta(seconds=1), max_retries=2**31), "max_retries must be between"),
        (lambda: RetryPolicy.bounded_exponential(timedelta(minutes=1), timedelta(seconds=1), 3), "cap must be"),
        (lambda: RetryPolicy.polynomial(timedelta(seconds=1), 3, float("nan")), "power must be a finite"),
        (lambda: DeliveryStrategy.schedule_at(datetime(2024, 12, 25)), "time must be timezone-aware"),
        (lambda: RepeatPolicy.until(timedelta(hours=1), datetime(2024, 12, 31)), "until must be timezone-aware"),
        (lambda: RepeatPolicy.times(every=timedelta(hours=1), times=0), "times must be between 1"),
        (lambda: JoinStrategy.quorum(0), "n must be between 1"),
        (lambda: Condition.json_exists("result"), "RFC 6901"),
        (lambda: Node.fork(WAYSTATION).join_id(""), "join_id must not be empty"),
        (lambda: Node.standard("waygrid://processor/x").parameters({"n": 2**40}), r"parameters\['n'\]"),
        (lambda: Spec.multiple([]), "at least one node"),
        (lambda: Node.join(WAYSTATION).timeout(timedelta(0)), "timeout must be longer than zero"),
    ],
)
def test_bad_arguments_raise_at_once_naming_the_argument(make: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        make()  # type: ignore[operator]


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: Node.standard("waygrid://processor/x").with_retry("exponential"), "with_retry takes a RetryPolicy"),
        (lambda: Node.standard("waygrid://processor/x").on_success("next"), "on_success must be a node"),
        (lambda: Node.join(WAYSTATION).strategy(2), "strategy takes a JoinStrategy"),
        (lambda: RetryPolicy.linear(5, max_retries=1), "base must be a timedelta"),
        (lambda: Condition.json_equals("/a", object()), "value must be a JSON value"),
        (lambda: Condition.not_(True), "condition must be a Condition"),
        (lambda: Node.standard("waygrid://processor/x").parameters({"f": [1]}), "must be a str, int, float, bool"),
        (lambda: Node.standard("waygrid://processor/x").on_conditions([Condition.ALWAYS]), "Condition.when"),
    ],
)
def test_wrong_types_raise_type_errors_naming_the_argument(make: object, message: str) -> None:
    with pytest.raises(TypeError, match=message):
        make()  # type: ignore[operator]


def test_durations_take_timedelta_or_the_servers_text() -> None:
    assert RetryPolicy.linear("500ms", max_retries=1).base.to_wire() == "500ms"
    assert RetryPolicy.linear(timedelta(milliseconds=1500), max_retries=1).base.to_wire() == "1500 milliseconds"
    with pytest.raises(ValueError, match="base: Invalid duration 'PT1S'"):
        RetryPolicy.linear("PT1S", max_retries=1)


def test_timestamps_are_sent_in_utc() -> None:
    local = datetime(2024, 12, 25, 1, 0, tzinfo=timezone(timedelta(hours=1)))
    assert DeliveryStrategy.schedule_at(local).time.to_wire() == "2024-12-25T00:00:00Z"


def fork_and_join(fork_id: str = "j", join_id: str = "j") -> tuple[object, object]:
    fork = Node.fork(WAYSTATION).branches({"a": Node.standard("waygrid://processor/a"),
                                           "b": Node.standard("waygrid://processor/b")})  # fmt: skip
    return (fork.join_id(fork_id) if fork_id else fork), (
        Node.join(WAYSTATION).join_id(join_id) if join_id else Node.join(WAYSTATION)
    )


def test_a_mismatched_join_id_is_refused() -> None:
    fork, join = fork_and_join("left", "right")
    with pytest.raises(ValueError, match="join_id mismatch: the fork has 'left', the join has 'right'"):
        fork.with_join(join)  # type: ignore[attr-defined]


def test_a_second_join_is_refused() -> None:
    fork, join = fork_and_join()
    joined = fork.with_join(join)  # type: ignore[attr-defined]
    with pytest.raises(ValueError, match="already has a join"):
        joined.with_join(join)


def test_a_missing_id_on_either_side_is_taken_from_the_other() -> None:
    fork, join = fork_and_join("", "shared")
    joined = fork.with_join(join)  # type: ignore[attr-defined]
    assert joined.struct.join_node_id == "shared"
    assert joined.join.struct.join_node_id == "shared"
    assert Spec.single(joined).problems() == []
    renamed = joined.join_id("renamed")
    assert renamed.join.struct.join_node_id == "renamed"
    assert Spec.single(renamed).problems() == []


def test_the_join_is_copied_to_each_branch_tail_with_continuations_on_the_first_only() -> None:
    fork, join = fork_and_join()
    after = Node.standard("waygrid://processor/after")
    struct = fork.with_join(join.on_success(after)).struct  # type: ignore[attr-defined]
    assert struct.branches["a"].struct.on_success.struct.on_success is after
    second = struct.branches["b"].struct.on_success.struct
    assert second.join_node_id == "j"
    assert second.on_success is UNSET
