"""A graph template as one value: its nodes with the secrets, retry policy, store config and triggers `upsert_graph`
sends, to check with the state manager's rules (`problems()`), draw (`to_mermaid()`, `to_dot()`, `render()`, and
in a notebook by itself) and upsert (`upsert(manager)`). Secret values are kept for the upsert and never shown.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, cast, overload

import msgspec

if TYPE_CHECKING:
    from collections.abc import Coroutine

    from exospherehost.models import CronTrigger, GraphNodeModel, RetryPolicyModel, StoreConfigModel
    from exospherehost.results import GraphTemplate
    from exospherehost.statemanager import StateManager, SyncStateManager

__all__ = ["Graph", "GraphProblem"]


@dataclass(frozen=True)
class GraphProblem:
    """One rule the state manager would refuse the graph for: where (`path`, as in the upsert body:
    `nodes[1].inputs.data`, `triggers[0].expression`, or `nodes` for the graph as a whole), the node it concerns
    (`identifier`, None for the whole graph) and the server's own message."""

    path: str
    identifier: str | None
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


@dataclass(frozen=True, init=False, repr=False)
class Graph:
    """The nodes of a graph template and what is upserted with them. Arguments are checked when it is built
    (TypeError naming the field); the graph rules are not: `problems()` lists what the state manager would refuse."""

    nodes: tuple[GraphNodeModel, ...]
    name: str | None
    secrets: Mapping[str, str]
    retry_policy: RetryPolicyModel | None
    store_config: StoreConfigModel | None
    triggers: tuple[CronTrigger, ...] | None

    def __init__(
        self,
        nodes: Sequence[GraphNodeModel],
        *,
        name: str | None = None,
        secrets: Mapping[str, str] | None = None,
        retry_policy: RetryPolicyModel | None = None,
        store_config: StoreConfigModel | None = None,
        triggers: Sequence[CronTrigger] | None = None,
    ) -> None:
        from exospherehost.models import CronTrigger, GraphNodeModel, RetryPolicyModel, StoreConfigModel

        if name is not None and not isinstance(name, str):
            raise TypeError(f"Graph name must be a str or None, got {type(name).__name__}")
        values = {"name": name, "nodes": _items("nodes", nodes, GraphNodeModel), "secrets": _secrets(secrets),
                  "retry_policy": _optional("retry_policy", retry_policy, RetryPolicyModel),
                  "store_config": _optional("store_config", store_config, StoreConfigModel),
                  "triggers": None if triggers is None else _items("triggers", triggers, CronTrigger)}  # fmt: skip
        for field_name, value in values.items():
            object.__setattr__(self, field_name, value)

    @classmethod
    def from_upsert_body(cls, name: str | None, body: Mapping[str, Any] | bytes | str) -> Graph:
        """The graph an upsert request body describes (the JSON `upsert_graph` sends: `nodes`, `secrets`, and
        optionally `retry_policy`, `store_config`, `triggers`). A body of the wrong shape raises
        msgspec.ValidationError naming the JSON path; a node the models refuse, ModelValidationError (both are
        ValueErrors)."""
        from exosphere_api import codec
        from exosphere_api.models.upsert_graph import UpsertGraphRequest
        from exospherehost.models import CronTrigger, GraphNodeModel, RetryPolicyModel, StoreConfigModel

        if isinstance(body, Mapping):
            body = msgspec.json.encode(body)
        elif not isinstance(body, (bytes, str)):
            raise TypeError(f"Graph body must be a dict, bytes or str of JSON, got {type(body).__name__}")
        try:
            request = codec.decode(body, UpsertGraphRequest)
        except msgspec.ValidationError:
            _model_check(body)  # a node breaking a model rule: the model's message, as the server gives it
            raise
        retry, store, triggers = request.retry_policy, request.store_config, request.triggers
        return cls(
            [GraphNodeModel.model_validate(_node_values(codec.to_builtins(node))) for node in request.nodes],
            name=name,
            secrets=request.secrets,
            retry_policy=None if isinstance(retry, msgspec.UnsetType) else
            RetryPolicyModel.model_validate(codec.to_builtins(retry)),
            store_config=None if isinstance(store, msgspec.UnsetType) else
            StoreConfigModel.model_validate(codec.to_builtins(store)),
            triggers=None if isinstance(triggers, msgspec.UnsetType) else
            [CronTrigger(expression=entry.value.expression) for entry in triggers],
        )  # fmt: skip

    def to_upsert_body(self) -> bytes:
        """The PUT body `upsert_graph` would send for this graph (secret values included: it is the request)."""
        from exospherehost import _wire

        triggers = None if self.triggers is None else list(self.triggers)
        return _wire.upsert_body(list(self.nodes), dict(self.secrets), self.retry_policy, self.store_config, triggers)

    def problems(self) -> list[GraphProblem]:
        """Every problem the state manager would report for this graph (the SDK's local validation, the rules
        `upsert_graph` checks before sending), each with its path; empty when the graph will be accepted."""
        from exospherehost.validation import validate_graph

        crons = [trigger.expression for trigger in self.triggers or ()]
        found = validate_graph(self.nodes, self.store_config, crons, name=self.name, secrets=self.secrets)
        return [GraphProblem(problem.where, problem.identifier, problem.message) for problem in found]

    @overload
    def upsert(self, manager: SyncStateManager, **options: Any) -> GraphTemplate: ...
    @overload
    def upsert(self, manager: StateManager, **options: Any) -> Coroutine[Any, Any, GraphTemplate]: ...
    def upsert(self, manager: StateManager | SyncStateManager, **options: Any) -> Any:
        """`manager.upsert_graph(...)` with this graph (await it for a StateManager); `options` are
        upsert_graph's own (validation_timeout, polling_interval). The graph needs a name."""
        if self.name is None:
            raise ValueError("the graph has no name: build it with Graph(nodes, name=...) to upsert it")
        triggers = None if self.triggers is None else list(self.triggers)
        return manager.upsert_graph(self.name, list(self.nodes), dict(self.secrets), self.retry_policy,
                                    self.store_config, triggers, **options)  # fmt: skip

    def to_mermaid(self) -> str:
        """The graph as a Mermaid flowchart (see `exospherehost.rendering`)."""
        from exospherehost.rendering import graph_mermaid

        return graph_mermaid(self)

    def to_dot(self) -> str:
        """The graph as Graphviz DOT (see `exospherehost.rendering`)."""
        from exospherehost.rendering import graph_dot

        return graph_dot(self)

    @overload
    def render(self, fmt: Literal["mermaid", "dot"]) -> str: ...
    @overload
    def render(self, fmt: Literal["svg", "png"]) -> bytes: ...
    @overload
    def render(self, fmt: str) -> str | bytes: ...
    def render(self, fmt: str) -> str | bytes:
        """The picture as mermaid or dot text, or svg or png bytes (these need Graphviz's `dot` on PATH)."""
        from exospherehost.rendering import render_graph

        return render_graph(self, fmt)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        """What a notebook shows: SVG with Graphviz installed, else the Mermaid text as markdown."""
        from exospherehost.rendering import graph_mimebundle

        return graph_mimebundle(self)

    def __repr__(self) -> str:
        shown = [f"name={self.name!r}", f"nodes={[node.identifier for node in self.nodes]!r}"]
        if self.secrets:
            shown.append(f"secrets={sorted(self.secrets)!r} (values hidden)")
        options = {"retry_policy": self.retry_policy, "store_config": self.store_config,
                   "triggers": None if self.triggers is None else list(self.triggers)}  # fmt: skip
        shown += [f"{key}={value!r}" for key, value in options.items() if value is not None]
        return f"Graph({', '.join(shown)})"


