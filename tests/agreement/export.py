"""The agreement check's instances, each with the model's verdict, for a second validator (ajv, in Node.js).

    python tests/agreement/export.py OUT.json

For every entry that tests/agreement/test_spec_agreement.py checks, one `check.run(..., keep=True)` with that test's
seed, counts and skipped categories lists the instances it compares: the valid instances, the mutants and the
re-encoding of each instance the model accepts (a re-encoding equal to an instance exported already is written
once). Each is written with the schema location (`$id` + fragment), the category, the path, the model's verdict
and, for an instance the model refuses, msgspec's message. Left out, with their count and reason printed:

- the instances of a disagreement that tests/agreement/deviations.py explains (its predicates, applied to the
  disagreements the run reports);
- those holding an integer beyond 2^53, which JavaScript's JSON.parse reads as another number;
- those holding a number that, read as a double, equals a numeric bound of the spec that is not itself a double
  (`maximum: 9223372036854775807` reads as 2^63): a double-based validator cannot tell such a number from the bound.

Floats need no filter: JSON.parse reads the shortest repr that json.dumps writes as the very double Python holds.
"""

from __future__ import annotations

import functools
import importlib
import json
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # run as a script, not as tests.agreement.export
    sys.path.insert(0, str(ROOT))

from referencing import Registry  # noqa: E402
from referencing.jsonschema import DRAFT202012  # noqa: E402

from tests.agreement.check import REENCODED, run  # noqa: E402
from tests.agreement.deviations import DEVIATIONS  # noqa: E402
from tests.agreement.instances import canonical  # noqa: E402
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
from tests.support.ecma_validator import SPEC, registry_of  # noqa: E402

JS_SAFE_INTEGER = 2**53
"""Beyond it, JavaScript numbers (doubles) no longer hold every integer: JSON.parse reads another one."""
BEYOND_2_53 = "integer beyond 2^53"
AT_INEXACT_BOUND = "a double equal to a bound that is not a double"
BOUND_KEYWORDS = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf")


@dataclass(frozen=True)
class InexactBound:
    """A numeric bound of a spec schema that no IEEE double holds exactly, and the double a validator reads."""

    file: str
    pointer: str
    keyword: str
    written: int | Decimal
    double: float

    def __str__(self) -> str:
        return f"{self.file}#{self.pointer}: {self.keyword} {self.written} (as a double: {Decimal(self.double)})"


def _pointer_to(node: Any, target: Any, pointer: str = "") -> str | None:
    """The JSON pointer of `target` (by identity) inside `node`."""
    if node is target:
        return pointer
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, child in items:
        step = str(key).replace("~", "~0").replace("/", "~1")
        found = _pointer_to(child, target, f"{pointer}/{step}")
        if found is not None:
            return found
    return None


def inexact_bounds(files: list[Path]) -> list[InexactBound]:
    """Every bound keyword of the schemas (at schema positions, as 2020-12 defines them) that is not a double."""
    found = []
    for path in files:
        root = json.loads(path.read_text(encoding="utf-8"), parse_float=Decimal)  # numbers exactly as written
        todo = [root]
        while todo:
            schema = todo.pop()
            todo += DRAFT202012.subresources_of(schema)
            for keyword in BOUND_KEYWORDS:
                written = schema.get(keyword) if isinstance(schema, dict) else None
                if isinstance(written, int | Decimal) and not isinstance(written, bool):
                    double = float(written)
                    if Decimal(double) != written:
                        where = _pointer_to(root, schema) or ""
                        found.append(InexactBound(path.relative_to(ROOT).as_posix(), where, keyword, written, double))
    return sorted(found, key=lambda bound: (bound.file, bound.pointer, bound.keyword))


def _numbers(value: Any) -> Iterator[int | float]:
    if isinstance(value, int | float) and not isinstance(value, bool):
        yield value
    elif isinstance(value, dict | list):
        for child in value.values() if isinstance(value, dict) else value:
            yield from _numbers(child)


def left_out(value: Any, bound_doubles: frozenset[float]) -> str | None:
    """Why a double-based validator cannot judge `value` as the model does; None when it can."""
    numbers = list(_numbers(value))
    if any(isinstance(n, int) and abs(n) > JS_SAFE_INTEGER for n in numbers):
        return BEYOND_2_53
    if any(float(n) in bound_doubles for n in numbers):
        return AT_INEXACT_BOUND
    return None


@functools.cache
def _registry(api: str) -> Registry[Any]:
    return registry_of(sorted((SPEC / api).glob("*.schema.json")))


