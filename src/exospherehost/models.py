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
        count = len(problems)
        lines = [f"{count} validation error{'s' if count != 1 else ''} for {title}"]
        for problem in problems:
            shown = problem["input"]
            lines.append(".".join(str(part) for part in problem["loc"]))
            lines.append(f"  {problem['msg']} [type={problem['type']}, input_value={shown!r}, "
                         f"input_type={type(shown).__name__}]")  # fmt: skip
        super().__init__("\n".join(lines))

    def errors(self) -> list[dict[str, Any]]:
        return [dict(problem) for problem in self._problems]


class _Checks:
    """Collects every problem of one model before raising them together."""

    def __init__(self, title: str) -> None:
        self.title = title
        self.problems: list[dict[str, Any]] = []

    def add(self, loc: tuple[str | int, ...], msg: str, kind: str, value: Any) -> None:
        self.problems.append({"loc": loc, "msg": msg, "type": kind, "input": value})

    def value_error(self, field: str, message: str, value: Any) -> None:
        self.add((field,), f"Value error, {message}", "value_error", value)

    def string(self, field: str, value: Any) -> str | None:
        if value is REQUIRED:
            self.add((field,), "Field required", "missing", {})
            return None
        if not isinstance(value, str):
            self.add((field,), "Input should be a valid string", "string_type", value)
            return None
        return value

    def integer(self, field: str, value: Any, *, minimum: int, inclusive: bool) -> None:
        if isinstance(value, bool) or not isinstance(value, int):
            self.add((field,), "Input should be a valid integer", "int_type", value)
        elif inclusive and value < minimum:
            self.add((field,), f"Input should be greater than or equal to {minimum}", "greater_than_equal", value)
        elif not inclusive and value <= minimum:
            self.add((field,), f"Input should be greater than {minimum}", "greater_than", value)

    def enum(self, field: str, value: Any, kind: type[Enum]) -> Any:
        if isinstance(value, kind):
            return value
        try:
            return kind(value)
        except ValueError:
            names = [f"'{member.value}'" for member in list(kind)]
            self.add((field,), f"Input should be {', '.join(names[:-1])} or {names[-1]}", "enum", value)
            return value

    def raise_any(self) -> None:
        if self.problems:
            raise ModelValidationError(self.title, self.problems)


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
        checks = _Checks("UnitesModel")
        checks.string("identifier", self.identifier)
        _set(self, "strategy", checks.enum("strategy", self.strategy, UnitesStrategy))
        checks.raise_any()


def _unites(given: Any, checks: _Checks) -> Any:
    value: Any = given
    if value is UNSET or value is None:
        return None
    if isinstance(value, dict):
        try:
            value = UnitesModel(**cast("dict[str, Any]", value))
        except ModelValidationError as error:
            for problem in error.errors():
                checks.add(("unites", *problem["loc"]), problem["msg"], problem["type"], problem["input"])
            return None
    if not isinstance(value, Unites):
        checks.add(("unites",), "Input should be a valid dictionary or instance of UnitesModel", "model_type", value)
        return None
    unites: Unites = value
    trimmed = unites.identifier.strip()
    if trimmed == "":
        checks.value_error("unites", "Unites identifier cannot be empty", value)
    return UnitesModel(identifier=trimmed, strategy=unites.strategy)


def _next_nodes(given: Any, checks: _Checks) -> Any:
    """The original trims the entries and refuses blanks and repeats; an explicit None becomes []."""
    value: Any = given
    if value is UNSET:
        return None
    if value is None:
        return []
    if not isinstance(value, list):
        checks.add(("next_nodes",), "Input should be a valid list", "list_type", value)
        return value
    seen: set[str] = set()
    problems: list[str] = []
    trimmed: list[str] = []
    entries = cast("list[Any]", value)  # type: ignore[redundant-cast]  # pyright needs it after isinstance
    for index, entry in enumerate(entries):
        if not isinstance(entry, str):
            checks.add(("next_nodes", index), "Input should be a valid string", "string_type", entry)
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
        checks.value_error("next_nodes", "\n".join(problems), value)
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
        checks = _Checks("GraphNodeModel")
        name = checks.string("node_name", self.node_name)
        if name is not None:
            name = name.strip()
            if name == "":
                checks.value_error("node_name", "Node name cannot be empty", self.node_name)
            _set(self, "node_name", name)
        checks.string("namespace", self.namespace)
        identifier = checks.string("identifier", self.identifier)
        if identifier is not None:
            identifier = identifier.strip()
            if identifier == "":
                checks.value_error("identifier", "Node identifier cannot be empty", self.identifier)
            elif identifier == "store":
                checks.value_error("identifier", "Node identifier cannot be reserved word 'store'", self.identifier)
            _set(self, "identifier", identifier)
        if not isinstance(self.inputs, dict) or not all(isinstance(key, str) for key in self.inputs):
            checks.add(("inputs",), "Input should be a valid dictionary", "dict_type", self.inputs)
        _set(self, "next_nodes", _next_nodes(self.next_nodes, checks))
        _set(self, "unites", _unites(self.unites, checks))
        checks.raise_any()


class RetryPolicyModel(RetryPolicy, _Model, frozen=True, kw_only=True):
    """Graph-wide retry of failed states (times in milliseconds)."""

    def __post_init__(self) -> None:
        checks = _Checks("RetryPolicyModel")
        checks.integer("max_retries", self.max_retries, minimum=0, inclusive=True)
        _set(self, "strategy", checks.enum("strategy", self.strategy, RetryStrategy))
        checks.integer("backoff_factor", self.backoff_factor, minimum=0, inclusive=False)
        checks.integer("exponent", self.exponent, minimum=0, inclusive=False)
        if self.max_delay is not None:
            checks.integer("max_delay", self.max_delay, minimum=0, inclusive=False)
        checks.raise_any()


def _store_keys(keys: list[Any], field: str, checks: _Checks) -> list[str] | None:
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
        checks.value_error(field, "\n".join(problems), keys)
        return None
    return trimmed


class StoreConfigModel(StoreConfig, _Model, frozen=True, kw_only=True):
    """The run-scoped store of a graph: keys every trigger must give, and default values."""

    def __post_init__(self) -> None:
        checks = _Checks("StoreConfigModel")
        required = self.required_keys
        if not isinstance(required, list) or not all(isinstance(key, str) for key in required):
            checks.add(("required_keys",), "Input should be a valid list of strings", "list_type", required)
        else:
            keys = _store_keys(required, "required_keys", checks)
            if keys is not None:
                _set(self, "required_keys", keys)
        defaults = self.default_values
        if not isinstance(defaults, dict) or not all(
            isinstance(key, str) and isinstance(value, str) for key, value in defaults.items()
        ):
            checks.add(("default_values",), "Input should be a valid dictionary of strings", "dict_type", defaults)
        else:
            keys = _store_keys(list(defaults), "default_values", checks)
            if keys is not None:
                _set(self, "default_values", dict(zip(keys, defaults.values(), strict=True)))
        checks.raise_any()


class CronTrigger(CronTriggerStruct, _Model, frozen=True, kw_only=True):
    """A cron schedule (5 fields: minute hour day-of-month month day-of-week)."""

    expression: str = REQUIRED

    def __post_init__(self) -> None:
        checks = _Checks("CronTrigger")
        checks.string("expression", self.expression)
        checks.raise_any()
