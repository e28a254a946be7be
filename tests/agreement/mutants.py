"""Bounded mutations of a valid instance, aimed at the constraints of each generated value.

A mutation names its category (what it was meant to break); whether it really breaks anything is for the two
verdicts to say. `INTEGRAL_FLOAT` (2.0 for an integer member) is a category of its own: JSON Schema counts 2.0 as
an integer, msgspec does not, and a caller may leave that category out.
"""

from __future__ import annotations

import functools
import math
import random
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from tests.agreement.instances import Site, View
from tests.agreement.regexgen import EDGE_STRINGS, RegexGenerator
from tests.support.ecma_validator import FORMATS

__all__ = ["INTEGRAL_FLOAT", "Mutant", "mutants_of", "select"]

INTEGRAL_FLOAT = "integral-float"
_TYPE_SAMPLES: tuple[tuple[str, Any], ...] = (
    ("null", None),
    ("boolean", True),
    ("integer", 3),
    ("number", 1.5),
    ("string", "x"),
    ("array", []),
    ("object", {}),
)
_AFFIXES = ("\n", "\ufeff", "\x1c", "\u2028", " ", "\u00a0", "😀", "\r", "\t")
_BAD_KEYS = ("", "a.b", ".", " ", "\ufeff", "\x1c", "k\n", "😀")
_MAX_SIZE = 300
_SITES_PER_INSTANCE = 16
_CAMEL = re.compile(r"(?<=[a-z0-9])([A-Z])")


@dataclass(frozen=True)
class Mutant:
    category: str
    site: Site
    """The generated value the mutation aims at."""
    path: tuple[str | int, ...]
    """Where the instance is changed (the site, or an ancestor of it)."""
    make: Callable[[], Any]
    """Builds the mutated instance (lazily: most candidates are never selected)."""


def _at(root: Any, path: tuple[str | int, ...]) -> Any:
    for step in path:
        root = root[step]
    return root


def _replace(root: Any, path: tuple[str | int, ...], value: Any) -> Any:
    """A copy of `root` with the value at `path` replaced (only the containers on the path are copied)."""
    if not path:
        return value
    head, rest = path[0], path[1:]
    copy = dict(root) if isinstance(root, dict) else list(root)
    copy[head] = _replace(root[head], rest, value)  # type: ignore[index]
    return copy


def _types(view: View) -> list[str]:
    return [t for t in view.types() if t != "any"]


def _wrong_types(site: Site, value: Any) -> Iterator[tuple[str, Any]]:
    allowed = _types(site.view)
    if not allowed and site.kind not in ("const", "enum"):
        return
    for name, sample in _TYPE_SAMPLES:
        if name in allowed or (name == "integer" and "number" in allowed) or type(sample) is type(value):
            continue
        yield ("null" if name == "null" else f"wrong-type:{name}"), sample


def _numbers(site: Site, value: Any) -> Iterator[tuple[str, Any]]:
    integer = site.kind == "integer"
    for key in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        for bound in site.view.values(key):
            if isinstance(bound, bool) or not isinstance(bound, (int, float)):
                continue
            if integer:
                yield from (("bound", n) for n in {math.floor(bound) - 1, math.floor(bound), math.ceil(bound) + 1})
            else:
                near = (bound, math.nextafter(bound, -math.inf), math.nextafter(bound, math.inf))
                yield from (("bound", n) for n in near)
    for step in site.view.values("multipleOf"):
        yield "multiple-of", value + step / 2
    yield "bool-for-number", True
    yield "bool-for-number", False
    if integer:
        yield "non-integral", 2.5
        yield "non-integral", value + 0.5
        yield INTEGRAL_FLOAT, float(value)
        yield INTEGRAL_FLOAT, 2.0
        yield INTEGRAL_FLOAT, 1e20
        yield "huge-int", 2**64
        yield "huge-int", -(2**63) - 1
        yield "huge-int", 10**30
    else:
        yield "extreme-number", -0.0
        yield "extreme-number", 1.7976931348623157e308
        if not site.view.values("multipleOf"):  # jsonschema's multipleOf overflows on it
            yield "extreme-number", 10**400