@dataclass
class Export:
    bound_doubles: frozenset[float]
    entries: list[str] = field(default_factory=list)
    instances: list[dict[str, Any]] = field(default_factory=list)
    deviations: Counter[str] = field(default_factory=Counter)
    left_out: Counter[tuple[str, str]] = field(default_factory=Counter)
    """(reason, category) -> instances left out because a double-based validator cannot judge them exactly."""
    unexplained: int = 0
    """Disagreements between the model and jsonschema that no deviation explains (the pytest check fails on them)."""


def export_entry(entry: Entry, into: Export) -> None:
    model = getattr(importlib.import_module(entry.module), entry.name)
    codec = importlib.import_module(f"{PACKAGES[entry.api]}.codec")
    schema_id = json.loads(entry.file.read_text(encoding="utf-8"))["$id"]
    uri = schema_id + (f"#{entry.pointer}" if entry.pointer else "")
    options: dict[str, Any] = {"seed": SEED, "valid": VALID, "mutants": MUTANTS, "skip_categories": SKIP_CATEGORIES}
    report = run(_registry(entry.api), uri, model, codec.decode, codec.encode, keep=True, **options)
    explained: dict[tuple[str, tuple[str | int, ...], str], str] = {}
    for disagreement in report.disagreements:
        deviation = next((d for d in DEVIATIONS if d.matches(disagreement)), None)
        if deviation is None:
            into.unexplained += 1
        else:
            explained[disagreement.category, disagreement.path, canonical(disagreement.instance)] = deviation.name
    values = [json.loads(compared.data) for compared in report.compared]
    pairs = list(zip(report.compared, values, strict=True))
    taken = {canonical(value) for compared, value in pairs if compared.category != REENCODED}
    into.entries.append(uri)
    for compared, value in pairs:
        text = canonical(value)
        if compared.category == REENCODED:  # only one that is not already an instance of its own
            if text in taken:
                continue
            taken.add(text)
        deviation = explained.get((compared.category, compared.path, text))
        reason = left_out(value, into.bound_doubles)
        if deviation is not None:
            into.deviations[deviation] += 1
        elif reason is not None:
            into.left_out[reason, compared.category] += 1
        else:
            verdict = "valid" if compared.model_valid else "invalid"
            exported = {"schema": uri, "category": compared.category, "path": list(compared.path), "model": verdict}
            if not compared.model_valid:
                exported["model_error"] = _refusal(codec.decode, compared.data, model)
            into.instances.append(exported | {"instance": value})


def _refusal(decode: Any, data: bytes, model: Any) -> str:
    """msgspec's message for JSON the model refuses (decoding it again costs far less than the run)."""
    try:
        decode(data, model)
    except Exception as error:
        return f"{type(error).__name__}: {error}"
    return "(accepted when decoded again)"


def _counts(counter: Counter[str]) -> str:
    return ", ".join(f"{name} x{count}" for name, count in sorted(counter.items())) or "none"


def _print_left_out(result: Export, reason: str, title: str) -> None:
    categories = Counter({category: n for (why, category), n in result.left_out.items() if why == reason})
    print(f"  left out, {title}: {categories.total()}")
    if categories:
        print(f"    by category: {', '.join(f'{c} x{n}' for c, n in categories.most_common())}")


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python tests/agreement/export.py OUT.json", file=sys.stderr)
        return 2
    started = time.perf_counter()
    bounds = inexact_bounds([path for api in PACKAGES for path in sorted((SPEC / api).glob("*.schema.json"))])
    result = Export(frozenset(bound.double for bound in bounds))
    for entry in ENTRIES:
        if entry.id not in SKIPPED:
            export_entry(entry, result)
    document = {"seed": SEED, "valid": VALID, "mutants": MUTANTS, "entries": result.entries}
    document["instances"] = result.instances
    Path(argv[0]).write_text(json.dumps(document, ensure_ascii=False, allow_nan=False) + "\n", encoding="utf-8")
    verdicts = Counter(instance["model"] for instance in result.instances)
    print(
        f"agreement export: {len(result.instances)} instances ({verdicts['valid']} model-valid, "
        f"{verdicts['invalid']} model-invalid) of {len(result.entries)} entries -> {argv[0]} "
        f"({time.perf_counter() - started:.1f}s)"
    )
    print(f"  left out, explained by tests/agreement/deviations.py: {_counts(result.deviations)}")
    _print_left_out(result, BEYOND_2_53, f"an {BEYOND_2_53}, which JavaScript's JSON.parse reads as another number")
    _print_left_out(result, AT_INEXACT_BOUND, "a number that, read as a double, equals a bound no double holds")
    for bound in bounds:
        print(f"    {bound}")
    print(
        "    (a double-based validator reads both the number and the bound as that double, so it cannot enforce the "
        "bound exactly)"
    )
    if result.unexplained:
        print(f"  warning: {result.unexplained} model/jsonschema disagreements no deviation explains (exported as is)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
