"""waygrid.simulation.explore finds each kind of runtime problem on a spec built to contain it."""

from __future__ import annotations

from datetime import timedelta

import pytest

from waygrid import Condition, DeliveryStrategy, JoinStrategy, Node, RetryPolicy, Spec
from waygrid.simulation import FINDING_KINDS, explore
from waygrid.validation import SpecValidationError

W = "waygrid://system/waystation"


def s(name: str):
    return Node.standard(f"waygrid://processor/{name}")


def forked(branches, join, fork_id="j"):
    return Node.fork(W).join_id(fork_id).branches(branches).with_join(join)


SPECS = {
    "conditions-overlap": (Spec.single(s("a").on_conditions([Condition.when(Condition.ALWAYS, s("b")),
                                                             Condition.when(Condition.ALWAYS, s("c"))])),
                           "entryPoints[0]"),
    "branch-ends-traversal": (Spec.single(s("a").on_success(Node.fork(W).join_id("j").branches({
        "x": s("x").on_success(Node.join(W).join_id("j").on_success(s("d"))), "y": s("y")}))),
        "entryPoints[0].onSuccess.branches.y"),
    "scheduled-loses-branch": (Spec.single(forked({
        "x": s("x").on_success(s("later").with_delivery(DeliveryStrategy.schedule_after(timedelta(seconds=5)))),
        "y": s("y")}, Node.join(W).on_success(s("d")))), "entryPoints[0].branches.x.onSuccess"),
    "failure-path-loses-branch": (Spec.single(forked({
        "x": s("x").on_failure(s("fix").on_success(Node.join(W).join_id("j"))), "y": s("y")},
        Node.join(W).on_success(s("d")))), "entryPoints[0].branches.x.onFailure"),
    "join-handler-loses-branch": (Spec.single(forked({
        "outer": forked({"p": s("p"), "q": s("q")}, Node.join(W).on_failure(
            s("recover").on_success(Node.join(W).join_id("o"))), fork_id="i"),
        "other": s("other")}, Node.join(W).on_success(s("d")), fork_id="o")),
        "entryPoints[0].branches.outer.branches.p.onSuccess.onFailure"),
    "late-branch": (Spec.single(forked({"x": s("x"), "y": s("y"), "z": s("z")},
                                       Node.join(W).strategy(JoinStrategy.quorum(2)).on_success(s("d")))),
                    "entryPoints[0].branches.z"),
    "join-continuations-repeated": (Spec.single(Node.fork(W).join_id("j").branches({
        "x": s("x").on_success(Node.join(W).join_id("j").on_success(s("d"))),
        "y": s("y").on_success(Node.join(W).join_id("j").on_success(s("d")))})), None),
    "quorum-unreachable": (Spec.single(forked({"x": s("x"), "y": s("y")},
                                              Node.join(W).strategy(JoinStrategy.quorum(3)).on_success(s("d")))),
                           None),
}  # fmt: skip


def _chain(length: int):
    node = s("step")
    for _ in range(length - 1):
        node = s("step").on_success(node)
    return node


# Two branches of 26 nodes at one address: the compiler's path bits of two of them collide, so they are one DAG node
# with both branches' onSuccess edges.
SPECS["multiple-successors"] = (Spec.single(forked({"a": _chain(26), "b": _chain(26)}, Node.join(W))), None)


@pytest.mark.parametrize("kind", sorted(SPECS))
def test_each_kind_is_found_at_its_node(kind: str) -> None:
    spec, path = SPECS[kind]
    # An inner join fails only when branch failures reach it (or on a timeout, which instant replies never hit).
    exploration = explore(spec, branch_failures="join" if kind == "join-handler-loses-branch" else "traversal")
    assert exploration.complete
    found = [finding for finding in exploration.findings if finding.kind == kind]
    assert found, [str(finding) for finding in exploration.findings]
    if path is not None:
        assert found[0].path == path
    assert FINDING_KINDS[kind] in found[0].message


def test_a_stall_is_found_when_failures_go_to_the_join() -> None:
    spec = Spec.single(forked({"x": s("x"), "y": s("y")}, Node.join(W).on_success(s("d"))))
    assert not [f for f in explore(spec).findings if f.kind == "stall"]
    stalls = [f for f in explore(spec, branch_failures="join").findings if f.kind == "stall"]
    assert stalls
    assert stalls[0].failing == ("entryPoints[0].branches.x",)


def test_a_sound_spec_has_no_findings_and_explores_every_combination() -> None:
    spec = Spec.single(s("a").with_retry(RetryPolicy.linear(timedelta(seconds=1), 2)).on_success(s("b"))
                       .on_failure(s("c")))  # fmt: skip
    exploration = explore(spec)
    assert not exploration
    assert exploration.complete
    assert exploration.runs == 4


def test_max_runs_bounds_the_exploration() -> None:
    spec = Spec.single(forked({f"b{i}": s(f"n{i}").on_failure(s(f"f{i}").on_success(Node.join(W).join_id("j")))
                               for i in range(6)}, Node.join(W).on_success(s("d"))))  # fmt: skip
    exploration = explore(spec, max_runs=5)
    assert exploration.runs == 5
    assert not exploration.complete
    with pytest.raises(ValueError, match="max_runs must be a positive int"):
        explore(spec, max_runs=0)


def test_validate_with_explore_adds_runtime_problems() -> None:
    spec, _ = SPECS["conditions-overlap"]
    assert spec.problems() == []
    problems = spec.problems(explore=True)
    assert [problem.rule for problem in problems] == ["runtime-conditions-overlap"]
    with pytest.raises(SpecValidationError, match="runtime-conditions-overlap"):
        spec.validate(explore=True)
