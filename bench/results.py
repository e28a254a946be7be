"""What a benchmark suite hands the report: its table and the targets it was checked against."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class Check:
    """One target: `value` against `target`, where a higher value is better unless `at_most`.

    `group` names the chart panel it is drawn in; `unit` follows the value in the report ("x" for ratios)."""

    label: str
    value: float
    target: float | None
    at_most: bool = False
    group: str = "faster"
    unit: str = "x"

    @property
    def met(self) -> bool:
        if self.target is None:
            return True
        return self.value <= self.target if self.at_most else self.value >= self.target

    def describe(self) -> str:
        if self.target is None:
            return f"{self.value:.2f}{self.unit}"
        sign = "<=" if self.at_most else ">="
        verdict = "met" if self.met else "**missed**"
        return f"{self.value:.2f}{self.unit} (target {sign} {self.target:g}{self.unit}: {verdict})"


@dataclass
class Section:
    """A table of the report: a title, what was measured, column names, rows and the checks behind them."""

    title: str
    about: str
    columns: list[str]
    rows: list[list[str]] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> Section:
        fields = json.loads(text)
        checks = [Check(**check) for check in fields.pop("checks")]
        return cls(**fields, checks=checks)


def ms(seconds: float) -> str:
    return f"{seconds * 1e3:.3f}" if seconds < 0.01 else f"{seconds * 1e3:.1f}"


def nodes(count: int) -> str:
    return f"{count:,}"
