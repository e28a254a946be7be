"""What codegen knows of one generated models module before it is rendered: its enums, Structs, fields and type
aliases, and the naming rules (PascalCase classes, snake_case attributes) they follow."""

from __future__ import annotations

import keyword
import re
from dataclasses import dataclass, field
from typing import Any

from schema_files import Location

# Builtins the annotations name: a field called `int` would hide the type from the annotations after it.
BUILTIN_TYPES = {"str", "int", "float", "bool", "bytes", "list", "dict"}
RESERVED = BUILTIN_TYPES | {"Annotated", "Any", "Dict", "List", "Literal", "TypeAlias", "Enum", "IntEnum", "Struct",
                            "Meta", "UNSET", "UnsetType", "field", "unique_items", "annotations"}  # fmt: skip


@dataclass
class FieldDef:
    name: str
    wire: str
    annotation: str
    default: str | None
    doc: str | None
    unique: bool


@dataclass
class StructDef:
    name: str
    doc: str | None
    fields: list[FieldDef]
    forbid: bool
    tag_field: str | None
    tag: Any
    location: str = ""


@dataclass
class EnumDef:
    name: str
    base: str
    members: list[tuple[str, Any]]
    doc: str | None


@dataclass
class AliasDef:
    name: str
    code: str
    doc: str | None
    needs: set[str]


@dataclass
class ModuleDef:
    name: str
    source: str
    enums: list[EnumDef] = field(default_factory=list)
    structs: list[StructDef] = field(default_factory=list)
    aliases: list[AliasDef] = field(default_factory=list)
    imports: dict[str, set[str]] = field(default_factory=dict)  # module -> names
    claimed: dict[str, str] = field(default_factory=dict)  # Python name -> where it comes from

    def claim(self, name: str, origin: str, where: Location) -> None:
        if name in RESERVED:
            raise where.error(f"the Python name {name!r} collides with a name the generated module imports; "
                              "set x-python-name")  # fmt: skip
        if self.claimed.get(name, origin) != origin:
            raise where.error(f"two definitions would be named {name!r} in module {self.name} "
                              f"({self.claimed[name]} and {origin}); set x-python-name on one")  # fmt: skip
        self.claimed[name] = origin

    @property
    def uses_checks(self) -> bool:
        return any(f.unique for s in self.structs for f in s.fields)

    def ordered_aliases(self) -> list[AliasDef]:
        """Aliases after the aliases their values evaluate (structs and enums come first anyway)."""
        done: list[AliasDef] = []
        by_name = {alias.name: alias for alias in self.aliases}

        def visit(alias: AliasDef) -> None:
            if alias in done:
                return
            for need in sorted(alias.needs):
                if need in by_name and need != alias.name:
                    visit(by_name[need])
            done.append(alias)

        for alias in self.aliases:
            visit(alias)
        return done


def pascal(name: str) -> str:
    if re.fullmatch(r"[A-Z][A-Za-z0-9]*", name):
        return name
    parts = re.split(r"[^A-Za-z0-9]+", name)
    joined = "".join(part[:1].upper() + part[1:] for part in parts if part)
    return joined if joined and not joined[0].isdigit() else "T" + joined


def snake(name: str) -> str:
    text = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name)
    text = re.sub(r"\W+", "_", text).strip("_").lower() or "field"
    if text[0].isdigit():
        text = "field_" + text
    return text + "_" if keyword.iskeyword(text) else text
