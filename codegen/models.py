"""JSON Schema files of one API -> msgspec model modules (one per file): Structs, enums and type aliases.

Naming: a file's root class is its `title`; a `$defs` entry is named by its key in PascalCase; an inline object is
named by its parent and property (`StandardNodeRetry`); `x-python-name` overrides any of these, and names a
property's Python attribute while the wire keeps its name. Field order is the schema's `properties` order.
"""

from __future__ import annotations

import keyword
from typing import Any

import jsonschema
from model_defs import RESERVED, AliasDef, EnumDef, FieldDef, ModuleDef, StructDef, pascal, snake
from schema_files import Location, SchemaFiles, module_name
from schema_types import (
    ANNOTATIONS,
    ANY,
    BY_TYPE,
    PRIMITIVE,
    PyType,
    annotated,
    check_keywords,
    check_literal,
    combined_pattern,
    enum_member_name,
    length_bounds,
    literal_type,
    load_formats,
    number_bounds,
    python_pattern,
    union,
)
from unions import UnionTags

BASE = "https://codegen.invalid/"  # the base URI of a document without $id


def is_struct(schema: Any) -> bool:
    return (
        isinstance(schema, dict)
        and schema.get("type") == "object"
        and ("properties" in schema or schema.get("additionalProperties") is False)
        and not {"oneOf", "anyOf", "allOf", "enum", "const", "$ref"} & set(schema)
    )


def is_enum(schema: Any) -> bool:
    if not isinstance(schema, dict) or "enum" not in schema or not isinstance(schema["enum"], list):
        return False
    values = schema["enum"]
    return bool(values) and (all(isinstance(v, str) for v in values)
                             or all(isinstance(v, int) and not isinstance(v, bool) for v in values))  # fmt: skip


