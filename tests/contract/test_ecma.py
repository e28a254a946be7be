"""The Python runner's validator follows spec/vectors/README.md: ECMA-262 patterns, spec/formats.json, error places."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.contract.vectors import FORMATS, json_path, schema_error_paths
from tests.support.ecma_validator import DIALECT, ecma_validator, registry_of


def errors(schema: Any, document: Any) -> list[tuple[str, str]]:
    found = ecma_validator(schema, FORMATS).iter_errors(document)
    return sorted((str(error.validator), json_path(error.absolute_path)) for error in found)


@pytest.mark.parametrize(
    ("pattern", "text", "matches"),
    [
        ("^a$", "a", True),
        ("^a$", "a\n", False),  # Python's $ also matches before a final newline
        (r"\S", "\x1c", True),  # U+001C is whitespace to Python, not to ECMA-262
        (r"\S", "\ufeff", False),  # U+FEFF is whitespace to ECMA-262, not to Python
        (r"^\w+$", "é", False),  # ECMA's \w is ASCII even with the u flag
        ("^.$", "\U0001f600", True),  # u flag: one code point, not two UTF-16 units
        ("b", "abc", True),  # a search, not a whole-string match
    ],
)
def test_patterns_are_ecma_262(pattern: str, text: str, matches: bool) -> None:
    schema = {"$schema": DIALECT, "type": "string", "pattern": pattern}
    assert errors(schema, text) == ([] if matches else [("pattern", "$")])


def test_pattern_properties_are_ecma_262() -> None:
    schema = {"type": "object", "patternProperties": {"^a$": {"type": "string"}}}
    assert errors(schema, {"a\n": 1}) == []
    assert errors(schema, {"a": 1}) == [("type", "$.a")]


def test_patterns_stay_ecma_262_across_files(tmp_path: Path) -> None:
    """A `$ref` into another file whose root names the dialect must not bring Python's `re` back."""
    target = {"$schema": DIALECT, "$id": "https://example.test/b.schema.json", "type": "string", "pattern": "^a$"}
    source = {"$schema": DIALECT, "$id": "https://example.test/a.schema.json", "$ref": "b.schema.json"}
    for name, schema in (("a", source), ("b", target)):
        (tmp_path / f"{name}.schema.json").write_text(json.dumps(schema), encoding="utf-8")
    registry = registry_of(sorted(tmp_path.glob("*.schema.json")))
    validator = ecma_validator({"$ref": source["$id"]}, FORMATS, registry)
    assert validator.is_valid("a")
    assert not validator.is_valid("a\n")


@pytest.mark.parametrize(
    ("form", "text", "valid"),
    [
        ("date-time", "2024-02-29T23:59:59.5+01:00", True),
        ("date-time", "2023-02-29T00:00:00Z", False),
        ("date-time", "2024-01-01t00:00:00z", False),
        ("date-time", "2024-01-01T23:59:60Z", False),
        ("date-time", "2024-01-01T00:00:00Z\n", False),
        ("date", "2000-02-29", True),
        ("date", "1900-02-29", False),
        ("uuid", "123E4567-e89b-12d3-a456-426614174000", True),
        ("uuid", "{123e4567-e89b-12d3-a456-426614174000}", False),
    ],
)
def test_formats_are_those_of_spec_formats_json(form: str, text: str, valid: bool) -> None:
    assert (errors({"format": form}, text) == []) is valid
    assert errors({"format": form}, 12) == []


def test_format_patterns_are_anchored() -> None:
    """A search is a whole-string match only if each pattern says so itself (RegExp.test searches too)."""
    for name, definition in json.loads(FORMATS.read_text(encoding="utf-8"))["formats"].items():
        assert definition["pattern"].startswith("^"), name
        assert definition["pattern"].endswith("$"), name


def test_repeated_items_are_placed_at_the_object_holding_the_array(monkeypatch: pytest.MonkeyPatch) -> None:
    schema = {"type": "object", "properties": {"tags": {"type": "array", "uniqueItems": True}}}
    monkeypatch.setattr("tests.contract.vectors.validator", lambda relative: ecma_validator(schema, FORMATS))
    assert schema_error_paths({"tags": ["a", "a"]}, "unused") == ["$"]
    assert schema_error_paths({"tags": ["a", "b"]}, "unused") == []
