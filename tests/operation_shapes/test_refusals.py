"""What codegen refuses: each case is the fixture API with one construct changed to one codegen does not support.

Codegen must exit 2 with `codegen refused the spec: spec/shapes/openapi.json#<pointer>: <message>`, the pointer
naming the construct in the changed document, with no traceback and nothing written.
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.operation_shapes.generation import API, PACKAGE, SPEC, run_codegen

FIXTURE: dict[str, Any] = json.loads((SPEC / API / "openapi.json").read_text(encoding="utf-8"))
GET_WIDGET = "/paths/~1widgets~1{name}~1{id}~1{flag}~1{color}~1{keys}/get"
WIDGETS = "/paths/~1widgets"
ONE_WIDGET = "/paths/~1widgets~1{id}"
SHOWN = f"spec/{API}/openapi.json"


def at(document: Any, pointer: str) -> Any:
    """The node a JSON pointer names (KeyError / IndexError when there is none)."""
    node = document
    for part in pointer.split("/")[1:]:
        key = part.replace("~1", "/").replace("~0", "~")
        node = node[int(key)] if isinstance(node, list) else node[key]
    return node


@dataclass(frozen=True)
class Refusal:
    id: str
    change: Callable[[dict[str, Any]], None]
    pointer: str
    message: str  # a piece of the explanation


def _add_list_parameter(parameter: dict[str, Any]) -> Callable[[dict[str, Any]], None]:
    def change(document: dict[str, Any]) -> None:
        at(document, WIDGETS + "/get/parameters").append(parameter)

    return change


def _text_request_body(document: dict[str, Any]) -> None:
    at(document, WIDGETS + "/post/requestBody")["content"] = {"text/plain": {"schema": {"type": "string"}}}


def _text_success(document: dict[str, Any]) -> None:
    at(document, WIDGETS + "/get/responses/200")["content"] = {"text/plain": {"schema": {"type": "string"}}}


def _range_status(document: dict[str, Any]) -> None:
    at(document, ONE_WIDGET + "/delete/responses")["4XX"] = {
        "description": "Any client error.",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}},
    }


def _no_operation_id(document: dict[str, Any]) -> None:
    del at(document, ONE_WIDGET + "/delete")["operationId"]


def _undeclared_path_parameter(document: dict[str, Any]) -> None:
    del at(document, ONE_WIDGET)["parameters"]


def _optional_path_parameter(document: dict[str, Any]) -> None:
    at(document, "/components/parameters/WidgetId")["required"] = False


def _optional_inline_path_parameter(document: dict[str, Any]) -> None:
    at(document, GET_WIDGET + "/parameters/0")["required"] = False


def _content_parameter(document: dict[str, Any]) -> None:
    at(document, WIDGETS + "/get/parameters/0")["content"] = {"application/json": {"schema": {"type": "string"}}}


def _no_success(document: dict[str, Any]) -> None:
    del at(document, ONE_WIDGET + "/delete/responses")["204"]


def _missing_component(document: dict[str, Any]) -> None:
    at(document, ONE_WIDGET)["parameters"] = [{"$ref": "#/components/parameters/Nope"}]


def _header_form_style(document: dict[str, Any]) -> None:
    at(document, GET_WIDGET + "/parameters/14")["style"] = "form"


def _same_python_name(document: dict[str, Any]) -> None:
    at(document, GET_WIDGET + "/parameters").append({"name": "x_count", "in": "query", "schema": {"type": "integer"}})


REFUSALS = [
    Refusal("text-plain-request-body", _text_request_body, WIDGETS + "/post/requestBody/content",
            "only application/json request bodies are supported, found ['text/plain']"),
    Refusal("text-plain-2xx", _text_success, WIDGETS + "/get/responses/200/content",
            "a 2xx answer must be application/json or have no content, found ['text/plain']"),
    Refusal("cookie-parameter",
            _add_list_parameter({"name": "session", "in": "cookie", "schema": {"type": "string"}}),
            WIDGETS + "/get/parameters/2/in", "'cookie' parameters are not supported"),
    Refusal("deep-object-query",
            _add_list_parameter({"name": "filter", "in": "query", "style": "deepObject",
                                 "schema": {"type": "object", "properties": {"a": {"type": "string"}}}}),
            WIDGETS + "/get/parameters/2/style", "style 'deepObject' for a query parameter is not supported"),
    Refusal("object-query",
            _add_list_parameter({"name": "filter", "in": "query",
                                 "schema": {"type": "object", "properties": {"a": {"type": "string"}}}}),
            WIDGETS + "/get/parameters/2/schema", "object-valued parameters are not supported"),
    Refusal("map-query",
            _add_list_parameter({"name": "filter", "in": "query",
                                 "schema": {"type": "object", "additionalProperties": {"type": "string"}}}),
            WIDGETS + "/get/parameters/2/schema", "object-valued parameters are not supported"),
    Refusal("4XX-response-key", _range_status, ONE_WIDGET + "/delete/responses/4XX",
            "ranges such as 4XX are not supported"),
    Refusal("missing-operation-id", _no_operation_id, ONE_WIDGET + "/delete", "every operation needs an operationId"),
    Refusal("undeclared-path-parameter", _undeclared_path_parameter, ONE_WIDGET + "/put",
            "path parameters ['id'] are not declared"),
    Refusal("non-required-path-parameter-component", _optional_path_parameter,
            "/components/parameters/WidgetId/required", "a path parameter must be required"),
    Refusal("non-required-path-parameter-inline", _optional_inline_path_parameter,
            GET_WIDGET + "/parameters/0/required", "a path parameter must be required"),
    Refusal("matrix-path-parameter",
            lambda d: at(d, GET_WIDGET + "/parameters/0").update(style="matrix"), GET_WIDGET + "/parameters/0/style",
            "style 'matrix' for a path parameter is not supported"),
    Refusal("form-header-parameter", _header_form_style, GET_WIDGET + "/parameters/14/style",
            "style 'form' for a header parameter is not supported"),
    Refusal("content-typed-parameter", _content_parameter, WIDGETS + "/get/parameters/0",
            "parameter keywords ['content'] are not supported"),
    Refusal("no-2xx-response", _no_success, ONE_WIDGET + "/delete/responses",
            "an operation needs at least one 2xx response"),
    Refusal("component-ref-to-nothing", _missing_component, ONE_WIDGET + "/parameters/0",
            "'#/components/parameters/Nope' points at nothing"),
    Refusal("two-parameters-one-python-name", _same_python_name, GET_WIDGET + "/parameters/15",
            "two parameters get the Python argument name 'x_count'"),
]  # fmt: skip


@dataclass(frozen=True)
class Run:
    document: dict[str, Any]  # the changed OpenAPI document
    result: subprocess.CompletedProcess[str]
    out: Path


def _run(refusal: Refusal, root: Path) -> Run:
    document = copy.deepcopy(FIXTURE)
    refusal.change(document)
    spec = root / refusal.id / "spec"
    shutil.copytree(SPEC / API, spec / API)
    (spec / API / "openapi.json").write_text(json.dumps(document, indent=2), encoding="utf-8")
    out = root / refusal.id / "out"
    return Run(document, run_codegen(spec, out), out)


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Run]:
    """codegen over every changed copy, a few processes at a time."""
    root = tmp_path_factory.mktemp("refusals")
    with ThreadPoolExecutor(max_workers=max(2, min(8, os.cpu_count() or 1))) as pool:
        done = pool.map(lambda refusal: _run(refusal, root), REFUSALS)
        return {refusal.id: run for refusal, run in zip(REFUSALS, done, strict=True)}


@pytest.mark.parametrize("refusal", REFUSALS, ids=[refusal.id for refusal in REFUSALS])
def test_codegen_refuses_naming_the_pointer(refusal: Refusal, runs: dict[str, Run]) -> None:
    document, result, out = runs[refusal.id].document, runs[refusal.id].result, runs[refusal.id].out
    assert document != FIXTURE
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    prefix = f"codegen refused the spec: {SHOWN}#{refusal.pointer}: "
    assert result.stderr.startswith(prefix), result.stderr
    assert refusal.message in result.stderr, result.stderr
    assert result.stderr.count("\n") == 1, result.stderr
    at(document, refusal.pointer)  # the pointer names a node of the changed document
    assert not (out / PACKAGE).exists()


def test_the_unchanged_fixture_is_accepted(tmp_path: Path) -> None:
    result = run_codegen(SPEC, tmp_path / "out")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out" / PACKAGE / "operations.py").is_file()
