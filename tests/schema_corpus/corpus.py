"""The construct corpus (constructs.json) and codegen run on it in process, the way `generate.py` runs."""

from __future__ import annotations

import importlib
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from tests.support.generated import imported

ROOT = Path(__file__).resolve().parents[2]
CODEGEN = ROOT / "codegen"
CONSTRUCTS = Path(__file__).with_name("constructs.json")
CODEGEN_MODULES = (
    "generate",
    "models",
    "model_defs",
    "operations",
    "schema_files",
    "schema_types",
    "unions",
    "ecma_regex",
)
EMPTY_OPENAPI = {"openapi": "3.1.0", "info": {"title": "corpus", "version": "0"}, "paths": {}}


@dataclass(frozen=True)
class Construct:
    name: str
    construct: str
    outcome: str
    schema: dict[str, Any]
    pointer: str | None
    message: str | None

    @property
    def file_name(self) -> str:
        return f"{self.name}.schema.json"

    @property
    def module(self) -> str:
        return self.name.replace("-", "_")


def constructs(outcome: str | None = None) -> list[Construct]:
    found = [
        Construct(c["name"], c["construct"], c["outcome"], c["schema"], c.get("pointer"), c.get("message"))
        for c in json.loads(CONSTRUCTS.read_text(encoding="utf-8"))["constructs"]
    ]
    return [c for c in found if outcome is None or c.outcome == outcome]


@contextmanager
def codegen_in_process() -> Iterator[ModuleType]:
    """codegen/generate.py imported as a module, with sys.path and sys.modules restored afterwards."""
    saved = {name: sys.modules.pop(name) for name in CODEGEN_MODULES if name in sys.modules}
    sys.path.insert(0, str(CODEGEN))
    try:
        yield importlib.import_module("generate")
    finally:
        sys.path.remove(str(CODEGEN))
        for name in CODEGEN_MODULES:
            sys.modules.pop(name, None)
        sys.modules.update(saved)


def write_api(
    spec_root: Path, api: str, schemas: dict[str, dict[str, Any]], openapi: dict[str, Any] | None = None
) -> Path:
    directory = spec_root / api
    directory.mkdir(parents=True)
    for file_name, schema in schemas.items():
        (directory / file_name).write_text(json.dumps(schema, indent=2), encoding="utf-8")
    (directory / "openapi.json").write_text(json.dumps(openapi or EMPTY_OPENAPI, indent=2), encoding="utf-8")
    return directory


def generate(generate_module: ModuleType, spec_root: Path, api: str, package: str, out: Path) -> None:
    """Generate one API of `spec_root` into out/package (unformatted: formatting changes no behaviour)."""
    generate_module.generate_api(generate_module.Api(api, package, spec_root=spec_root), out)


@contextmanager
def importable(out: Path, package: str) -> Iterator[ModuleType]:
    """The generated `package` imported from `out`, and forgotten on exit."""
    with imported(out, package) as (module,):
        yield module
