"""The independent validator: JSON Schema 2020-12, ECMA-262 regular expressions, the formats of spec/formats.json.

jsonschema evaluates `pattern` (and the keys of `patternProperties`) with Python's `re`, whose `\\s`, `\\d`, `.` and `$`
mean something else than in ECMA-262, the dialect JSON Schema prescribes. Here every regular expression is run by
`regress` (an ECMA-262 engine, `u` flag, search semantics), and `format` asserts exactly the definitions of
spec/formats.json and nothing else. `unevaluatedProperties` next to `patternProperties` still uses jsonschema's
own `re` search (no schema of spec/ combines the two). `oneOf` and `anyOf` give jsonschema's verdicts but evaluate
each branch only up to its first error (jsonschema evaluates every branch in full: 3^depth on nested unions).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import jsonschema
import regress
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

__all__ = ["FORMATS", "ecma_search", "load_registry", "validator_for"]

SPEC = Path(__file__).resolve().parents[2] / "spec"


def _load_formats() -> dict[str, str]:
    data = json.loads((SPEC / "formats.json").read_text(encoding="utf-8"))
    return {name: entry["pattern"] for name, entry in data["formats"].items()}


FORMATS: Mapping[str, str] = _load_formats()
"""Format name -> ECMA-262 pattern, exactly as spec/formats.json defines them."""


@functools.cache
def _compiled(pattern: str) -> regress.Regex:
    return regress.Regex(pattern, "u")


def ecma_search(pattern: str, text: str) -> bool:
    """True when the ECMA-262 `pattern` (u flag) matches somewhere in `text`, as JSON Schema's `pattern` reads it."""
    return _compiled(pattern).find(text) is not None


def _pattern(validator: Any, pattern: str, instance: Any, schema: Any) -> Iterator[ValidationError]:
    if validator.is_type(instance, "string") and not ecma_search(pattern, instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


def _pattern_properties(validator: Any, patterns: Any, instance: Any, schema: Any) -> Iterator[ValidationError]:
    if not validator.is_type(instance, "object"):
        return
    for pattern, subschema in patterns.items():
        for key, value in instance.items():
            if ecma_search(pattern, key):
                yield from validator.descend(value, subschema, path=key, schema_path=pattern)


def _additional_properties(validator: Any, extra: Any, instance: Any, schema: Any) -> Iterator[ValidationError]:
    if not validator.is_type(instance, "object"):
        return
    properties = schema.get("properties", {})
    patterns = list(schema.get("patternProperties", {}))
    extras = [
        key for key in instance if key not in properties and not any(ecma_search(pattern, key) for pattern in patterns)
    ]
    if validator.is_type(extra, "object"):
        for key in extras:
            yield from validator.descend(instance[key], extra, path=key)
    elif extra is False and extras:
        yield ValidationError(f"Additional properties are not allowed ({', '.join(map(repr, sorted(extras)))})")


def _one_of(validator: Any, branches: Any, instance: Any, schema: Any) -> Iterator[ValidationError]:
    # Each branch only up to its first error (jsonschema lists every error of every branch, which costs 3^depth
    # on the nested discriminated unions of the traversal spec); those first errors explain a failure.
    errors = [next(validator.descend(instance, branch, schema_path=i), None) for i, branch in enumerate(branches)]
    passing = [index for index, error in enumerate(errors) if error is None]
    if not passing:
        yield ValidationError(f"{instance!r} is not valid under any of the given schemas", context=errors)
    elif len(passing) > 1:
        yield ValidationError(f"{instance!r} is valid under each of the branches {passing}")


def _any_of(validator: Any, branches: Any, instance: Any, schema: Any) -> Iterator[ValidationError]:
    errors = []
    for index, branch in enumerate(branches):
        error = next(validator.descend(instance, branch, schema_path=index), None)
        if error is None:
            return
        errors.append(error)
    yield ValidationError(f"{instance!r} is not valid under any of the given schemas", context=errors)


def _format_checker() -> jsonschema.FormatChecker:
    checker = jsonschema.FormatChecker(formats=())
    for name, pattern in FORMATS.items():

        def matches(instance: object, pattern: str = pattern) -> bool:
            return not isinstance(instance, str) or ecma_search(pattern, instance)

        checker.checks(name)(matches)
    return checker


_ECMAValidator: Any = jsonschema.validators.extend(
    Draft202012Validator,
    validators={
        "pattern": _pattern,
        "patternProperties": _pattern_properties,
        "additionalProperties": _additional_properties,
        "oneOf": _one_of,
        "anyOf": _any_of,
    },
)
_FORMAT_CHECKER = _format_checker()


_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def _without_dialects(registry: Registry[Any]) -> Registry[Any]:
    """The registry's resources without their `$schema`.

    jsonschema picks the validator class anew for every subschema that names a dialect (`evolve` ->
    `validator_for`), so below a `$ref` to a file root the stock Draft202012Validator, with Python's `re`, would
    take over from the extended one. Read without the keyword, every resource stays with the extended class.
    """
    resources: list[tuple[str, Resource[Any]]] = []
    for uri in registry:
        contents = registry[uri].contents
        if isinstance(contents, dict) and "$schema" in contents:
            if contents["$schema"] != _DIALECT:
                raise ValueError(f"{uri}: only JSON Schema 2020-12 is supported, not {contents['$schema']}")
            contents = {key: value for key, value in contents.items() if key != "$schema"}
        resources.append((uri, DRAFT202012.create_resource(contents)))
    return Registry().with_resources(resources)


def validator_for(registry: Registry[Any], uri: str) -> Draft202012Validator:
    """A validator of the schema at `uri` (an $id, optionally with a `#/...` fragment) whose $refs resolve in
    `registry`; it asserts ECMA-262 patterns and the spec/formats.json formats."""
    validator: Draft202012Validator = _ECMAValidator(
        {"$ref": uri}, registry=_without_dialects(registry), format_checker=_FORMAT_CHECKER
    )
    return validator


def load_registry(paths: list[Path]) -> Registry[Any]:
    """A registry holding every schema file of `paths` under its $id (2020-12 when the file names no dialect)."""
    resources: list[tuple[str, Resource[Any]]] = []
    for path in paths:
        contents = json.loads(path.read_text(encoding="utf-8"))
        resource = Resource.from_contents(contents, default_specification=DRAFT202012)
        resources.append((contents["$id"], resource))
    return Registry().with_resources(resources)
