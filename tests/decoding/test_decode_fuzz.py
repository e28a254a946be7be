"""Every public decode path raises only its documented error types, whatever bytes it is given (issue 17, point 4
and the decode half of its fuzz): a bounded, seeded fuzz of mutated documents (truncation, bit flips, deep
nesting, huge numbers and strings, invalid UTF-8, duplicate keys), each case under a time limit."""

from __future__ import annotations

import json
import random
import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from typing import Any

import httpx
import msgspec
import pytest

import sdkcore
import waygrid
from exosphere_api import codec as exosphere_codec
from exosphere_api.models.upsert_graph import UpsertGraphRequest
from exospherehost import Graph, GraphNodeModel, RetryPolicyModel, StoreConfigModel, SyncStateManager
from exospherehost.models import ModelValidationError
from tests.local_servers.test_exosphere_state_manager import seed_graph
from waygrid_api import codec as waygrid_codec
from waygrid_api.models.traversal_spec import Spec

SEED = 17
CASES_PER_DOCUMENT = 60
SECONDS_PER_CASE = 5
SPEC = waygrid.Spec.single(
    waygrid.Node.standard("waygrid://processor/a")
    .label("a")
    .with_retry(waygrid.RetryPolicy.exponential("1s", 3))
    .on_success(waygrid.Node.standard("waygrid://processor/b"))
).to_bytes()
UPSERT = Graph(seed_graph(), name="g", secrets={"k": "v"}, retry_policy=RetryPolicyModel(max_retries=2),
               store_config=StoreConfigModel(required_keys=["a"])).to_upsert_body()  # fmt: skip
NAMESPACES = b'{"namespaces": ["a", "b"], "count": 2}'


@contextmanager
def time_limit(seconds: int) -> Iterator[None]:
    def expired(signum: int, frame: Any) -> None:
        raise TimeoutError(f"the case ran past {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def mutations(document: bytes, rng: random.Random) -> Iterator[bytes]:
    """Mutated copies of `document`: each kind of damage a few times, then random mixes."""
    yield b"[" * 5000 + b"]" * 5000
    yield b'{"a":' * 3000 + b"1" + b"}" * 3000
    yield document.replace(b'"', b'"\xff', 1)
    yield document[: len(document) // 2]
    yield document + b"\x00"
    yield b'{"entryPoints": [], "entryPoints": 1}'
    for _ in range(CASES_PER_DOCUMENT):
        data = bytearray(document)
        kind = rng.randrange(6)
        if kind == 0:
            data = data[: rng.randrange(len(data))]
        elif kind == 1:
            for _ in range(rng.randrange(1, 8)):
                position = rng.randrange(len(data))
                data[position] ^= 1 << rng.randrange(8)
        elif kind == 2:
            position = rng.randrange(len(data))
            depth = rng.choice((50, 995, 1000, 4000))
            data[position:position] = b"[" * depth + b"]" * depth
        elif kind == 3:
            data = bytearray(re_number(bytes(data), rng))
        elif kind == 4:
            position = rng.randrange(len(data))
            data[position:position] = rng.choice((b"\xff", b"\xc3", b"\xed\xa0\x80", b"\\ud800", b"\x80\x80"))
        else:
            text = bytes(data)
            key = text.find(b'":')
            data = bytearray(
                text[:key] + b'": 1, "' + text[max(text.rfind(b'"', 0, key), 0) + 1 :] if key > 0 else text
            )
        yield bytes(data)


def re_number(data: bytes, rng: random.Random) -> bytes:
    huge = rng.choice((b"1" + b"0" * 400, b"-1e999", b"1e308", b"9" * 30, b'"' + b"x" * 200_000 + b'"'))
    position = data.find(b": ") + 2 if b": " in data else 0
    return data[:position] + huge + b"," + data[position:]


def assert_only(documented: tuple[type[BaseException], ...], call: Callable[[bytes], object], data: bytes) -> None:
    with time_limit(SECONDS_PER_CASE), suppress(documented):
        call(data)


def _state_manager_answering(body: bytes) -> SyncStateManager:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=body, headers={"content-type": "application/json"})

    return SyncStateManager("ns", "http://state-manager.test", "key", http_transport=httpx.MockTransport(answer))


PATHS: dict[str, tuple[bytes, tuple[type[BaseException], ...], Callable[[bytes], object]]] = {
    "waygrid codec.decode": (SPEC, (msgspec.ValidationError, msgspec.DecodeError),
                             lambda data: waygrid_codec.decode(data, Spec)),
    "Spec.from_json": (SPEC, (ValueError,), waygrid.Spec.from_json),
    "exosphere codec.decode": (UPSERT, (msgspec.ValidationError, msgspec.DecodeError),
                               lambda data: exosphere_codec.decode(data, UpsertGraphRequest)),
    "Graph.from_upsert_body": (UPSERT, (ValueError, TypeError), lambda data: Graph.from_upsert_body("g", data)),
    "StateManager.list_namespaces": (NAMESPACES, (sdkcore.ResponseDecodeError,),
                                     lambda data: _state_manager_answering(data).list_namespaces()),
}  # fmt: skip


@pytest.mark.parametrize("path", sorted(PATHS))
def test_mutated_bytes_raise_only_documented_errors(path: str) -> None:
    document, documented, call = PATHS[path]
    rng = random.Random(SEED)
    for data in mutations(document, rng):
        assert_only(documented, call, data)


DEEP = 20_000


def test_deep_nesting_and_invalid_utf8_are_decode_errors_that_say_so() -> None:
    # deeper than any supported Python decodes: about 1,000 levels up to 3.12, about 10,000 from 3.13
    policy = b'{"type":"Linear","base":"1s","maxRetries":2.0,"x":' + b"[" * DEEP + b"]" * DEEP + b"}"
    from waygrid_api.models.traversal_spec import RetryPolicy

    with pytest.raises(msgspec.DecodeError, match="nests deeper than this Python can decode"):
        waygrid_codec.decode(policy, RetryPolicy)
    with pytest.raises(msgspec.DecodeError, match="a string is not valid UTF-8"):
        waygrid_codec.decode(b'{"type":"Linear","base":"\xff","maxRetries":2.0}', RetryPolicy)
    with pytest.raises(ValueError, match="nests deeper than this Python can decode"):
        waygrid.Spec.from_json(b'{"entryPoints": [{"a": ' + b"[" * DEEP + b"]" * DEEP + b"}]}")
    deep = json.dumps({"namespaces": ["a"], "count": 1, "x": []}).encode().replace(b"[]", b"[" * DEEP + b"]" * DEEP)
    with pytest.raises(sdkcore.ResponseDecodeError, match="nests deeper than this Python can decode"):
        _state_manager_answering(deep).list_namespaces()


def test_model_validate_ignores_what_pydantic_ignores() -> None:
    values = {"node_name": "A", "namespace": "ns", "identifier": "a", "inputs": {}, "unknown": 1, 2: "two"}
    node = GraphNodeModel.model_validate(values)
    assert (node.node_name, node.identifier) == ("A", "a")
    with pytest.raises(ModelValidationError):
        GraphNodeModel.model_validate({"node_name": 1, "namespace": "ns", "identifier": "a", "inputs": {}})
