"""The state manager's 400 for a graph template it refuses: `Error validating graph template: ` and the text of
the pydantic ValidationError its GraphTemplate model raised, for the first check that failed.

The rules are `exospherehost.validation`'s (see `RULES`); the server reports them as its model runs them:

* the field validators together (`name`, `namespace`, `nodes`: unique identifiers, else existing `next_nodes`),
  each error under its field name with the field's value as `input_value`;
* when they pass, the first model validator that fails (`unites`, `connected`, `acyclic`, `inputs`), its
  messages joined by newlines, with no field line and the whole model's input as `input_value`;
* the secrets last: on a create they are set after the model is built, and judged when it is inserted.

A create builds the model from its arguments (so `input_value` starts `{'name': ...`); an update assigns the new
values to the stored template and judges its dump when saving it (`{'id': ObjectId(...`, nodes as dicts,
`next_nodes` None read back as []), and then the secrets are judged with the other fields. Pydantic shows at most
the first 25 and last 24 characters of an `input_value`; the server's secret values are ciphertext by then, which
the local server stands in for with random text of the same length (never the value)."""

from __future__ import annotations

import base64
import os
from collections.abc import Mapping, Sequence
from typing import Any

import msgspec

from exosphere_api.models.graph_node import GraphNode, Unites
from exospherehost.lax_reading import pydantic_text
from exospherehost.models import RetryPolicyModel, StoreConfigModel
from exospherehost.validation import node_repr, validate_graph

__all__ = ["DOCS_VERSION", "read_back", "rejection"]

DOCS_VERSION = "2.11"
"""The pydantic the released server runs (2.11.7), in the address of each error's documentation."""

_MODEL_RULES = ("unites", "connected", "acyclic", "inputs")


class Shown:
    """An `input_value` given by its repr and type name."""

    def __init__(self, text: str, type_name: str) -> None:
        self.text, self.type_name = text, type_name

    def __repr__(self) -> str:
        return self.text


def rejection(
    *,
    name: str,
    namespace: str,
    nodes: Sequence[GraphNode],
    secrets: Mapping[str, str],
    retry_policy: RetryPolicyModel | None,
    store_config: StoreConfigModel | None,
    triggers: Sequence[dict[str, Any]],
    stored_id: str | None,
) -> str | None:
    """The detail of the server's 400 for this upsert (`stored_id`: the template it updates, None for a create),
    or None when it accepts the graph."""
    update = stored_id is not None
    judged = [read_back(node) for node in nodes] if update else list(nodes)
    found = validate_graph(judged, store_config, name=name, namespace=namespace, secrets=secrets)
    messages: dict[str, list[str]] = {}
    for problem in found:
        messages.setdefault(problem.rule, []).append(problem.message)
    fields: list[tuple[str, list[str], Shown]] = []
    if "name" in messages:
        fields.append(("name", messages["name"], Shown(repr(name), "str")))
    if "namespace" in messages:
        fields.append(("namespace", messages["namespace"], Shown(repr(namespace), "str")))
    node_messages = messages.get("nodes") or messages.get("next_nodes")
    if node_messages:
        fields.append(("nodes", node_messages, Shown(_nodes(nodes, update), "list")))
    if "secrets" in messages and update:
        fields.append(("secrets", messages["secrets"], Shown(_ciphertexts(secrets), "dict")))
    if fields:
        return _detail(fields)
    for rule in _MODEL_RULES:
        if rule in messages:
            lines = messages[rule]
            broken = [line for line in lines if line.startswith("Error building dependency graph")]
            whole = _dump(stored_id, store_config) if stored_id is not None else \
                _arguments(name, namespace, nodes, retry_policy, store_config, triggers)  # fmt: skip
            return _detail([(None, broken or lines, Shown(whole, "dict"))])
    if "secrets" in messages:
        return _detail([("secrets", messages["secrets"], Shown(_ciphertexts(secrets), "dict"))])
    return None


