"""The benchmark report (bench/report.py): targets judged in the right direction, misses listed first."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.append(str(Path(__file__).parent.parent / "bench"))  # the benchmark modules import each other by name

from report import markdown
from results import Check, Section


def test_checks_are_judged_in_their_direction() -> None:
    assert Check("speed", 6.0, 5.0).met
    assert not Check("speed", 4.9, 5.0).met
    assert Check("floor", 1.2, 1.3, at_most=True).met
    assert not Check("floor", 1.31, 1.3, at_most=True).met
    assert Check("no target", 0.1, None).met
    assert Check("floor", 1.31, 1.3, at_most=True).describe() == "1.31x (target <= 1.3x: **missed**)"
    assert Check("ms", 42.0, 50.0, at_most=True, unit=" ms").describe() == "42.00 ms (target <= 50 ms: met)"


def test_the_report_lists_every_miss_and_every_table() -> None:
    section = Section("Suite", "What it measures.", ["step", "ratio"], [["a", "1.0"]])
    section.checks += [Check("a vs floor", 1.6, 1.3, at_most=True), Check("a vs old", 6.0, 5.0)]
    text = markdown([section], None, 60.0)
    assert "**Targets:** 1 of 2 met." in text
    assert "- a vs floor: 1.60x (target <= 1.3x: **missed**)" in text
    assert "| step | ratio |\n|---|---|\n| a | 1.0 |" in text
    assert "exospherehost 0.0.3** (its own environment): not run" in text


def test_a_section_survives_the_trip_between_processes() -> None:
    section = Section("Suite", "About.", ["a"], [["1"]], [Check("c", 1.5, 1.3, at_most=True, group="floor")])
    assert Section.from_json(section.to_json()) == section
