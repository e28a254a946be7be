"""The graph models of exospherehost 0.0.3, as thin subclasses of the generated wire Structs.

Each model checks and normalises its values when built (whitespace trimmed, the reserved identifier `store`,
duplicates, dots in store keys, ...) with the original messages, and raises `ModelValidationError`, a ValueError
that reads like pydantic's. `model_dump()` and `model_dump_json()` give what the originals give.
"""

from __future__ import annotations

from enum import Enum
from typing import Any, TypeVar, cast

import msgspec
from msgspec import UNSET
from msgspec.structs import force_setattr

from exosphere_api import codec
from exosphere_api.models.cron_trigger import CronTrigger as CronTriggerStruct
from exosphere_api.models.graph_node import GraphNode, Unites, UnitesStrategy
from exosphere_api.models.retry_policy import RetryPolicy, RetryStrategy
from exosphere_api.models.store_config import StoreConfig
from exospherehost.lax_reading import Problems, pydantic_text, read_enum, read_int, read_str

__all__ = [
    "CronTrigger",
    "GraphNodeModel",
    "ModelValidationError",
    "RetryPolicyModel",
    "RetryStrategyEnum",
    "StoreConfigModel",
    "UnitesModel",
    "UnitesStrategyEnum",
]

UnitesStrategyEnum = UnitesStrategy
RetryStrategyEnum = RetryStrategy

M = TypeVar("M", bound="_Model")


class _Required:
    """The default of a field the caller must give: its absence is reported as pydantic reports it."""

    def __repr__(self) -> str:
        return "REQUIRED"


REQUIRED: Any = _Required()


class ModelValidationError(ValueError):
    """Invalid model input. The text has pydantic's layout, so the original messages read the same;
    `errors()` lists each problem as pydantic does (`loc`, `msg`, `type`, `input`)."""

    def __init__(self, title: str, problems: list[dict[str, Any]]) -> None:
        self.title = title
        self._problems = problems
        super().__init__(pydantic_text(title, problems))

    def errors(self) -> list[dict[str, Any]]:
        return [dict(problem) for problem in self._problems]


class _Checks(Problems):
    """Collects every problem of one model, in field order, before raising them together."""

    def __init__(self, model: msgspec.Struct) -> None:
        super().__init__()
        self.title = type(model).__name__
        self.model = model

    @property
    def given(self) -> dict[str, Any]:
        return _given(self.model)

    def string(self, field: str, value: Any) -> str | None:
        if value is REQUIRED:
            self.missing((field,), self.given)
            return None
        return read_str(value, (field,), self)

    def integer(self, field: str, value: Any, *, gt: int | None = None, ge: int | None = None) -> Any:
        """The lax int pydantic makes of `value` (`value` itself, reported, when it makes none)."""
        number = read_int(value, (field,), self, gt=gt, ge=ge)
        return value if number is None else number

    def enum(self, field: str, value: Any, kind: type[Enum]) -> Any:
        member = read_enum(value, kind, (field,), self)
        return value if member is None else member

    def raise_any(self) -> None:
        if self.items:
            raise ModelValidationError(self.title, self.items)


def _given(model: msgspec.Struct) -> dict[str, Any]:
    """The arguments a model was most likely built with (pydantic quotes them for a missing field): its fields that
    are set and differ from their defaults."""
    given: dict[str, Any] = {}
    for field in msgspec.structs.fields(model):
        value = getattr(model, field.name)
        default = field.default_factory() if field.default_factory is not msgspec.NODEFAULT else field.default
        if value is not REQUIRED and value is not UNSET and not (type(value) is type(default) and value == default):
            given[field.name] = value
    return given


class _Model(msgspec.Struct, frozen=True, kw_only=True):
    """The pydantic methods code written for exospherehost calls on its models."""

    def model_dump(self, *, mode: str = "python", exclude_none: bool = False) -> dict[str, Any]:
        """The model as a dict (enum members are `str`, so it serialises as the original's does)."""
        # A member the schema gained and nobody set is UNSET: left out, as pydantic leaves out nothing it lacks.
        dumped: dict[str, Any] = {k: v for k, v in msgspec.structs.asdict(self).items() if v is not UNSET}
        for key, value in dumped.items():
            if isinstance(value, _Model):
                dumped[key] = value.model_dump(mode=mode, exclude_none=exclude_none)
            elif mode == "json" and isinstance(value, (RetryStrategy, UnitesStrategy)):
                dumped[key] = value.value
        if exclude_none:
            dumped = {key: value for key, value in dumped.items() if value is not None}
        return dumped

    def model_dump_json(self) -> str:
        return codec.encode(self).decode()

    def model_copy(self: M, *, update: dict[str, Any] | None = None) -> M:
        """A copy with `update` applied, checked again."""
        values = {k: v for k, v in msgspec.structs.asdict(self).items() if v is not UNSET}
        values.update(update or {})
        return type(self)(**values)

    @classmethod
    def model_validate(cls: type[M], data: Any) -> M:
        if isinstance(data, cls):
            return data
        if not isinstance(data, dict):
            message = f"Input should be a valid dictionary or instance of {cls.__name__}"
            raise ModelValidationError(cls.__name__, [{"loc": (), "msg": message, "type": "model_type", "input": data}])
        fields = cls.__struct_fields__
        known = {key: value for key, value in cast("dict[object, Any]", data).items()
                 if isinstance(key, str) and key in fields}  # fmt: skip  # pydantic's default: the rest is ignored
        return cls(**known)