def read_back(node: GraphNode) -> GraphNode:
    """A node as the server reads it back from its dump (an update judges that; saving stores it): the validator
    makes a `next_nodes` of None []."""
    return node if node.next_nodes is not None else msgspec.structs.replace(node, next_nodes=[])


def _detail(errors: Sequence[tuple[str | None, list[str], Shown]]) -> str:
    problems = [
        {"type": "value_error", "loc": () if field is None else (field,), "msg": "Value error, " + "\n".join(lines),
         "input": shown}
        for field, lines, shown in errors
    ]  # fmt: skip
    return "Error validating graph template: " + pydantic_text("GraphTemplate", problems, docs_version=DOCS_VERSION)


def _nodes(nodes: Sequence[GraphNode], update: bool) -> str:
    if not update:
        return f"[{', '.join(node_repr(node) for node in nodes)}]"
    return repr([_node_dump(node) for node in nodes])


def _node_dump(node: GraphNode) -> dict[str, Any]:
    unites = None
    if isinstance(node.unites, Unites):
        strategy = Shown(f"<UnitesStrategyEnum.{node.unites.strategy.value}: {node.unites.strategy.value!r}>", "")
        unites = {"identifier": node.unites.identifier, "strategy": strategy}
    return {"node_name": node.node_name, "namespace": node.namespace, "identifier": node.identifier,
            "inputs": node.inputs, "next_nodes": node.next_nodes, "unites": unites}  # fmt: skip


def _arguments(
    name: str,
    namespace: str,
    nodes: Sequence[GraphNode],
    retry_policy: RetryPolicyModel | None,
    store_config: StoreConfigModel | None,
    triggers: Sequence[dict[str, Any]],
) -> str:
    """The repr of the arguments a create builds the model from."""
    policy = retry_policy or RetryPolicyModel()
    store = store_config or StoreConfigModel()
    shown_policy = (f"RetryPolicyModel(max_retries={policy.max_retries!r}, strategy=<RetryStrategy."
                    f"{policy.strategy.value}: {policy.strategy.value!r}>, backoff_factor={policy.backoff_factor!r}, "
                    f"exponent={policy.exponent!r}, max_delay={policy.max_delay!r})")  # fmt: skip
    shown_store = f"StoreConfig(required_keys={store.required_keys!r}, default_values={store.default_values!r})"
    shown_triggers = ", ".join(f"Trigger(type=<TriggerTypeEnum.CRON: 'CRON'>, value={trigger['value']!r})"
                               for trigger in triggers)  # fmt: skip
    return (
        f"{{'name': {name!r}, 'namespace': {namespace!r}, 'nodes': [{', '.join(map(node_repr, nodes))}], "
        "'validation_status': <GraphTemplateValidationStatus.PENDING: 'PENDING'>, 'validation_errors': [], "
        f"'retry_policy': {shown_policy}, 'store_config': {shown_store}, 'triggers': [{shown_triggers}]}}"
    )


def _dump(stored_id: str, store_config: StoreConfigModel | None) -> str:
    """The start and the end of the repr of the stored template's dump an update judges (pydantic shows no more:
    the middle, with times and ciphertext, is left out)."""
    store = store_config or StoreConfigModel()
    start = f"{{'id': ObjectId('{stored_id}'), 'created_at': "
    end = f"'store_config': {{'required_keys': {store.required_keys!r}, 'default_values': {store.default_values!r}}}}}"
    return start + "..." * 20 + end


def _ciphertexts(secrets: Mapping[str, str]) -> str:
    """The secrets as the server holds them when it judges them: each value AES-GCM ciphertext (a fresh 12-byte
    nonce, the text, a 16-byte tag) in URL-safe base64; here random bytes of that length stand in for it."""
    shown = {name: base64.urlsafe_b64encode(os.urandom(12 + len(value.encode()) + 16)).decode()
             for name, value in secrets.items()}  # fmt: skip
    return repr(shown)
