"""Contract vectors, Python side: the generated Structs and an independent validator (jsonschema) agree on each."""

from __future__ import annotations

import json
from collections import Counter

import msgspec
import pytest

from tests.contract.vectors import (
    FORMATS,
    MINIMUM_CASES,
    VECTORS,
    Case,
    codec_for,
    load_cases,
    model_type,
    msgspec_error_path,
    path_matches,
    schema_error_paths,
    vector_files,
)
from tests.support.ecma_validator import ecma_validator

CASES = list(load_cases())


def test_vector_files_match_their_format() -> None:
    format_schema = json.loads((VECTORS / "vector-file.schema.json").read_text(encoding="utf-8"))
    for path in vector_files():
        ecma_validator(format_schema, FORMATS).validate(json.loads(path.read_text(encoding="utf-8")))


def test_case_names_are_unique_per_api() -> None:
    repeated = [key for key, count in Counter(case.id for case in CASES).items() if count > 1]
    assert repeated == []


@pytest.mark.parametrize(("api", "minimum"), sorted(MINIMUM_CASES.items()))
def test_each_api_has_enough_vectors(api: str, minimum: int) -> None:
    cases = [case for case in CASES if case.api == api]
    assert len(cases) >= minimum
    assert any(case.valid for case in cases)
    assert any(not case.valid for case in cases)


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_generated_structs(case: Case) -> None:
    codec = codec_for(case.model)
    raw = json.dumps(case.document, ensure_ascii=False).encode()
    if case.valid:
        value = codec.decode(raw, model_type(case.model))
        assert json.loads(codec.encode(value)) == case.encoded
    else:
        with pytest.raises(msgspec.ValidationError) as caught:
            codec.decode(raw, model_type(case.model))
        assert case.error_path is not None
        assert path_matches(case.error_path, msgspec_error_path(caught.value)), str(caught.value)


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_jsonschema_agrees(case: Case) -> None:
    paths = schema_error_paths(case.document, case.schema)
    if case.valid:
        assert paths == []
        assert schema_error_paths(case.encoded, case.schema) == []
    else:
        assert case.error_path in paths, paths
