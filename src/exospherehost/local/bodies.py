"""Request bodies read as the state manager's pydantic request models read them (FastAPI's request validation):
members it does not know are ignored at every level, `int` fields are lax (`"3"`, `2.0`, `true`), `str` fields are
strict, and a body that does not fit is answered 422 with every problem, in field order, each with pydantic's
`type`, `loc` (from `"body"`), `msg`, `input` and `ctx` (`tests/local_servers/test_server_verdicts.py` replays
the answers recorded from the real server, `spec/vectors/exosphere/server/`).

Each model is a list of fields `(name, reader, default)`; a reader returns the value it read, or `BAD` after
adding its problems. The graph models (nodes, retry policy, store config) are read by the drop-in models of
`exospherehost.models`, which hold the same rules; their problems are worded as FastAPI words them (a value that
should be an object is `model_attributes_type`, a missing field quotes the object it is missing from)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from enum import Enum
from types import SimpleNamespace
from typing import Any, cast

from exospherehost.lax_reading import Loc, Problems, read_enum, read_int, read_str
from exospherehost.local.wire import INT64_MAX, read_json, unprocessable
from exospherehost.models import (
    REQUIRED,
    GraphNodeModel,
    ModelValidationError,
    RetryPolicyModel,
    StoreConfigModel,
)
from exospherehost.validation import valid_cron

__all__ = ["BAD", "MODELS", "decode", "read_body"]


class _Bad:
    def __repr__(self) -> str:
        return "BAD"


BAD: Any = _Bad()
Reader = Callable[[Any, Loc, Problems], Any]
Field = tuple[str, Reader, Any]  # name, reader, default (REQUIRED: none)


def text(value: Any, loc: Loc, problems: Problems) -> Any:
    found = read_str(value, loc, problems)
    return BAD if found is None else found


def integer(*, gt: int | None = None, ge: int | None = None, stored: bool = False) -> Reader:
    """An int field; `stored`: one SQLite keeps, so at most INT64_MAX (a documented difference: the released server
    takes more, then fails on MongoDB or, for `batch_size`, tries that many times)."""
    le = INT64_MAX if stored else None

    def read(value: Any, loc: Loc, problems: Problems) -> Any:
        found = read_int(value, loc, problems, gt=gt, ge=ge, le=le)
        return BAD if found is None else found

    return read


def mapping(values: Reader | None) -> Reader:
    """`dict[str, X]` (`values` None: `dict[str, Any]`); JSON keys are strings already."""

    def read(value: Any, loc: Loc, problems: Problems) -> Any:
        if not isinstance(value, dict):
            problems.add(loc, "dict_type", "Input should be a valid dictionary", value)
            return BAD
        given = cast("dict[str, Any]", value)
        if values is None:
            return given
        read_values = {key: values(item, (*loc, key), problems) for key, item in given.items()}
        return BAD if any(item is BAD for item in read_values.values()) else read_values

    return read


def sequence(items: Reader) -> Reader:
    def read(value: Any, loc: Loc, problems: Problems) -> Any:
        if not isinstance(value, list):
            problems.add(loc, "list_type", "Input should be a valid list", value)
            return BAD
        entries: list[Any] = value  # pyright: ignore[reportUnknownVariableType]
        read_items = [items(item, (*loc, index), problems) for index, item in enumerate(entries)]
        return BAD if any(item is BAD for item in read_items) else read_items

    return read


def model(fields: Sequence[Field], after: Reader | None = None) -> Reader:
    """A nested pydantic model: its fields in order, then (when they all read) `after`, its model validator."""

    def read(value: Any, loc: Loc, problems: Problems) -> Any:
        if not isinstance(value, dict):
            _not_an_object(loc, value, problems)
            return BAD
        read_fields = _fields(fields, cast("dict[str, Any]", value), loc, problems)
        if read_fields is BAD or after is None:
            return read_fields
        return after(read_fields, loc, problems)

    return read


def _fields(fields: Sequence[Field], value: dict[str, Any], loc: Loc, problems: Problems) -> Any:
    read_fields: dict[str, Any] = {}
    for name, reader, default in fields:
        if name in value:
            read_fields[name] = reader(value[name], (*loc, name), problems)
        elif default is REQUIRED:
            problems.missing((*loc, name), value)
            read_fields[name] = BAD
        else:
            read_fields[name] = default() if callable(default) else default
    return BAD if any(item is BAD for item in read_fields.values()) else read_fields


def drop_in(kind: type[Any], required: Sequence[str] = ()) -> Reader:
    """A graph model read by its drop-in model (`required`: fields the server requires and the SDK defaults)."""

    def read(value: Any, loc: Loc, problems: Problems) -> Any:
        if not isinstance(value, dict):
            _not_an_object(loc, value, problems)
            return BAD
        given = cast("dict[str, Any]", value)
        try:
            return kind.model_validate({**dict.fromkeys(required, REQUIRED), **given})
        except ModelValidationError as error:
            problems.nested(loc, [_as_server(problem, given) for problem in error.errors()])
            return BAD

    return read


_NOT_AN_OBJECT = "Input should be a valid dictionary or object to extract fields from"


def _not_an_object(loc: Loc, value: Any, problems: Problems) -> None:
    """FastAPI validates a body's models from attributes: a value that is no object gets pydantic's wording for
    that (an SDK model built in Python says `model_type`, "... or instance of UnitesModel")."""
    problems.add(loc, "model_attributes_type", _NOT_AN_OBJECT, value)


def _as_server(problem: dict[str, Any], given: dict[str, Any]) -> dict[str, Any]:
    """A drop-in model's problem as the server's model words it: an object expected, a missing field's input
    (the object it is missing from)."""
    if problem["type"] == "missing":
        enclosing: Any = given
        for step in problem["loc"][:-1]:
            enclosing = enclosing[step]
        return {**problem, "input": enclosing}
    if problem["type"] == "model_type":
        kept = {key: value for key, value in problem.items() if key != "ctx"}
        return kept | {"type": "model_attributes_type", "msg": _NOT_AN_OBJECT}
    return problem


class TriggerType(str, Enum):
    """The server's TriggerTypeEnum."""

    CRON = "CRON"