def _set(model: msgspec.Struct, field: str, value: Any) -> None:
    force_setattr(model, field, value)


class UnitesModel(Unites, _Model, frozen=True, kw_only=True):
    """`unites`: this node waits for the whole subtree under `identifier` (strategy ALL_SUCCESS or ALL_DONE)."""

    identifier: str = REQUIRED

    def __post_init__(self) -> None:
        checks = _Checks(self)
        checks.string("identifier", self.identifier)
        _set(self, "strategy", checks.enum("strategy", self.strategy, UnitesStrategy))
        checks.raise_any()


def _unites(given: Any, checks: _Checks) -> Any:
    value: Any = given
    if value is UNSET or value is None:
        return None
    if isinstance(value, dict):
        try:
            value = UnitesModel.model_validate(value)
        except ModelValidationError as error:
            checks.nested(("unites",), error.errors())
            return None
    if not isinstance(value, Unites):
        checks.add(("unites",), "model_type", "Input should be a valid dictionary or instance of UnitesModel", value,
                   {"class_name": "UnitesModel"})  # fmt: skip
        return None
    unites: Unites = value
    trimmed = unites.identifier.strip()
    if trimmed == "":
        checks.value_error(("unites",), "Unites identifier cannot be empty", given)
    return UnitesModel(identifier=trimmed, strategy=unites.strategy)


def _next_nodes(given: Any, checks: _Checks) -> Any:
    """The original trims the entries and refuses blanks and repeats; an explicit None becomes []."""
    value: Any = given
    if value is UNSET:
        return None
    if value is None:
        return []
    if not isinstance(value, list):
        checks.add(("next_nodes",), "list_type", "Input should be a valid list", value)
        return value
    seen: set[str] = set()
    problems: list[str] = []
    trimmed: list[str] = []
    entries = cast("list[Any]", value)  # type: ignore[redundant-cast]  # pyright needs it after isinstance
    for index, entry in enumerate(entries):
        if not isinstance(entry, str):
            checks.add(("next_nodes", index), "string_type", "Input should be a valid string", entry)
            continue
        name = entry.strip()
        if name == "":
            problems.append("Next node identifier cannot be empty")
        elif name in seen:
            problems.append(f"Next node identifier {name} is not unique")
        else:
            seen.add(name)
            trimmed.append(name)
    if problems:
        checks.value_error(("next_nodes",), "\n".join(problems), value)
    return trimmed


