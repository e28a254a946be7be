"""Reading and running the simulation vectors of spec/vectors/waygrid/simulation (format: its README.md)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import waygrid
from waygrid import simulation
from waygrid.simulation import Call, Handler, SimulationResult
from waygrid.simulation.backoff import next_delay_ms

ROOT = Path(__file__).resolve().parents[2] / "spec" / "vectors" / "waygrid" / "simulation"
_EVENT_KEYS = {"atMs": "at_ms", "kind": "kind", "address": "address", "path": "path", "attempt": "attempt",
               "dueMs": "due_ms", "detail": "detail", "label": "label"}  # fmt: skip


@dataclass(frozen=True)
class Case:
    file: str
    data: dict[str, Any]

    @property
    def name(self) -> str:
        return str(self.data["name"])

    @property
    def id(self) -> str:
        return f"{self.file}:{self.name}"


def cases(kind: str) -> Iterator[Case]:
    """Every case of the files whose `kind` is `kind` ("traversal" or "backoff")."""
    for path in sorted(ROOT.glob("*.json")):
        document = json.loads(path.read_text())
        if document["kind"] == kind:
            for case in document["cases"]:
                yield Case(path.name, case)


def _step(step: dict[str, Any]) -> Handler:
    result, after = step["result"], timedelta(milliseconds=step.get("afterMs", 0))
    if result == "succeed":
        return simulation.succeed(step.get("output"), after=after)
    if result == "fail":
        return simulation.fail(after=after, error=step.get("error", "scripted failure"))
    if result == "hang":
        return simulation.hang()
    raise ValueError(f"unknown handler result {result!r}")


def handlers(script: dict[str, list[dict[str, Any]]]) -> dict[str, Handler]:
    return {address: simulation.sequence(*map(_step, steps)) for address, steps in script.items()}


def run(case: Case) -> SimulationResult:
    data = case.data
    spec = waygrid.Spec.from_json(json.dumps(data["spec"]))
    options = dict(data.get("options", {}))
    start = options.pop("start", None)
    renames = {"branchFailures": "branch_failures", "joinTimers": "join_timers", "jsonConditions": "json_conditions"}
    keywords = {renames.get(key, key): value for key, value in options.items()}
    if start is not None:
        keywords["start"] = datetime.fromisoformat(start.replace("Z", "+00:00"))
    return waygrid.simulate(spec, handlers(data.get("handlers", {})), **keywords)


def observed(result: SimulationResult, expected: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The result's events, each with only the keys its expected counterpart names (times relative to start)."""
    rows = []
    for index, event in enumerate(result.events):
        keys = expected[index].keys() if index < len(expected) else _EVENT_KEYS.keys()
        row: dict[str, Any] = {}
        for key in keys:
            value = getattr(event, _EVENT_KEYS[key])
            if key in ("atMs", "dueMs") and value is not None:
                value -= result.started_ms
            row[key] = value
        rows.append(row)
    return rows


def delays(case: Case) -> list[int | None]:
    import random

    from waygrid_api import codec
    from waygrid_api.models.traversal_spec import RetryPolicy

    policy = codec.decode(json.dumps(case.data["policy"]).encode(), RetryPolicy)
    rng = random.Random(case.data.get("seed", 0))
    return [next_delay_ms(policy, attempt, rng) for attempt in range(1, len(case.data["delaysMs"]) + 1)]


__all__ = ["Call", "Case", "cases", "delays", "handlers", "observed", "run"]
