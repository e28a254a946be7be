"""The Python type of one schema: which JSON values it accepts, and the rules codegen refuses rather than relax.

A schema is read keyword by keyword. Every keyword is enforced by the type built here (msgspec checks it), by a
post-decode check the model emits (`uniqueItems`), or refused with a `CodegenError` naming file, pointer and
keyword. Nothing is ignored but annotations.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ecma_regex import PatternError, to_python
from schema_files import Location

ANNOTATIONS = {"title", "description", "$comment", "examples", "deprecated", "readOnly", "writeOnly", "default",
               "$schema", "$id", "$defs", "x-python-import", "x-python-name", "x-duration-units",
               "x-maximum-nanoseconds"}  # fmt: skip
REFUSED = {
    "not": "'not' cannot be expressed by a msgspec type",
    "if": "'if'/'then'/'else' cannot be expressed by a msgspec type",
    "then": "'if'/'then'/'else' cannot be expressed by a msgspec type",
    "else": "'if'/'then'/'else' cannot be expressed by a msgspec type",
    "dependentRequired": "'dependentRequired' cannot be expressed by a msgspec Struct",
    "dependentSchemas": "'dependentSchemas' cannot be expressed by a msgspec Struct",
    "prefixItems": "'prefixItems' (tuples) is not supported; use an object",
    "contains": "'contains' cannot be expressed by a msgspec type",
    "minContains": "'minContains' cannot be expressed by a msgspec type",
    "maxContains": "'maxContains' cannot be expressed by a msgspec type",
    "patternProperties": "'patternProperties' cannot be expressed by a msgspec type; use a map with propertyNames",
    "unevaluatedProperties": "'unevaluatedProperties' is not supported; use additionalProperties",
    "unevaluatedItems": "'unevaluatedItems' is not supported",
    "additionalItems": "'additionalItems' is not a 2020-12 keyword",
    "definitions": "'definitions' is not a 2020-12 keyword; use $defs",
    "$anchor": "anchors are not supported; reference by JSON pointer",
    "$dynamicRef": "'$dynamicRef' is not supported",
    "$dynamicAnchor": "'$dynamicAnchor' is not supported",
    "contentEncoding": "'contentEncoding' is not supported",
    "contentMediaType": "'contentMediaType' is not supported",
    "contentSchema": "'contentSchema' is not supported",
}
BY_TYPE = {
    "string": {"minLength", "maxLength", "pattern", "format"},
    "integer": {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"},
    "number": {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"},
    "array": {"items", "minItems", "maxItems", "uniqueItems"},
    "object": {"properties", "required", "additionalProperties", "minProperties", "maxProperties", "propertyNames"},
    "boolean": set(),
    "null": set(),
}
STRUCTURAL = {"type", "enum", "const", "$ref", "oneOf", "anyOf", "allOf", "discriminator"}
KNOWN = ANNOTATIONS | STRUCTURAL | set().union(*BY_TYPE.values())
META_NAMES = {"minLength": "min_length", "maxLength": "max_length", "minimum": "ge", "maximum": "le",
              "exclusiveMinimum": "gt", "exclusiveMaximum": "lt", "multipleOf": "multiple_of",
              "minItems": "min_length", "maxItems": "max_length",
              "minProperties": "min_length", "maxProperties": "max_length"}  # fmt: skip
PRIMITIVE = {"string": "str", "integer": "int", "number": "float", "boolean": "bool"}
FORMATS_FILE = Path(__file__).resolve().parent.parent / "spec" / "formats.json"


@dataclass
class PyType:
    """A Python type expression and the JSON kinds it accepts (for union checks)."""

    code: str
    kinds: frozenset[str]
    names: set[str] = field(default_factory=set)  # names of this module the expression evaluates at import
    literals: tuple[Any, ...] | None = None  # a pure Literal[...] type: its values
    structs: tuple[str, ...] = ()  # Struct classes among the members (object kind)
    unique: bool = False  # needs the uniqueItems post-check (an array field's own schema)
    holds_struct: bool = False  # a Struct is this type, a member of it, or inside it (an item, a map value)

    def members(self) -> list[str]:
        """The top-level members of `A | B | None`."""
        parts, depth, start = [], 0, 0
        for index, char in enumerate(self.code):
            depth += 1 if char == "[" else -1 if char == "]" else 0
            if char == "|" and depth == 0:
                parts.append(self.code[start:index].strip())
                start = index + 1
        return [*parts, self.code[start:].strip()]


ANY = PyType("Any", frozenset({"null", "boolean", "integer", "number", "string", "array", "object"}))


def load_formats(path: Path = FORMATS_FILE) -> dict[str, str]:
    return {name: body["pattern"] for name, body in json.loads(path.read_text(encoding="utf-8"))["formats"].items()}


INT64 = (-(2**63), 2**63 - 1)


def check_keywords(schema: dict[str, Any], where: Location) -> None:
    if "$id" in schema and where.pointer:
        raise where.child("$id").error("$id below a file's root changes the base of its $refs; not supported")
    for key in ("title", "description"):
        if key in schema and not isinstance(schema[key], str):
            raise where.child(key).error(f"{key} must be a string")
    for key in schema:
        if key in REFUSED:
            raise where.child(key).error(f"refused: {REFUSED[key]}")
        if key.startswith("x-") and key not in ANNOTATIONS:
            raise where.child(key).error(f"unknown extension keyword {key!r} (known: x-python-import, x-python-name, "
                                         "x-duration-units, x-maximum-nanoseconds)")  # fmt: skip
        if key not in KNOWN and not key.startswith("x-"):
            raise where.child(key).error(f"unknown keyword {key!r}; codegen would not enforce it")


def annotated(base: str, meta: dict[str, Any]) -> str:
    if not meta:
        return base
    args = ", ".join(f"{name}={value!r}" for name, value in meta.items())
    return f"Annotated[{base}, Meta({args})]"


def python_pattern(pattern: Any, where: Location) -> str:
    if not isinstance(pattern, str):
        raise where.error("pattern must be a string")
    try:
        return to_python(pattern)
    except PatternError as error:
        raise where.error(f"pattern refused: {error}") from None


def combined_pattern(patterns: list[str], where: Location) -> str:
    """One Python pattern that matches where every one of `patterns` finds a match."""
    if len(patterns) == 1:
        return patterns[0]
    if any(re.search(r"\\[1-9]|\(\?P=", pattern) for pattern in patterns):
        raise where.error("a pattern with backreferences cannot be combined with a format")
    return "\\A" + "".join(f"(?=[\\s\\S]*?(?:{p}))" for p in patterns)


def number_bounds(schema: dict[str, Any], kind: str, where: Location) -> dict[str, Any]:
    meta: dict[str, Any] = {}
    for key in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"):
        if key not in schema:
            continue
        value = schema[key]
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise where.child(key).error(f"{key} must be a number")
        if kind == "integer" and not float(value).is_integer():
            raise where.child(key).error(f"{key} {value!r} on an integer: write a whole number")
        if kind == "integer" and not INT64[0] <= int(value) <= INT64[1]:
            raise where.child(key).error(f"{key} {value!r}: msgspec checks integer bounds within 64 bits only")
        if kind == "number" and isinstance(value, int) and float(value) != value:
            raise where.child(key).error(f"{key} {value!r} is not exactly a double: msgspec compares numbers as "
                                         "doubles, so the bound would move")  # fmt: skip
        if key == "multipleOf" and (kind == "number" or value <= 0):
            raise where.child(key).error("multipleOf is supported on integers only (float remainders differ "
                                         "between validators), with a positive whole value")  # fmt: skip
        meta[META_NAMES[key]] = int(value) if kind == "integer" else value
    return meta


def length_bounds(schema: dict[str, Any], keys: tuple[str, str], where: Location) -> dict[str, Any]:
    meta: dict[str, Any] = {}
    for key in keys:
        if key in schema:
            value = schema[key]
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise where.child(key).error(f"{key} must be a non-negative integer")
            meta[META_NAMES[key]] = value
    return meta


def union(variants: list[PyType], where: Location, *, exclusive: bool) -> PyType:
    """One type accepting what any variant accepts; refused where msgspec could not tell the variants apart (and,
    for oneOf, where a value could match two variants, which JSON Schema rejects)."""
    literals = [v for v in variants if v.literals is not None]
    if len(literals) > 1:
        merged: list[Any] = []
        for variant in literals:
            for value in variant.literals or ():
                if value in merged and exclusive:
                    raise where.error(f"oneOf: {value!r} matches two variants")
                if value not in merged:
                    merged.append(value)
        variants = [literal_type(merged), *(v for v in variants if v.literals is None)]
    seen: dict[str, int] = {}
    for index, variant in enumerate(variants):
        if variant is ANY or variant.code == "Any":
            raise where.error("a union with an unconstrained variant ({} or true) cannot be checked")
        for kind in variant.kinds:
            if kind in seen and not (kind == "object" and variants[seen[kind]].structs and variant.structs):
                raise where.error(f"union variants overlap on JSON {kind} values; msgspec cannot tell them apart"
                                  " (give object variants a common tag property, or merge the variants)")  # fmt: skip
            seen[kind] = index
    structs = tuple(name for v in variants for name in v.structs)
    members: list[str] = []
    for variant in variants:
        for member in variant.members():
            if member not in members:
                members.append(member)
    if "None" in members:
        members = [m for m in members if m != "None"] + ["None"]
    code = " | ".join(members)
    return PyType(code, frozenset().union(*(v.kinds for v in variants)), set().union(*(v.names for v in variants)),
                  None, structs, holds_struct=any(v.holds_struct for v in variants))  # fmt: skip


def literal_type(values: list[Any]) -> PyType:
    kinds: set[str] = set()
    shown = [value for value in values if value is not None]
    for value in values:
        kinds.add("null" if value is None else "string" if isinstance(value, str) else "integer")
    if not shown:
        return PyType("None", frozenset(kinds), literals=tuple(values))
    code = "Literal[" + ", ".join(repr(value) for value in shown) + "]"
    if None in values:
        code += " | None"
    return PyType(code, frozenset(kinds), literals=tuple(values))


def check_literal(value: Any, where: Location) -> None:
    if isinstance(value, bool) or not (value is None or isinstance(value, (str, int))):
        raise where.error(f"{value!r}: only strings, integers and null can be const/enum values of a msgspec model")
    if isinstance(value, int) and not INT64[0] <= value <= INT64[1]:
        raise where.error(f"{value!r}: a msgspec Literal holds 64-bit integers only")


def enum_member_name(value: Any) -> str:
    """An Enum member name for a value: upper case, identifier characters only, never _sunder_ or __dunder__."""
    text = "".join(c if ("A" + c).isidentifier() else "_" for c in str(value).upper()).strip("_") or "EMPTY"
    return text if text[0].isidentifier() else f"V_{text}"