@functools.lru_cache(maxsize=256)
def _generator(pattern: str) -> RegexGenerator:
    return RegexGenerator(pattern)


def _strings(site: Site, value: str, rng: random.Random) -> Iterator[tuple[str, Any]]:
    for low in site.view.values("minLength"):
        yield "length-bound", (value + "a" * low)[:low]
        if low > 0:
            yield "length-bound", (value + "a" * low)[: low - 1]
    for high in site.view.values("maxLength"):
        yield "length-bound", (value + "a" * (high + 1))[:high]
        yield "length-bound", (value + "a" * (high + 1))[: high + 1]
    for edge in EDGE_STRINGS:
        yield "edge-string", edge
    for affix in _AFFIXES:
        yield "edge-affix", value + affix
        yield "edge-affix", affix + value
        if value:
            middle = rng.randrange(len(value))
            yield "edge-affix", value[:middle] + affix + value[middle + 1 :]
    patterns: list[str] = site.view.values("pattern")
    formats = [FORMATS[name] for name in site.view.values("format") if name in FORMATS]
    if patterns and formats:
        for pattern, format_ in zip(patterns * 3, formats * 3, strict=False):
            yield "pattern-only", lambda p=pattern: _generator(p).generate(rng, "random")
            yield "format-only", lambda f=format_: _generator(f).generate(rng, "random")
    for regex in patterns + formats:
        yield "pattern-extreme", lambda r=regex: _generator(r).generate(rng, "max")


def _choices(site: Site, value: Any) -> Iterator[tuple[str, Any]]:
    category = "wrong-const" if site.kind == "const" else "wrong-enum"
    allowed = [v for values in site.view.values("enum") for v in values] + site.view.values("const")
    candidates: list[Any] = []
    if isinstance(value, str):
        candidates += [value + "x", value.lower(), value.upper(), value.capitalize(), value + " ", " " + value, ""]
    candidates += [None, 0, "x", 1.5, [value], {"value": value}]
    for candidate in candidates:
        if candidate not in allowed or type(candidate) is not type(value):
            yield category, candidate


def _snake(name: str) -> str:
    return _CAMEL.sub(lambda m: "_" + m.group(1).lower(), name)


