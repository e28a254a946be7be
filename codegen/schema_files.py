"""The schema files of one API: loading, JSON pointers, `$ref` resolution, and the error every refusal raises."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote


class CodegenError(Exception):
    """Codegen refuses the spec: names the file, the JSON pointer and the construct."""

    def __init__(self, file: str, pointer: str, message: str) -> None:
        self.file, self.pointer, self.message = file, pointer, message
        super().__init__(f"{file}#{pointer}: {message}")


@dataclass(frozen=True)
class Location:
    """A schema inside a file: the file's path as shown to users (`spec/waygrid/x.schema.json`) and a pointer."""

    file: str
    pointer: str

    def child(self, *parts: str | int) -> Location:
        escaped = (str(part).replace("~", "~0").replace("/", "~1").replace("%", "%25") for part in parts)
        return Location(self.file, self.pointer + "".join("/" + part for part in escaped))

    def error(self, message: str) -> CodegenError:
        return CodegenError(self.file, self.pointer, message)

    def __str__(self) -> str:
        return f"{self.file}#{self.pointer}"


def module_name(schema_file: Path | str) -> str:
    return Path(schema_file).name.removesuffix(".schema.json").replace("-", "_")


class SchemaFiles:
    """Every `*.schema.json` of one API directory, read once."""

    def __init__(self, spec_dir: Path, shown_as: str) -> None:
        self.spec_dir = spec_dir
        self.shown_as = shown_as.rstrip("/")
        self.documents: dict[str, Any] = {}
        for path in sorted(spec_dir.glob("*.schema.json")):
            self.documents[path.name] = self._read(path)
        self._check_ids()

    def _check_ids(self) -> None:
        """Each `$id` ends in its own file name, all under one base: codegen resolves a sibling `$ref` by file
        name, which then is where a validator resolves it by `$id`."""
        bases: dict[str, str] = {}
        for name, document in self.documents.items():
            declared = document.get("$id")
            if declared is None:
                continue
            if not isinstance(declared, str) or not declared.endswith("/" + name):
                raise CodegenError(self.shown(name), "/$id", f"$id {declared!r} must end in /{name}")
            bases[name] = declared.removesuffix(name)
        if len(set(bases.values())) > 1:
            raise CodegenError(self.shown(sorted(bases)[-1]), "/$id", f"the files' $ids have different bases: "
                               f"{sorted(set(bases.values()))}")  # fmt: skip

    def add(self, name: str, path: Path) -> Any:
        """Another document whose schemas may be referenced and typed (the OpenAPI document)."""
        self.documents[name] = self._read(path, schema=False)
        return self.documents[name]

    def _read(self, path: Path, schema: bool = True) -> Any:
        shown = f"{self.shown_as}/{path.name}"
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as error:
            raise CodegenError(shown, "", f"not valid JSON: {error}") from None
        if not isinstance(document, dict):
            raise CodegenError(shown, "", "a schema file must hold a JSON object")
        declared = document.get("$schema")
        if schema and declared not in (None, "https://json-schema.org/draft/2020-12/schema"):
            raise CodegenError(shown, "/$schema", f"only JSON Schema 2020-12 is supported, not {declared!r}")
        return document

    def shown(self, file_name: str) -> str:
        return f"{self.shown_as}/{file_name}"

    def root(self, file_name: str) -> Location:
        return Location(self.shown(file_name), "")

    def file_name(self, location: Location) -> str:
        return location.file.rsplit("/", 1)[-1]

    def at(self, location: Location) -> Any:
        """The schema at a location (the location is known to exist)."""
        node = self.documents[self.file_name(location)]
        for part in location.pointer.split("/")[1:]:
            key = unquote(part).replace("~1", "/").replace("~0", "~")
            node = node[int(key)] if isinstance(node, list) else node[key]
        return node

    def resolve(self, ref: str, where: Location) -> Location:
        """Where a `$ref` points: `#/$defs/X` in the same file or `other.schema.json#/...`; refuses anything else."""
        target, _, fragment = ref.partition("#")
        if target.startswith(("http:", "https:", "/")) or "/" in target:
            raise where.error(f"$ref {ref!r}: only sibling files of this directory can be referenced")
        file_name = target or self.file_name(where)
        if file_name not in self.documents:
            raise where.error(f"$ref {ref!r} names {file_name!r}, which is not a schema file of {self.shown_as}/")
        if fragment and not fragment.startswith("/"):
            raise where.error(f"$ref {ref!r}: anchors are not supported, use a JSON pointer")
        location = Location(self.shown(file_name), fragment)
        try:
            self.at(location)
        except (KeyError, IndexError, ValueError, TypeError):
            raise where.error(f"$ref {ref!r} points at nothing: {location} does not exist") from None
        return location
