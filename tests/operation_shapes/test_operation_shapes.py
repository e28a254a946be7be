"""Every operation shape codegen supports, end to end: spec/shapes/ -> codegen -> the generated stubs -> the wire.

The fixture API (spec/shapes/openapi.json) is generated into a temporary directory once per module; each stub is
called blocking and async against `server.ShapesServer`, and the test checks the exact request it received and
the Struct (or None, or typed error) the stub returned. mypy --strict then checks a user script against the stubs.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import os
import re
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any, Literal

import jsonschema  # type: ignore[import-untyped, unused-ignore]
import pytest

from sdkcore.errors import (
    APIStatusError,
    BadRequestError,
    ConflictError,
    InternalServerError,
    NotFoundError,
    ResponseDecodeError,
)
from sdkcore.transport import AsyncTransport, SyncTransport
from tests.operation_shapes.generation import PACKAGE, ROOT, SPEC, imported, run_codegen
from tests.operation_shapes.server import API_KEY, Recorded, Reply, ShapesServer, error_body, loopback

BASE_PATH = "/api/v1"
BASE_URL = f"http://shapes.test{BASE_PATH}"
Mode = Literal["sync", "async"]
MODES: tuple[Mode, ...] = ("sync", "async")
NO_BODY = b""


@dataclass(frozen=True)
class Shapes:
    """The generated package, imported from the temporary directory it was written to."""

    out: Path
    ops: ModuleType
    widgets: ModuleType
    errors: ModuleType
    inline: ModuleType


@pytest.fixture(scope="module")
def shapes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Shapes]:
    out = tmp_path_factory.mktemp("shapes-generated")
    result = run_codegen(SPEC, out)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    modules = [
        f"{PACKAGE}.operations",
        f"{PACKAGE}.models.widgets",
        f"{PACKAGE}.models.errors",
        f"{PACKAGE}.models.openapi",
    ]
    with imported(out, *modules) as (ops, widgets, errors, inline):
        yield Shapes(out, ops, widgets, errors, inline)
    assert not [name for name in sys.modules if name.split(".")[0] == PACKAGE]
    assert str(out) not in sys.path


@pytest.fixture
def server() -> ShapesServer:
    return ShapesServer(prefix=BASE_PATH)


def call(
    shapes: Shapes, server: ShapesServer, mode: Mode, stub: str, kwargs: dict[str, Any], base_url: str | None = None
) -> Any:
    """One stub call through a fresh SyncTransport or AsyncTransport (no retries): to `server` in process, or over
    HTTP to `base_url` when given."""
    settings: dict[str, Any] = {"profile": shapes.ops.API, "api_key": API_KEY, "max_retries": 0}
    if base_url is None:
        base_url = BASE_URL
        settings["http_transport"] = server.mock()
    if mode == "sync":
        sync_function: Callable[..., Any] = getattr(shapes.ops, stub)
        with SyncTransport(base_url, **settings) as blocking:
            return sync_function(blocking, **kwargs)
    async_function: Callable[..., Any] = getattr(shapes.ops, stub + "_async")

    async def run() -> Any:
        async with AsyncTransport(base_url, **settings) as transport:
            return await async_function(transport, **kwargs)

    return asyncio.run(run())


def only_request(server: ShapesServer) -> Recorded:
    assert len(server.requests) == 1, server.requests
    return server.requests[0]


def same_value(actual: Any, expected: Any) -> None:
    """Equal, and of the same classes all the way down (a Widget is not a WidgetCreated with the same fields)."""
    assert type(actual) is type(expected), (type(actual), type(expected))
    assert actual == expected
    if isinstance(expected, list):
        for got, wanted in zip(actual, expected, strict=True):
            same_value(got, wanted)


# --- the fixture and the generated package ----------------------------------------------------------------------


def test_the_fixture_schema_files_are_valid_2020_12_schemas() -> None:
    for path in sorted((SPEC / "shapes").glob("*.schema.json")):
        document = json.loads(path.read_text(encoding="utf-8"))
        assert document["$schema"] == "https://json-schema.org/draft/2020-12/schema", path
        assert document["$id"].endswith(path.name), path
        assert document["title"], path
        jsonschema.Draft202012Validator.check_schema(document)


def test_codegen_writes_the_package_and_one_stub_pair_per_operation(shapes: Shapes) -> None:
    files = sorted(str(p.relative_to(shapes.out / PACKAGE)) for p in (shapes.out / PACKAGE).rglob("*.py"))
    assert files == [
        "__init__.py",
        "codec.py",
        "models/__init__.py",
        "models/errors.py",
        "models/openapi.py",
        "models/widgets.py",
        "operations.py",
    ]
    assert (shapes.out / PACKAGE / "py.typed").is_file()
    openapi = json.loads((SPEC / "shapes" / "openapi.json").read_text(encoding="utf-8"))
    ids = [op["operationId"] for item in openapi["paths"].values() for op in item.values() if isinstance(op, dict)]
    snake = [re.sub(r"(?<=[a-z])(?=[A-Z])", "_", op_id).lower() for op_id in ids]
    assert sorted(snake) == [
        "create_widget",
        "delete_widget",
        "get_widget",
        "list_widgets",
        "patch_widget",
        "replace_widget",
    ]
    for name in snake:
        assert callable(getattr(shapes.ops, name))
        assert inspect.iscoroutinefunction(getattr(shapes.ops, name + "_async"))
        assert getattr(shapes.ops, name.upper()).operation_id == name
    assert sorted(shapes.ops.__all__) == sorted(
        ["API", *(n.upper() for n in snake), *snake, *(n + "_async" for n in snake)]
    )


def test_the_api_profile_comes_from_the_security_scheme_and_root_extensions(shapes: Shapes) -> None:
    api = shapes.ops.API
    assert (api.name, api.auth_header, api.auth_scheme) == ("shapes", "X-Api-Key", None)
    assert (api.idempotency_header, api.request_id_header) == ("Idempotency-Key", "x-shapes-request-id")


def test_operation_constants_describe_methods_paths_statuses_and_error_types(shapes: Shapes) -> None:
    ops, error_body_type = shapes.ops, shapes.errors.ErrorBody
    described = {
        op.operation_id: (op.method, op.path, sorted(op.success_status), dict(op.error_types), op.default_error_type)
        for op in (
            ops.GET_WIDGET,
            ops.LIST_WIDGETS,
            ops.CREATE_WIDGET,
            ops.REPLACE_WIDGET,
            ops.PATCH_WIDGET,
            ops.DELETE_WIDGET,
        )
    }
    assert described == {
        "get_widget": (
            "GET",
            "/widgets/{name}/{id}/{flag}/{color}/{keys}",
            [200],
            {400: error_body_type, 404: error_body_type},
            error_body_type,
        ),
        "list_widgets": ("GET", "/widgets", [200], {}, None),
        "create_widget": ("POST", "/widgets", [201], {400: error_body_type}, error_body_type),
        "replace_widget": ("PUT", "/widgets/{id}", [200, 201], {400: error_body_type}, None),
        "patch_widget": ("PATCH", "/widgets/{id}", [200, 204], {}, None),
        "delete_widget": ("DELETE", "/widgets/{id}", [204], {404: error_body_type}, None),
    }
    parameters = {p.name: (p.location, p.required, p.explode) for p in ops.GET_WIDGET.parameters}
    assert parameters == {
        "name": ("path", True, False),
        "id": ("path", True, False),
        "flag": ("path", True, False),
        "color": ("path", True, False),
        "keys": ("path", True, False),
        "q": ("query", True, True),
        "limit": ("query", False, True),
        "verbose": ("query", False, True),
        "sort": ("query", False, True),
        "tag": ("query", False, True),
        "ids": ("query", False, False),
        "page": ("query", False, True),
        "X-Trace": ("header", False, False),
        "X-Count": ("header", False, False),
        "X-Tags": ("header", False, False),
    }


# --- the wire, and what each stub returns -------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """One stub call: its arguments, the request the server must receive, and the value the stub must return."""

    id: str
    stub: str
    kwargs: Callable[[Shapes], dict[str, Any]]
    method: str
    path: str  # exactly as sent, after the base URL's path
    query: list[tuple[str, str]]  # decoded, in order
    headers: dict[str, str]  # these must be present, with these values
    absent: tuple[str, ...]  # these header names must not be sent
    body: bytes
    result: Callable[[Shapes], Any]
    replies: tuple[Reply, ...] = field(default=())


PARAMETER_HEADERS = ("x-trace", "x-count", "x-tags")


def _full_get(s: Shapes) -> dict[str, Any]:
    return {
        "name": "a b/c?d%é",
        "id": 7,
        "flag": True,
        "color": s.widgets.Color.LIGHT_BLUE,
        "keys": ["k1"],
        "q": "find me & more",
        "limit": 100,
        "verbose": False,
        "sort": s.inline.GetWidgetSort.DESC,
        "tag": ["a", "b c"],
        "ids": [1, 2],
        "page": 3,
        "x_trace": "t-1",
        "x_count": 0,
        "x_tags": ["p", "q"],
    }


CASES = [
    Case(
        id="get-every-parameter",
        stub="get_widget",
        kwargs=_full_get,
        method="GET",
        path="/widgets/a%20b%2Fc%3Fd%25%C3%A9/7/true/light-blue/k1",
        query=[
            ("q", "find me & more"),
            ("limit", "100"),
            ("verbose", "false"),
            ("sort", "desc"),
            ("tag", "a"),
            ("tag", "b c"),
            ("ids", "1,2"),
            ("page", "3"),
        ],
        headers={"x-trace": "t-1", "x-count": "0", "x-tags": "p,q"},
        absent=("idempotency-key", "content-type"),
        body=NO_BODY,
        result=lambda s: s.widgets.Widget(id=7, name="a b/c?d%é", color=s.widgets.Color.LIGHT_BLUE, tags=["k1"]),
    ),
    Case(
        id="get-required-only: optionals omitted, the default sent",
        stub="get_widget",
        kwargs=lambda s: {
            "name": "w",
            "id": -1,
            "flag": False,
            "color": s.widgets.Color.RED,
            "keys": ["only"],
            "q": "q",
        },
        method="GET",
        path="/widgets/w/-1/false/red/only",
        query=[("q", "q"), ("page", "1")],
        headers={},
        absent=(*PARAMETER_HEADERS, "idempotency-key", "content-type"),
        body=NO_BODY,
        result=lambda s: s.widgets.Widget(id=-1, name="w", color=s.widgets.Color.RED, tags=["only"]),
    ),
    Case(
        id="get-enum-given-as-its-value",
        stub="get_widget",
        kwargs=lambda s: {
            "name": "w",
            "id": 1,
            "flag": True,
            "color": "light-blue",
            "keys": ["k"],
            "q": "q",
            "sort": "asc",
        },
        method="GET",
        path="/widgets/w/1/true/light-blue/k",
        query=[("q", "q"), ("sort", "asc"), ("page", "1")],
        headers={},
        absent=PARAMETER_HEADERS,
        body=NO_BODY,
        result=lambda s: s.widgets.Widget(id=1, name="w", color=s.widgets.Color.LIGHT_BLUE, tags=["k"]),
    ),
    Case(
        id="list-without-filters",
        stub="list_widgets",
        kwargs=lambda s: {},
        method="GET",
        path="/widgets",
        query=[],
        headers={},
        absent=("idempotency-key", "content-type"),
        body=NO_BODY,
        result=lambda s: [s.widgets.Widget(id=1, name="w1", color=s.widgets.Color.RED)],
    ),
    Case(
        id="list-enum-array-exploded-string-array-joined",
        stub="list_widgets",
        kwargs=lambda s: {"color": [s.widgets.Color.GREEN, s.widgets.Color.LIGHT_BLUE], "fields": ["id", "name"]},
        method="GET",
        path="/widgets",
        query=[("color", "green"), ("color", "light-blue"), ("fields", "id,name")],
        headers={},
        absent=(),
        body=NO_BODY,
        result=lambda s: [
            s.widgets.Widget(id=1, name="w1", color=s.widgets.Color.GREEN),
            s.widgets.Widget(id=2, name="w2", color=s.widgets.Color.LIGHT_BLUE),
        ],
    ),
    Case(
        id="post-inline-body-inline-201",
        stub="create_widget",
        kwargs=lambda s: {"body": s.inline.CreateWidgetRequest(name="new", color=s.widgets.Color.GREEN, count=2)},
        method="POST",
        path="/widgets",
        query=[],
        headers={"content-type": "application/json"},
        absent=PARAMETER_HEADERS,
        body=b'{"name":"new","color":"green","count":2}',
        result=lambda s: s.inline.CreateWidgetResponse201(id=9, created=True),
    ),
    Case(
        id="post-unset-member-not-sent",
        stub="create_widget",
        kwargs=lambda s: {"body": s.inline.CreateWidgetRequest(name="new", color=s.widgets.Color.RED)},
        method="POST",
        path="/widgets",
        query=[],
        headers={"content-type": "application/json"},
        absent=(),
        body=b'{"name":"new","color":"red"}',
        result=lambda s: s.inline.CreateWidgetResponse201(id=9, created=True),
    ),
    Case(
        id="put-ref-body-200-is-a-widget",
        stub="replace_widget",
        kwargs=lambda s: {"id": 5, "body": s.widgets.WidgetInput(name="n", color=s.widgets.Color.RED, tags=["t"])},
        method="PUT",
        path="/widgets/5",
        query=[],
        headers={"content-type": "application/json"},
        absent=(),
        body=b'{"name":"n","color":"red","tags":["t"]}',
        result=lambda s: s.widgets.Widget(id=5, name="n", color=s.widgets.Color.RED, tags=["t"]),
    ),
    Case(
        id="put-201-is-a-widget-created",
        stub="replace_widget",
        kwargs=lambda s: {"id": 6, "body": s.widgets.WidgetInput(name="n", color=s.widgets.Color.GREEN)},
        method="PUT",
        path="/widgets/6",
        query=[],
        headers={"content-type": "application/json"},
        absent=(),
        body=b'{"name":"n","color":"green"}',
        result=lambda s: s.widgets.WidgetCreated(id=6, location="/widgets/6"),
        replies=(Reply(201, {"id": 6, "location": "/widgets/6"}),),
    ),
    Case(
        id="patch-with-body-200",
        stub="patch_widget",
        kwargs=lambda s: {"id": 3, "body": s.widgets.WidgetInput(name="p", color=s.widgets.Color.GREEN)},
        method="PATCH",
        path="/widgets/3",
        query=[],
        headers={"content-type": "application/json"},
        absent=(),
        body=b'{"name":"p","color":"green"}',
        result=lambda s: s.widgets.Widget(id=3, name="p", color=s.widgets.Color.GREEN),
    ),
    Case(
        id="patch-without-body-204",
        stub="patch_widget",
        kwargs=lambda s: {"id": 3},
        method="PATCH",
        path="/widgets/3",
        query=[],
        headers={},
        absent=("content-type",),
        body=NO_BODY,
        result=lambda s: None,
    ),
    Case(
        id="delete-204",
        stub="delete_widget",
        kwargs=lambda s: {"id": 0},
        method="DELETE",
        path="/widgets/0",
        query=[],
        headers={},
        absent=("content-type",),
        body=NO_BODY,
        result=lambda s: None,
    ),
]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_each_stub_sends_the_exact_request_and_returns_its_type(
    shapes: Shapes, server: ShapesServer, case: Case, mode: Mode
) -> None:
    server.queue(*case.replies)
    result = call(shapes, server, mode, case.stub, case.kwargs(shapes))
    request = only_request(server)
    assert request.method == case.method
    assert request.raw_path == BASE_PATH + case.path
    assert request.query == case.query
    for name, value in case.headers.items():
        assert request.headers.get(name) == value, name
    for name in case.absent:
        assert name not in request.headers, name
    assert request.headers["x-api-key"] == API_KEY
    assert request.headers["accept"] == "application/json"
    if case.method != "GET":
        assert re.fullmatch(r"[0-9a-f-]{36}", request.headers["idempotency-key"])
    assert request.body == case.body
    if case.body:
        assert request.json() == json.loads(case.body)
    same_value(result, case.result(shapes))


def test_query_arrays_are_repeated_when_exploded_and_joined_when_not(shapes: Shapes, server: ShapesServer) -> None:
    call(shapes, server, "sync", "get_widget", {**_full_get(shapes), "tag": ["a", "b"], "ids": [1, 2]})
    raw = only_request(server).raw_query
    assert "&tag=a&tag=b&" in raw
    assert [value for name, value in only_request(server).query if name == "ids"] == ["1,2"]


def test_path_and_header_arrays_are_comma_joined(shapes: Shapes, server: ShapesServer) -> None:
    call(shapes, server, "sync", "get_widget", {**_full_get(shapes), "keys": ["x", "y"], "x_tags": ["p", "q r"]})
    request = only_request(server)
    assert request.segments[-1] == "x,y"
    assert request.headers["x-tags"] == "p,q r"


def test_the_same_calls_send_the_same_bytes_blocking_and_async(shapes: Shapes) -> None:
    sent: dict[Mode, list[Recorded]] = {}
    for mode in MODES:
        server = ShapesServer(prefix=BASE_PATH)
        for case in CASES:
            server.queue(*case.replies)
            call(shapes, server, mode, case.stub, case.kwargs(shapes))
        sent[mode] = server.requests

    def comparable(request: Recorded) -> Recorded:
        headers = {k: v for k, v in request.headers.items() if k not in ("idempotency-key", "user-agent")}
        return Recorded(request.method, request.raw_path, request.raw_query, headers, request.body)

    assert [comparable(r) for r in sent["sync"]] == [comparable(r) for r in sent["async"]]
    assert len(sent["sync"]) == len(CASES)


# --- error answers --------------------------------------------------------------------------------------------------


def minimal_get(s: Shapes) -> dict[str, Any]:
    return {"name": "w", "id": 1, "flag": True, "color": s.widgets.Color.RED, "keys": ["k"], "q": "q"}


def widget_input(s: Shapes) -> dict[str, Any]:
    return {"id": 1, "body": s.widgets.WidgetInput(name="n", color=s.widgets.Color.RED)}


def create_input(s: Shapes) -> dict[str, Any]:
    return {"body": s.inline.CreateWidgetRequest(name="n", color=s.widgets.Color.RED)}


@dataclass(frozen=True)
class ErrorCase:
    id: str
    stub: str
    kwargs: Callable[[Shapes], dict[str, Any]]
    reply: Reply
    error: type[APIStatusError]
    typed_body: bool  # the document names the body's schema for this status (or through `default`)


ERROR_CASES = [
    ErrorCase(
        "get-400-listed", "get_widget", minimal_get, Reply(400, error_body("bad", "limit")), BadRequestError, True
    ),
    ErrorCase(
        "get-404-via-components-responses",
        "get_widget",
        minimal_get,
        Reply(404, error_body("gone", "no")),
        NotFoundError,
        True,
    ),
    ErrorCase(
        "get-418-through-default",
        "get_widget",
        minimal_get,
        Reply(418, error_body("teapot", "t")),
        APIStatusError,
        True,
    ),
    ErrorCase(
        "get-503-through-default",
        "get_widget",
        minimal_get,
        Reply(503, error_body("down", "d")),
        InternalServerError,
        True,
    ),
    ErrorCase(
        "post-400-listed", "create_widget", create_input, Reply(400, error_body("bad", "name")), BadRequestError, True
    ),
    ErrorCase(
        "post-409-through-default",
        "create_widget",
        create_input,
        Reply(409, error_body("dup", "exists")),
        ConflictError,
        True,
    ),
    ErrorCase(
        "put-404-unlisted-no-default",
        "replace_widget",
        widget_input,
        Reply(404, error_body("gone", "no")),
        NotFoundError,
        False,
    ),
    ErrorCase(
        "delete-404-via-components-responses",
        "delete_widget",
        lambda s: {"id": 2},
        Reply(404, error_body("gone", "no")),
        NotFoundError,
        True,
    ),
    ErrorCase(
        "delete-409-unlisted-no-default",
        "delete_widget",
        lambda s: {"id": 2},
        Reply(409, error_body("busy", "b")),
        ConflictError,
        False,
    ),
]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("case", ERROR_CASES, ids=[case.id for case in ERROR_CASES])
def test_error_statuses_raise_the_typed_error_with_the_decoded_body(
    shapes: Shapes, server: ShapesServer, case: ErrorCase, mode: Mode
) -> None:
    server.queue(case.reply)
    with pytest.raises(APIStatusError) as raised:
        call(shapes, server, mode, case.stub, case.kwargs(shapes))
    error = raised.value
    assert type(error) is case.error
    assert error.status_code == case.reply.status
    assert error.request_id == "req-1"  # the document's x-request-id-header
    assert error.attempts == 1
    assert error.server_message == case.reply.body["message"]
    assert len(server.requests) == 1
    expected = shapes.errors.ErrorBody(**case.reply.body) if case.typed_body else None
    same_value(error.body, expected)


def test_an_error_body_that_does_not_match_its_schema_is_kept_as_text(shapes: Shapes, server: ShapesServer) -> None:
    server.queue(Reply(400, {"detail": "not an ErrorBody"}))
    with pytest.raises(BadRequestError) as raised:
        call(shapes, server, "sync", "get_widget", minimal_get(shapes))
    assert raised.value.body is None
    assert raised.value.server_message == "not an ErrorBody"
    assert json.loads(raised.value.response_text) == {"detail": "not an ErrorBody"}


@pytest.mark.parametrize("mode", MODES)
def test_a_success_body_is_checked_against_the_type_its_status_names(
    shapes: Shapes, server: ShapesServer, mode: Mode
) -> None:
    server.queue(Reply(201, {"id": 1, "name": "a widget, not a WidgetCreated", "color": "red"}))
    with pytest.raises(ResponseDecodeError) as raised:
        call(shapes, server, mode, "replace_widget", widget_input(shapes))
    assert raised.value.status_code == 201
    assert raised.value.request_id == "req-1"
    assert "replace_widget: the 201 response does not match WidgetCreated" in str(raised.value)
    assert "location" in str(raised.value)


def test_a_list_answer_names_the_bad_item(shapes: Shapes, server: ShapesServer) -> None:
    server.queue(Reply(200, [{"id": 1, "name": "ok", "color": "red"}, {"id": 2, "name": "bad", "color": "pink"}]))
    with pytest.raises(ResponseDecodeError, match=r"list_widgets: the 200 response .*\$\[1\]\.color"):
        call(shapes, server, "sync", "list_widgets", {})


# --- parameters checked before anything is sent ---------------------------------------------------------------------


BAD_PARAMETERS = [
    ("limit-below-minimum", "get_widget", {"limit": 0}, r"get_widget: parameter 'limit' \(query\): .*>= 1"),
    ("limit-above-maximum", "get_widget", {"limit": 101}, r"get_widget: parameter 'limit' \(query\): .*<= 100"),
    ("path-enum-not-a-member", "get_widget", {"color": "purple"}, r"get_widget: parameter 'color' \(path\)"),
    ("query-enum-not-a-member", "get_widget", {"sort": "sideways"}, r"get_widget: parameter 'sort' \(query\)"),
    ("required-query-missing", "get_widget", {"q": None}, r"get_widget: parameter 'q' is required"),
    ("integer-given-a-string", "get_widget", {"id": "7"}, r"get_widget: parameter 'id' \(path\): Expected `int`"),
    ("boolean-given-an-integer", "get_widget", {"flag": 1}, r"get_widget: parameter 'flag' \(path\)"),
    ("array-given-a-string", "get_widget", {"keys": "xy"}, r"get_widget: parameter 'keys' \(path\)"),
    ("array-item-of-the-wrong-type", "get_widget", {"ids": [1, "2"]}, r"get_widget: parameter 'ids' \(query\)"),
    ("header-integer-given-a-bool", "get_widget", {"x_count": True}, r"get_widget: parameter 'X-Count' \(header\)"),
    ("empty-path-segment", "get_widget", {"name": ""}, r"get_widget: path parameter 'name' must be a non-empty"),
    ("enum-array-item-not-a-member", "list_widgets", {"color": ["purple"]}, r"list_widgets: parameter 'color'"),
]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    ("stub", "override", "message"), [case[1:] for case in BAD_PARAMETERS], ids=[case[0] for case in BAD_PARAMETERS]
)
def test_a_bad_parameter_raises_value_error_naming_it_before_sending(
    shapes: Shapes, server: ShapesServer, mode: Mode, stub: str, override: dict[str, Any], message: str
) -> None:
    kwargs = {**(minimal_get(shapes) if stub == "get_widget" else {}), **override}
    with pytest.raises(ValueError, match=message):
        call(shapes, server, mode, stub, kwargs)
    assert server.requests == []


def test_leaving_out_a_required_argument_is_a_type_error(shapes: Shapes, server: ShapesServer) -> None:
    kwargs = minimal_get(shapes)
    del kwargs["q"]
    with pytest.raises(TypeError, match="'q'"):
        call(shapes, server, "sync", "get_widget", kwargs)
    assert server.requests == []


# --- a real HTTP server ---------------------------------------------------------------------------------------------


def test_the_stubs_over_a_real_loopback_http_server(shapes: Shapes) -> None:
    served = ShapesServer()
    with loopback(served) as base_url:
        widget = call(shapes, served, "sync", "get_widget", _full_get(shapes), base_url=base_url)
        created = call(shapes, served, "async", "create_widget", create_input(shapes), base_url=base_url)
        nothing = call(shapes, served, "async", "patch_widget", {"id": 4}, base_url=base_url)
        served.queue(Reply(404, error_body("gone", "no such widget")))
        with pytest.raises(NotFoundError) as raised:
            call(shapes, served, "sync", "delete_widget", {"id": 4}, base_url=base_url)
    get, post, patch, delete = served.requests
    assert get.raw_path == CASES[0].path
    assert get.query == CASES[0].query
    assert (get.headers["x-trace"], get.headers["x-count"], get.headers["x-tags"]) == ("t-1", "0", "p,q")
    assert get.headers["x-api-key"] == API_KEY
    same_value(widget, CASES[0].result(shapes))
    assert (post.method, post.raw_path, post.body) == ("POST", "/widgets", b'{"name":"n","color":"red"}')
    assert post.headers["content-type"] == "application/json"
    same_value(created, shapes.inline.CreateWidgetResponse201(id=9, created=True))
    assert (patch.method, patch.raw_path, patch.body, nothing) == ("PATCH", "/widgets/4", b"", None)
    assert (delete.method, delete.raw_path) == ("DELETE", "/widgets/4")
    same_value(raised.value.body, shapes.errors.ErrorBody(code="gone", message="no such widget", retryable=False))
    assert raised.value.request_id == "req-4"


# --- the signatures are typed ---------------------------------------------------------------------------------------


TYPED_USE = """
from __future__ import annotations

