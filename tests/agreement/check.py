"""Does a generated model accept exactly the JSON its schema accepts? One call checks one schema entry.

`check` generates seeded, bounded valid instances of the schema (the independent validator decides which candidates
are valid) and mutants of them, decodes each with the model and validates it, and reports every instance on which
the two verdicts differ; every instance the model accepts is also re-encoded, and the encoding must be valid too.
A schema for which no valid instance could be produced is reported as such.
"""

from __future__ import annotations

import contextlib
import json
import random
from collections import Counter
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urldefrag

import msgspec
from jsonschema.exceptions import best_match
from referencing import Registry

from tests.agreement.instances import Generator, Site, Style
from tests.agreement.mutants import INTEGRAL_FLOAT, mutants_of, select
from tests.support.ecma_validator import validator_for

__all__ = ["INTEGRAL_FLOAT", "Compared", "Disagreement", "Report", "check", "run"]

Decode = Callable[[bytes, Any], Any]
Encode = Callable[[Any], bytes]

GENERATED = "generated"
"""Category of the instances generated for the schema itself (validator-valid ones and rejected candidates)."""
REENCODED = "re-encode"
"""Category of a model-valid instance whose re-encoding the validator rejects (or the encoder refuses)."""
NO_VALID_INSTANCE = "no-valid-instance"


@dataclass(frozen=True)
class Disagreement:
    schema: str
    """The schema file's $id."""
    pointer: str
    """JSON pointer of the checked entry inside that file ("" for the file's root)."""
    category: str
    """How the instance was made: `generated`, a mutation category, `re-encode` or `no-valid-instance`."""
    path: tuple[str | int, ...]
    """Where in the instance the mutation was made (() for the whole instance)."""
    aimed_at: str
    """The schema location (URI#pointer) the mutated value was generated from ("" for a generated instance)."""
    instance: Any
    model_says: str
    validator_says: str

    @property
    def where(self) -> str:
        place = "$" + "".join(f"[{step!r}]" for step in self.path)
        return f"{place} ({self.aimed_at})" if self.aimed_at else place

    def __str__(self) -> str:
        lines = [
            f"{self.schema}#{self.pointer} [{self.category}] at {self.where}",
            f"      instance:  {_short(self.instance)}",
        ]
        if self.path and len(repr(self.instance)) > _SHORT:
            with contextlib.suppress(KeyError, IndexError, TypeError):  # the mutation removed the path
                lines.append(f"      there:     {_short(_at(self.instance, self.path))}")
        lines += [f"      model:     {self.model_says}", f"      validator: {self.validator_says}"]
        return "\n".join(lines)


_SHORT = 300


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= _SHORT else text[:_SHORT] + f"... ({len(text)} characters)"


def _at(value: Any, path: tuple[str | int, ...]) -> Any:
    for step in path:
        value = value[step]
    return value


@dataclass
class Report:
    uri: str
    disagreements: list[Disagreement] = field(default_factory=list)
    checked: Counter[str] = field(default_factory=Counter)
    """Instances compared, per category."""
    valid: int = 0
    """Validator-valid instances generated."""
    compared: list[Compared] = field(default_factory=list)
    """Every instance compared, in order, with the model's verdict (kept only when `run(..., keep=True)`)."""


@dataclass(frozen=True)
class Compared:
    """One instance both sides judged: the JSON bytes decoded, how it was made, and the model's verdict."""

    category: str
    path: tuple[str | int, ...]
    data: bytes
    model_valid: bool


def _style(attempt: int) -> Style:
    """The first instance is minimal, the second has every member, one in ten nests deeper than the rest."""
    if attempt == 0:
        return Style("min", 3)
    if attempt == 1:
        return Style("max", 2)
    return Style("random", 4 if attempt % 10 == 2 else 2)


def _dump(instance: Any) -> bytes | None:
    try:
        return json.dumps(instance, ensure_ascii=False, allow_nan=False).encode("utf-8")
    except (ValueError, UnicodeEncodeError):
        return None


