"""Random valid specs, built with the builders, survive to_json -> from_json -> to_json byte for byte."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from waygrid import Condition, DeliveryStrategy, JoinStrategy, Node, Parameter, RepeatPolicy, RetryPolicy, Spec

services = st.from_regex(r"[a-z0-9][a-z0-9-]{0,11}", fullmatch=True)
addresses = st.builds(
    lambda c, s: f"waygrid://{c}/{s}", st.sampled_from(["origin", "processor", "destination", "system"]), services
)
# Generated directly, never filtered: filters rejected enough draws in nested specs to fail hypothesis's health
# check now and then.
timedeltas = st.builds(timedelta, seconds=st.integers(0, 10**6), milliseconds=st.integers(0, 999))
duration_texts = st.sampled_from(["5s", "500ms", "1.5 seconds", "7d", "1 minute", "10 hrs"])
durations = st.one_of(timedeltas, duration_texts)
positive_durations = st.one_of(
    st.builds(timedelta, seconds=st.integers(1, 10**6), milliseconds=st.integers(0, 999)), duration_texts
)
moments = st.datetimes(
    min_value=datetime(2000, 1, 1),
    max_value=datetime(2100, 1, 1),
    timezones=st.sampled_from([timezone.utc, timezone(timedelta(hours=5, minutes=30))]),
)
retries = st.one_of(
    st.just(RetryPolicy.NONE),
    st.builds(RetryPolicy.linear, durations, st.integers(0, 2**31 - 1)),
    st.builds(RetryPolicy.exponential, durations, st.integers(0, 100)),
    st.builds(RetryPolicy.fibonacci, durations, st.integers(0, 100)),
    st.builds(RetryPolicy.full_jitter, durations, st.integers(0, 100)),
    st.builds(RetryPolicy.decorrelated_jitter, durations, st.integers(0, 100)),
    st.builds(RetryPolicy.polynomial, durations, st.integers(0, 100), st.floats(-10, 10, allow_nan=False)),
    st.builds(
        lambda d, n: RetryPolicy.bounded_exponential(d, timedelta(days=30), n),
        timedeltas,  # at most 10**6 s, under the 30-day cap
        st.integers(0, 100),
    ),
)
deliveries = st.one_of(
    st.just(DeliveryStrategy.IMMEDIATE),
    st.builds(DeliveryStrategy.schedule_after, durations),
    st.builds(DeliveryStrategy.schedule_at, moments),
)
repeats = st.one_of(
    st.just(RepeatPolicy.NO_REPEAT),
    st.builds(RepeatPolicy.indefinitely, durations),
    st.builds(RepeatPolicy.times, every=durations, times=st.integers(1, 2**63 - 1)),
    st.builds(RepeatPolicy.until, every=durations, until=moments),
)
labels = st.one_of(st.none(), st.text(max_size=64))
parameter_values = st.one_of(
    st.text(max_size=20),
    st.integers(-(2**31), 2**31 - 1),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.builds(
        Parameter.secret,
        st.text(min_size=1, max_size=10),
        st.one_of(st.none(), st.text(max_size=5)),
        st.one_of(st.none(), st.text(max_size=5)),
    ),
)
conditions = st.recursive(
    st.just(Condition.ALWAYS),
    lambda inner: st.one_of(
        st.builds(Condition.not_, inner),
        st.builds(Condition.and_, st.lists(inner, max_size=3)),
        st.builds(Condition.or_, st.lists(inner, max_size=3)),
    ),
    max_leaves=5,
)


def decorate(node: Any, draw: Any) -> Any:
    node = node.label(draw(labels)).with_retry(draw(retries)).with_delivery(draw(deliveries))
    return node.parameters(draw(st.dictionaries(st.text(max_size=8), parameter_values, max_size=3)))


@st.composite
def nodes(draw: Any, depth: int = 0, join_ids: list[str] | None = None) -> Any:
    join_ids = join_ids if join_ids is not None else []
    kind = draw(st.sampled_from(["standard"] if depth >= 3 else ["standard", "standard", "fork"]))
    if kind == "fork":
        join_id = f"join-{len(join_ids)}"
        join_ids.append(join_id)
        names = draw(st.lists(st.text(min_size=1, max_size=6), min_size=2, max_size=4, unique=True))
        branches = {name: draw(nodes(depth + 1, join_ids)) for name in names}
        strategy = draw(st.one_of(st.just(JoinStrategy.AND), st.just(JoinStrategy.OR),
                                  st.builds(JoinStrategy.quorum, st.integers(1, len(names)))))  # fmt: skip
        join = decorate(Node.join(draw(addresses)).join_id(join_id).strategy(strategy), draw)
        if draw(st.booleans()):
            join = join.timeout(draw(positive_durations)).on_timeout(draw(nodes(depth + 1, join_ids)))
        if draw(st.booleans()):
            join = join.on_success(draw(nodes(depth + 1, join_ids)))
        fork = decorate(Node.fork(draw(addresses)).join_id(join_id).branches(branches), draw)
        return fork.with_join(join)
    node = decorate(Node.standard(draw(addresses)), draw)
    if depth < 3 and draw(st.booleans()):
        node = node.on_success(draw(nodes(depth + 1, join_ids)))
    if depth < 3 and draw(st.booleans()):
        node = node.on_failure(draw(nodes(depth + 1, join_ids)))
    if depth < 3 and draw(st.booleans()):
        node = node.on_conditions([Condition.when(draw(conditions), draw(nodes(depth + 1, join_ids)))])
    return node


@st.composite
def specs(draw: Any) -> Spec:
    join_ids: list[str] = []
    entry_points = draw(st.lists(nodes(0, join_ids), min_size=1, max_size=3))
    return Spec.multiple(entry_points, repeat_policy=draw(repeats))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(specs())
def test_random_valid_specs_round_trip_byte_for_byte(spec: Spec) -> None:
    assert spec.problems() == []
    wire = spec.to_json()
    again = Spec.from_json(wire)
    assert again.to_json() == wire
    assert again == spec
    assert Spec.from_json(wire.encode()).to_bytes() == wire.encode()
