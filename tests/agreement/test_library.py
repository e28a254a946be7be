"""The agreement check itself: its validator reads ECMA-262, it finds planted disagreements, it is deterministic."""

from __future__ import annotations

import random
from typing import Annotated, Any

import msgspec
import pytest
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from tests.agreement.check import GENERATED, INTEGRAL_FLOAT, NO_VALID_INSTANCE, REENCODED, check, run
from tests.agreement.instances import Generator, Style
from tests.support.ecma_validator import validator_for

BASE = "https://agreement.test/"


def _registry(**schemas: Any) -> Registry[Any]:
    resources: list[tuple[str, Resource[Any]]] = []
    for name, schema in schemas.items():
        contents = {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": BASE + name, **schema}
        resources.append((BASE + name, DRAFT202012.create_resource(contents)))
    return Registry().with_resources(resources)


def _decode(data: bytes, model: Any) -> Any:
    return msgspec.json.decode(data, type=model)


def _encode(value: Any) -> bytes:
    return msgspec.json.encode(value)


class Counted(msgspec.Struct, forbid_unknown_fields=True):
    count: Annotated[int, msgspec.Meta(ge=0)]
    label: str = ""


COUNTED = {
    "type": "object",
    "additionalProperties": False,
    "required": ["count"],
    "properties": {"count": {"type": "integer", "minimum": 0}, "label": {"type": "string"}},
}


def test_patterns_are_ecma_even_below_a_file_root() -> None:
    registry = _registry(
        inner={"type": "string", "pattern": "^\\S+$"},
        outer={"type": "object", "properties": {"value": {"$ref": "inner"}}},
    )
    validator = validator_for(registry, BASE + "outer")
    # ECMA-262: U+FEFF is whitespace, U+001C is not (Python's re says the opposite of both).
    assert not validator.is_valid({"value": "\ufeff"})
    assert validator.is_valid({"value": "\x1c"})
    assert not validator.is_valid({"value": "a\n"})  # ECMA $ does not match before a final newline


def test_formats_are_exactly_those_of_spec_formats_json() -> None:
    registry = _registry(day={"type": "string", "format": "date"}, mail={"type": "string", "format": "email"})
    assert validator_for(registry, BASE + "day").is_valid("2024-02-29")
    assert not validator_for(registry, BASE + "day").is_valid("2023-02-29")
    assert validator_for(registry, BASE + "mail").is_valid("not an address")


def test_an_agreeing_model_has_no_disagreement_but_integral_floats() -> None:
    registry = _registry(counted=COUNTED)
    found = check(registry, BASE + "counted", Counted, _decode, _encode, valid=20, mutants=80)
    assert found
    assert {d.category for d in found} == {INTEGRAL_FLOAT}
    assert all(d.model_says.startswith("invalid") and d.validator_says == "valid" for d in found)
    skipping = check(
        registry, BASE + "counted", Counted, _decode, _encode, valid=20, mutants=80, skip_categories={INTEGRAL_FLOAT}
    )
    assert skipping == []


def test_a_python_pattern_disagrees_with_its_ecma_reading() -> None:
    registry = _registry(word={"type": "string", "pattern": "^\\S+$"})
    model = Annotated[str, msgspec.Meta(pattern="^\\S+$")]
    found = check(registry, BASE + "word", model, _decode, _encode, valid=30, mutants=60)
    assert any(d.category == GENERATED and "\x1c" in d.instance for d in found)
    assert any(d.model_says == "valid" and d.validator_says.startswith("invalid") for d in found)
    assert all(d.schema == BASE + "word" and d.pointer == "" for d in found)


def test_a_missing_bound_and_a_defs_pointer_are_reported() -> None:
    registry = _registry(defs={"$defs": {"Small": {"type": "integer", "maximum": 9}}})
    found = check(registry, BASE + "defs#/$defs/Small", int, _decode, _encode, skip_categories={INTEGRAL_FLOAT})
    assert found
    assert {d.pointer for d in found} == {"/$defs/Small"}
    assert any(d.instance == 10 and d.model_says == "valid" for d in found)


def test_other_exceptions_and_bad_encodings_are_findings() -> None:
    registry = _registry(counted=COUNTED)

    def crash(data: bytes, model: Any) -> Any:
        raise RuntimeError("boom")

    crashed = check(registry, BASE + "counted", Counted, crash, _encode, valid=3, mutants=3)
    assert crashed
    assert all(d.model_says == "error: RuntimeError: boom" for d in crashed)
    reencoded = check(registry, BASE + "counted", Counted, _decode, lambda value: b'{"count": -1}', valid=3, mutants=0)
    assert reencoded
    assert {d.category for d in reencoded} == {REENCODED}


def test_an_unsatisfiable_schema_is_reported() -> None:
    registry = _registry(never={"type": "string", "minLength": 3, "maxLength": 2})
    found = check(registry, BASE + "never", str, _decode, _encode, valid=5)
    assert [d.category for d in found] == [NO_VALID_INSTANCE]
    assert "no valid instance" in found[0].validator_says


@pytest.mark.parametrize(
    "schema",
    [
        {"allOf": [{"type": "object", "required": ["a"]}, {"properties": {"a": {"const": 1}}}]},
        {"type": "array", "prefixItems": [{"type": "boolean"}], "items": {"enum": ["x", "y"]}, "minItems": 2},
        {"type": "array", "items": {"type": "integer", "minimum": 0, "maximum": 3}, "uniqueItems": True, "minItems": 3},
        {"type": "object", "propertyNames": {"pattern": "^[a-z]+$"}, "minProperties": 2, "maxProperties": 3},
        {"type": "object", "patternProperties": {"^x-": {"type": "string"}}, "additionalProperties": False},
        {"anyOf": [{"type": "string", "format": "uuid"}, {"type": "number", "exclusiveMinimum": 0, "multipleOf": 0.5}]},
        {"$defs": {"T": {"type": ["array", "null"], "items": {"$ref": "#/$defs/T"}}}, "$ref": "#/$defs/T"},
        {"type": "string", "format": "date-time", "pattern": "Z$"},
    ],
)
def test_the_generator_reaches_every_construct(schema: dict[str, Any]) -> None:
    report = run(_registry(s=schema), BASE + "s", Any, _decode, _encode, valid=10, mutants=0)
    assert report.valid > 0
    assert all(d.category != NO_VALID_INSTANCE for d in report.disagreements)


def test_same_seed_same_instances() -> None:
    registry = _registry(counted=COUNTED)

    def instances(seed: int) -> list[Any]:
        generator = Generator(registry, BASE + "counted", random.Random(seed))
        return [generator.instance(Style("random", 2))[0] for _ in range(10)]

    assert instances(1) == instances(1)
    assert instances(1) != instances(2)
    first = check(registry, BASE + "counted", Counted, _decode, _encode, seed=3)
    assert first == check(registry, BASE + "counted", Counted, _decode, _encode, seed=3)
