"""Regressions: bugs these tests found in codegen/ and src/sdkcore/, now fixed. Dot segments and commas inside
array items stay inside their parameter, bodiless stubs pass codegen's lint, enum defaults are members, union
answers type-check and fail with the decode error, and parameter defaults and path parameters are checked.

Most run against a variant of the fixture API with one more operation, `probe`: enum query parameters with a
default (inline and by $ref) and a 200 answer that is a union (anyOf).
"""

from __future__ import annotations

import contextlib
import copy
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from sdkcore.errors import APIError, ResponseDecodeError
from sdkcore.transport import SyncTransport
from tests.operation_shapes.generation import API, GENERATE, PACKAGE, ROOT, SPEC, imported, run_codegen
from tests.operation_shapes.server import API_KEY, Reply, ShapesServer

FIXTURE: dict[str, Any] = json.loads((SPEC / API / "openapi.json").read_text(encoding="utf-8"))
PROBE = {
    "get": {
        "operationId": "probe",
        "parameters": [
            {"name": "sort", "in": "query", "schema": {"type": "string", "enum": ["asc", "desc"], "default": "asc"}},
            {"name": "color", "in": "query", "schema": {"$ref": "#/components/schemas/Color", "default": "red"}},
        ],
        "responses": {
            "200": {
                "description": "A widget, or only its name.",
                "content": {
                    "application/json": {
                        "schema": {"anyOf": [{"$ref": "#/components/schemas/Widget"}, {"type": "string"}]}
                    }
                },
            }
        },
    }
}


def write_spec(root: Path, change: Callable[[dict[str, Any]], None]) -> Path:
    """The fixture API with `change` applied to its OpenAPI document, as `root`/spec/shapes/."""
    document = copy.deepcopy(FIXTURE)
    change(document)
    shutil.copytree(SPEC / API, root / "spec" / API)
    (root / "spec" / API / "openapi.json").write_text(json.dumps(document, indent=2), encoding="utf-8")
    return root / "spec"


def _add_probe(document: dict[str, Any]) -> None:
    document["paths"]["/probe"] = copy.deepcopy(PROBE)


@pytest.fixture(scope="module")
def variant(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("shapes-variant")
    result = run_codegen(write_spec(root, _add_probe), root / "out")
    assert result.returncode == 0, result.stderr
    return root / "out"


@pytest.fixture(scope="module")
def variant_ops(variant: Path) -> Iterator[ModuleType]:
    with imported(variant, f"{PACKAGE}.operations") as (ops,):
        yield ops


@pytest.fixture(scope="module")
def variant_mypy(variant: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    """What mypy --strict says about the variant's generated package."""
    work = tmp_path_factory.mktemp("shapes-variant-mypy")
    (work / "use.py").write_text("from shapes_api import operations\n\nprint(operations.probe)\n", encoding="utf-8")
    command = [sys.executable, "-m", "mypy", "--python-version", "3.10", "--strict", "--no-error-summary",
               "--hide-error-context", "--no-pretty", "--cache-dir", str(work / "cache"), "use.py"]  # fmt: skip
    env = {**os.environ, "MYPYPATH": os.pathsep.join([str(ROOT / "src"), str(variant)])}
    result = subprocess.run(command, cwd=work, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode in (0, 1), result.stdout + result.stderr
    assert not re.search(r"\[import|Cannot find", result.stdout), result.stdout  # it did read the package
    return result.stdout


def send(ops: ModuleType, server: ShapesServer, stub: str, **kwargs: Any) -> Any:
    settings: dict[str, Any] = {"profile": ops.API, "api_key": API_KEY, "max_retries": 0}
    with SyncTransport("http://shapes.test", http_transport=server.mock(), **settings) as transport:
        return getattr(ops, stub)(transport, **kwargs)


def get_widget(**override: Any) -> dict[str, Any]:
    return {"name": "w", "id": 7, "flag": True, "color": "red", "keys": ["k"], "q": "q", **override}


def test_path_array_items_keep_their_own_commas_apart_from_the_separator(variant_ops: ModuleType) -> None:
    server = ShapesServer()
    send(variant_ops, server, "get_widget", **get_widget(keys=["x", "y"]))
    send(variant_ops, server, "get_widget", **get_widget(keys=["x,y"]))
    separated, one_item = (request.raw_path.rsplit("/", 1)[1] for request in server.requests)
    assert (separated, one_item) == ("x,y", "x%2Cy")  # RFC 6570 {keys}, as OpenAPI's style simple writes it


def test_query_array_items_keep_their_own_commas_apart_from_the_separator(variant_ops: ModuleType) -> None:
    server = ShapesServer()
    send(variant_ops, server, "list_widgets", fields=["a", "b"])
    send(variant_ops, server, "list_widgets", fields=["a,b"])
    assert [request.raw_query for request in server.requests] == ["fields=a,b", "fields=a%2Cb"]  # RFC 6570 {?fields}


@pytest.mark.parametrize("name", ["..", "."])
def test_a_dot_segment_value_stays_in_its_segment(variant_ops: ModuleType, name: str) -> None:
    server = ShapesServer()
    with contextlib.suppress(APIError):  # where the request went is what matters here
        send(variant_ops, server, "get_widget", **get_widget(name=name))
    assert server.requests[0].raw_path.split("/")[1:3] == ["widgets", name.replace(".", "%2E")]


def test_the_generated_package_passes_codegens_own_lint(variant: Path) -> None:
    command = [sys.executable, str(GENERATE), "--lint", "--output", str(variant)]
    lint = subprocess.run(command, capture_output=True, text=True, check=False, timeout=60, cwd=ROOT)
    assert lint.returncode == 0, lint.stdout


def test_enum_parameter_defaults_are_typed_as_members(variant_mypy: str) -> None:
    assert "Incompatible default for parameter" not in variant_mypy, variant_mypy


def test_enum_parameter_defaults_are_sent_as_their_values(variant_ops: ModuleType) -> None:
    """At run time the wire-string default works: msgspec converts it to the member."""
    server = ShapesServer()
    server.queue(Reply(200, "w"))
    assert send(variant_ops, server, "probe") == "w"
    assert server.requests[0].query == [("sort", "asc"), ("color", "red")]


def test_a_union_answer_type_checks(variant_mypy: str) -> None:
    assert not re.search(r'Argument 3 to "decode" .* has incompatible type', variant_mypy), variant_mypy


def test_a_union_answer_that_does_not_match_raises_the_decode_error(variant_ops: ModuleType) -> None:
    server = ShapesServer()
    server.queue(Reply(200, [1, 2]))
    with pytest.raises(ResponseDecodeError, match="probe: the 200 response does not match"):
        send(variant_ops, server, "probe")


def _bad_default(document: dict[str, Any]) -> None:
    parameter = document["paths"]["/widgets/{name}/{id}/{flag}/{color}/{keys}"]["get"]["parameters"][6]
    assert parameter["name"] == "limit"
    parameter["schema"]["default"] = 0  # below its minimum of 1: every call that leaves it out raises ValueError


def _unused_path_parameter(document: dict[str, Any]) -> None:
    # /widgets has no {id}: the stub takes `id`, drops it, and sends GET /widgets
    document["paths"]["/widgets"]["get"]["parameters"].append(
        {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}
    )


@pytest.mark.parametrize("change", [_bad_default, _unused_path_parameter], ids=["bad-default", "unused-path-param"])
def test_codegen_refuses_parameters_the_stub_cannot_honour(
    change: Callable[[dict[str, Any]], None], tmp_path: Path
) -> None:
    result = run_codegen(write_spec(tmp_path, change), tmp_path / "out")
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
