"""Tags of object unions: which member tells the variants of a `oneOf`/`anyOf` of objects apart.

msgspec decodes a union of Structs only when every Struct is tagged: one member (`tag_field`) whose constant
value names the variant. The tag is the OpenAPI `discriminator.propertyName` when there is one, otherwise the
first property that every variant requires with a `const`. A `discriminator.mapping` must agree with the
variants' constants (JSON Schema reads the constants, ajv and OpenAPI tools the mapping). Anything else is refused.
"""

from __future__ import annotations

import re
from typing import Any

from schema_files import Location, SchemaFiles

CHILD_MAPS = ("properties", "$defs")
CHILD_ONE = ("items", "additionalProperties", "propertyNames")
CHILD_LISTS = ("oneOf", "anyOf", "allOf")


class UnionTags:
    def __init__(self, files: SchemaFiles) -> None:
        self.files = files
        self.tags: dict[str, tuple[str, Any, str]] = {}  # variant location -> (tag field, value, union location)
        self.tagging: set[str] = set()  # the unions of two or more objects, which tag their variants

    def tags_here(self, location: Location) -> bool:
        """Whether the union at `location` is one that tags its variants (two or more objects)."""
        return str(location) in self.tagging

    def of(self, location: Location) -> tuple[str, Any] | None:
        found = self.tags.get(str(location))
        return None if found is None else (found[0], found[1])

    def collect(self, inline: list[Location]) -> None:
        """Every union of the schema files, and of the schemas inside other documents at `inline`."""
        for file_name in self.files.documents:
            if file_name.endswith(".schema.json"):
                self._walk(self.files.root(file_name), self.files.documents[file_name])
        for location in inline:
            self._walk(location, self.files.at(location))

    def _walk(self, where: Location, schema: Any) -> None:
        if not isinstance(schema, dict):
            return
        for key in ("oneOf", "anyOf"):
            if isinstance(schema.get(key), list):
                self._union(where, schema, key)
        for key in CHILD_MAPS:
            if isinstance(schema.get(key), dict):
                for name, body in schema[key].items():
                    self._walk(where.child(key, name), body)
        for key in CHILD_ONE:
            self._walk(where.child(key), schema.get(key))
        for key in CHILD_LISTS:
            if isinstance(schema.get(key), list):
                for index, body in enumerate(schema[key]):
                    self._walk(where.child(key, index), body)

    def _target(self, where: Location, variant: Any) -> tuple[Location, Any] | None:
        """The object schema a variant stands for (following $refs), or None for a non-object variant."""
        seen: set[str] = set()
        while isinstance(variant, dict) and "$ref" in variant:
            where = self.files.resolve(variant["$ref"], where.child("$ref"))
            if str(where) in seen:
                raise where.error("$ref cycle")
            seen.add(str(where))
            variant = self.files.at(where)
        if not isinstance(variant, dict):
            return None
        if variant.get("type") == "object" or "properties" in variant:
            return where, variant
        if any(key in variant for key in ("oneOf", "anyOf")):
            for inner in variant.get("oneOf", variant.get("anyOf", [])):
                if self._target(where, inner) is not None:
                    raise where.error("a union of objects inside another union: list the objects in one oneOf")
        return None

    def _union(self, where: Location, schema: dict[str, Any], key: str) -> None:
        objects: list[tuple[Location, Any]] = []
        for index, variant in enumerate(schema[key]):
            target = self._target(where.child(key, index), variant)
            if target is not None:
                objects.append(target)
        discriminator = schema.get("discriminator")
        if len(objects) < 2:
            if discriminator is not None and "mapping" in discriminator:
                self._check_mapping(where, discriminator, objects, discriminator.get("propertyName"))
            return
        self.tagging.add(str(where))
        for target, body in objects:
            if "properties" not in body:
                raise target.error("an object variant of a union needs properties")
            if not (target.pointer == "" or re.fullmatch(r"/\$defs/[^/]+", target.pointer)):
                raise target.error("each object variant of a union must be a $defs entry (it names the Struct)")
        field = self._tag_field(where, discriminator, objects)
        values: dict[Any, str] = {}
        for target, body in objects:
            member = body["properties"].get(field)
            value = member.get("const") if isinstance(member, dict) else None
            if isinstance(member, dict) and "enum" in member and len(member["enum"]) == 1:
                value = member["enum"][0]
            if value is None or isinstance(value, bool) or not isinstance(value, (str, int)):
                raise target.child("properties", field).error(f"tag member {field!r} needs a string or integer const")
            if field not in body.get("required", []):
                raise target.child("required").error(f"tag member {field!r} must be required")
            if value in values:
                raise target.error(f"tag {value!r} is also the tag of {values[value]}")
            values[value] = str(target)
            earlier = self.tags.get(str(target))
            if earlier is not None and earlier[:2] != (field, value):
                raise target.error(f"this variant is tagged {earlier[:2]} by the union at {earlier[2]}")
            self.tags[str(target)] = (field, value, str(where))
        if discriminator is not None and "mapping" in discriminator:
            self._check_mapping(where, discriminator, objects, field)

    def _tag_field(self, where: Location, discriminator: Any, objects: list[tuple[Location, Any]]) -> str:
        if discriminator is not None:
            if not isinstance(discriminator, dict) or not isinstance(discriminator.get("propertyName"), str):
                raise where.child("discriminator").error("discriminator needs a propertyName")
            unknown = set(discriminator) - {"propertyName", "mapping"}
            if unknown:
                raise where.child("discriminator").error(f"unknown discriminator members {sorted(unknown)}")
            return str(discriminator["propertyName"])
        first = objects[0][1]
        for name in first["properties"]:
            if all(
                isinstance(body["properties"].get(name), dict)
                and "const" in body["properties"][name]
                and name in body.get("required", [])
                for _, body in objects
            ):
                return str(name)
        raise where.error("a union of objects needs a discriminator, or a member every variant requires with a "
                          "const (msgspec tells Structs apart only by such a tag)")  # fmt: skip

    def _check_mapping(self, where: Location, discriminator: dict[str, Any], objects: list[tuple[Location, Any]],
                       field: Any) -> None:  # fmt: skip
        mapping = discriminator["mapping"]
        at = where.child("discriminator", "mapping")
        if not isinstance(mapping, dict):
            raise at.error("mapping must be an object of tag value -> $ref")
        by_location = {str(target): body for target, body in objects}
        for value, ref in mapping.items():
            target = self.files.resolve(ref, at.child(value)) if isinstance(ref, str) else None
            if target is None or str(target) not in by_location:
                raise at.child(value).error(f"mapping {value!r} -> {ref!r} names no variant of this union")
            member = by_location[str(target)].get("properties", {}).get(field, {})
            if str(member.get("const")) != value:
                raise at.child(value).error(f"mapping key {value!r} differs from the const {member.get('const')!r} "
                                            f"of {target}: JSON Schema and OpenAPI tools would disagree")  # fmt: skip