def _items(field: str, given: Any, kind: type[Any]) -> tuple[Any, ...]:
    items = cast("Sequence[Any]", given)
    if isinstance(items, (str, bytes, Mapping)) or not isinstance(items, Sequence):
        raise TypeError(f"Graph {field} must be a list of {kind.__name__}, got {type(given).__name__}")
    for index, item in enumerate(items):
        if not isinstance(item, kind):
            raise TypeError(f"Graph {field}[{index}] must be a {kind.__name__}, got {type(item).__name__}")
    return tuple(items)


def _model_check(body: bytes | str) -> None:
    """ModelValidationError for the first node of the body the models refuse (a node with unknown fields aside)."""
    from exosphere_api import codec
    from exospherehost.models import GraphNodeModel

    try:
        nodes = codec.decode(body, dict[str, Any]).get("nodes")
    except (msgspec.ValidationError, msgspec.DecodeError):
        return
    for values in cast("list[dict[str, Any]]", nodes if isinstance(nodes, list) else []):
        if isinstance(values, dict) and set(values) <= set(GraphNodeModel.__struct_fields__):
            GraphNodeModel(**values)


def _node_values(values: dict[str, Any]) -> dict[str, Any]:
    """A body's node for the model: `"next_nodes": null` left out, so the node keeps None (the model reads an explicit
    None as []) and encodes back to the same body."""
    return {key: value for key, value in values.items() if key != "next_nodes" or value is not None}


def _optional(field: str, given: Any, kind: type[Any]) -> Any:
    if given is not None and not isinstance(given, kind):
        raise TypeError(f"Graph {field} must be a {kind.__name__} or None, got {type(given).__name__}")
    return given


def _secrets(given: Any) -> dict[str, str]:
    """A copy of the secrets; a wrong one is named by its key and type, never by its value."""
    if given is None:
        return {}
    secrets = cast("Mapping[Any, Any]", given)
    if not isinstance(secrets, Mapping):
        raise TypeError(f"Graph secrets must be a dict of str to str, got {type(given).__name__}")
    for key, value in secrets.items():
        if not isinstance(key, str):
            raise TypeError(f"Graph secrets must have str names, got {type(key).__name__}")
        if not isinstance(value, str):
            raise TypeError(f"Graph secrets[{key!r}] must be a str, got {type(value).__name__} (value not shown)")
    return dict(secrets)
