"""The local state manager answers what the real one answered, status and body, for every request recorded from
the real state manager at 0.0.3 (`spec/vectors/exosphere/server/`, made by `tools/exosphere_oracle.py`): graph
upserts on the create and the update path (cron, lax integers, unknown members, every kind of bad body, the 400
layer's messages), and the request validation of the other routes. Where the real answer holds an ObjectId or a
ciphertext (different on every run there too), that part is compared by its shape."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import httpx
import pytest

from exospherehost.local import MEMORY, LocalStateManager
from exospherehost.local.bodies import read_body
from exospherehost.validation import valid_cron, validate_graph
from sdkcore.local.http import InProcessTransport

VECTORS = Path(__file__).parents[2] / "spec" / "vectors" / "exosphere" / "server"
KEY = "oracle-key"


def _cases(name: str) -> list[dict[str, Any]]:
    cases: list[dict[str, Any]] = json.loads((VECTORS / name).read_text(encoding="utf-8"))["cases"]
    return cases


UPSERTS = _cases("upsert-graph.json")
BODIES = _cases("request-bodies.json")
CRONS = json.loads((VECTORS / "cron.json").read_text(encoding="utf-8"))

_OBJECT_ID = re.compile(r"ObjectId\('[0-9a-f]{8}\.\.\.")  # pydantic shows 8 of its 24 digits
_CIPHERTEXT = re.compile(r"(input_value=\{'[^']*': ')([A-Za-z0-9_=-]+(?:\.\.\.[A-Za-z0-9_=-]+)?)'")

# Documented differences (README, "The local state manager"): integers SQLite cannot hold are refused (422) where
# the released server takes them and then fails on MongoDB or tries 2**70 times.
DEVIATIONS = {
    "trigger-start-delay-16-1180591620717411303424", "trigger-start-delay-24-9223372036854775808",
    "enqueue-batch-size-09-1180591620717411303424", "re-enqueue-after-09-1180591620717411303424",
}  # fmt: skip


def _loosely(body: Any) -> Any:
    """The body with the parts that differ on every run of the real server too: an ObjectId's digits, and a
    ciphertext (kept: its length)."""
    text = json.dumps(body, ensure_ascii=False)
    text = _OBJECT_ID.sub("ObjectId('<id>...", text)
    text = _CIPHERTEXT.sub(lambda match: f"{match[1]}<ciphertext of {len(match[2])}>'", text)
    return json.loads(text)


def _send(client: httpx.Client, request: dict[str, Any]) -> httpx.Response:
    content = request["raw"].encode() if "raw" in request else json.dumps(request["body"]).encode()
    return client.request(request["method"], request["path"], content=content,
                          headers={"content-type": "application/json"})  # fmt: skip


@pytest.fixture
def local() -> Any:
    with LocalStateManager(MEMORY, api_key=KEY) as server:
        yield server


def _client(local: LocalStateManager) -> httpx.Client:
    return httpx.Client(transport=InProcessTransport(local), base_url="http://local", headers={"x-api-key": KEY})


@pytest.mark.parametrize("case", UPSERTS, ids=[case["name"] for case in UPSERTS])
def test_graph_upserts_are_answered_as_the_real_server_answered(local: LocalStateManager, case: dict[str, Any]) -> None:
    with _client(local) as client:
        for before in case.get("before", []):
            assert _send(client, before).status_code == 201
        answer = _send(client, case["request"])
    expected = case["response"]
    assert answer.status_code == expected["status"], answer.text
    body = answer.json()
    if isinstance(body, dict):
        for stamp in ("created_at", "updated_at"):
            if stamp in body:
                body[stamp] = "<time>"
    assert _by_this_python(_loosely(body)) == _by_this_python(_loosely(expected["body"]))


RECORDED_ON = (3, 12)  # the Python the real server ran on when the answers were recorded


def _by_this_python(body: Any) -> Any:
    """The body, where it quotes Python's own JSON parser (`json_invalid`: its offset and message, which changed
    in 3.13 for some inputs), kept only on the Python the answers were recorded on: both servers quote theirs."""
    if sys.version_info[:2] == RECORDED_ON or not isinstance(body, dict) or not isinstance(body.get("detail"), list):
        return body
    return {"detail": [{**problem, "loc": problem["loc"][:1], "ctx": None} if problem["type"] == "json_invalid"
                       else problem for problem in body["detail"]]}  # fmt: skip


@pytest.mark.parametrize("case", BODIES, ids=[case["name"] for case in BODIES])
def test_request_bodies_are_judged_as_the_real_server_judged_them(
    local: LocalStateManager, case: dict[str, Any]
) -> None:
    with _client(local) as client:
        answer = _send(client, case["request"])
    expected = case["response"]
    if case["name"] in DEVIATIONS:
        assert answer.status_code == 422
        assert answer.json()["detail"][0]["type"] == "less_than_equal"
    elif expected.get("verdict") == "valid":  # past validation the real controller would judge it (a state, a graph)
        assert answer.status_code != 422, answer.text
    else:
        assert (answer.status_code, answer.json()) == (expected["status"], expected["body"])


@pytest.mark.parametrize("row", CRONS, ids=[repr(row["expression"]) for row in CRONS])
def test_cron_expressions_are_judged_by_croniter_as_the_server_judges_them(row: dict[str, Any]) -> None:
    assert valid_cron(row["expression"]) is row["valid"]


def _server_messages(detail: str) -> list[str]:
    """The messages of the server's 400 text: each error's `Value error, ...` up to its `[type=` (lines joined)."""
    return [line for text in re.findall(r"Value error, (.*?) \[type=value_error", detail, re.DOTALL)
            for line in text.split("\n")]  # fmt: skip


REFUSED = [case for case in UPSERTS if case["response"]["status"] == 400 and not case["name"].startswith("update-")]


@pytest.mark.parametrize("case", REFUSED, ids=[case["name"] for case in REFUSED])
def test_the_sdks_local_validation_reports_at_least_what_the_server_refused(case: dict[str, Any]) -> None:
    """`validate_graph` (what `upsert_graph` checks before sending) lists every problem, a superset of the first
    failing check the server reports."""
    request = read_body(json.dumps(case["request"]["body"]).encode(), "UpsertGraphRequest")
    name = unquote(case["request"]["path"].rsplit("/", 1)[1])
    crons = [trigger["value"]["expression"] for trigger in request["triggers"]]
    found = [problem.message for problem in validate_graph(
        request["nodes"], request["store_config"], crons, name=name, secrets=request["secrets"])]  # fmt: skip
    expected = _server_messages(case["response"]["body"]["detail"])
    assert expected
    assert [message for message in expected if message not in found] == []
