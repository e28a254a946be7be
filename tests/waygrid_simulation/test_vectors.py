"""The simulation vectors: upstream TraversalFSMSuite/DagCompilerSuite/BackoffSuite cases as data."""

from __future__ import annotations

import pytest

from tests.waygrid_simulation.vectors import cases, delays, observed, run

TRAVERSALS = list(cases("traversal"))
BACKOFFS = list(cases("backoff"))


def test_there_are_enough_vectors_and_each_names_its_upstream_source() -> None:
    from_suites = [case for case in TRAVERSALS + BACKOFFS if "Suite.scala" in case.data["upstream"]]
    assert len(from_suites) >= 60, "at least 60 cases restate a test of the router's own suites"
    names = [case.name for case in TRAVERSALS + BACKOFFS]
    assert len(names) == len(set(names)), "case names are unique across files"
    for case in TRAVERSALS + BACKOFFS:
        assert case.data["upstream"].strip(), case.id


@pytest.mark.parametrize("case", TRAVERSALS, ids=lambda case: case.id)
def test_traversal_vector(case) -> None:
    result = run(case)
    expect = case.data["expect"]
    assert result.outcome == expect["outcome"], result.timeline()
    if "events" in expect:
        assert observed(result, expect["events"]) == expect["events"], result.timeline()
    if "error" in expect:
        assert result.error is not None, result.timeline()
        assert result.error.code == expect["error"]["code"], result.timeline()
    else:
        assert result.error is None


@pytest.mark.parametrize("case", BACKOFFS, ids=lambda case: case.id)
def test_backoff_vector(case) -> None:
    expected = case.data["delaysMs"]
    got = delays(case)
    for attempt, (low_high, value) in enumerate(zip(expected, got, strict=True), start=1):
        if isinstance(low_high, dict):
            assert value is not None, attempt
            assert low_high["min"] <= value <= low_high["max"], (attempt, value)
        else:
            assert value == low_high, (attempt, got)
