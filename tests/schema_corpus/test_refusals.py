"""Every construct codegen cannot make a model agree with is refused, naming the file, the pointer and the rule;
and the same refusal reaches a maintainer as a one-line message from `generate.py` (exit 2, no traceback)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.schema_corpus.corpus import CODEGEN, Construct, codegen_in_process, constructs, write_api

REFUSED = constructs("refused")


@pytest.mark.parametrize("construct", REFUSED, ids=lambda c: c.name)
def test_codegen_refuses_the_construct(construct: Construct, tmp_path: Path) -> None:
    write_api(tmp_path, "corpus", {construct.file_name: construct.schema})
    with codegen_in_process() as generate, pytest.raises(generate.CodegenError) as refused:
        generate.generate_api(generate.Api("corpus", "corpus_api", spec_root=tmp_path), tmp_path / "out")
    error = refused.value
    assert error.file == f"spec/corpus/{construct.file_name}"
    assert f"#{error.pointer}" == construct.pointer, str(error)
    assert construct.message is not None
    assert construct.message in error.message, str(error)


def test_a_refusal_is_one_line_naming_file_and_pointer(tmp_path: Path) -> None:
    construct = next(c for c in REFUSED if c.name == "dangling-local-ref")
    write_api(tmp_path / "spec", "waygrid", {construct.file_name: construct.schema})
    write_api(tmp_path / "spec", "exosphere", {})
    result = subprocess.run(
        [sys.executable, str(CODEGEN / "generate.py"), "--spec", str(tmp_path / "spec"), "--output",
         str(tmp_path / "generated"), "--api", "waygrid:corpus_api"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.strip() == (
        "codegen refused the spec: spec/waygrid/dangling-local-ref.schema.json#/properties/x/$ref: "
        "$ref '#/$defs/Missing' points at nothing: "
        "spec/waygrid/dangling-local-ref.schema.json#/$defs/Missing does not exist"
    )


def test_a_file_that_is_not_json_is_named(tmp_path: Path) -> None:
    directory = write_api(tmp_path, "corpus", {})
    (directory / "broken.schema.json").write_text('{"title": ', encoding="utf-8")
    with codegen_in_process() as generate, pytest.raises(generate.CodegenError) as refused:
        generate.generate_api(generate.Api("corpus", "corpus_api", spec_root=tmp_path), tmp_path / "out")
    assert str(refused.value).startswith("spec/corpus/broken.schema.json#: not valid JSON")


def test_the_corpus_names_every_construct_the_issue_lists() -> None:
    names = {c.name for c in constructs()}
    wanted = {
        "nested-inline-closed", "defs-key-not-pascal", "additional-properties-true", "additional-properties-absent",
        "properties-with-additional-schema", "map-of-schema", "const-string-and-int", "enum-string-defs",
        "nullable-type-list", "one-of-discriminator", "one-of-discriminator-mapping", "one-of-objects-untagged",
        "any-of-primitives", "recursion", "all-of-several", "unique-items", "min-max-items", "pattern-ecma",
        "multiple-of", "exclusive-bounds", "prefix-items", "not", "if-then-else", "dependent-required",
        "mapping-differs-from-const", "dangling-local-ref", "missing-file-ref",
    }  # fmt: skip
    assert wanted <= names
    formats = {c.name.removeprefix("format-") for c in constructs() if c.name.startswith("format-")}
    covered = formats | set(json.loads((CODEGEN.parent / "spec" / "formats.json").read_text())["formats"])
    assert covered >= {"date-time", "date", "time", "duration", "email", "idn-email", "hostname", "idn-hostname",
                       "ipv4", "ipv6", "uri", "uri-reference", "iri", "iri-reference", "uuid", "uri-template",
                       "json-pointer", "relative-json-pointer", "regex"}  # fmt: skip
