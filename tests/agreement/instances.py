"""Seeded, bounded instances aimed at a JSON Schema, generated from the schema itself.

A subschema is handled as a conjunction of `Part`s: `$ref` and `allOf` are expanded into the list (each part keeps
the resource it came from, so relative `$ref`s inside it still resolve), `oneOf`/`anyOf` pick one branch and add it,
and every keyword is read across all parts (`required` is their union, bounds the tightest, `properties` per part).
Nothing here decides validity: the caller validates every candidate. Each generated value is recorded as a `Site`
(instance path + the conjunction it was built from) for the mutator.
"""

from __future__ import annotations

import functools
import json
import math
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urldefrag, urljoin

from referencing import Registry

from tests.agreement.regexgen import EDGE_STRINGS, Mode, RegexGenerator, random_text
from tests.support.ecma_validator import FORMATS, ecma_search

__all__ = ["JSON_TYPES", "Generator", "Part", "Site", "Style", "View", "canonical"]

JSON_TYPES = ("null", "boolean", "integer", "number", "string", "array", "object")
_ANNOTATIONS = frozenset(
    {"$schema", "$id", "$anchor", "$dynamicAnchor", "$defs", "definitions", "$comment", "title", "description"}
    | {"default", "examples", "deprecated", "readOnly", "writeOnly", "discriminator", "contentMediaType"}
)
_HINTS = {
    "object": (
        *("properties", "required", "additionalProperties", "patternProperties", "propertyNames"),
        *("minProperties", "maxProperties", "dependentRequired"),
    ),
    "array": ("items", "prefixItems", "minItems", "maxItems", "uniqueItems", "contains"),
    "string": ("minLength", "maxLength", "pattern", "format"),
    "number": ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"),
}
_STEP_LIMIT = 4000
_STRING_TRIES = 24
_KEY_POOL = ("extra", "k", "x-1", "é", "", "a.b", " ", "😀", "KEY", "0")


