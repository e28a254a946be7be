"""The local state manager and the SDK's graph checks agree with the real state manager, one rule at a time, with
the real server's exact strings (recorded in spec/vectors/exosphere/server/, replayed whole by
test_server_verdicts.py): cron by croniter, pydantic's lax integers, unknown members ignored, the messages of the
graph rules, pydantic's 422s listing every problem, the 400 text of the first failing check."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from exosphere_api import codec
from exosphere_api.models.upsert_graph import UpsertGraphRequest
from exospherehost import CronTrigger, Graph, GraphNodeModel, RetryPolicyModel, StoreConfigModel
from exospherehost.local import MEMORY, LocalStateManager
from exospherehost.validation import validate_graph
from sdkcore.local.http import InProcessTransport

KEY = "agreement-key"
PYDANTIC_DOCS = "\n    For further information visit https://errors.pydantic.dev/2.11/v/value_error"


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with LocalStateManager(MEMORY, api_key=KEY) as local:
        yield httpx.Client(transport=InProcessTransport(local), base_url="http://local/v0/namespace/ns",
                           headers={"x-api-key": KEY})  # fmt: skip


def node(identifier: str, **fields: Any) -> dict[str, Any]:
    return {"node_name": "Node", "namespace": "ns", "identifier": identifier, "inputs": {}, **fields}


def body(*nodes: dict[str, Any], **members: Any) -> dict[str, Any]:
    return {"secrets": {}, "nodes": list(nodes) or [node("a")], **members}


def cron(expression: str) -> dict[str, Any]:
    return {"type": "CRON", "value": {"expression": expression}}


def test_cron_is_croniters_judgement(client: httpx.Client) -> None:
    for accepted in ("@daily", "@hourly", "0 0 * * * *", "0 0 1 1 * 0 2030", "0 0 L * *", "0 0 * * 1#2"):
        assert client.put("/graph/g", json=body(triggers=[cron(accepted)])).status_code == 201, accepted
        assert Graph([GraphNodeModel(node_name="N", namespace="ns", identifier="a")],
                     triggers=[CronTrigger(expression=accepted)]).problems() == []  # fmt: skip
    refused = client.put("/graph/g", json=body(triggers=[cron("0 0 * * 5L"), cron("? * * * *")]))
    message = "Value error, Invalid cron expression"
    assert (refused.status_code, refused.json()) == (422, {"detail": [
        {"type": "value_error", "loc": ["body", "triggers", 0, "expression"], "msg": message, "input": "0 0 * * 5L",
         "ctx": {"error": {}}},
        {"type": "value_error", "loc": ["body", "triggers", 1, "expression"], "msg": message, "input": "? * * * *",
         "ctx": {"error": {}}}]})  # fmt: skip
    for expression in ("L * * * *", "0 0 LW * *", "0 0 15W * *"):  # croniter 6.2 would take the last
        graph = Graph([GraphNodeModel(node_name="N", namespace="ns", identifier="a")],
                      triggers=[CronTrigger(expression=expression)])  # fmt: skip
        assert [problem.path for problem in graph.problems()] == ["triggers[0].expression"]


def test_integers_are_pydantics_lax_ones(client: httpx.Client) -> None:
    accepted = client.put("/graph/g", json=body(retry_policy={"max_retries": "3", "backoff_factor": 2.0,
                                                               "exponent": True, "max_delay": " 4 "}))  # fmt: skip
    assert accepted.json()["retry_policy"] == {"max_retries": 3, "strategy": "EXPONENTIAL", "backoff_factor": 2,
                                               "exponent": 1, "max_delay": 4}  # fmt: skip
    model = RetryPolicyModel(max_retries="3", backoff_factor=2.0, exponent=True, max_delay=" 4 ")  # type: ignore[arg-type]
    assert model.model_dump(mode="json") == accepted.json()["retry_policy"]
    refused = client.put("/graph/g", json=body(retry_policy={"max_retries": 1.5}))
    assert refused.json() == {"detail": [{"type": "int_from_float", "loc": ["body", "retry_policy", "max_retries"],
                                          "msg": "Input should be a valid integer, got a number with a fractional part",
                                          "input": 1.5}]}  # fmt: skip
    assert client.post("/graph/none/trigger", json={"start_delay": "2.0"}).status_code == 404  # read: 2 ms
    assert client.post("/graph/none/trigger", json={"start_delay": "2.5"}).json()["detail"][0]["type"] == "int_parsing"


def test_unknown_members_are_ignored_at_every_level(client: httpx.Client) -> None:
    document = body(node("a", extra=1, unites=None), retry_policy={"jitter": True}, store_config={"defaults": {}},
                    triggers=[{"type": "CRON", "value": {"expression": "@daily", "timezone": "UTC"}, "x": 1}],
                    name="g")  # fmt: skip
    answer = client.put("/graph/g", json=document)
    assert answer.status_code == 201
    assert answer.json()["triggers"] == [{"type": "CRON", "value": {"expression": "@daily", "timezone": "UTC"}}]
    decoded = codec.decode(codec.encode(document), UpsertGraphRequest)  # the schema is open too; members dropped
    assert b"extra" not in codec.encode(decoded)


def test_the_graph_rules_speak_as_the_server(client: httpx.Client) -> None:
    roots = client.put("/graph/g", json=body(node("a", inputs={"x": "1"}, next_nodes=["c"]), node("b"), node("c")))
    assert roots.json()["detail"] == (
        "Error validating graph template: 1 validation error for GraphTemplate\n  Value error, There should be exactly "
        "one root node in the graph but found 2 nodes with zero in-degree: [NodeTemplate(node_name='Node', "
        "namespace='ns', identifier='a', inputs={'x': '1'}, next_nodes=['c'], unites=None), NodeTemplate(node_name="
        "'Node', namespace='ns', identifier='b', inputs={}, next_nodes=None, unites=None)] [type=value_error, "
        "input_value={'name': 'g', 'namespace'...ues={}), 'triggers': []}, input_type=dict]" + PYDANTIC_DOCS
    )
    value = "${{ store.k }} ${{ store.k }} ${{ z.outputs.p }} ${{ z.outputs.q }}"
    twice = [GraphNodeModel(node_name="N", namespace="ns", identifier="a", next_nodes=["b"]),
             GraphNodeModel(node_name="N", namespace="ns", identifier="b", inputs={"x": value})]  # fmt: skip
    assert [problem.message for problem in validate_graph(twice)] == [
        "Input ${{ store.k }} ${{ store.k }} ${{ z.outputs.p }} ${{ z.outputs.q }} depends on z but z is not a parent "
        "of b",
        "Input ${{ store.k }} ${{ store.k }} ${{ z.outputs.p }} ${{ z.outputs.q }} depends on k but k is not a "
        "required key or a default value",
    ]
    with pytest.raises(ValueError, match=r"default_values\.k\n  Input should be a valid string"):
        StoreConfigModel(default_values={"k": 1, "j": "ok"})  # type: ignore[dict-item]


def test_422s_are_pydantics_and_list_every_problem(client: httpx.Client) -> None:
    answer = client.put("/graph/g", json=body(node("a", unites={"identifier": "   "}), retry_policy={
        "exponent": 0, "strategy": "SOMETIMES"}, store_config={"required_keys": ["a.b"]},
        triggers=[{"type": "RRULE", "value": {"expression": "@daily"}}]))  # fmt: skip
    assert answer.status_code == 422
    assert [(problem["loc"], problem["msg"]) for problem in answer.json()["detail"]] == [
        (["body", "nodes", 0, "unites"], "Value error, Unites identifier cannot be empty"),
        (["body", "retry_policy", "strategy"], "Input should be 'EXPONENTIAL', 'EXPONENTIAL_FULL_JITTER', "
         "'EXPONENTIAL_EQUAL_JITTER', 'LINEAR', 'LINEAR_FULL_JITTER', 'LINEAR_EQUAL_JITTER', 'FIXED', "
         "'FIXED_FULL_JITTER' or 'FIXED_EQUAL_JITTER'"),
        (["body", "retry_policy", "exponent"], "Input should be greater than 0"),
        (["body", "store_config", "required_keys"], "Value error, Key 'a.b' cannot contain '.' character"),
        (["body", "triggers", 0, "type"], "Input should be 'CRON'"),
    ]  # fmt: skip


def test_400s_are_the_first_failing_check_in_pydantics_text(client: httpx.Client) -> None:
    secret = client.put("/graph/g", json=body(secrets={"": "value", "empty-value": ""}))
    assert secret.status_code == 400
    assert secret.json()["detail"].startswith("Error validating graph template: 1 validation error for GraphTemplate"
                                              "\nsecrets\n  Value error, Secrets cannot be empty [type=value_error, "
                                              "input_value={'': '")  # fmt: skip
    assert "value" not in secret.json()["detail"].split("input_value=")[1].split(",")[0]  # ciphertext, never the value
    blank = client.put("/graph/%20%20", json=body(node("a"), node("b")))  # two roots too: the field check comes first
    assert blank.json()["detail"] == (
        "Error validating graph template: 1 validation error for GraphTemplate\nname\n  Value error, Name cannot be "
        "empty [type=value_error, input_value='  ', input_type=str]" + PYDANTIC_DOCS
    )


def test_review_findings_are_the_servers_answers(client: httpx.Client) -> None:
    """What an adversarial differential review found (each answer checked against the real server)."""
    huge = "1" * 4301  # beyond 64 bits pydantic asks Python's int(), which stops at 4300 digits
    for path, document, field in (("/graph/none/trigger", {"start_delay": huge}, ["body", "start_delay"]),
                                  ("/graph/g", body(retry_policy={"max_retries": huge}),
                                   ["body", "retry_policy", "max_retries"])):  # fmt: skip
        answer = client.put(path, json=document) if path == "/graph/g" else client.post(path, json=document)
        too_large = "Unable to parse input string as an integer, exceeded maximum size"
        expected = {"type": "int_parsing_size", "loc": field, "msg": too_large, "input": huge}
        assert answer.json() == {"detail": [expected]}
    big = client.post("/graph/none/trigger", json={"start_delay": "11111111111111111111"}).json()["detail"][0]
    assert (big["type"], big["input"]) == ("less_than_equal", "11111111111111111111")  # the input as sent
    assert client.put("/graph/g", json=body()).status_code == 201
    invalid = client.put("/graph/g%20", json=body(node("a"), node("b")))  # judged before the name clash
    assert invalid.status_code == 400
    assert "input_value={'name': 'g ', 'namespace" in invalid.json()["detail"]
    assert client.put("/graph/g%20", json=body()).status_code == 500  # stored as "g", which exists: the unique index
    padded = "http://local/v0/namespace/%20ns%20/graph/h"
    assert client.put(padded, json=body()).status_code == 201
    assert client.get("/graph/h").status_code == 200  # the namespace is stored trimmed...
    assert client.get(padded).json() == {"detail": "Graph template h not found in namespace  ns "}  # ...read as given


def test_the_drop_in_models_refuse_what_pydantic_refuses_from_python() -> None:
    with pytest.raises(ValueError, match=r"inputs\.1\.\[key\]\n  Input should be a valid string"):
        GraphNodeModel(node_name="A", namespace="ns", identifier="a", inputs={1: "x"})  # type: ignore[dict-item]
    from decimal import Decimal
    from fractions import Fraction

    policy = RetryPolicyModel(max_retries=Decimal("2"), backoff_factor=Fraction(6, 2), exponent=b"4")  # type: ignore[arg-type]
    assert (policy.max_retries, policy.backoff_factor, policy.exponent) == (2, 3, 4)
