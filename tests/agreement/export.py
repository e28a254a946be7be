"""The agreement check's instances, each with the model's verdict, for a second validator (ajv, in Node.js).

    python tests/agreement/export.py OUT.json

For every entry that tests/agreement/test_spec_agreement.py checks (same seed and counts), the valid instances and
mutants the check compares, and the re-encoding of each instance the model accepts, are written with the schema
location (`$id` + fragment), the category and the model's verdict. Left out, with their count and reason printed:
the instances of a disagreement that tests/agreement/deviations.py explains (its predicates, applied to the
disagreements `check.run` reports), and those holding a number JavaScript's JSON.parse would read as another number.

check.py has no public way to list the instances it compares, so they are made again here from the same public
pieces (`Generator`, `mutants_of`, `select`, `validator_for`) in the order `run` uses; `run` itself is called
alongside, with a decode hook that records what it decodes, and the export stops if the two differ anywhere.
"""

from __future__ import annotations

import functools
import importlib
import json
import random
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # run as a script, not as tests.agreement.export
    sys.path.insert(0, str(ROOT))

from referencing import Registry  # noqa: E402

from tests.agreement.check import GENERATED, REENCODED, Report, run  # noqa: E402
from tests.agreement.deviations import DEVIATIONS  # noqa: E402
from tests.agreement.instances import Generator, Site, Style  # noqa: E402
from tests.agreement.mutants import mutants_of, select  # noqa: E402
from tests.agreement.test_spec_agreement import (  # noqa: E402
    ENTRIES,
    MUTANTS,
    PACKAGES,
    SEED,
    SKIP_CATEGORIES,
    SKIPPED,
    VALID,
    Entry,
)
from tests.support.ecma_validator import SPEC, registry_of, validator_for  # noqa: E402

Decode = Callable[[bytes, Any], Any]
Encode = Callable[[Any], bytes]

JS_SAFE_INTEGER = 2**53
"""Beyond it, JavaScript numbers (doubles) no longer hold every integer: JSON.parse reads another one."""


@dataclass(frozen=True)
class Instance:
    category: str
    path: tuple[str | int, ...]
    data: bytes
    """The JSON text, as check.py writes it (the bytes the model decodes)."""
    value: Any
    model_valid: bool


@dataclass
class Replay:
    """What `run` compares for one entry, made again: the decoded instances in order, and the re-encodings."""

    decoded: list[Instance] = field(default_factory=list)
    reencoded: list[Instance] = field(default_factory=list)
    checked: Counter[str] = field(default_factory=Counter)
    valid: int = 0


def _dump(value: Any) -> bytes | None:
    """JSON text as check.py writes it; None for what it skips (NaN, infinities, lone surrogates)."""
    try:
        return json.dumps(value, ensure_ascii=False, allow_nan=False).encode("utf-8")
    except (ValueError, UnicodeEncodeError):
        return None


def _style(attempt: int) -> Style:
    """The style `run` gives attempt `attempt` (checked against `run` by the comparison in `export_entry`)."""
    if attempt == 0:
        return Style("min", 3)
    if attempt == 1:
        return Style("max", 2)
    return Style("random", 4 if attempt % 10 == 2 else 2)


def replay(registry: Registry[Any], uri: str, model: Any, decode: Decode, encode: Encode) -> Replay:
    """The instances `run(registry, uri, model, decode, encode, seed=SEED, valid=VALID, mutants=MUTANTS, ...)`
    compares, with the same random draws in the same order."""
    rng = random.Random(f"{SEED}|{uri}")
    validator = validator_for(registry, uri)
    generator = Generator(registry, uri, rng)
    out = Replay()
    seen: set[bytes] = set()

    def compare(value: Any, category: str, path: tuple[str | int, ...] = ()) -> tuple[bool, bool] | None:
        data = _dump(value)
        if data is None or data in seen:
            return None
        seen.add(data)
        out.checked[category] += 1
        try:
            valid = validator.is_valid(value)
        except Exception:  # reported by `run`; no verdict to export
            return None
        try:
            decoded = decode(data, model)
        except Exception:
            out.decoded.append(Instance(category, path, data, value, False))
            return valid, False
        out.decoded.append(Instance(category, path, data, value, True))
        if not valid:
            return valid, True
        try:
            again = json.loads(encode(decoded))
        except Exception:
            return valid, False
        again_data = _dump(again)
        if again_data is not None:
            out.reencoded.append(Instance(REENCODED, (), again_data, again, True))
        return valid, validator.is_valid(again)

    found: list[tuple[Any, list[Site]]] = []
    agreed: list[tuple[Any, list[Site]]] = []
    for attempt in range(VALID * 3 + 10):
        if len(found) >= VALID:
            break
        try:
            value, sites = generator.instance(_style(attempt))
        except ValueError:
            continue
        verdicts = compare(value, GENERATED)
        if verdicts is not None and verdicts[0]:
            found.append((value, sites))
            if verdicts[1]:
                agreed.append((value, sites))
    out.valid = len(found)
    candidates = [m for value, sites in agreed or found for m in mutants_of(value, sites, rng)]
    candidates = [m for m in candidates if m.category not in SKIP_CATEGORIES]
    for mutant in select(candidates, MUTANTS, rng):
        compare(mutant.make(), mutant.category, mutant.path)
    return out


def _recording(decode: Decode, calls: list[tuple[bytes, bool]]) -> Decode:
    def recorded(data: bytes, model: Any) -> Any:
        try:
            value = decode(data, model)
        except Exception:
            calls.append((data, False))
            raise
        calls.append((data, True))
        return value

    return recorded


