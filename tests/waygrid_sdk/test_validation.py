"""Spec.validate(): each rule of the router's compiler and each local check, reported with the node's path, all
problems at once."""

from __future__ import annotations

import pytest
from msgspec.structs import replace

from waygrid import Condition, JoinStrategy, Node, Spec, SpecValidationError
from waygrid.nodes import StandardNodeBuilder
from waygrid_api.duration import Duration
from waygrid_api.models.traversal_spec import ExponentialRetry, ForkNode, IntParameter, JoinNode, StandardNode

WAYSTATION = "waygrid://system/waystation"


def step(service: str = "step") -> StandardNodeBuilder:
    return Node.standard(f"waygrid://processor/{service}")


def problems(spec: Spec) -> list[tuple[str, str]]:
    return [(problem.path, problem.rule) for problem in spec.problems()]


def fork_struct(**branches: StandardNode | ForkNode | JoinNode) -> ForkNode:
    return Node.fork(WAYSTATION).join_id("j").branches(branches).struct


def join_struct(**changes: object) -> JoinNode:
    return replace(Node.join(WAYSTATION).join_id("j").struct, **changes)


def test_a_valid_spec_has_no_problems_and_validate_returns_it() -> None:
    spec = Spec.single(step().on_success(step("next")))
    assert spec.validate() is spec


def test_a_fork_without_its_join_is_reported_at_each_branch() -> None:
    spec = Spec.single(Node.fork(WAYSTATION).join_id("enrich").branches({"a": step("a"), "b": step("b")}))
    assert problems(spec) == [
        ("entryPoints[0].branches.a", "fork-without-join"),
        ("entryPoints[0].branches.b", "fork-without-join"),
    ]


def test_a_join_without_a_fork() -> None:
    spec = Spec.single(step().on_success(Node.join(WAYSTATION).join_id("lonely")))
    assert problems(spec) == [("entryPoints[0].onSuccess", "join-without-fork")]


def test_two_different_joins_for_one_fork() -> None:
    join = join_struct()
    other = join_struct(strategy=JoinStrategy.OR)
    fork = fork_struct(a=replace(step("a").struct, on_success=join), b=replace(step("b").struct, on_success=other))
    assert problems(Spec.single(fork)) == [("entryPoints[0].branches.b.onSuccess", "multiple-joins")]


def test_continuations_on_more_than_one_copy() -> None:
    join = join_struct(on_success=step("after").struct)
    fork = fork_struct(a=replace(step("a").struct, on_success=join), b=replace(step("b").struct, on_success=join))
    assert problems(Spec.single(fork)) == [("entryPoints[0].branches.b.onSuccess", "repeated-continuations")]


def test_two_forks_sharing_a_join_id() -> None:
    def fork() -> object:
        return (
            Node.fork(WAYSTATION)
            .join_id("j")
            .branches({"a": step("a"), "b": step("b")})
            .with_join(Node.join(WAYSTATION).join_id("j"))
        )

    spec = Spec.multiple([fork(), fork()])  # type: ignore[list-item]
    assert ("entryPoints[1].joinNodeId", "duplicate-fork") in problems(spec)


def test_fork_branch_counts_and_missing_ids() -> None:
    one = Node.fork(WAYSTATION).branches({"only": step()})
    assert problems(Spec.single(one)) == [
        ("entryPoints[0].branches", "fork-branches"),
        ("entryPoints[0].joinNodeId", "join-id"),
    ]
    many = Node.fork(WAYSTATION).join_id("j").branches({f"b{i}": step() for i in range(257)})
    assert ("entryPoints[0].branches", "fork-branches") in problems(Spec.single(many))


def test_quorum_larger_than_the_branch_count() -> None:
    fork = Node.fork(WAYSTATION).join_id("j").branches({"a": step("a"), "b": step("b")})
    spec = Spec.single(fork.with_join(Node.join(WAYSTATION).join_id("j").strategy(JoinStrategy.quorum(3))))
    assert problems(spec) == [("entryPoints[0].branches.a.onSuccess.strategy.n", "quorum")]


def test_depth_over_128() -> None:
    node = step()
    for _ in range(128):
        node = step().on_success(node)
    assert problems(Spec.single(node)) == [("entryPoints[0]" + ".onSuccess" * 128, "too-deep")]


def test_checks_the_router_leaves_to_the_client_on_structs_built_by_hand() -> None:
    bad = StandardNode(
        address="https://example.com",
        label="x" * 65,
        retry_policy=ExponentialRetry(base=Duration.parse("1s"), max_retries=2**31),
        delivery_strategy=step().struct.delivery_strategy,
        parameters={"n": IntParameter(value=2**40)},
    )
    assert problems(Spec.single(bad)) == [
        ("entryPoints[0].address", "address"),
        ("entryPoints[0].label", "label-length"),
        ("entryPoints[0].retryPolicy.maxRetries", "max-retries"),
        ("entryPoints[0].parameters.n", "int-parameter"),
    ]


def test_json_conditions_are_reported_as_not_accepted_by_the_router() -> None:
    node = step().on_conditions([Condition.when(Condition.not_(Condition.json_exists("/error")), step("ok"))])
    assert problems(Spec.single(node)) == [("entryPoints[0].onConditions[0].condition.cond", "condition-not-accepted")]


def test_validate_raises_one_error_listing_every_problem_with_its_path() -> None:
    spec = Spec.single(
        Node.fork(WAYSTATION)
        .join_id("sentiment")
        .branches({"sentiment": step("s").on_success(Node.join(WAYSTATION).join_id("other")), "plain": step("p")})
    )
    with pytest.raises(SpecValidationError) as caught:
        spec.validate()
    assert isinstance(caught.value, ValueError)
    assert len(caught.value.problems) == 3
    text = str(caught.value)
    assert text.startswith("the traversal spec has 3 problems:\n")
    assert "entryPoints[0].branches.sentiment.onSuccess: no fork has join_id 'other' [join-without-fork]" in text
    assert "entryPoints[0].branches.plain: the branch does not end in the join" in text


def test_branch_names_that_are_not_identifiers_are_quoted_in_paths() -> None:
    spec = Spec.single(Node.fork(WAYSTATION).join_id("j").branches({"a b": step(), "c.d": step()}))
    assert [path for path, _ in problems(spec)] == ["entryPoints[0].branches['a b']", "entryPoints[0].branches['c.d']"]