def canonical(value: Any) -> str:
    """One text per JSON value (key order ignored), to deduplicate instances and array items."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


class _NoValueError(Exception):
    """This branch of the generation cannot produce a value (the reason is the message)."""


@dataclass(frozen=True)
class Part:
    """One schema object of a conjunction, with the resource URI and JSON pointer it was read from."""

    schema: Any
    base: str
    pointer: str

    @property
    def location(self) -> str:
        return f"{self.base}#{self.pointer}"

    def child(self, *keys: str | int) -> Part:
        schema = self.schema
        pointer = self.pointer
        for key in keys:
            schema = schema[key]
            pointer += "/" + str(key).replace("~", "~0").replace("/", "~1")
        return Part(schema, self.base, pointer)


@dataclass(frozen=True)
class View:
    """The flattened conjunction a value was generated from."""

    parts: tuple[Part, ...]

    def values(self, key: str) -> list[Any]:
        return [part.schema[key] for part in self.parts if key in part.schema]

    def having(self, key: str) -> list[Part]:
        return [part for part in self.parts if key in part.schema]

    @functools.cached_property
    def location(self) -> str:
        """The part with the most constraints: where a mutation of this value aims."""
        if not self.parts:
            return "(any)"
        return max(reversed(self.parts), key=lambda part: len(part.schema)).location

    def required(self) -> list[str]:
        return list(dict.fromkeys(name for names in self.values("required") for name in names))

    def member_parts(self, key: str) -> list[Part]:
        """The subschemas that constrain member `key` of an object (properties, else patterns, else extras)."""
        found: list[Part] = []
        for part in self.parts:
            schema = part.schema
            if key in schema.get("properties", {}):
                found.append(part.child("properties", key))
                continue
            matched = [p for p in schema.get("patternProperties", {}) if ecma_search(p, key)]
            found.extend(part.child("patternProperties", p) for p in matched)
            if not matched and "additionalProperties" in schema:
                found.append(part.child("additionalProperties"))
        return found

    def item_parts(self, index: int) -> list[Part]:
        found: list[Part] = []
        for part in self.parts:
            prefix = part.schema.get("prefixItems", [])
            if index < len(prefix):
                found.append(part.child("prefixItems", index))
            elif "items" in part.schema:
                found.append(part.child("items"))
        return found

    def types(self) -> list[str]:
        allowed = list(JSON_TYPES)
        declared = [[t] if isinstance(t, str) else list(t) for t in self.values("type")]
        for names in declared:
            allowed = [t for t in allowed if t in names or (t == "integer" and "number" in names)]
        if declared:
            return allowed
        hinted = [t for t in JSON_TYPES if any(self.values(k) for k in _HINTS.get(t, ()))]
        if "number" in hinted:
            hinted.insert(hinted.index("number"), "integer")
        return hinted or ["any"]

    def bound(self, key: str, pick: Callable[[list[int | float]], int | float]) -> int | float | None:
        found: list[int | float] = [
            v for v in self.values(key) if isinstance(v, (int, float)) and not isinstance(v, bool)
        ]
        return pick(found) if found else None


@dataclass(frozen=True)
class Site:
    """A generated value: where it is in the instance and what it was generated from."""

    path: tuple[str | int, ...]
    view: View
    kind: str


@dataclass(frozen=True)
class Style:
    """How one instance is aimed: `min` (required members, lower bounds), `max` (everything) or `random`."""

    mode: Mode
    soft_depth: int


class Generator:
    """Candidate instances of the schema at `uri`; deterministic in `rng`."""

    def __init__(self, registry: Registry[Any], uri: str, rng: random.Random) -> None:
        self._resolver = registry.resolver()
        self._lookups: dict[str, Part] = {}
        self._regexes: dict[str, RegexGenerator] = {}
        self.root = self._lookup("", uri)
        self.rng = rng
        self.sites: list[Site] = []
        self._style = Style("random", 4)
        self._steps = 0

    def instance(self, style: Style) -> tuple[Any, list[Site]]:
        """One candidate and its sites; raises ValueError naming the reason when none can be built."""
        self._style = style
        self.sites = []
        self._steps = 0
        try:
            value = self._value(self.flatten([self.root]), (), 0)
        except _NoValueError as failure:
            raise ValueError(str(failure)) from None
        return value, self.sites

    # -- schema plumbing -------------------------------------------------------------------------------------

    def _lookup(self, base: str, ref: str) -> Part:
        full = urljoin(base, ref)
        found = self._lookups.get(full)
        if found is None:
            uri, fragment = urldefrag(full)
            contents = self._resolver.lookup(full).contents
            found = self._lookups[full] = Part(contents, uri, unquote(fragment))
        return found

    def flatten(self, parts: list[Part]) -> list[Part]:
        out: list[Part] = []
        for part in parts:
            self._expand(part, out, 0)
        return out

    def _expand(self, part: Part, out: list[Part], hops: int) -> None:
        if hops > 64:
            raise _NoValueError(f"$ref/allOf chain too long at {part.location}")
        schema = part.schema
        if schema is True:
            return
        if not isinstance(schema, dict):
            out.append(part)  # false: nothing is valid
            return
        base = part.base
        if "$id" in schema and part.pointer:
            part = Part(schema, urljoin(base, schema["$id"]), "")
        rest = schema
        for key in ("$ref", "$dynamicRef"):
            if key in rest:
                self._expand(self._lookup(part.base, rest[key]), out, hops + 1)
                rest = {k: v for k, v in rest.items() if k != key}
        if "allOf" in rest:
            for index in range(len(rest["allOf"])):
                self._expand(part.child("allOf", index), out, hops + 1)
            rest = {k: v for k, v in rest.items() if k != "allOf"}
        if any(key not in _ANNOTATIONS and not key.startswith("x-") for key in rest):
            out.append(Part(rest, part.base, part.pointer))

    def _regex(self, pattern: str) -> RegexGenerator:
        found = self._regexes.get(pattern)
        if found is None:
            found = self._regexes[pattern] = RegexGenerator(pattern)
        return found

    def _mode(self) -> Mode:
        if self._style.mode != "random":
            return self._style.mode
        return self.rng.choice(("min", "max", *("random",) * 6))

    # -- values ----------------------------------------------------------------------------------------------

    def _value(self, parts: list[Part], path: tuple[str | int, ...], depth: int) -> Any:
        self._steps += 1
        if self._steps > _STEP_LIMIT:
            raise _NoValueError("step budget exhausted (recursion without a way out?)")
        if depth > self._style.soft_depth + 8:
            raise _NoValueError(f"deeper than {self._style.soft_depth + 8} levels at {path}")
        for part in parts:
            if part.schema is False:
                raise _NoValueError(f"false schema at {part.location}")
        for index, part in enumerate(parts):
            for key in ("oneOf", "anyOf"):
                if key in part.schema:
                    return self._branch(parts, index, key, path, depth)
        view = View(tuple(parts))
        value, kind = self._plain(view, path, depth)
        self.sites.append(Site(path, view, kind))
        return value

    def _branch(self, parts: list[Part], index: int, key: str, path: tuple[str | int, ...], depth: int) -> Any:
        part = parts[index]
        rest = Part({k: v for k, v in part.schema.items() if k != key}, part.base, part.pointer)
        branches = [part.child(key, i) for i in range(len(part.schema[key]))]
        if depth >= self._style.soft_depth or self._style.mode == "min":
            branches.sort(key=self._cost)
        else:
            self.rng.shuffle(branches)
        failure = _NoValueError(f"no branch of {part.location}/{key}")
        for branch in branches:
            mark = len(self.sites)
            try:
                return self._value(self.flatten([*parts[:index], rest, *parts[index + 1 :], branch]), path, depth)
            except _NoValueError as error:
                del self.sites[mark:]
                failure = error
        raise failure

    def _cost(self, branch: Part) -> int:
        """How much a branch tends to nest: null first, then the fewest required members."""
        try:
            view = View(tuple(self.flatten([branch])))
        except _NoValueError:
            return 1 << 20
        if view.types() == ["null"]:
            return 0
        return 1 + len(view.required()) + sum(len(v) for v in view.values("oneOf") + view.values("anyOf"))

    def _plain(self, view: View, path: tuple[str | int, ...], depth: int) -> tuple[Any, str]:
        consts = view.values("const")
        enums = view.values("enum")
        if consts or enums:
            options = [consts[0]] if consts else list(enums[0])
            options = [o for o in options if all(canonical(o) in map(canonical, e) for e in enums)]
            options = [o for o in options if all(canonical(o) == canonical(c) for c in consts)]
            if not options:
                raise _NoValueError(f"const/enum conflict at {view.location}")
            return (options[0] if self._mode() == "min" else self.rng.choice(options)), "const" if consts else "enum"
        types = view.types()
        if not types:
            raise _NoValueError(f"no JSON type is allowed at {view.location}")
        if depth >= self._style.soft_depth and "null" in types:
            kind = "null"
        elif self._style.mode == "min":
            kind = types[0]
        else:
            kind = self.rng.choice(types)
        if kind == "any":
            return self.any_json(depth), "any"
        if kind == "null":
            return None, kind
        if kind == "boolean":
            return self.rng.choice((False, True)), kind
        if kind in ("integer", "number"):
            return self._number(view, kind == "integer"), kind
        if kind == "string":
            return self._string(view), kind
        if kind == "array":
            return self._array(view, path, depth), kind
        return self._object(view, path, depth), kind

    def any_json(self, depth: int) -> Any:
        """A small arbitrary JSON value."""
        choices = ["null", "boolean", "integer", "number", "string"]
        if depth < self._style.soft_depth:
            choices += ["array", "object"]
        kind = self.rng.choice(choices)
        if kind == "null":
            return None
        if kind == "boolean":
            return self.rng.random() < 0.5
        if kind == "integer":
            return self.rng.choice((0, -1, 7, 2**31, 2**63 - 1))
        if kind == "number":
            return self.rng.choice((0.5, -2.25, 1e-7, 1e300))
        if kind == "string":
            return self.rng.choice((*EDGE_STRINGS, "text"))
        if kind == "array":
            return [self.any_json(depth + 1) for _ in range(self.rng.randint(0, 2))]
        return {self.rng.choice(_KEY_POOL): self.any_json(depth + 1) for _ in range(self.rng.randint(0, 2))}

    def _number(self, view: View, integer: bool) -> int | float:
        low, high = view.bound("minimum", max), view.bound("maximum", min)
        xlow, xhigh = view.bound("exclusiveMinimum", max), view.bound("exclusiveMaximum", min)
        step = view.bound("multipleOf", max)
        candidates: list[int | float] = [0, 1, -1, 7, 100, 2**31 - 1, 2**53 + 1, 2**63 - 1, -(2**63)]
        if not integer:
            candidates += [0.0, 0.5, -1.5, 2.0, 1e-7, 3.14159, 1e20, -1e300, 1.7976931348623157e308, 5e-324]
        for bound, inclusive in ((low, True), (high, True), (xlow, False), (xhigh, False)):
            if bound is None:
                continue
            near = [math.floor(bound) - 1, math.floor(bound), math.ceil(bound), math.ceil(bound) + 1]
            candidates += near if integer else [bound, math.nextafter(bound, math.inf), *near]
            candidates += [math.nextafter(bound, -math.inf)] if not integer and not inclusive else []
        if step:
            candidates += [step * k for k in (0, 1, 2, 3, -1)]
            for bound in (low, high, xlow, xhigh):
                if bound is not None:
                    candidates += [step * math.ceil(bound / step), step * math.floor(bound / step)]

        def fits(value: int | float) -> bool:
            if integer and isinstance(value, float):
                return False
            if (low is not None and value < low) or (high is not None and value > high):
                return False
            if (xlow is not None and value <= xlow) or (xhigh is not None and value >= xhigh):
                return False
            if not step:
                return True
            if isinstance(value, int) and isinstance(step, int):
                return value % step == 0
            return (value / step).is_integer()

        fitting = sorted({(v, type(v).__name__): v for v in candidates if fits(v)}.values())
        if not fitting:
            raise _NoValueError(f"no number within the bounds at {view.location}")
        mode = self._mode()
        return fitting[0] if mode == "min" else fitting[-1] if mode == "max" else self.rng.choice(fitting)

    def _string(self, view: View) -> str:
        patterns: list[str] = view.values("pattern")
        formats = [FORMATS[name] for name in view.values("format") if name in FORMATS]
        low = max(view.values("minLength"), default=0)
        high: int | None = min(view.values("maxLength"), default=None)
        regexes = patterns + formats
        offset = self.rng.randrange(len(regexes)) if regexes else 0
        for attempt in range(_STRING_TRIES):
            mode = self._mode() if attempt < 2 else "random"
            if regexes:
                text = self._regex(regexes[(offset + attempt) % len(regexes)]).generate(self.rng, mode)
            else:
                text = random_text(self.rng, low, high if high is not None else low + 40, mode)
            if low <= len(text) <= (high if high is not None else len(text)) and all(
                ecma_search(p, text) for p in regexes
            ):
                return text
        raise _NoValueError(f"no string matching {regexes} with length {low}..{high} at {view.location}")

    def _count(self, low: int, high: int | None, depth: int) -> int:
        cap = low + 3 if high is None else min(high, low + 3)
        if high is not None and high <= 8:
            cap = high
        mode = self._mode()
        if depth >= self._style.soft_depth or mode == "min":
            return low
        return cap if mode == "max" else self.rng.randint(low, cap)

    def _array(self, view: View, path: tuple[str | int, ...], depth: int) -> list[Any]:
        low = max(view.values("minItems"), default=0)
        high: int | None = min(view.values("maxItems"), default=None)
        for part in view.parts:
            if part.schema.get("items") is False:
                limit = len(part.schema.get("prefixItems", []))
                high = limit if high is None else min(high, limit)
        if high is not None and low > high:
            raise _NoValueError(f"minItems above maxItems at {view.location}")
        unique = any(view.values("uniqueItems"))
        contains = [part.child("contains") for part in view.having("contains")]
        items: list[Any] = []
        seen: set[str] = set()
        for index in range(max(self._count(low, high, depth), 1 if contains else 0)):
            parts = view.item_parts(index) + (contains if index == 0 else [])
            for _ in range(6):
                item = self._value(self.flatten(parts), (*path, index), depth + 1)
                if not unique or canonical(item) not in seen:
                    break
            else:
                raise _NoValueError(f"no distinct item {index} at {view.location}")
            seen.add(canonical(item))
            items.append(item)
        return items

    def _keys(self, view: View, count: int, taken: set[str], path: tuple[str | int, ...], depth: int) -> Iterator[str]:
        names = [part.child("propertyNames") for part in view.having("propertyNames")]
        patterns = [p for part in view.parts for p in part.schema.get("patternProperties", {})]
        closed = any(part.schema.get("additionalProperties") is False for part in view.parts)
        for _ in range(count * 4):
            if count <= 0:
                return
            if names:
                mark = len(self.sites)
                key = self._value(self.flatten(names), (*path, "<key>"), depth)
                del self.sites[mark:]  # a key is no member: its mutations are the object's bad-key ones
            elif patterns and (closed or self.rng.random() < 0.7):
                key = self._regex(self.rng.choice(patterns)).generate(self.rng, self._mode())
            else:
                key = self.rng.choice(_KEY_POOL) if self.rng.random() < 0.5 else random_text(self.rng, 1, 6, "random")
            if isinstance(key, str) and key not in taken:
                taken.add(key)
                count -= 1
                yield key

    def _object(self, view: View, path: tuple[str | int, ...], depth: int) -> dict[str, Any]:
        required = view.required()
        known = list(dict.fromkeys(name for props in view.values("properties") for name in props))
        low = max(view.values("minProperties"), default=0)
        high: int | None = min(view.values("maxProperties"), default=None)
        mode = self._mode() if self._style.mode == "random" else self._style.mode
        keys = list(required)
        for name in known:
            if name in keys:
                continue
            if depth < self._style.soft_depth and (mode == "max" or (mode == "random" and self.rng.random() < 0.5)):
                keys.append(name)
        for dependents in view.values("dependentRequired"):
            for name, needed in dependents.items():
                if name in keys:
                    keys += [n for n in needed if n not in keys]
        closed = any(part.schema.get("additionalProperties") is False for part in view.parts)
        closed = closed and not view.having("patternProperties")
        open_schema = any(isinstance(part.schema.get("additionalProperties"), dict) for part in view.parts)
        extra = max(0, low - len(keys))
        if not closed and depth < self._style.soft_depth:
            if open_schema or view.having("propertyNames") or view.having("patternProperties"):
                extra = max(extra, self._count(0, 2, depth))
            elif mode != "min" and self.rng.random() < 0.3:
                extra = max(extra, 1)
        if high is not None:
            extra = min(extra, max(0, high - len(keys)))
        keys += list(self._keys(view, extra, set(keys) | set(known), path, depth))
        return {key: self._value(self.flatten(view.member_parts(key)), (*path, key), depth + 1) for key in keys}