def _trigger_type(value: Any, loc: Loc, problems: Problems) -> Any:
    member = read_enum(value, TriggerType, loc, problems)
    return BAD if member is None else member.value


def _cron(trigger: dict[str, Any], loc: Loc, problems: Problems) -> Any:
    """The Trigger model's validator: its value read as a CronTrigger, whose problems the server reports under
    the trigger itself (`["body", "triggers", 0, "expression"]`, not under `value`)."""
    value = trigger["value"]
    if "expression" not in value:
        problems.missing((*loc, "expression"), value)
        return BAD
    expression = read_str(value["expression"], (*loc, "expression"), problems)
    if expression is None:
        return BAD
    if not valid_cron(expression):
        problems.value_error((*loc, "expression"), "Invalid cron expression", expression)
        return BAD
    return trigger


TRIGGER = model([("type", _trigger_type, REQUIRED), ("value", mapping(None), dict)], after=_cron)

UPSERT_GRAPH: list[Field] = [
    ("secrets", mapping(text), REQUIRED),
    ("nodes", sequence(drop_in(GraphNodeModel, required=("inputs",))), REQUIRED),
    ("retry_policy", drop_in(RetryPolicyModel), None),
    ("store_config", drop_in(StoreConfigModel), None),
    ("triggers", sequence(TRIGGER), list),
]

MODELS: dict[str, list[Field]] = {
    "UpsertGraphRequest": UPSERT_GRAPH,
    "TriggerGraphRequest": [("store", mapping(text), dict), ("inputs", mapping(text), dict),
                            ("start_delay", integer(ge=0, stored=True), 0)],
    "EnqueueRequest": [("nodes", sequence(text), REQUIRED), ("batch_size", integer(stored=True), REQUIRED)],
    "ExecutedRequest": [("outputs", sequence(mapping(None)), REQUIRED)],
    "ErroredRequest": [("error", text, REQUIRED)],
    "PruneRequest": [("data", mapping(None), REQUIRED)],
    "ReEnqueueAfterRequest": [("enqueue_after", integer(gt=0, stored=True), REQUIRED)],
    "ManualRetryRequest": [("fanout_id", text, REQUIRED)],
    "RegisterNodesRequest": [
        ("runtime_name", text, REQUIRED),
        ("nodes", sequence(model([
            ("name", text, REQUIRED), ("inputs_schema", mapping(None), REQUIRED),
            ("outputs_schema", mapping(None), REQUIRED), ("secrets", sequence(text), REQUIRED),
        ])), REQUIRED),
    ],
}  # fmt: skip


def read_body(body: bytes, name: str) -> dict[str, Any]:
    """The body as the server's model `name` reads it: the fields it declares, read (defaults filled in);
    RejectedError with FastAPI's 422 listing every problem otherwise."""
    document = read_json(body)
    problems = Problems()
    read_fields: Any = BAD
    if document is None:  # FastAPI reads `null` as no body
        problems.missing((), None)
    elif not isinstance(document, dict):
        _not_an_object((), document, problems)
    else:
        read_fields = _fields(MODELS[name], cast("dict[str, Any]", document), (), problems)
    if problems or read_fields is BAD:
        raise unprocessable([_located(problem) for problem in problems.items])
    return cast("dict[str, Any]", read_fields)


def _located(problem: dict[str, Any]) -> dict[str, Any]:
    return {**problem, "loc": ["body", *problem["loc"]]}


def decode(body: bytes, type_: type[Any]) -> Any:
    """The body read by the server's model named as the generated Struct `type_`, its fields as attributes (the
    server's constraints, not the schema's: the SDK never sends a `batch_size` of 0, the server takes it)."""
    return SimpleNamespace(**read_body(body, type_.__name__))