from typing import List

from typing_extensions import assert_type

from sdkcore.transport import AsyncTransport, SyncTransport
from shapes_api import operations as ops
from shapes_api.models.errors import ErrorBody
from shapes_api.models.openapi import CreateWidgetRequest, CreateWidgetResponse201, GetWidgetSort
from shapes_api.models.widgets import Color, Widget, WidgetCreated, WidgetInput


def blocking(t: SyncTransport) -> None:
    widget: Widget = ops.get_widget(
        t, name="n", id=1, flag=True, color=Color.RED, keys=["k"], q="q", limit=5, verbose=True,
        sort=GetWidgetSort.ASC, tag=["a"], ids=[1, 2], page=2, x_trace="t", x_count=1, x_tags=["x"],
    )
    minimal: Widget = ops.get_widget(t, name="n", id=1, flag=False, color=Color.GREEN, keys=[], q="q")
    listed: List[Widget] = ops.list_widgets(t, color=[Color.LIGHT_BLUE], fields=["id"])
    created: CreateWidgetResponse201 = ops.create_widget(t, body=CreateWidgetRequest(name="n", color=Color.RED))
    replaced: Widget | WidgetCreated = ops.replace_widget(t, id=1, body=WidgetInput(name="n", color=Color.RED))
    patched: Widget | None = ops.patch_widget(t, id=1)
    patched_with: Widget | None = ops.patch_widget(t, id=1, body=WidgetInput(name="n", color=Color.RED))
    ops.delete_widget(t, id=1)
    assert_type(widget, Widget)
    assert_type(ops.get_widget(t, name="n", id=1, flag=False, color=Color.GREEN, keys=[], q="q"), Widget)
    assert_type(ops.list_widgets(t), List[Widget])
    assert_type(ops.create_widget(t, body=CreateWidgetRequest(name="n", color=Color.RED)), CreateWidgetResponse201)
    assert_type(ops.replace_widget(t, id=1, body=WidgetInput(name="n", color=Color.RED)), Widget | WidgetCreated)
    assert_type(ops.patch_widget(t, id=1), Widget | None)
    assert_type(ops.delete_widget(t, id=1), None)
    error: ErrorBody = ErrorBody(code="c", message="m")
    print(minimal, listed, created, replaced, patched, patched_with, error)


