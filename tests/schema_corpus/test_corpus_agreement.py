"""Every construct codegen accepts (constructs.json, outcome "agrees") is generated, and each of its schema entries
agrees with its model on seeded valid and mutated instances, by the same check as spec/."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from urllib.parse import quote

import pytest

from tests.agreement import check, load_registry
from tests.agreement.deviations import unexplained
from tests.schema_corpus.corpus import Construct, codegen_in_process, constructs, generate, importable, write_api

AGREES = constructs("agrees")
ENTRIES = [(c, pointer) for c in AGREES for pointer in ["", *(f"/$defs/{key}" for key in c.schema.get("$defs", {}))]]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ModuleType, Path, dict[str, str]]]:
    root = tmp_path_factory.mktemp("corpus")
    directory = write_api(root / "spec", "corpus", {c.file_name: c.schema for c in AGREES})
    with codegen_in_process() as generate_module:
        generate(generate_module, root / "spec", "corpus", "corpus_api", root / "out")
        names = {
            key: importlib.import_module("models").pascal(key) for c in AGREES for key in c.schema.get("$defs", {})
        }
    with importable(root / "out", "corpus_api") as package:
        yield package, directory, names


@pytest.mark.parametrize(("construct", "pointer"), ENTRIES, ids=[f"{c.name}#{p}" for c, p in ENTRIES])
def test_model_agrees_with_schema(construct: Construct, pointer: str,
                                  corpus: tuple[ModuleType, Path, dict[str, str]]) -> None:  # fmt: skip
    package, directory, names = corpus
    module = importlib.import_module(f"corpus_api.models.{construct.module}")
    codec = importlib.import_module("corpus_api.codec")
    model = getattr(module, "Root" if not pointer else names[pointer.rsplit("/", 1)[-1]])
    registry = load_registry(sorted(directory.glob("*.schema.json")))
    fragment = quote(pointer, safe="/$")  # a JSON pointer in a URI fragment is percent-encoded
    found = unexplained(check(registry, construct.schema["$id"] + (f"#{fragment}" if pointer else ""), model,
                              codec.decode, codec.encode, seed=0, valid=40, mutants=100))  # fmt: skip
    assert not found, "\n".join(str(d) for d in found[:10])
    assert package.__name__ == "corpus_api"
