"""The OpenAPI document of one API -> the data of its typed stubs (templates/client/operations.py.jinja).

Every operation shape OpenAPI 3.1 gives a JSON API is modelled: path, query and header parameters typed from
their schemas (styles `simple` and `form`, `explode`), inline or `$ref` request and response schemas, bodiless
answers, 2xx answers of different types, and typed error bodies per status (and `default`). Anything else
(a non-JSON body, a cookie parameter, another style) is refused with the pointer that declares it.
"""

from __future__ import annotations

import re
from typing import Any

from model_defs import ModuleDef, pascal, snake
from models import ApiModels
from schema_files import Location, SchemaFiles
from schema_types import ANNOTATIONS, PyType

METHODS = ("get", "put", "post", "patch", "delete", "head", "options", "trace")
JSON = "application/json"
STYLES = {"path": "simple", "header": "simple", "query": "form"}
RESERVED_ARGUMENTS = {"transport", "body", "options"}
SIMPLE_TYPES = {"string": "str", "integer": "int", "boolean": "bool", "number": "float"}


def local_ref(openapi: dict[str, Any], item: dict[str, Any], where: Location) -> tuple[dict[str, Any], Location]:
    """Follow `#/components/...` references inside the OpenAPI document itself."""
    while isinstance(item, dict) and "$ref" in item and str(item["$ref"]).startswith("#/components/"):
        pointer = item["$ref"][1:]
        node: Any = openapi
        for key in pointer.split("/")[1:]:
            if not isinstance(node, dict) or key not in node:
                raise where.error(f"$ref {item['$ref']!r} points at nothing")
            node = node[key]
        item, where = node, Location(where.file, pointer)
    return item, where