class _Checker:
    def __init__(
        self, registry: Registry[Any], uri: str, model: Any, decode: Decode, encode: Encode, keep: bool = False
    ) -> None:
        self.validator = validator_for(registry, uri)
        self.keep = keep
        self.model = model
        self.decode = decode
        self.encode = encode
        schema, pointer = urldefrag(uri)
        self.report = Report(uri)
        self.schema, self.pointer = schema, pointer
        self._seen: set[bytes] = set()

    def add(self, disagreement: Disagreement) -> None:
        self.report.disagreements.append(disagreement)

    def _keep(self, category: str, path: tuple[str | int, ...], data: bytes, model_valid: bool) -> None:
        if self.keep:
            self.report.compared.append(Compared(category, path, data, model_valid))

    def _explain(self, instance: Any) -> str:
        error = best_match(self.validator.iter_errors(instance))
        if error is None:
            return "valid"
        return f"invalid: {error.message} at {error.json_path}"

    def compare(
        self, instance: Any, category: str, path: tuple[str | int, ...] = (), aimed_at: str = ""
    ) -> tuple[bool, bool] | None:
        """The validator's and the model's verdict on one instance (None for an instance seen before)."""

        def add(category: str, model_says: str, validator_says: str) -> None:
            self.add(
                Disagreement(self.schema, self.pointer, category, path, aimed_at, instance, model_says, validator_says)
            )

        data = _dump(instance)
        if data is None or data in self._seen:
            return None
        self._seen.add(data)
        self.report.checked[category] += 1
        try:
            valid = self.validator.is_valid(instance)
        except Exception as error:  # the validator's own limits (e.g. multipleOf on a huge integer): a finding too
            add(category, "-", f"error: {type(error).__name__}: {error}")
            return None
        try:
            decoded = self.decode(data, self.model)
        except (msgspec.ValidationError, msgspec.DecodeError) as error:
            self._keep(category, path, data, False)
            if valid:
                add(category, f"invalid: {error}", "valid")
            return valid, False
        except Exception as error:  # any other exception is itself a finding
            add(category, f"error: {type(error).__name__}: {error}", self._explain(instance))
            return valid, False
        self._keep(category, path, data, True)
        if not valid:
            add(category, "valid", self._explain(instance))
            return valid, True
        try:
            encoded = self.encode(decoded)
            again = json.loads(encoded)
            self._keep(REENCODED, path, encoded, True)
        except Exception as error:
            add(REENCODED, f"valid, but encoding failed: {type(error).__name__}: {error}", "-")
            return valid, False
        if not self.validator.is_valid(again):
            add(REENCODED, f"valid, re-encoded as {encoded!r}", self._explain(again))
            return valid, False
        return valid, True


def run(
    registry: Registry[Any],
    uri: str,
    model: Any,
    decode: Decode,
    encode: Encode,
    *,
    seed: int = 0,
    valid: int = 60,
    mutants: int = 120,
    skip_categories: Collection[str] = (),
    keep: bool = False,
) -> Report:
    """Check one schema entry (`uri` = an $id, optionally with a `#/$defs/X` fragment) against `model`.

    `decode(data, model)` must raise msgspec.ValidationError/DecodeError for invalid JSON; `encode(value)` writes a
    decoded value back. Mutants of the categories in `skip_categories` (e.g. `INTEGRAL_FLOAT`) are not tried.
    With `keep`, the report also lists every instance compared (`Report.compared`), for another validator to judge.
    The same arguments give the same instances and the same report. A broken schema raises: a dangling $ref
    (referencing.exceptions.Unresolvable), a pattern that is not ECMA-262 (regress.RegressError).
    """
    rng = random.Random(f"{seed}|{uri}")
    checker = _Checker(registry, uri, model, decode, encode, keep)
    generator = Generator(registry, uri, rng)
    found: list[tuple[Any, list[Site]]] = []
    agreed: list[tuple[Any, list[Site]]] = []
    failures: Counter[str] = Counter()
    rejected = 0
    for attempt in range(valid * 3 + 10):
        if len(found) >= valid:
            break
        try:
            instance, sites = generator.instance(_style(attempt))
        except ValueError as failure:
            failures[str(failure)] += 1
            continue
        verdicts = checker.compare(instance, GENERATED)
        if verdicts is not None and verdicts[0]:
            found.append((instance, sites))
            if verdicts[1]:
                agreed.append((instance, sites))
        elif verdicts is not None:
            rejected += 1
    checker.report.valid = len(found)
    if not found:
        reasons = "; ".join(f"{count}x {reason}" for reason, count in failures.most_common(3))
        said = f"no valid instance after {valid * 3 + 10} attempts ({rejected} candidates rejected; {reasons or '-'})"
        checker.add(Disagreement(checker.schema, checker.pointer, NO_VALID_INSTANCE, (), "", None, "-", said))
    # Mutate the instances both sides accept: a mutant then differs from an agreed instance by one change.
    bases = agreed or found
    candidates = [m for instance, sites in bases for m in mutants_of(instance, sites, rng)]
    candidates = [m for m in candidates if m.category not in skip_categories]
    for mutant in select(candidates, mutants, rng):
        checker.compare(mutant.make(), mutant.category, mutant.path, mutant.site.view.location)
    return checker.report


def check(
    registry: Registry[Any],
    uri: str,
    model: Any,
    decode: Decode,
    encode: Encode,
    *,
    seed: int = 0,
    valid: int = 60,
    mutants: int = 120,
    skip_categories: Collection[str] = (),
) -> list[Disagreement]:
    """Every disagreement between `model` and the schema at `uri`; see `run` for the arguments."""
    report = run(
        registry, uri, model, decode, encode, seed=seed, valid=valid, mutants=mutants, skip_categories=skip_categories
    )
    return report.disagreements
