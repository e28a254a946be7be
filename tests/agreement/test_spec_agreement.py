"""Every schema entry of spec/waygrid and spec/exosphere against the model generated from it.

One test per entry: the file's root (its Python type is the class named by the file's `title`) and every
`$defs/<Key>` (the attribute `<Key>` of the same module). Instances are decoded and re-encoded with the package's own
codec, whose hooks read Waygrid's durations and timestamps. See tests/agreement/check.py for what is compared.
"""

from __future__ import annotations

import functools
import importlib
import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from referencing import Registry

from tests.agreement.check import Disagreement, check
from tests.agreement.deviations import unexplained
from tests.support.ecma_validator import SPEC
from tests.support.ecma_validator import registry_of as load_registry

PACKAGES = {"waygrid": "waygrid_api", "exosphere": "exosphere_api"}
SEED = 0
VALID = 40
MUTANTS = 100
SKIP_CATEGORIES: frozenset[str] = frozenset()
"""Mutation categories left out (none: the known deviations are filtered by tests/agreement/deviations.py)."""
SKIPPED: dict[str, str] = {}
"""Entries (`<api>/<file>#<pointer>`) that have no Python name, with the reason; every other entry must have one."""
SHOWN = 10


@dataclass(frozen=True)
class Entry:
    api: str
    file: Path
    pointer: str
    name: str

    @property
    def id(self) -> str:
        return f"{self.api}/{self.file.name}#{self.pointer}"

    @property
    def module(self) -> str:
        return f"{PACKAGES[self.api]}.models.{self.file.name.removesuffix('.schema.json').replace('-', '_')}"


def _entries() -> list[Entry]:
    entries: list[Entry] = []
    for api in PACKAGES:
        for path in sorted((SPEC / api).glob("*.schema.json")):
            schema = json.loads(path.read_text(encoding="utf-8"))
            entries.append(Entry(api, path, "", schema["title"]))
            entries += [Entry(api, path, f"/$defs/{key}", key) for key in schema.get("$defs", {})]
    return entries


ENTRIES = _entries()


@functools.cache
def _registry(api: str) -> Registry[Any]:
    return load_registry(sorted((SPEC / api).glob("*.schema.json")))


def _describe(entry: Entry, found: list[Disagreement]) -> str:
    kinds = ", ".join(f"{category} x{count}" for category, count in Counter(d.category for d in found).most_common())
    lines = [f"{entry.module}:{entry.name} disagrees with {entry.id} on {len(found)} instances ({kinds})"]
    lines += [f"  {index}. {disagreement}" for index, disagreement in enumerate(found[:SHOWN], 1)]
    if len(found) > SHOWN:
        lines.append(f"  ... and {len(found) - SHOWN} more")
    return "\n".join(lines)


def test_skipped_entries_exist() -> None:
    assert set(SKIPPED) <= {entry.id for entry in ENTRIES}


@pytest.mark.parametrize("entry", ENTRIES, ids=[entry.id for entry in ENTRIES])
def test_model_agrees_with_schema(entry: Entry) -> None:
    if entry.id in SKIPPED:
        pytest.skip(SKIPPED[entry.id])
    module = importlib.import_module(entry.module)
    model = getattr(module, entry.name, None)
    assert model is not None, (
        f"{entry.id} has no Python name {entry.module}:{entry.name}: add it to SKIPPED, saying why"
    )
    codec = importlib.import_module(f"{PACKAGES[entry.api]}.codec")
    schema_id = json.loads(entry.file.read_text(encoding="utf-8"))["$id"]
    uri = schema_id + (f"#{entry.pointer}" if entry.pointer else "")
    found = check(
        _registry(entry.api),
        uri,
        model,
        codec.decode,
        codec.encode,
        seed=SEED,
        valid=VALID,
        mutants=MUTANTS,
        skip_categories=SKIP_CATEGORIES,
    )
    found = unexplained(found)
    if found:
        pytest.fail(_describe(entry, found), pytrace=False)


@pytest.mark.parametrize("api", sorted(PACKAGES))
def test_every_openapi_component_is_an_entry_checked_here(api: str) -> None:
    """The OpenAPI components point into the schema files, so checking the files' entries checks them too."""
    openapi = json.loads((SPEC / api / "openapi.json").read_text(encoding="utf-8"))
    checked = {entry.id for entry in ENTRIES}
    for name, component in openapi["components"]["schemas"].items():
        file_name, _, pointer = component["$ref"].partition("#")
        assert f"{api}/{file_name}#{pointer}" in checked, f"components/schemas/{name} is not checked"
