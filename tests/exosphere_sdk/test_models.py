"""The models keep exospherehost 0.0.3's rules, normalisation, messages and dumps."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from exosphere_api import codec
from exosphere_api.models.graph_node import GraphNode
from exospherehost import (
    CronTrigger,
    GraphNodeModel,
    ModelValidationError,
    RetryPolicyModel,
    RetryStrategyEnum,
    StoreConfigModel,
    UnitesModel,
    UnitesStrategyEnum,
)


def node(**changes: Any) -> GraphNodeModel:
    return GraphNodeModel(**{"node_name": "A", "namespace": "ns", "identifier": "a", **changes})


def test_models_are_the_generated_structs_and_dump_as_the_originals() -> None:
    model = node(node_name=" A ", identifier=" a ", next_nodes=[" b ", "c"])
    assert isinstance(model, GraphNode)
    assert model.model_dump() == {"node_name": "A", "namespace": "ns", "identifier": "a", "inputs": {},
                                  "next_nodes": ["b", "c"], "unites": None}  # fmt: skip
    assert codec.encode(model) == model.model_dump_json().encode()


def test_next_nodes_left_out_is_null_but_an_explicit_none_is_an_empty_list() -> None:
    assert node().model_dump()["next_nodes"] is None
    assert node(next_nodes=None).model_dump()["next_nodes"] == []


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"node_name": "  "}, "node_name", "Value error, Node name cannot be empty"),
        ({"identifier": " "}, "identifier", "Value error, Node identifier cannot be empty"),
        ({"identifier": " store "}, "identifier", "Value error, Node identifier cannot be reserved word 'store'"),
        ({"next_nodes": ["b", " b"]}, "next_nodes", "Value error, Next node identifier b is not unique"),
        ({"next_nodes": [" "]}, "next_nodes", "Value error, Next node identifier cannot be empty"),
        ({"unites": UnitesModel(identifier=" ")}, "unites", "Value error, Unites identifier cannot be empty"),
        ({"node_name": 5}, "node_name", "Input should be a valid string"),
    ],
)
def test_graph_node_rules_and_messages(changes: dict[str, Any], field: str, message: str) -> None:
    with pytest.raises(ModelValidationError) as caught:
        node(**changes)
    assert isinstance(caught.value, ValueError)
    assert str(caught.value).startswith("1 validation error for GraphNodeModel\n")
    (problem,) = caught.value.errors()
    assert problem["loc"] == (field,)
    assert problem["msg"] == message
    assert message in str(caught.value)


def test_all_problems_are_reported_together_and_missing_fields_too() -> None:
    with pytest.raises(ModelValidationError) as caught:
        GraphNodeModel(namespace="ns", next_nodes=["x", "x", ""])  # type: ignore[call-arg]
    assert [problem["loc"] for problem in caught.value.errors()] == [("node_name",), ("identifier",), ("next_nodes",)]
    assert "Next node identifier x is not unique\nNext node identifier cannot be empty" in str(caught.value)


def test_unites_from_a_dict_and_its_strategy_from_a_string() -> None:
    model = node(unites={"identifier": " a ", "strategy": "ALL_DONE"})
    assert model.unites == UnitesModel(identifier="a", strategy=UnitesStrategyEnum.ALL_DONE)
    assert model.model_dump()["unites"] == {"identifier": "a", "strategy": UnitesStrategyEnum.ALL_DONE}


def test_retry_policy_defaults_bounds_and_string_strategy() -> None:
    assert RetryPolicyModel().model_dump() == {"max_retries": 3, "strategy": "EXPONENTIAL", "backoff_factor": 2000,
                                               "exponent": 2, "max_delay": None}  # fmt: skip
    assert RetryPolicyModel(strategy="LINEAR").strategy is RetryStrategyEnum.LINEAR  # type: ignore[arg-type]
    with pytest.raises(ModelValidationError) as caught:
        RetryPolicyModel(max_retries=-1, backoff_factor=0, exponent=0, max_delay=0, strategy="NOPE")  # type: ignore[arg-type]
    assert [problem["type"] for problem in caught.value.errors()] == [
        "greater_than_equal", "enum", "greater_than", "greater_than", "greater_than"
    ]  # fmt: skip


def test_store_config_keys() -> None:
    config = StoreConfigModel(required_keys=[" cursor "], default_values={" batch ": "100"})
    assert config.model_dump() == {"required_keys": ["cursor"], "default_values": {"batch": "100"}}
    with pytest.raises(ModelValidationError) as caught:
        StoreConfigModel(required_keys=["a.b", "c", " c", ""])
    assert caught.value.errors()[0]["msg"] == (
        "Value error, Key 'a.b' cannot contain '.' character\nKey 'c' is duplicated\n"
        "Key cannot be empty or contain only whitespace"
    )


def test_cron_trigger_needs_an_expression() -> None:
    assert CronTrigger(expression="0 9 * * 1-5").model_dump() == {"expression": "0 9 * * 1-5"}
    with pytest.raises(ModelValidationError, match="Field required"):
        CronTrigger()  # type: ignore[call-arg]


def test_model_copy_and_validate() -> None:
    assert node().model_copy(update={"identifier": " b "}).identifier == "b"
    assert GraphNodeModel.model_validate({"node_name": "A", "namespace": "n", "identifier": "a"}).node_name == "A"


identifiers = st.text(alphabet=st.sampled_from(" \tab.c"), max_size=6)


@given(names=st.lists(identifiers, max_size=6))
def test_next_nodes_validator_matches_its_rule(names: list[str]) -> None:
    trimmed = [name.strip() for name in names]
    valid = all(trimmed) and len(set(trimmed)) == len(trimmed)
    if not valid:
        with pytest.raises(ModelValidationError, match="next_nodes"):
            node(next_nodes=names)
        return
    assert node(next_nodes=names).next_nodes == trimmed


@given(keys=st.lists(identifiers, max_size=6))
def test_store_key_validator_matches_its_rule(keys: list[str]) -> None:
    trimmed = [key.strip() for key in keys]
    valid = all(trimmed) and len(set(trimmed)) == len(trimmed) and not any("." in key for key in trimmed)
    if not valid:
        with pytest.raises(ModelValidationError, match="required_keys"):
            StoreConfigModel(required_keys=keys)
        return
    assert StoreConfigModel(required_keys=keys).required_keys == trimmed