async def awaiting(t: AsyncTransport) -> None:
    widget: Widget = await ops.get_widget_async(t, name="n", id=1, flag=True, color=Color.RED, keys=["k"], q="q")
    listed: List[Widget] = await ops.list_widgets_async(t)
    created: CreateWidgetResponse201 = await ops.create_widget_async(
        t, body=CreateWidgetRequest(name="n", color=Color.RED, count=1)
    )
    replaced: Widget | WidgetCreated = await ops.replace_widget_async(
        t, id=1, body=WidgetInput(name="n", color=Color.RED)
    )
    patched: Widget | None = await ops.patch_widget_async(t, id=1)
    await ops.delete_widget_async(t, id=1)
    assert_type(await ops.list_widgets_async(t), List[Widget])
    assert_type(await ops.replace_widget_async(t, id=1, body=WidgetInput(name="n", color=Color.RED)),
                Widget | WidgetCreated)
    print(widget, listed, created, replaced, patched)
"""

WRONG_USE = """
from __future__ import annotations

from sdkcore.transport import AsyncTransport, SyncTransport
from shapes_api import operations as ops
from shapes_api.models.openapi import CreateWidgetRequest
from shapes_api.models.widgets import Color, Widget, WidgetCreated, WidgetInput


def wrong(t: SyncTransport, a: AsyncTransport) -> None:
    ops.get_widget(t, name="n", id="1", flag=True, color=Color.RED, keys=["k"], q="q")  # expect: arg-type
    ops.get_widget(t, name="n", id=1, flag=True, color="red", keys=["k"], q="q")  # expect: arg-type
    ops.get_widget(t, name="n", id=1, flag=True, color=Color.RED, keys="k", q="q")  # expect: arg-type
    ops.get_widget(t, name="n", id=1, flag=True, color=Color.RED, keys=["k"])  # expect: call-arg
    ops.get_widget(t, name="n", id=1, flag=True, color=Color.RED, keys=[], q="q", x_count="1")  # expect: arg-type
    ops.get_widget(t, "n", id=1, flag=True, color=Color.RED, keys=["k"], q="q")  # expect: call-arg
    made: WidgetCreated = ops.get_widget(  # expect: assignment
        t, name="n", id=1, flag=True, color=Color.RED, keys=["k"], q="q"
    )
    only: Widget = ops.replace_widget(t, id=1, body=WidgetInput(name="n", color=Color.RED))  # expect: assignment
    ops.replace_widget(t, id=1, body=CreateWidgetRequest(name="n", color=Color.RED))  # expect: arg-type
    ops.create_widget(t)  # expect: call-arg
    ops.delete_widget(t, id=1, body=None)  # expect: call-arg
    ops.list_widgets(a)  # expect: arg-type
    not_awaited: Widget | None = ops.patch_widget_async(a, id=1)  # expect: assignment
    print(made, only, not_awaited)