def _objects(site: Site, value: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    required = site.view.required()
    known = {name for props in site.view.values("properties") for name in props}
    for name in value:
        category = "drop-required" if name in required else "drop-member"
        yield category, lambda name=name: {k: v for k, v in value.items() if k != name}
        if _snake(name) != name and _snake(name) not in value:
            yield "renamed-member", lambda name=name: {(_snake(k) if k == name else k): v for k, v in value.items()}
    if "zz_unknown" not in known:
        yield "unknown-member", lambda: {**value, "zz_unknown": 1}
    extras = [v for k, v in value.items() if k not in known]
    sample = extras[0] if extras else next(iter(value.values()), "x")
    for key in _BAD_KEYS + tuple(k + "\n" for k in list(value)[:1]) + tuple(k + "." for k in list(value)[:1]):
        if key not in value:
            yield "bad-key", lambda key=key: {**value, key: sample}
    for low in site.view.values("minProperties"):
        if 0 < low <= len(value):
            yield "too-few-members", lambda low=low: dict(list(value.items())[: low - 1])
    for high in site.view.values("maxProperties"):
        if high < _MAX_SIZE:
            yield (
                "too-many-members",
                lambda high=high: {
                    **value,
                    **{f"zz{index}": sample for index in range(high + 1 - len(value))},
                },
            )


def _arrays(site: Site, value: list[Any]) -> Iterator[tuple[str, Any]]:
    if value:
        yield "duplicate-item", lambda: [*value, value[0]]
        yield "empty-array", []
    for low in site.view.values("minItems"):
        if low > 0:
            yield "too-few-items", lambda low=low: value[: low - 1]
    for high in site.view.values("maxItems"):
        if high < _MAX_SIZE and value:
            yield "too-many-items", lambda high=high: value + [value[-1]] * (high + 1 - len(value))


def _deep(site: Site, sites: list[Site], root: Any) -> Iterator[tuple[tuple[str | int, ...], Any]]:
    """Recursive schemas: nest an ancestor of the same schema three more times into itself."""
    location = site.view.location
    for other in sites:
        inside = len(other.path) < len(site.path) and site.path[: len(other.path)] == other.path
        if inside and other.view.location == location and other.kind == site.kind:
            yield other.path, _nester(_at(root, other.path), site.path[len(other.path) :])
            return


def _nester(start: Any, relative: tuple[str | int, ...]) -> Callable[[], Any]:
    def nest() -> Any:
        nested = start
        for _ in range(3):
            nested = _replace(nested, relative, nested)
        return nested

    return nest


def _variants(site: Site, value: Any, rng: random.Random) -> Iterator[tuple[str, Any]]:
    yield from _wrong_types(site, value)
    if site.kind in ("const", "enum"):
        yield from _choices(site, value)
    elif site.kind in ("integer", "number") and not isinstance(value, bool):
        for category, number in _numbers(site, value):
            # Whatever a float for an integer member was meant to test, one with no fraction is an integral float.
            integral = isinstance(number, float) and number.is_integer() and "number" not in site.view.types()
            yield (INTEGRAL_FLOAT if integral else category), number
    elif site.kind == "string" and isinstance(value, str):
        yield from _strings(site, value, rng)
    elif site.kind == "object" and isinstance(value, dict):
        yield from _objects(site, value)
    elif site.kind == "array" and isinstance(value, list):
        yield from _arrays(site, value)
    elif site.kind == "any":
        yield "deep-nesting", lambda: functools.reduce(lambda inner, _: [inner], range(64), value)


def mutants_of(root: Any, sites: list[Site], rng: random.Random) -> list[Mutant]:
    """The mutations of one valid instance, at one site per schema location (at most 16 locations)."""
    by_location: dict[str, list[Site]] = {}
    for site in sites:
        by_location.setdefault(site.view.location + "|" + site.kind, []).append(site)
    groups = list(by_location.values())
    rng.shuffle(groups)
    found: list[Mutant] = []
    for group in groups[:_SITES_PER_INSTANCE]:
        site = rng.choice(group)
        value = _at(root, site.path)
        for category, replacement in _variants(site, value, rng):
            found.append(Mutant(category, site, site.path, _maker(root, site.path, replacement)))
        for path, nested in _deep(site, sites, root):
            found.append(Mutant("deep-nesting", site, path, _maker(root, path, nested)))
    return found


def _maker(root: Any, path: tuple[str | int, ...], replacement: Any) -> Callable[[], Any]:
    """A replacement is a JSON value or a function that builds one (never a JSON value itself)."""
    return lambda: _replace(root, path, replacement() if callable(replacement) else replacement)


def select(mutants: list[Mutant], count: int, rng: random.Random) -> list[Mutant]:
    """Up to `count` mutants, spread over the categories first and then over the locations within each."""
    tree: dict[str, dict[str, list[Mutant]]] = {}
    for mutant in mutants:
        tree.setdefault(mutant.category, {}).setdefault(mutant.site.view.location, []).append(mutant)
    queues: list[list[list[Mutant]]] = []
    for category in sorted(tree):
        locations = [tree[category][where] for where in sorted(tree[category])]
        for group in locations:
            rng.shuffle(group)
        rng.shuffle(locations)
        queues.append(locations)
    chosen: list[Mutant] = []
    while len(chosen) < count and any(queues):
        for locations in queues:
            if locations and len(chosen) < count:
                group = locations.pop(0)
                chosen.append(group.pop())
                if group:
                    locations.append(group)
        queues = [q for q in queues if q]
    return chosen
