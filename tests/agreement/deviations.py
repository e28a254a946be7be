"""The known, measured places where a generated model is stricter than its schema, each with its cause.

Every one comes from how msgspec holds numbers or from a rule the schema states in an `x-` keyword that JSON
Schema validators cannot read. They are filtered out of the agreement check by these exact predicates (nothing
broader), and `tests/agreement/test_deviations.py` pins each one, so a change in msgspec or in the schema shows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from tests.agreement.check import Disagreement


@dataclass(frozen=True)
class Deviation:
    name: str
    cause: str
    matches: Callable[[Disagreement], bool]


def _stricter(disagreement: Disagreement) -> bool:
    return disagreement.model_says.startswith("invalid") and disagreement.validator_says == "valid"


DEVIATIONS = (
    Deviation(
        "beyond-double",
        "A JSON number beyond the IEEE-754 double range (e.g. 1e400) has no msgspec float; the schema sets no bound.",
        lambda d: _stricter(d) and "Number out of range" in d.model_says,
    ),
    Deviation(
        "duration-bound",
        "Waygrid durations hold at most 2^63-1 nanoseconds (Scala's FiniteDuration); the schema says so in "
        "x-maximum-nanoseconds, which no regex-based validator can check.",
        lambda d: _stricter(d) and "longer than 2^63-1 nanoseconds" in d.model_says,
    ),
)


def unexplained(found: list[Disagreement]) -> list[Disagreement]:
    """The disagreements no known deviation explains."""
    return [d for d in found if not any(deviation.matches(d) for deviation in DEVIATIONS)]