"""


def test_mypy_strict_accepts_typed_use_and_rejects_wrong_calls(shapes: Shapes, tmp_path: Path) -> None:
    (tmp_path / "typed_use.py").write_text(textwrap.dedent(TYPED_USE), encoding="utf-8")
    (tmp_path / "wrong_use.py").write_text(textwrap.dedent(WRONG_USE), encoding="utf-8")
    command = [
        sys.executable,
        "-m",
        "mypy",
        "--python-version",
        "3.10",
        "--strict",
        "--no-error-summary",
        "--show-error-codes",
        "--hide-error-context",
        "--no-pretty",
        "--cache-dir",
        str(tmp_path / "cache"),
        "typed_use.py",
        "wrong_use.py",
    ]
    env = {**os.environ, "MYPYPATH": os.pathsep.join([str(ROOT / "src"), str(shapes.out)])}
    result = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False)
    found = re.findall(r"^([\w./\\-]+):(\d+): error: .*\[([\w-]+)\]$", result.stdout, flags=re.MULTILINE)
    lines = textwrap.dedent(WRONG_USE).splitlines()
    expected = [
        ("wrong_use.py", str(number), code)
        for number, line in enumerate(lines, 1)
        for code in re.findall(r"# expect: ([\w-]+)", line)
    ]
    assert sorted(found, key=lambda f: (f[0], int(f[1]))) == expected, result.stdout + result.stderr
    assert result.returncode == 1, result.stdout + result.stderr
