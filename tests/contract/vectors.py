"""Load the cross-language contract vectors of spec/vectors/ and the schemas they are checked against."""

from __future__ import annotations

import importlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import msgspec
from jsonschema.exceptions import ValidationError
from referencing import Registry

from tests.support.ecma_validator import ecma_validator, registry_of

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "spec"
VECTORS = SPEC / "vectors"
FORMATS = SPEC / "formats.json"
MINIMUM_CASES = {"waygrid": 40, "exosphere": 25}

_AT_PATH = re.compile(r" - at `(?:key` in `)?(\$[^`]*)`$")
_ANY_MEMBER = re.escape("[...]")


@dataclass(frozen=True)
class Case:
    file: str
    api: str
    schema: str
    model: str
    name: str
    valid: bool
    document: Any
    error_path: str | None
    encoded: Any

    @property
    def id(self) -> str:
        return f"{self.api}/{self.name}"


def vector_files() -> list[Path]:
    return sorted(VECTORS.glob("*/*.json"))


def load_cases() -> Iterator[Case]:
    for path in vector_files():
        data = json.loads(path.read_text(encoding="utf-8"))
        for case in data["cases"]:
            yield Case(
                file=str(path.relative_to(VECTORS)),
                api=data["api"],
                schema=data["schema"],
                model=data["model"],
                name=case["name"],
                valid=case["valid"],
                document=case["document"],
                error_path=case.get("error", {}).get("path"),
                encoded=case.get("encoded", case["document"]),
            )


@cache
def registry() -> Registry:
    return registry_of(sorted(SPEC.glob("*/*.schema.json")))


@cache
def schema_id(relative: str) -> str:
    file_name, _, fragment = relative.partition("#")
    schema = json.loads((SPEC / file_name).read_text(encoding="utf-8"))
    return schema["$id"] + (f"#{fragment}" if fragment else "")


@cache
def validator(relative: str) -> Any:
    """ECMA-262 patterns, the formats of spec/formats.json: see spec/vectors/README.md."""
    return ecma_validator({"$ref": schema_id(relative)}, FORMATS, registry())


def json_path(parts: Any) -> str:
    """A jsonschema error path (deque of keys and indexes) in msgspec's spelling: $.a[0].b."""
    return "$" + "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in parts)


def schema_error_paths(document: Any, relative: str) -> list[str]:
    """Every location jsonschema reports, descending into the branch errors of failed oneOf/anyOf."""
    found: list[str] = []
    pending = list(validator(relative).iter_errors(document))
    while pending:
        error = pending.pop()
        found.append(json_path(error_location(error)))
        pending.extend(error.context or ())
    return found


def error_location(error: ValidationError) -> list[Any]:
    """Where the vectors place a jsonschema error: repeated items at the object holding the array, as the models do."""
    parts = list(error.absolute_path)
    return parts[:-1] if error.validator == "uniqueItems" else parts


def model_type(model: str) -> Any:
    module, _, name = model.partition(":")
    return getattr(importlib.import_module(module), name)


def codec_for(model: str) -> Any:
    package = model.split(".", 1)[0]
    return importlib.import_module(f"{package}.codec")


def msgspec_error_path(error: msgspec.ValidationError) -> str:
    """The path msgspec names: `$.a[0]`; a bad map key is reported at its map; `[...]` stands for a map member."""
    match = _AT_PATH.search(str(error))
    return match.group(1) if match else "$"


def path_matches(expected: str, reported: str) -> bool:
    """Whether a reported path names the expected location, `[...]` matching any one member."""
    pattern = re.escape(reported).replace(_ANY_MEMBER, r"(?:\.[^.\[\]]+|\[[0-9]+\])")
    return re.fullmatch(pattern, expected) is not None