class OperationsPlan:
    """Names the inline schemas of the document (before the models are built), then describes each operation."""

    def __init__(self, openapi: dict[str, Any], files: SchemaFiles, file: str) -> None:
        self.openapi = openapi
        self.files = files
        self.root = Location(file, "")
        self.inline: list[tuple[Location, str]] = []

    def operations(self) -> list[tuple[str, str, dict[str, Any], Location, list[tuple[dict[str, Any], Location]]]]:
        found = []
        paths = self.openapi.get("paths") or {}
        for path, item in paths.items():
            at = self.root.child("paths", path)
            item, at = local_ref(self.openapi, item, at)
            shared = [local_ref(self.openapi, p, at.child("parameters", i))
                      for i, p in enumerate(item.get("parameters", []))]  # fmt: skip
            for method in METHODS:
                if method in item:
                    op_at = at.child(method)
                    operation = item[method]
                    if not isinstance(operation.get("operationId"), str):
                        raise op_at.error("every operation needs an operationId: it names the stub")
                    own = [local_ref(self.openapi, p, op_at.child("parameters", i))
                           for i, p in enumerate(operation.get("parameters", []))]  # fmt: skip
                    merged = {(p["in"], p["name"]): (p, w) for p, w in shared + own}
                    found.append((path, method, operation, op_at, list(merged.values())))
        return found

    def name_inline(self) -> list[tuple[Location, str]]:
        """Every schema of the document that is not only a `$ref`, with the Python name it gets."""
        for key, schema in (self.openapi.get("components", {}).get("schemas") or {}).items():
            if not _only_ref(schema):
                self.inline.append((self.root.child("components", "schemas", key), pascal(key)))
        for _path, _method, operation, at, parameters in self.operations():
            stem = pascal(operation["operationId"])
            for parameter, where in parameters:
                schema = parameter.get("schema", {})
                if not _only_ref(schema) and not _simple(schema):
                    self.inline.append((where.child("schema"), stem + pascal(parameter["name"])))
            body = _json_schema(operation.get("requestBody"), at.child("requestBody"), self.openapi)
            if body is not None and not _only_ref(body[0]):
                self.inline.append((body[1], stem + "Request"))
            for status, response in (operation.get("responses") or {}).items():
                found = _json_schema(response, at.child("responses", status), self.openapi)
                if found is not None and not _only_ref(found[0]):
                    suffix = "Response" if str(status).startswith("2") else "Error"
                    code = "" if status == "200" else "Default" if status == "default" else str(status)
                    self.inline.append((found[1], f"{stem}{suffix}{code}"))
        return self.inline

    def describe(self, models: ApiModels, package: str) -> tuple[list[dict[str, Any]], list[tuple[str, list[str]]]]:
        """The template data of every operation, and what the stubs module imports from the models."""
        stubs = ModuleDef("operations", "operations")
        described = []
        for path, method, operation, at, parameters in self.operations():
            described.append(self._operation(path, method, operation, at, parameters, models, stubs))
        imports = [(f"{package}.models{module}", sorted(names)) for module, names in sorted(stubs.imports.items())]
        return described, imports

    def _type(self, schema: Any, where: Location, models: ApiModels, stubs: ModuleDef) -> PyType:
        if _simple(schema):
            kind = schema["type"]
            return PyType(SIMPLE_TYPES[kind], frozenset({kind} if kind != "number" else {"number", "integer"}))
        return models.reference(where, stubs)

    def _operation(self, path: str, method: str, operation: dict[str, Any], at: Location,
                   parameters: list[tuple[dict[str, Any], Location]], models: ApiModels,
                   stubs: ModuleDef) -> dict[str, Any]:  # fmt: skip
        arguments = []
        seen: set[str] = set()
        for parameter, where in parameters:
            arguments.append(self._parameter(parameter, where, path, models, stubs))
            if arguments[-1]["python"] in seen:
                raise where.error(f"two parameters get the Python argument name {arguments[-1]['python']!r}")
            seen.add(arguments[-1]["python"])
        in_path = set(re.findall(r"{([^}]+)}", path))
        declared = {a["name"] for a in arguments if a["in"] == "path"}
        if in_path - declared:
            raise at.error(f"path parameters {sorted(in_path - declared)} are not declared")
        if declared - in_path:
            raise at.error(f"path parameters {sorted(declared - in_path)} are declared but not in the path {path!r}")
        request = operation.get("requestBody")
        body = None
        if request is not None:
            request, request_at = local_ref(self.openapi, request, at.child("requestBody"))
            found = _json_schema(request, request_at, self.openapi)
            if found is None:
                raise request_at.child("content").error(
                    f"only {JSON} request bodies are supported, found {sorted(request.get('content') or {})}"
                )
            body_type = self._type(found[0], found[1], models, stubs).code
            body = {"type": body_type, "required": request.get("required", False)}
        responses = operation.get("responses") or {}
        success: list[tuple[int, str | None]] = []
        errors: list[tuple[int, str]] = []
        default_error = None
        for status, response in responses.items():
            where = at.child("responses", status)
            if not re.fullmatch(r"[1-5][0-9][0-9]|default", str(status)):
                raise where.error(f"response key {status!r}: ranges such as 4XX are not supported; list the statuses")
            found = _json_schema(response, where, self.openapi)
            resolved, _ = local_ref(self.openapi, response, where)
            content = resolved.get("content") or {}
            if found is None and content and str(status).startswith("2"):
                raise where.child("content").error(f"a 2xx answer must be {JSON} or have no content, "
                                                   f"found {sorted(content)}")  # fmt: skip
            type_code = None if found is None else self._type(found[0], found[1], models, stubs).code
            if status == "default":
                default_error = type_code
            elif str(status).startswith("2"):
                success.append((int(status), type_code))
            elif type_code is not None:
                errors.append((int(status), type_code))
        if not success:
            raise at.child("responses").error("an operation needs at least one 2xx response")
        classes = {d.name for m in models.modules.values() for d in [*m.structs, *m.enums]}
        branches = [(statuses, code, code in classes) for statuses, code in _branches(success)]
        types = [t for _, t in success if t is not None]
        distinct = list(dict.fromkeys(types))
        result = " | ".join(distinct + (["None"] if len(types) < len(success) else []))
        return {
            "id": snake(operation["operationId"]),
            "constant": snake(operation["operationId"]).upper(),
            "method": method.upper(),
            "path": path,
            "summary": operation.get("summary") or operation.get("description") or operation["operationId"],
            "arguments": sorted(arguments, key=lambda a: a["default"] is not None or not a["required"]),
            "body": body,
            "result": result,
            "success": sorted(success),
            "branches": branches,
            "errors": sorted(errors),
            "default_error": default_error,
        }

    def _parameter(self, parameter: dict[str, Any], where: Location, path: str, models: ApiModels,
                   stubs: ModuleDef) -> dict[str, Any]:  # fmt: skip
        extra = set(parameter) - {"name", "in", "required", "description", "schema", "style", "explode",
                                  "deprecated", "example", "examples"}  # fmt: skip
        if extra:
            raise where.error(f"parameter keywords {sorted(extra)} are not supported (content-typed parameters are "
                              "refused)")  # fmt: skip
        location = parameter.get("in")
        if location not in STYLES:
            raise where.child("in").error(f"{location!r} parameters are not supported (path, query, header are)")
        style = parameter.get("style", STYLES[location])
        if style != STYLES[location]:
            raise where.child("style").error(f"style {style!r} for a {location} parameter is not supported "
                                             f"(only {STYLES[location]!r})")  # fmt: skip
        schema = parameter.get("schema")
        if not isinstance(schema, dict):
            raise where.error("a parameter needs a schema")
        found = self._type(schema, where.child("schema"), models, stubs)
        type_code = found.code
        if "object" in found.kinds:
            raise where.child("schema").error("object-valued parameters are not supported")
        required = parameter.get("required", False)
        if location == "path" and not required:
            raise where.child("required").error("a path parameter must be required")
        default = self._default(schema, where.child("schema"), found, models)
        python = snake(parameter["name"])
        if python in RESERVED_ARGUMENTS:
            python += "_"
        return {
            "name": parameter["name"],
            "python": python,
            "in": location,
            "type": type_code,
            "required": bool(required) and default is None,
            "default": default,
            "explode": parameter.get("explode", style == "form"),
            "description": parameter.get("description"),
        }

    def _default(self, schema: dict[str, Any], where: Location, found: PyType, models: ApiModels) -> str | None:
        """A parameter's schema default as Python source (an enum member for an enum), checked against the schema."""
        if "default" not in schema:
            target = self.files.resolve(schema["$ref"], where.child("$ref")) if _only_ref(schema) else None
            schema = self.files.at(target) if target is not None else schema
            if "default" not in schema:
                return None
        value = schema["default"]
        problem = models.default_problem(where, value)
        if problem is not None:
            raise where.child("default").error(f"default {value!r} does not match its own schema: {problem}")
        enum = next((e for m in models.modules.values() for e in m.enums if e.name == found.code), None)
        if enum is not None:
            return f"{enum.name}.{next(member for member, v in enum.members if v == value)}"
        return repr(value)


