"""The independent validator: JSON Schema 2020-12, ECMA-262 regular expressions, the formats of spec/formats.json.

jsonschema evaluates `pattern`, the keys of `patternProperties` and the extras of `additionalProperties` with
Python's `re`, whose `\\s`, `\\d`, `.` and `$` mean something else than in ECMA-262, the dialect JSON Schema
prescribes (`$` also matches before a final newline; `\\s` is another set of characters). Here those are run by
`regress` (an ECMA-262 engine, `u` flag, search semantics), and `format` asserts exactly the definitions of
spec/formats.json, each by its pattern, and none of jsonschema's own checks. `unevaluatedProperties` next to
`patternProperties` still uses jsonschema's own `re` search (no schema of spec/ combines the two).

Two classes, one verdict: `EcmaValidator` reports every error as jsonschema does (the contract vectors compare the
places of errors, branch errors of a failed `oneOf`/`anyOf` included); `QuickEcmaValidator` evaluates each `oneOf`/
`anyOf` branch only up to its first error (jsonschema evaluates every branch in full: 3^depth on nested unions), for
the schema/model agreement check, which asks for verdicts.

jsonschema picks the validator class anew for every (sub)schema that names a dialect it knows (`evolve` ->
`validator_for`), so below a `$ref` to a file root the stock Draft202012Validator, with Python's `re`, would take
over. The schemas handed to these classes therefore name none; 2020-12 is what they are read as anyway.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import jsonschema
import regress
from jsonschema.exceptions import ValidationError
from jsonschema.protocols import Validator
from referencing import Registry
from referencing.jsonschema import DRAFT202012

__all__ = [
    "DIALECT",
    "FORMATS",
    "SPEC",
    "EcmaValidator",
    "QuickEcmaValidator",
    "ecma_search",
    "ecma_validator",
    "format_checker",
    "registry_of",
    "validator_for",
    "without_dialect",
]

DIALECT = "https://json-schema.org/draft/2020-12/schema"
SPEC = Path(__file__).resolve().parents[2] / "spec"
_FORMATS_FILE = SPEC / "formats.json"


@functools.cache
def _formats_of(formats_file: Path) -> Mapping[str, str]:
    data = json.loads(formats_file.read_text(encoding="utf-8"))
    return {name: entry["pattern"] for name, entry in data["formats"].items()}


FORMATS: Mapping[str, str] = _formats_of(_FORMATS_FILE)
"""Format name -> ECMA-262 pattern, exactly as spec/formats.json defines them."""


@functools.cache
def _compiled(pattern: str) -> regress.Regex:
    """A pattern compiled the way ECMA-262 reads it with the `u` flag, once per pattern."""
    return regress.Regex(pattern, "u")


def ecma_search(pattern: str, text: str) -> bool:
    """Whether the ECMA-262 `pattern` (u flag) matches somewhere in `text`: JSON Schema patterns are not anchored."""
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
    # jsonschema's keyword and messages, but the extras are those no pattern matches as ECMA-262 reads it.
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
    elif not extra and extras:
        joined, one = ", ".join(map(repr, sorted(extras))), len(extras) == 1
        if "patternProperties" in schema:
            regexes = ", ".join(map(repr, sorted(patterns)))
            yield ValidationError(f"{joined} {'does' if one else 'do'} not match any of the regexes: {regexes}")
        else:
            yield ValidationError(
                f"Additional properties are not allowed ({joined} {'was' if one else 'were'} unexpected)"
            )


def _quick_one_of(validator: Any, branches: Any, instance: Any, schema: Any) -> Iterator[ValidationError]:
    # Each branch only up to its first error; those first errors explain a failure.
    errors = [next(validator.descend(instance, branch, schema_path=i), None) for i, branch in enumerate(branches)]
    passing = [index for index, error in enumerate(errors) if error is None]
    if not passing:
        yield ValidationError(f"{instance!r} is not valid under any of the given schemas", context=errors)
    elif len(passing) > 1:
        yield ValidationError(f"{instance!r} is valid under each of the branches {passing}")


def _quick_any_of(validator: Any, branches: Any, instance: Any, schema: Any) -> Iterator[ValidationError]:
    errors = []
    for index, branch in enumerate(branches):
        error = next(validator.descend(instance, branch, schema_path=index), None)
        if error is None:
            return
        errors.append(error)
    yield ValidationError(f"{instance!r} is not valid under any of the given schemas", context=errors)


EcmaValidator: Any = jsonschema.validators.extend(
    jsonschema.Draft202012Validator,
    validators={
        "pattern": _pattern,
        "patternProperties": _pattern_properties,
        "additionalProperties": _additional_properties,
    },
)
"""Draft 2020-12 with ECMA-262 patterns; every error reported as jsonschema reports it."""

QuickEcmaValidator: Any = jsonschema.validators.extend(
    EcmaValidator, validators={"oneOf": _quick_one_of, "anyOf": _quick_any_of}
)
"""EcmaValidator's verdicts; `oneOf`/`anyOf` keep each branch's first error only."""


@functools.cache
def format_checker(formats_file: Path = _FORMATS_FILE) -> jsonschema.FormatChecker:
    """A checker for exactly the formats the file defines; none of jsonschema's own format checks."""
    checker = jsonschema.FormatChecker(formats=())
    for name, pattern in _formats_of(formats_file).items():

        def matches(instance: object, pattern: str = pattern) -> bool:
            # A format constrains strings only; the patterns are anchored, so finding a match is matching the whole.
            return not isinstance(instance, str) or ecma_search(pattern, instance)

        checker.checks(name)(matches)
    return checker


def without_dialect(schema: Any) -> Any:
    """The schema without its `$schema`, which must name 2020-12 (see the module's docstring for why)."""
    if not isinstance(schema, dict) or "$schema" not in schema:
        return schema
    if schema["$schema"] != DIALECT:
        where = schema.get("$id", "a schema")
        raise ValueError(f"{where}: only JSON Schema 2020-12 is supported, not {schema['$schema']}")
    return {key: value for key, value in schema.items() if key != "$schema"}


def _resources(resources: Iterable[tuple[str, Any]]) -> Registry[Any]:
    return Registry().with_resources(
        (uri, DRAFT202012.create_resource(without_dialect(contents))) for uri, contents in resources
    )


def registry_of(schema_files: Iterable[Path]) -> Registry[Any]:
    """Every schema file registered under its `$id`, read as 2020-12."""
    schemas = [json.loads(path.read_text(encoding="utf-8")) for path in schema_files]
    return _resources((schema["$id"], schema) for schema in schemas)


def ecma_validator(schema: Any, formats_file: Path = _FORMATS_FILE, registry: Registry[Any] | None = None) -> Validator:
    """An EcmaValidator for the schema asserting the formats of formats_file; $refs resolve in `registry`."""
    options: dict[str, Any] = {"format_checker": format_checker(formats_file)}
    if registry is not None:
        options["registry"] = registry
    validator: Validator = EcmaValidator(without_dialect(schema), **options)
    return validator


def validator_for(registry: Registry[Any], uri: str) -> Validator:
    """A QuickEcmaValidator of the schema at `uri` (an $id, optionally with a `#/...` fragment) whose $refs resolve
    in `registry` (read without the `$schema` of its resources); it asserts the spec/formats.json formats."""
    readable = _resources((name, registry[name].contents) for name in registry)
    validator: Validator = QuickEcmaValidator({"$ref": uri}, registry=readable, format_checker=format_checker())
    return validator
