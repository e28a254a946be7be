"""jsonschema as the contract vectors read a schema: ECMA-262 patterns and exactly the formats of spec/formats.json.

JSON Schema says a `pattern` is an ECMA-262 regular expression. Python's `re` reads some of them differently (`$`
also matches before a final newline; `\\s` is another set of characters), so the validator below evaluates
`pattern` and `patternProperties` with `regress`, an ECMA-262 engine, and asserts only the formats that
spec/formats.json defines, each by its pattern.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import regress
from jsonschema.exceptions import ValidationError
from referencing import Registry
from referencing.jsonschema import DRAFT202012

DIALECT = "https://json-schema.org/draft/2020-12/schema"


@cache
def ecma_regex(pattern: str) -> regress.Regex:
    """A pattern compiled the way ECMA-262 reads it with the `u` flag, once per pattern."""
    return regress.Regex(pattern, "u")


def ecma_search(pattern: str, text: str) -> bool:
    """Whether the pattern matches anywhere in the text: JSON Schema patterns are not implicitly anchored."""
    return ecma_regex(pattern).find(text) is not None


def _pattern(validator: Any, pattern: str, instance: Any, schema: Any) -> Iterator[ValidationError]:
    if validator.is_type(instance, "string") and not ecma_search(pattern, instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


def _pattern_properties(validator: Any, patterns: dict[str, Any], instance: Any, schema: Any) -> Iterator[Any]:
    if not validator.is_type(instance, "object"):
        return
    for pattern, subschema in patterns.items():
        for name, value in instance.items():
            if ecma_search(pattern, name):
                yield from validator.descend(value, subschema, path=name, schema_path=pattern)


EcmaValidator = jsonschema.validators.extend(
    jsonschema.Draft202012Validator, {"pattern": _pattern, "patternProperties": _pattern_properties}
)


@cache
def format_checker(formats_file: Path) -> jsonschema.FormatChecker:
    """A checker for exactly the formats the file defines; none of jsonschema's own format checks."""
    checker = jsonschema.FormatChecker(formats=())
    for name, definition in json.loads(formats_file.read_text(encoding="utf-8"))["formats"].items():
        checker.checks(name)(_format_check(definition["pattern"]))
    return checker


def _format_check(pattern: str) -> Any:
    def check(instance: Any) -> bool:
        # A format constrains strings only; the patterns are anchored, so finding a match is matching the whole.
        return not isinstance(instance, str) or ecma_search(pattern, instance)

    return check


def without_dialect(schema: Any) -> Any:
    """The schema without its `$schema`, which must name 2020-12.

    jsonschema switches to its own validator class (Python `re` again) for any subschema that names a dialect it
    knows, so the schemas handed to EcmaValidator name none; 2020-12 is what they are read as anyway.
    """
    if not isinstance(schema, dict) or "$schema" not in schema:
        return schema
    if schema["$schema"] != DIALECT:
        raise ValueError(f"only JSON Schema 2020-12 is supported, not {schema['$schema']}")
    return {key: value for key, value in schema.items() if key != "$schema"}


def registry_of(schema_files: Iterable[Path]) -> Registry:
    """Every schema registered under its `$id`, read as 2020-12."""
    resources = []
    for path in schema_files:
        schema = json.loads(path.read_text(encoding="utf-8"))
        resources.append((schema["$id"], DRAFT202012.create_resource(without_dialect(schema))))
    return Registry().with_resources(resources)


def ecma_validator(schema: Any, formats_file: Path, registry: Registry | None = None) -> Any:
    """An EcmaValidator for the schema asserting the formats of formats_file."""
    options: dict[str, Any] = {"format_checker": format_checker(formats_file)}
    if registry is not None:
        options["registry"] = registry
    return EcmaValidator(without_dialect(schema), **options)