def _branches(success: list[tuple[int, str | None]]) -> list[tuple[list[int], str | None]]:
    """Success statuses grouped by what they decode into, the most common type last (it needs no test)."""
    groups: dict[str | None, list[int]] = {}
    for status, type_code in sorted(success):
        groups.setdefault(type_code, []).append(status)
    ordered = sorted(groups.items(), key=lambda item: (item[0] is not None, len(item[1])))
    return [(statuses, type_code) for type_code, statuses in ordered]


def _only_ref(schema: Any) -> bool:
    return isinstance(schema, dict) and "$ref" in schema and not set(schema) - ANNOTATIONS - {"$ref"}


def _simple(schema: Any) -> bool:
    return isinstance(schema, dict) and schema.get("type") in SIMPLE_TYPES and not set(schema) - ANNOTATIONS - {"type"}


def _json_schema(response: Any, where: Location, openapi: dict[str, Any]) -> tuple[Any, Location] | None:
    """The JSON schema of a request body or response, or None when it has no JSON content."""
    if response is None:
        return None
    response, where = local_ref(openapi, response, where)
    content = response.get("content") or {}
    media = content.get(JSON)
    if media is None:
        return None
    if "schema" not in media:
        raise where.child("content", JSON).error("JSON content needs a schema")
    return media["schema"], where.child("content", JSON, "schema")