def javascript_changes(value: Any) -> str | None:
    """Why JSON.parse would read a number of `value` as another number; None when it reads each as written.

    Python writes a float as its shortest repr, the shortest text that reads back as the same double, and
    JavaScript reads such text to that same double: only integers can change (beyond 2^53, or beyond any double).
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return "integer beyond 2^53" if abs(value) > JS_SAFE_INTEGER else None
    if isinstance(value, float):
        return None if float(repr(value)) == value else "float whose shortest repr reads back as another double"
    children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
    return next((reason for reason in map(javascript_changes, children) if reason is not None), None)


@functools.cache
def _registry(api: str) -> Registry[Any]:
    return registry_of(sorted((SPEC / api).glob("*.schema.json")))


@dataclass
class Export:
    entries: list[str] = field(default_factory=list)
    instances: list[dict[str, Any]] = field(default_factory=list)
    deviations: Counter[str] = field(default_factory=Counter)
    javascript: Counter[tuple[str, str]] = field(default_factory=Counter)
    """(reason, category) -> instances left out because JSON.parse would read one of their numbers differently."""
    unexplained: int = 0
    """Disagreements between the model and jsonschema that no deviation explains (the pytest check fails on them)."""


def export_entry(entry: Entry, into: Export) -> None:
    module = importlib.import_module(entry.module)
    model = getattr(module, entry.name)
    codec = importlib.import_module(f"{PACKAGES[entry.api]}.codec")
    schema_id = json.loads(entry.file.read_text(encoding="utf-8"))["$id"]
    uri = schema_id + (f"#{entry.pointer}" if entry.pointer else "")
    registry = _registry(entry.api)
    calls: list[tuple[bytes, bool]] = []
    options: dict[str, Any] = {"seed": SEED, "valid": VALID, "mutants": MUTANTS, "skip_categories": SKIP_CATEGORIES}
    report: Report = run(registry, uri, model, _recording(codec.decode, calls), codec.encode, **options)
    made = replay(registry, uri, model, codec.decode, codec.encode)
    replayed = [(instance.data, instance.model_valid) for instance in made.decoded]
    if replayed != calls or made.checked != report.checked or made.valid != report.valid:
        same = zip(replayed, calls, strict=False)
        where = next((i for i, (mine, theirs) in enumerate(same) if mine != theirs), min(len(replayed), len(calls)))
        raise SystemExit(
            f"{entry.id}: the export no longer makes the instances check.run compares (first difference at decoded "
            f"instance {where}; {sum(made.checked.values())} vs {sum(report.checked.values())} compared): "
            "update replay() in tests/agreement/export.py to follow check.run"
        )
    explained: dict[tuple[str, bytes | None], str] = {}
    for disagreement in report.disagreements:
        deviation = next((d for d in DEVIATIONS if d.matches(disagreement)), None)
        if deviation is None:
            into.unexplained += 1
        else:
            explained[disagreement.category, _dump(disagreement.instance)] = deviation.name
    taken = {instance.data for instance in made.decoded}
    reencoded = []
    for instance in made.reencoded:  # only those that are not already an instance of their own
        if instance.data not in taken:
            taken.add(instance.data)
            reencoded.append(instance)
    into.entries.append(uri)
    for instance in made.decoded + reencoded:
        deviation = explained.get((instance.category, instance.data))
        reason = javascript_changes(instance.value)
        if deviation is not None:
            into.deviations[deviation] += 1
        elif reason is not None:
            into.javascript[reason, instance.category] += 1
        else:
            verdict = "valid" if instance.model_valid else "invalid"
            into.instances.append(
                {"schema": uri, "category": instance.category, "path": list(instance.path), "model": verdict}
                | {"instance": instance.value}
            )


def _counts(counter: Counter[str]) -> str:
    return ", ".join(f"{name} x{count}" for name, count in sorted(counter.items())) or "none"


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python tests/agreement/export.py OUT.json", file=sys.stderr)
        return 2
    started = time.perf_counter()
    result = Export()
    for entry in ENTRIES:
        if entry.id not in SKIPPED:
            export_entry(entry, result)
    document = {
        "seed": SEED,
        "valid": VALID,
        "mutants": MUTANTS,
        "entries": result.entries,
        "instances": result.instances,
    }
    Path(argv[0]).write_text(json.dumps(document, ensure_ascii=False, allow_nan=False) + "\n", encoding="utf-8")
    verdicts = Counter(instance["model"] for instance in result.instances)
    print(
        f"agreement export: {len(result.instances)} instances ({verdicts['valid']} model-valid, "
        f"{verdicts['invalid']} model-invalid) of {len(result.entries)} entries -> {argv[0]} "
        f"({time.perf_counter() - started:.1f}s)"
    )
    print(f"  left out, explained by tests/agreement/deviations.py: {_counts(result.deviations)}")
    reasons: Counter[str] = Counter()
    for (reason, _), count in result.javascript.items():
        reasons[reason] += count
    print(f"  left out, a number JavaScript's JSON.parse reads as another number: {_counts(reasons)}")
    for reason in sorted(reasons):
        categories = Counter({category: n for (why, category), n in result.javascript.items() if why == reason})
        print(f"    {reason}, by category: {', '.join(f'{c} x{n}' for c, n in categories.most_common())}")
    print(
        "    (a JavaScript number is a double, exact for integers up to 2^53 only; floats are written as their "
        "shortest repr, which JavaScript reads back as the same double)"
    )
    if result.unexplained:
        print(f"  warning: {result.unexplained} model/jsonschema disagreements no deviation explains (exported as is)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