class ApiModels:
    """Builds every module of one API; `build()` returns them, or raises CodegenError."""

    def __init__(self, files: SchemaFiles) -> None:
        self.files = files
        self.formats = {name: python_pattern(p, Location("spec/formats.json", f"/formats/{name}/pattern"))
                        for name, p in load_formats().items()}  # fmt: skip
        self.modules: dict[str, ModuleDef] = {}
        self.named: dict[str, tuple[str, str]] = {}  # location -> (module, Python name)
        self.types: dict[str, PyType] = {}
        self.building: set[str] = set()
        self.pending: list[Location] = []
        self.tags = UnionTags(files)
        self.registry = self._registry()

    def _registry(self) -> Any:
        from referencing import Registry
        from referencing.jsonschema import DRAFT202012

        # Each file also under BASE/<file name>, where the OpenAPI document's relative $refs resolve.
        resources = [(uri, DRAFT202012.create_resource(doc)) for name, doc in self.files.documents.items()
                     for uri in {doc.get("$id", BASE + name), BASE + name}]  # fmt: skip
        return Registry().with_resources(resources)

    def build(self, inline: list[tuple[Location, str]] = (), inline_module: str = "openapi") -> list[ModuleDef]:
        """Every module; `inline` names schemas inside other documents (the OpenAPI one), built into one module."""
        schema_documents = {n: d for n, d in self.files.documents.items() if n.endswith(".schema.json")}
        for file_name, document in schema_documents.items():
            module = ModuleDef(module_name(file_name), self.files.shown(file_name))
            self.modules[module.name] = module
            root = self.files.root(file_name)
            if "title" in document:
                self._name(root, document, document["title"], module)
            elif {"type", "properties", "oneOf", "anyOf", "$ref", "enum", "const"} & set(document):
                raise root.error("a root schema needs a title: it names the root's Python class")
            for key, body in (document.get("$defs") or {}).items():
                self._name(root.child("$defs", key), body, key, module)
        if inline:
            extra = ModuleDef(inline_module, inline[0][0].file)
            self.modules[extra.name] = extra
            for location, name in inline:
                self._name(location, self.files.at(location), name, extra)
        self.tags.collect([location for location, _ in inline])
        for location, _ in inline:
            self.reference(location, self.modules[inline_module])
        for file_name, document in schema_documents.items():
            root = self.files.root(file_name)
            locations = ([root] if "title" in document else []) + [
                root.child("$defs", key) for key in (document.get("$defs") or {})
            ]
            for location in locations:
                self.reference(location, self.modules[module_name(file_name)])
        while self.pending:
            location = self.pending.pop(0)
            self._define_struct(location, self.files.at(location), self.named[str(location)][1],
                                self.modules[self.named[str(location)][0]])  # fmt: skip
        self._check_import_cycles()
        order = {location: index for index, location in enumerate(self.named)}
        for module in self.modules.values():
            module.structs.sort(key=lambda struct: self._position(struct.location, order))
        return list(self.modules.values())

    def _position(self, location: str, order: dict[str, int]) -> tuple[int, int]:
        """Schema order: a named schema's place in its file; an inline object right after its named ancestor."""
        ancestor = max((named for named in order if location == named or location.startswith(named + "/")), key=len)
        return order[ancestor], len(location)

    def _name(self, location: Location, schema: Any, key: str, module: ModuleDef) -> None:
        chosen = schema.get("x-python-name") if isinstance(schema, dict) else None
        name = chosen if isinstance(chosen, str) else pascal(key)
        if not name.isidentifier() or keyword.iskeyword(name):
            raise location.error(f"{name!r} is not a usable Python class name")
        module.claim(name, str(location), location)
        self.named[str(location)] = (module.name, name)

    def reference(self, location: Location, current: ModuleDef, *, tagged_ok: bool = True,
                  referrer: Location | None = None) -> PyType:  # fmt: skip
        """The type of a named schema, as written in `current` (imported from its own module if elsewhere)."""
        key = str(location)
        schema = self.files.at(location)
        if key not in self.named and isinstance(schema, dict) and "$ref" in schema:
            if set(schema) - ANNOTATIONS - {"$ref"}:
                raise location.error("$ref beside other keywords: move them into the referenced schema")
            return self.reference(self.files.resolve(schema["$ref"], location.child("$ref")), current,
                                  tagged_ok=tagged_ok, referrer=referrer)  # fmt: skip
        module_of, name = self.named.get(key) or self._unnamed(location)
        here = module_of == current.name
        if not here:
            current.claim(name, key, location)
            current.imports.setdefault(f".{module_of}", set()).add(name)
        if is_struct(schema):
            if not tagged_ok and self.tags.of(location) is not None:
                raise location.error(f"this tagged union variant is referenced on its own at {referrer}: msgspec would "
                                     "read it there without its tag; reference its union instead")  # fmt: skip
            if key not in self.types:
                self.types[key] = PyType(name, frozenset({"object"}), structs=(name,), holds_struct=True)
                self.pending.append(location)
            found = self.types[key]
        elif key in self.types:
            found = self.types[key]
        else:
            if key in self.building:
                raise location.error("a recursive schema must pass through an object on its way back to itself "
                                     "(a Struct); this one refers to itself through unions or arrays only")  # fmt: skip
            self.building.add(key)
            found = self._define_named(location, schema, name, self.modules[module_of])
            self.building.discard(key)
            self.types[key] = found
        names = {name} if here and not is_struct(schema) and not is_enum(schema) else set()
        return PyType(found.code, found.kinds, names, found.literals, found.structs, holds_struct=found.holds_struct)

    def _unnamed(self, location: Location) -> tuple[str, str]:
        raise location.error("$ref must point at a file's root or a $defs entry (that is what gets a Python name)")

    def _define_named(self, location: Location, schema: Any, name: str, module: ModuleDef) -> PyType:
        if isinstance(schema, dict) and "x-python-import" in schema:
            return self._custom(location, schema, name, module)
        if is_enum(schema):
            return self._enum(location, schema, name, module)
        found = self.type_of(location, schema, module, name)
        doc = schema.get("description") if isinstance(schema, dict) else None
        module.aliases.append(AliasDef(name, found.code, doc, found.names))
        return PyType(name, found.kinds, found.names, found.literals, found.structs, holds_struct=found.holds_struct)

    def _custom(self, location: Location, schema: dict[str, Any], name: str, module: ModuleDef) -> PyType:
        target = schema["x-python-import"]
        if not isinstance(target, dict) or set(target) != {"module", "name"}:
            raise location.child("x-python-import").error("x-python-import needs exactly {module, name}")
        if schema.get("type") != "string":
            raise location.error("an x-python-import type must be a string on the wire")
        module.imports.setdefault(target["module"], set()).add(target["name"])
        if target["name"] != name:
            module.aliases.append(AliasDef(name, target["name"], schema.get("description"), set()))
        return PyType(target["name"] if target["name"] == name else name, frozenset({"string"}))

    def _enum(self, location: Location, schema: dict[str, Any], name: str, module: ModuleDef) -> PyType:
        extra = set(schema) - ANNOTATIONS - {"enum", "type"}
        if extra:
            raise location.error(f"an enum beside {sorted(extra)} is not supported")
        values = schema["enum"]
        base = "str" if isinstance(values[0], str) else "int"
        declared = schema.get("type")
        if declared is not None and declared != ("string" if base == "str" else "integer"):
            raise location.child("type").error(f"type {declared!r} does not hold the enum's values")
        members: list[tuple[str, Any]] = []
        for value in values:
            member = enum_member_name(value)
            if any(member == seen for seen, _ in members):
                raise location.child("enum").error(f"two enum values give the member name {member!r}")
            members.append((member, value))
        module.enums.append(EnumDef(name, base, members, schema.get("description")))
        return PyType(name, frozenset({"string" if base == "str" else "integer"}))

    def type_of(self, where: Location, schema: Any, module: ModuleDef, hint: str, unique_ok: bool = False,
                variant: bool = False) -> PyType:  # fmt: skip
        """The type of `schema`; `variant`: it is a member of a union (where a tagged Struct may appear)."""
        if schema is True:
            return ANY
        if not isinstance(schema, dict):
            raise where.error("a schema here must be an object or true (false accepts nothing: not supported)")
        check_keywords(schema, where)
        if "$ref" in schema:
            extra = set(schema) - ANNOTATIONS - {"$ref"}
            if extra:
                raise where.error(f"$ref beside {sorted(extra)}: move those keywords into the referenced schema")
            target = self.files.resolve(schema["$ref"], where.child("$ref"))
            return self.reference(target, module, tagged_ok=variant, referrer=where)
        if "allOf" in schema:
            parts = schema["allOf"]
            if isinstance(parts, list) and len(parts) == 1 and set(schema) - ANNOTATIONS == {"allOf"}:
                return self.type_of(where.child("allOf", 0), parts[0], module, hint)
            raise where.child("allOf").error("refused: allOf of several schemas (or beside other keywords) cannot be "
                                             "expressed by a msgspec type; write the merged schema")  # fmt: skip
        for key in ("oneOf", "anyOf"):
            if key in schema:
                return self._union(where, schema, key, module, hint)
        if "discriminator" in schema:
            raise where.child("discriminator").error("discriminator without oneOf/anyOf")
        if "const" in schema or "enum" in schema:
            return self._literal(where, schema)
        declared = schema.get("type")
        constraints = set(schema) & set().union(*BY_TYPE.values())
        if declared is None:
            if constraints:
                raise where.error(f"{sorted(constraints)} without a type: JSON Schema would apply them to one kind of"
                                  " value only and accept every other; add a type")  # fmt: skip
            return ANY
        types = declared if isinstance(declared, list) else [declared]
        if not types or any(t not in BY_TYPE for t in types) or len(set(types)) != len(types):
            raise where.child("type").error(f"type {declared!r}: each of {sorted(BY_TYPE)} at most once")
        unused = constraints - set().union(*(BY_TYPE[t] for t in types))
        if unused:
            raise where.error(f"{sorted(unused)} do not apply to type {declared!r}")
        parts = [self._single(where, schema, t, module, hint, unique_ok) for t in types]
        return parts[0] if len(parts) == 1 else union(parts, where.child("type"), exclusive=True)

    def _union(self, where: Location, schema: dict[str, Any], key: str, module: ModuleDef, hint: str) -> PyType:
        if "oneOf" in schema and "anyOf" in schema:
            raise where.error("oneOf beside anyOf is not supported")
        extra = set(schema) - ANNOTATIONS - {key, "discriminator", "type"}
        if extra:
            raise where.error(f"{key} beside {sorted(extra)} is not supported; move them into the variants")
        variants = schema[key]
        if not isinstance(variants, list) or not variants:
            raise where.child(key).error(f"{key} needs a non-empty list of schemas")
        single = sum(1 for v in variants if v != {"type": "null"}) == 1
        # Only a union of two or more objects tags them; a tagged Struct elsewhere would be read without its tag.
        tagging = self.tags.tags_here(where)
        types = [self.type_of(where.child(key, i), v, module, hint if single else f"{hint}{i}", variant=tagging)
                 for i, v in enumerate(variants)]  # fmt: skip
        found = union(types, where.child(key), exclusive=key == "oneOf")
        declared = schema.get("type")
        if declared is not None:
            allowed = set(declared if isinstance(declared, list) else [declared])
            allowed |= {"integer"} if "number" in allowed else set()
            if not found.kinds <= allowed:
                raise where.child("type").error(f"type {declared!r} beside {key} would refuse values the variants "
                                                f"accept ({sorted(found.kinds - allowed)})")  # fmt: skip
        return found

    def _literal(self, where: Location, schema: dict[str, Any]) -> PyType:
        key = "const" if "const" in schema else "enum"
        extra = set(schema) - ANNOTATIONS - {key, "type"}
        if extra:
            raise where.error(f"{key} beside {sorted(extra)} is not supported")
        values = [schema["const"]] if key == "const" else schema["enum"]
        if not isinstance(values, list) or not values:
            raise where.child(key).error("enum needs a non-empty list")
        for value in values:
            check_literal(value, where.child(key))
        found = literal_type(list(dict.fromkeys(values)))
        declared = schema.get("type")
        if declared is not None:
            allowed = set(declared if isinstance(declared, list) else [declared])
            if not found.kinds <= allowed | ({"integer"} if "number" in allowed else set()):
                raise where.child("type").error(f"type {declared!r} does not hold the {key} values")
        return found

    def _single(self, where: Location, schema: dict[str, Any], kind: str, module: ModuleDef, hint: str,
                unique_ok: bool) -> PyType:  # fmt: skip
        if kind == "null":
            return PyType("None", frozenset({"null"}))
        if kind == "boolean":
            return PyType("bool", frozenset({"boolean"}))
        if kind in ("integer", "number"):
            kinds = frozenset({"integer"} if kind == "integer" else {"integer", "number"})
            return PyType(annotated(PRIMITIVE[kind], number_bounds(schema, kind, where)), kinds)
        if kind == "string":
            meta = length_bounds(schema, ("minLength", "maxLength"), where)
            pattern = self.string_pattern(schema, where)
            if pattern is not None:
                meta["pattern"] = pattern
            return PyType(annotated("str", meta), frozenset({"string"}))
        if kind == "array":
            items = schema.get("items", True)
            item = self.type_of(where.child("items"), items, module, hint + "Item")
            meta = length_bounds(schema, ("minItems", "maxItems"), where)
            unique = schema.get("uniqueItems", False)
            if unique is True and item.holds_struct:
                raise where.child("uniqueItems").error(
                    "uniqueItems over objects read into Structs cannot be checked: a Struct has filled in defaults "
                    "and dropped unknown members, so equal Structs may come from different JSON"
                )
            if unique is not False and (unique is not True or not unique_ok):
                raise where.child("uniqueItems").error(
                    "uniqueItems is checked by the holding Struct after decoding, so it must be true and sit on a "
                    "property's own array schema (not in a $defs entry, an array item or a map value)"
                )
            return PyType(annotated(f"List[{item.code}]", meta), frozenset({"array"}), item.names, unique=unique,
                          holds_struct=item.holds_struct)  # fmt: skip
        return self._object(where, schema, module, hint)

    def string_pattern(self, schema: dict[str, Any], where: Location) -> str | None:
        """The Python pattern a string must match: its ECMA-262 `pattern` and its `format`, if any."""
        patterns = [python_pattern(schema["pattern"], where.child("pattern"))] if "pattern" in schema else []
        if "format" in schema:
            if schema["format"] not in self.formats:
                raise where.child("format").error(
                    f"format {schema['format']!r} is not enforced by the generated models; the formats with one "
                    f"meaning in every runner are {sorted(self.formats)} (spec/formats.json); use a pattern"
                )
            patterns.append(self.formats[schema["format"]])
        return combined_pattern(patterns, where) if patterns else None

    def _object(self, where: Location, schema: dict[str, Any], module: ModuleDef, hint: str) -> PyType:
        if "properties" in schema or schema.get("additionalProperties") is False:
            if str(where) in self.named:
                if is_struct(schema):
                    return self.reference(where, module)
                hint += "Object"
            module.claim(hint, str(where), where)
            self._define_struct(where, schema, hint, module)
            return PyType(hint, frozenset({"object"}), structs=(hint,), holds_struct=True)
        if schema.get("required"):
            raise where.child("required").error("required members of a map (no properties) cannot be checked")
        key = "str"
        if "propertyNames" in schema:
            names = self.type_of(where.child("propertyNames"), schema["propertyNames"], module, hint + "Key")
            if names.kinds != {"string"}:
                raise where.child("propertyNames").error("propertyNames must describe strings only")
            key = names.code
        value = self.type_of(where.child("additionalProperties"), schema.get("additionalProperties", True), module,
                             hint + "Value")  # fmt: skip
        meta = length_bounds(schema, ("minProperties", "maxProperties"), where)
        return PyType(annotated(f"Dict[{key}, {value.code}]", meta), frozenset({"object"}), value.names,
                      holds_struct=value.holds_struct)  # fmt: skip

    def _define_struct(self, where: Location, schema: dict[str, Any], name: str, module: ModuleDef) -> None:
        check_keywords(schema, where)
        properties = schema.get("properties", {})
        required = schema.get("required", [])
        if not isinstance(properties, dict) or not isinstance(required, list):
            raise where.error("properties must be an object and required a list")
        missing = [r for r in required if r not in properties]
        if missing:
            raise where.child("required").error(f"required {missing} are not in properties: a msgspec Struct "
                                                "cannot require a member it does not declare")  # fmt: skip
        for key in ("minProperties", "maxProperties", "propertyNames"):
            if key in schema:
                raise where.child(key).error(f"{key} beside properties cannot be checked by a msgspec Struct")
        extra = schema.get("additionalProperties", True)
        if extra not in (True, False):
            raise where.child("additionalProperties").error(
                "an additionalProperties schema beside properties: a msgspec Struct would drop (and not check) the "
                "extra members; declare them in properties, or make the object a map"
            )
        tag = self.tags.of(where)
        fields: list[FieldDef] = []
        for index, (wire, body) in enumerate(properties.items()):
            at = where.child("properties", wire)
            if tag is not None and wire == tag[0]:
                if index != 0:
                    raise at.error(f"the tag member {wire!r} must be the first property: msgspec writes it first")
                beside = set(body) - ANNOTATIONS - {"const", "enum", "type"} if isinstance(body, dict) else set()
                declared = body.get("type") if isinstance(body, dict) else None
                if beside or declared not in (None, "string" if isinstance(tag[1], str) else "integer"):
                    raise at.error(f"the tag member {wire!r} is read by msgspec as its const alone; beside it "
                                   f"{sorted(beside) or ['type ' + repr(declared)]} would not be checked")  # fmt: skip
                continue
            fields.append(self._field(at, wire, body, wire in required, name, module))
        python_names = [f.name for f in fields]
        repeated = sorted({n for n in python_names if python_names.count(n) > 1})
        if repeated:
            raise where.child("properties").error(f"two properties get the Python name(s) {repeated}; "
                                                  "set x-python-name")  # fmt: skip
        module.structs.append(StructDef(name, schema.get("description"), fields, extra is False,
                                        tag[0] if tag else None, tag[1] if tag else None, str(where)))  # fmt: skip

    def _field(self, at: Location, wire: str, body: Any, required: bool, owner: str, module: ModuleDef) -> FieldDef:
        chosen = body.get("x-python-name") if isinstance(body, dict) else None
        name = chosen if chosen is not None else snake(wire)
        if chosen is None and name in RESERVED:
            name += "_"  # a class body naming an attribute `field` would hide msgspec's field() from later lines
        if not isinstance(name, str) or not name.isidentifier() or keyword.iskeyword(name) or name.startswith("_"):
            raise at.child("x-python-name").error(f"{name!r} is not a usable attribute name")
        if name in RESERVED:
            raise at.child("x-python-name").error(f"{name!r} would hide a name the generated module uses")
        found = self.type_of(at, body, module, owner + pascal(wire), unique_ok=True)
        members = found.members()
        default = None
        if isinstance(body, dict) and "default" in body and not required:
            default = self._default(at, body, found, module)
        elif not required:
            members.append("UnsetType")
            default = "UNSET"
        doc = body.get("description") if isinstance(body, dict) else None
        return FieldDef(name, wire, " | ".join(members), default, doc, found.unique)

    def _default(self, at: Location, body: dict[str, Any], found: PyType, module: ModuleDef) -> str:
        value = body["default"]
        problem = self.default_problem(at, value)
        if problem is not None:
            raise at.child("default").error(f"default {value!r} does not match its own schema: {problem}")
        for name in found.members():
            enum = self._enum_named(name, module)
            member = next((m for m, v in enum.members if v == value and type(v) is type(value)), None) if enum else None
            if enum is not None and member is not None:
                return f"{enum.name}.{member}"
        if isinstance(value, float) and value.is_integer() and "number" not in found.kinds:
            return repr(int(value))  # 2.0 for an integer: the field holds an int
        if value == [] or (value == {} and not found.structs):
            return repr(value)
        if value == {} and len(found.structs) == 1:
            return f"field(default_factory=lambda: {found.structs[0]}())"  # the class may be defined below
        if isinstance(value, (list, dict)):
            raise at.child("default").error("only empty lists and maps ({} for an object) are supported as defaults")
        return repr(value)

    def _enum_named(self, name: str, module: ModuleDef) -> EnumDef | None:
        """The Enum a name in `module` stands for (defined there or imported), if it is one."""
        origin = module.claimed.get(name)
        owner = self.named.get(origin or "", (module.name, name))[0]
        return next((e for e in self.modules[owner].enums if e.name == name), None) if owner in self.modules else None

    def default_problem(self, at: Location, value: Any) -> str | None:
        """Why `value` does not match the schema at `at` (jsonschema's message), or None when it does."""
        document = self.files.documents[self.files.file_name(at)]
        base = document.get("$id", BASE + self.files.file_name(at))
        try:
            jsonschema.Draft202012Validator({"$ref": f"{base}#{at.pointer}"}, registry=self.registry).validate(value)
        except jsonschema.ValidationError as error:
            return error.message
        except Exception as error:  # an unresolvable $ref: reported as a refusal, not a traceback
            return f"it cannot be checked ({error})"
        return None

    def _check_import_cycles(self) -> None:
        graph = {name: {m.lstrip(".") for m in module.imports if m.startswith(".")}
                 for name, module in self.modules.items()}  # fmt: skip

        def walk(node: str, path: list[str]) -> None:
            for target in sorted(graph.get(node, ())):
                if target in path:
                    cycle = [*path[path.index(target) :], target]
                    raise Location(self.modules[node].source, "").error(
                        "schema files refer to each other in a cycle (" + " -> ".join(cycle) + "); move the shared "
                        "definitions into one file"
                    )
                walk(target, [*path, target])

        for name in graph:
            walk(name, [name])