class GraphNodeModel(GraphNode, _Model, frozen=True, kw_only=True):
    """One node of a graph template."""

    node_name: str = REQUIRED
    namespace: str = REQUIRED
    identifier: str = REQUIRED
    inputs: dict[str, Any] = {}
    unites: Unites | None = None

    def __post_init__(self) -> None:
        """Accept a node that needs no change at once; anything else (whitespace to trim, a wrong type, a bad
        value) goes to `_checked`, which normalises it or reports every problem. `str.strip()` returns the same
        object when there is nothing to trim, so `is` tells whether trimming is needed."""
        name, identifier, following = self.node_name, self.identifier, self.next_nodes
        if (
            type(name) is str
            and type(identifier) is str
            and name
            and identifier
            and name.strip() is name
            and identifier.strip() is identifier
            and identifier != "store"
            and type(self.namespace) is str
            and type(self.inputs) is dict
            and all(type(key) is str for key in self.inputs)  # pyright: ignore[reportUnknownVariableType]
            and self.unites is None
        ):
            if following is UNSET:
                _set(self, "next_nodes", None)
                return
            if following is None:
                _set(self, "next_nodes", [])
                return
            if type(following) is list:
                entries: list[Any] = following  # pyright: ignore[reportUnknownVariableType]
                for entry in entries:
                    if type(entry) is not str or not entry or entry.strip() is not entry:
                        break
                else:
                    if len(entries) < 2 or len(set(entries)) == len(entries):
                        return
        self._checked()

    def _checked(self) -> None:
        checks = _Checks(self)
        name = checks.string("node_name", self.node_name)
        if name is not None:
            name = name.strip()
            if name == "":
                checks.value_error(("node_name",), "Node name cannot be empty", self.node_name)
            _set(self, "node_name", name)
        checks.string("namespace", self.namespace)
        identifier = checks.string("identifier", self.identifier)
        if identifier is not None:
            identifier = identifier.strip()
            if identifier == "":
                checks.value_error(("identifier",), "Node identifier cannot be empty", self.identifier)
            elif identifier == "store":
                checks.value_error(("identifier",), "Node identifier cannot be reserved word 'store'", self.identifier)
            _set(self, "identifier", identifier)
        if self.inputs is REQUIRED:  # the server's NodeTemplate requires it (the local server asks for that)
            checks.missing(("inputs",), checks.given)
        elif not isinstance(self.inputs, dict):
            checks.add(("inputs",), "dict_type", "Input should be a valid dictionary", self.inputs)
        else:
            for key in cast("dict[Any, Any]", self.inputs):
                read_str(key, ("inputs", key, "[key]"), checks)
        _set(self, "next_nodes", _next_nodes(self.next_nodes, checks))
        _set(self, "unites", _unites(self.unites, checks))
        checks.raise_any()


class RetryPolicyModel(RetryPolicy, _Model, frozen=True, kw_only=True):
    """Graph-wide retry of failed states (times in milliseconds)."""

    def __post_init__(self) -> None:
        checks = _Checks(self)
        _set(self, "max_retries", checks.integer("max_retries", self.max_retries, ge=0))
        _set(self, "strategy", checks.enum("strategy", self.strategy, RetryStrategy))
        _set(self, "backoff_factor", checks.integer("backoff_factor", self.backoff_factor, gt=0))
        _set(self, "exponent", checks.integer("exponent", self.exponent, gt=0))
        if self.max_delay is not None:
            _set(self, "max_delay", checks.integer("max_delay", self.max_delay, gt=0))
        checks.raise_any()


def _store_keys(keys: list[Any], field: str, checks: _Checks, given: Any) -> list[str] | None:
    problems: list[str] = []
    seen: set[str] = set()
    trimmed: list[str] = []
    for key in keys:
        name = key.strip() if isinstance(key, str) else ""
        if name == "":
            problems.append("Key cannot be empty or contain only whitespace")
        elif "." in name:
            problems.append(f"Key '{name}' cannot contain '.' character")
        elif name in seen:
            problems.append(f"Key '{name}' is duplicated")
        else:
            seen.add(name)
            trimmed.append(name)
    if problems:
        checks.value_error((field,), "\n".join(problems), given)
        return None
    return trimmed


class StoreConfigModel(StoreConfig, _Model, frozen=True, kw_only=True):
    """The run-scoped store of a graph: keys every trigger must give, and default values."""

    def __post_init__(self) -> None:
        checks = _Checks(self)
        required = self.required_keys
        if not isinstance(required, list):
            checks.add(("required_keys",), "list_type", "Input should be a valid list", required)
        elif all([read_str(key, ("required_keys", index), checks) is not None  # noqa: C419  # every entry reported
                  for index, key in enumerate(cast("list[Any]", required))]):  # fmt: skip
            keys = _store_keys(required, "required_keys", checks, required)
            if keys is not None:
                _set(self, "required_keys", keys)
        defaults = self.default_values
        if not isinstance(defaults, dict):
            checks.add(("default_values",), "dict_type", "Input should be a valid dictionary", defaults)
        elif all([read_str(key, ("default_values", key, "[key]"), checks) is not None  # noqa: C419
                  and read_str(value, ("default_values", key), checks) is not None
                  for key, value in cast("dict[Any, Any]", defaults).items()]):  # fmt: skip
            keys = _store_keys(list(defaults), "default_values", checks, defaults)
            if keys is not None:
                _set(self, "default_values", dict(zip(keys, defaults.values(), strict=True)))
        checks.raise_any()


class CronTrigger(CronTriggerStruct, _Model, frozen=True, kw_only=True):
    """A cron schedule (5 fields: minute hour day-of-month month day-of-week)."""

    expression: str = REQUIRED

    def __post_init__(self) -> None:
        checks = _Checks(self)
        checks.string("expression", self.expression)
        checks.raise_any()
