"""One test per construct that used to compile to a model laxer than its schema (issue 13): each is now enforced
by the model, or refused by codegen naming the file and pointer (the refusals: test_refusals.py)."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import msgspec
import pytest

from tests.schema_corpus.corpus import codegen_in_process, constructs, generate, importable, write_api


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    root = tmp_path_factory.mktemp("silent")
    write_api(root / "spec", "corpus", {c.file_name: c.schema for c in constructs("agrees")})
    with codegen_in_process() as generate_module:
        generate(generate_module, root / "spec", "corpus", "corpus_api", root / "out")
    with importable(root / "out", "corpus_api"):
        yield importlib.import_module("corpus_api.codec")


def model(name: str, attribute: str = "Root") -> Any:
    return getattr(importlib.import_module(f"corpus_api.models.{name}"), attribute)


def rejects(codec: ModuleType, document: bytes, type_: Any, message: str) -> None:
    with pytest.raises(msgspec.ValidationError) as caught:
        codec.decode(document, type_)
    assert message in str(caught.value)


def test_a_nested_inline_closed_object_rejects_unknown_members(corpus: ModuleType) -> None:
    root = model("nested_inline_closed")
    rejects(corpus, b'{"inner": {"x": 1, "y": 2}}', root, "Object contains unknown field `y` - at `$.inner`")
    assert corpus.encode(corpus.decode(b'{"inner": {"x": 1}}', root)) == b'{"inner":{"x":1}}'


def test_a_defs_entry_keyed_in_snake_case_keeps_additional_properties_false(corpus: ModuleType) -> None:
    rejects(corpus, b'{"rule": {"times": 1, "extra": 0}}', model("defs_key_not_pascal"),
            "Object contains unknown field `extra` - at `$.rule`")  # fmt: skip
    assert model("defs_key_not_pascal", "RetryRule").__name__ == "RetryRule"


def test_unique_items_is_enforced_after_decoding(corpus: ModuleType) -> None:
    root = model("unique_items")
    rejects(corpus, b'{"tags": ["a", "b", "a"]}', root, "`tags` must not repeat items (uniqueItems): items 0 and 2")
    rejects(corpus, b'{"tags": [], "points": [[1], [1.0]]}', root, "`points` must not repeat items")
    assert corpus.decode(b'{"tags": ["a", "b"]}', root).tags == ["a", "b"]


@pytest.mark.parametrize(
    ("member", "bad", "good"),
    [
        ("day", "2023-02-29", "2024-02-29"),
        ("at", "2024-01-01t00:00:00Z", "2024-01-01T00:00:00.5+01:00"),
        ("id", "123e4567-e89b-12d3-a456-42661417400", "123E4567-e89b-12d3-a456-426614174000"),
    ],
)
def test_formats_are_enforced(corpus: ModuleType, member: str, bad: str, good: str) -> None:
    root = model("formats")
    values = {"day": "2024-01-01", "at": "2024-01-01T00:00:00Z", "id": "123e4567-e89b-12d3-a456-426614174000"}
    rejects(corpus, msgspec.json.encode({**values, member: bad}), root, f"- at `$.{member}`")
    corpus.decode(msgspec.json.encode({**values, member: good}), root)


def test_a_union_of_objects_without_discriminator_is_tagged_by_its_common_const(corpus: ModuleType) -> None:
    union = model("one_of_objects_common_const")
    assert type(corpus.decode(b'{"op": "remove"}', union)).__name__ == "Remove"
    rejects(corpus, b'{"op": "rename"}', union, "Invalid value 'rename' - at `$.op`")


def test_a_discriminator_mapping_that_agrees_with_the_consts_decodes(corpus: ModuleType) -> None:
    union = model("one_of_discriminator_mapping")
    assert type(corpus.decode(b'{"kind": "dog"}', union)).__name__ == "Dog"


def test_a_tagged_variant_decoded_on_its_own_needs_its_tag(corpus: ModuleType) -> None:
    cat = model("one_of_discriminator", "Cat")
    rejects(corpus, b'{"lives": 9}', cat, "Object missing required field `kind`")
    rejects(corpus, b'{"kind": "dog", "lives": 9}', cat, "Invalid value 'dog' - at `$.kind`")
    assert corpus.decode(b'{"kind": "cat", "lives": 9}', cat).lives == 9


def test_a_required_member_after_optional_ones_keeps_the_schema_order(corpus: ModuleType) -> None:
    root = model("required_after_optional")
    assert corpus.encode(root(c=3, b=2, a=1)) == b'{"a":1,"b":2,"c":3}'
    assert list(root.__struct_fields__) == ["a", "b", "c"]


def test_x_python_name_keeps_the_attribute_across_a_wire_rename(corpus: ModuleType) -> None:
    root = model("wire_rename")
    value = corpus.decode(b'{"maxAttempts": 4}', root)
    assert value.retries == 4
    assert corpus.encode(value) == b'{"maxAttempts":4}'


def test_patterns_mean_what_ecma_262_says(corpus: ModuleType) -> None:
    root = model("pattern_ecma")
    ok = {"word": "a", "digits": "1", "line": "x"}
    rejects(corpus, msgspec.json.encode({**ok, "word": "a\ufeff"}), root, "- at `$.word`")
    corpus.decode(msgspec.json.encode({**ok, "word": "a\x1c"}), root)
    rejects(corpus, msgspec.json.encode({**ok, "digits": "\u0663"}), root, "- at `$.digits`")
    rejects(corpus, msgspec.json.encode({**ok, "digits": "1\n"}), root, "- at `$.digits`")
    rejects(corpus, msgspec.json.encode({**ok, "line": "\u2028"}), root, "- at `$.line`")


def test_defaults_are_filled_and_typed(corpus: ModuleType) -> None:
    value = corpus.decode(b"{}", model("defaults"))
    assert type(value.color).__name__ == "Color"
    assert (value.n, value.maybe, value.xs, value.m, value.opts.verbose) == (3, None, [], {}, False)


def test_an_unset_member_stays_out_of_the_repr(corpus: ModuleType) -> None:
    value = corpus.decode(b'{"c": 1}', model("required_after_optional"))
    assert repr(value) == "Root(c=1)"


def test_missing_file_names_the_spec_file_not_a_staging_path(tmp_path: Path) -> None:
    schema = next(c for c in constructs("refused") if c.name == "missing-file-ref")
    write_api(tmp_path, "corpus", {schema.file_name: schema.schema})
    with codegen_in_process() as generate_module, pytest.raises(generate_module.CodegenError) as refused:
        generate(generate_module, tmp_path, "corpus", "corpus_api", tmp_path / "out")
    assert str(refused.value).startswith("spec/corpus/missing-file-ref.schema.json#/properties/x/$ref: ")
    assert str(tmp_path) not in str(refused.value)
