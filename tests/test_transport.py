"""The shared transport over real HTTP: a server on 127.0.0.1 injects resets, error statuses, slow and malformed
answers; the client must retry what is worth retrying, reuse one idempotency key per call, and raise typed errors."""

from __future__ import annotations

import asyncio
import copy
import json
import math
import pickle
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from email.utils import formatdate
from time import monotonic, time
from typing import Any

import httpx
import pytest

import sdkcore
from sdkcore import AsyncTransport, RequestOptions, RetryConfig, SyncTransport
from tests.support.fault_server import Fault, FaultServer, Received, random_faults, running, unused_port
from waygrid import errors
from waygrid._api import PROFILE
from waygrid_api import operations
from waygrid_api.models.ingest import IngestRequest, IngestResponse
from waygrid_api.models.traversal_spec import ImmediateDelivery, NoRepeat, NoRetry, Spec, StandardNode

SPEC = Spec(
    entry_points=[
        StandardNode(address="waygrid://processor/x", retry_policy=NoRetry(), delivery_strategy=ImmediateDelivery())
    ],
    repeat_policy=NoRepeat(),
)
FAST = RetryConfig(initial_delay=0.01, max_delay=0.05)
TRAVERSAL_ID = "01JF8Z6S4W2M3N5P7Q9R0T1V2X"


def answer_by_payload(received: Received) -> tuple[int, bytes]:
    """The router's success answer, with a dagHash that tells which submission it answers."""
    number = json.loads(received.body)["payload"]["n"]
    return 200, json.dumps({"traversalId": TRAVERSAL_ID, "dagHash": f"{number:016x}"}).encode()


def status(code: int, body: Any = None, **headers: str) -> Fault:
    payload = json.dumps(body if body is not None else {"error": f"injected {code}"}).encode()
    return Fault(
        "status", status=code, body=payload, headers=tuple((k.replace("_", "-"), v) for k, v in headers.items())
    )


Submit = Callable[..., IngestResponse]


@pytest.fixture(params=["sync", "async"])
def submit(request: pytest.FixtureRequest) -> Submit:
    """Submit one ingest with a fresh transport, blocking or on asyncio, as the test's parameter says."""

    def blocking(url: str, n: int = 0, options: RequestOptions | None = None, **settings: Any) -> IngestResponse:
        with SyncTransport(url, profile=PROFILE, **{"retry": FAST, **settings}) as transport:
            return operations.ingest(transport, body=IngestRequest(graph=SPEC, payload={"n": n}), options=options)

    def on_asyncio(url: str, n: int = 0, options: RequestOptions | None = None, **settings: Any) -> IngestResponse:
        async def run() -> IngestResponse:
            async with AsyncTransport(url, profile=PROFILE, **{"retry": FAST, **settings}) as transport:
                body = IngestRequest(graph=SPEC, payload={"n": n})
                return await operations.ingest_async(transport, body=body, options=options)

        return asyncio.run(run())

    return blocking if request.param == "sync" else on_asyncio


@pytest.fixture
def server() -> Iterator[FaultServer]:
    with running(FaultServer(respond=answer_by_payload)) as state:
        yield state


def keys(server: FaultServer) -> list[str | None]:
    return [received.headers.get("idempotency-key") for received in server.tries]


def test_resets_and_server_faults_are_retried_with_one_idempotency_key(server: FaultServer, submit: Submit) -> None:
    server.script = [Fault("reset_before"), status(500), status(503)]
    result = submit(server.url, n=7, max_retries=3)
    assert result.dag_hash == f"{7:016x}"
    assert len(server.tries) == 4
    (key,) = set(keys(server))
    assert key is not None
    assert len(key) == 36
    assert server.processed == {key: 1}


def test_an_answer_lost_after_processing_is_retried_and_processed_once(server: FaultServer, submit: Submit) -> None:
    server.script = [Fault("reset_after"), Fault("reset_after")]
    assert submit(server.url, n=3).dag_hash == f"{3:016x}"
    assert len(server.tries) == 3
    assert list(server.processed.values()) == [1]


def test_retries_stop_at_max_retries_and_the_error_counts_the_tries(server: FaultServer, submit: Submit) -> None:
    server.script = [status(503)] * 5
    with pytest.raises(errors.InternalServerError) as caught:
        submit(server.url, max_retries=2)
    assert len(server.tries) == 3
    assert caught.value.attempts == 3
    assert caught.value.status_code == 503
    assert "(after 3 tries)" in str(caught.value)
    assert caught.value.server_message == "injected 503"
    assert caught.value.request_id == "req-3"


def test_max_retries_per_call_overrides_the_transport(server: FaultServer, submit: Submit) -> None:
    server.script = [status(502)]
    with pytest.raises(errors.InternalServerError):
        submit(server.url, max_retries=5, options=RequestOptions(max_retries=0))
    assert len(server.tries) == 1


@pytest.mark.parametrize("code", [408, 409, 429, 500, 502, 503, 504])
def test_retryable_statuses_are_retried(server: FaultServer, submit: Submit, code: int) -> None:
    server.script = [status(code)]
    submit(server.url)
    assert len(server.tries) == 2


@pytest.mark.parametrize(
    ("code", "error_class", "shared_class"),
    [
        (400, errors.BadRequestError, sdkcore.BadRequestError),
        (401, errors.AuthenticationError, sdkcore.AuthenticationError),
        (403, errors.PermissionDeniedError, sdkcore.PermissionDeniedError),
        (404, errors.NotFoundError, sdkcore.NotFoundError),
        (410, errors.APIStatusError, sdkcore.APIStatusError),
        (422, errors.UnprocessableEntityError, sdkcore.UnprocessableEntityError),
    ],
)
def test_caller_errors_raise_at_once_with_the_sdk_class(
    server: FaultServer, submit: Submit, code: int, error_class: type[Exception], shared_class: type[Exception]
) -> None:
    server.script = [status(code, {"detail": "you did it wrong"})]
    with pytest.raises(error_class) as caught:
        submit(server.url)
    assert isinstance(caught.value, errors.WaygridError)
    assert isinstance(caught.value, shared_class)
    assert type(caught.value) is error_class
    assert len(server.tries) == 1
    assert caught.value.server_message == "you did it wrong"  # type: ignore[attr-defined]


def test_exhausted_rate_limit_and_conflict_raise_their_own_classes(server: FaultServer, submit: Submit) -> None:
    server.script = [status(429), status(409)]
    with pytest.raises(errors.RateLimitError):
        submit(server.url, max_retries=0)
    with pytest.raises(errors.ConflictError):
        submit(server.url, max_retries=0)


def test_a_rejected_spec_is_final_but_a_server_fault_is_retried(server: FaultServer, submit: Submit) -> None:
    rejected = "org.http4s.InvalidMessageBodyFailure: Invalid message body: DecodingFailure at .entryPoints[0]"
    server.script = [status(500, {"error": rejected})]
    with pytest.raises(errors.SpecRejectedError) as caught:
        submit(server.url)
    assert caught.value.server_message == rejected
    assert caught.value.attempts == 1
    assert len(server.tries) == 1

    server.tries.clear()
    server.script = [status(500, {"error": "java.lang.NullPointerException"})]
    submit(server.url)
    assert len(server.tries) == 2


def test_retry_after_seconds_is_honoured(server: FaultServer, submit: Submit) -> None:
    server.script = [status(503, retry_after="1")]
    submit(server.url)
    assert server.tries[1].at - server.tries[0].at >= 1.0


def test_retry_after_ms_is_honoured(server: FaultServer, submit: Submit) -> None:
    server.script = [status(429, retry_after_ms="300", retry_after="30")]
    submit(server.url)
    assert 0.3 <= server.tries[1].at - server.tries[0].at < 30


def test_retry_after_as_an_http_date_is_honoured(server: FaultServer, submit: Submit) -> None:
    server.script = [status(503, retry_after=formatdate(math.ceil(time()) + 3, usegmt=True))]
    submit(server.url)
    assert server.tries[1].at - server.tries[0].at >= 1.0


def test_a_retry_after_beyond_the_cap_ends_the_retries(server: FaultServer, submit: Submit) -> None:
    server.script = [status(429, retry_after="120")]
    with pytest.raises(errors.RateLimitError) as caught:
        submit(server.url, max_retries=5)
    assert caught.value.retry_after == 120
    assert len(server.tries) == 1


def test_a_slow_answer_times_out_and_the_retry_succeeds(server: FaultServer, submit: Submit) -> None:
    server.script = [Fault("slow", delay=3.0)]
    assert submit(server.url, n=2, options=RequestOptions(timeout=1.0)).dag_hash == f"{2:016x}"
    assert len(server.tries) == 2
    assert len(set(keys(server))) == 1


def test_timeouts_on_every_try_raise_the_timeout_error(server: FaultServer, submit: Submit) -> None:
    server.script = [Fault("slow", delay=2.0)] * 2
    with pytest.raises(errors.APITimeoutError) as caught:  # 0.1 s let a busy machine time out the connect instead
        submit(server.url, timeout=0.5, max_retries=1)
    assert isinstance(caught.value, errors.APIConnectionError)
    assert isinstance(caught.value, sdkcore.APITimeoutError)
    assert caught.value.attempts == 2
    assert "ReadTimeout" in str(caught.value)


def test_the_deadline_bounds_the_whole_call(server: FaultServer, submit: Submit) -> None:
    server.script = [status(503, retry_after="0.4")] * 20
    with pytest.raises(errors.InternalServerError) as caught:
        submit(server.url, max_retries=20, deadline=1.0)
    assert 2 <= len(server.tries) <= 3
    assert caught.value.attempts == len(server.tries)


def test_the_deadline_stops_an_answer_that_drips(server: FaultServer, submit: Submit) -> None:
    server.script = [Fault("drip", delay=0.1)]
    started = monotonic()
    with pytest.raises(errors.APITimeoutError, match=r"deadline of 1\.0 s passed"):
        submit(server.url, timeout=30, deadline=1.0)
    assert monotonic() - started < 3.0


def test_the_deadline_cuts_the_timeout_of_a_try(server: FaultServer, submit: Submit) -> None:
    server.script = [Fault("slow", delay=3.0)]
    with pytest.raises(errors.APITimeoutError):  # 0.3 s: too short for a process's first asyncio try (aiohttp's import)
        submit(server.url, timeout=30, options=RequestOptions(deadline=1.0))
    assert len(server.tries) == 1


def test_a_success_that_breaks_the_schema_names_the_path_and_is_not_retried(
    server: FaultServer, submit: Submit
) -> None:
    server.respond = lambda received: (200, b'{"traversalId": 5, "dagHash": "0123456789abcdef"}')
    with pytest.raises(errors.ResponseDecodeError, match=r"\$\.traversalId") as caught:
        submit(server.url)
    assert isinstance(caught.value, sdkcore.ResponseDecodeError)
    assert caught.value.status_code == 200
    assert caught.value.request_id == "req-1"
    assert len(server.tries) == 1


def test_malformed_json_is_a_decode_error(server: FaultServer, submit: Submit) -> None:
    server.script = [Fault("malformed")]
    with pytest.raises(errors.ResponseDecodeError, match=r"malformed|truncated"):
        submit(server.url)


def test_a_non_json_error_body_becomes_the_server_message(server: FaultServer, submit: Submit) -> None:
    server.script = [Fault("status", status=502, body=b"<html>bad gateway</html>")]
    with pytest.raises(errors.InternalServerError) as caught:
        submit(server.url, max_retries=0)
    assert caught.value.server_message == "<html>bad gateway</html>"
    assert caught.value.body is None


def test_a_huge_error_body_is_shortened_in_the_message_only(server: FaultServer, submit: Submit) -> None:
    text = "x" * 5000
    server.script = [status(400, {"error": text})]
    with pytest.raises(errors.BadRequestError) as caught:
        submit(server.url)
    assert caught.value.server_message == text
    assert "3000 more characters in server_message" in str(caught.value)


def test_each_call_has_its_own_key_and_a_caller_key_is_used_on_every_try(server: FaultServer) -> None:
    server.script = [status(503)]
    with SyncTransport(server.url, profile=PROFILE, retry=FAST) as transport:
        operations.ingest(transport, body=IngestRequest(graph=SPEC, payload={"n": 1}))
        operations.ingest(transport, body=IngestRequest(graph=SPEC, payload={"n": 2}))
        first, retried, second = keys(server)
        assert first == retried
        assert second != first
        server.script = [status(503)]
        options = RequestOptions(idempotency_key="order-1234")
        operations.ingest(transport, body=IngestRequest(graph=SPEC, payload={"n": 3}), options=options)
        assert keys(server)[3:] == ["order-1234", "order-1234"]
        server.respond = lambda received: (200, b'{"id": "w1"}')
        operations.service_info(transport)
        assert keys(server)[-1] is None


def test_an_unreachable_server_is_a_connection_error_after_the_retries(submit: Submit) -> None:
    with pytest.raises(errors.APIConnectionError) as caught:
        submit(f"http://127.0.0.1:{unused_port()}", max_retries=1)
    assert not isinstance(caught.value, errors.APITimeoutError)
    assert caught.value.attempts == 2


@pytest.mark.parametrize("mode", ["threads", "asyncio"])
def test_with_30_percent_of_tries_failing_200_submissions_all_succeed_exactly_once(mode: str) -> None:
    faults = [
        Fault("reset_before"),
        Fault("reset_after"),
        status(500),
        status(503, retry_after_ms="5"),
        Fault("slow", delay=1.5),
    ]
    state = FaultServer(respond=answer_by_payload, chooser=random_faults(0.3, seed=2026, max_per_key=3, faults=faults))
    settings: dict[str, Any] = {"profile": PROFILE, "retry": replace(FAST, max_retries=5), "timeout": 1.0}
    with running(state):
        if mode == "threads":
            with SyncTransport(state.url, **settings) as transport, ThreadPoolExecutor(8) as pool:

                def one(n: int) -> IngestResponse:
                    return operations.ingest(transport, body=IngestRequest(graph=SPEC, payload={"n": n}))

                results = list(pool.map(one, range(200)))
        else:

            async def all_of_them() -> list[IngestResponse]:
                limit = asyncio.Semaphore(8)
                async with AsyncTransport(state.url, **settings) as transport:

                    async def one(n: int) -> IngestResponse:
                        async with limit:
                            body = IngestRequest(graph=SPEC, payload={"n": n})
                            return await operations.ingest_async(transport, body=body)

                    return await asyncio.gather(*(one(n) for n in range(200)))

            results = asyncio.run(all_of_them())
    assert [result.dag_hash for result in results] == [f"{n:016x}" for n in range(200)]
    assert len(state.processed) == 200
    assert set(state.processed.values()) == {1}
    failed_share = 1 - 200 / len(state.tries)
    assert failed_share > 0.2


def test_one_transport_reuses_one_connection(server: FaultServer) -> None:
    with SyncTransport(server.url, profile=PROFILE) as transport:
        for n in range(5):
            operations.ingest(transport, body=IngestRequest(graph=SPEC, payload={"n": n}))

    async def five() -> None:
        async with AsyncTransport(server.url, profile=PROFILE) as transport:
            for n in range(5):
                await operations.ingest_async(transport, body=IngestRequest(graph=SPEC, payload={"n": n}))

    asyncio.run(five())
    peers = [received.peer for received in server.tries]
    assert len(set(peers[:5])) == 1
    assert len(set(peers[5:])) == 1


def test_a_client_passed_in_stays_open_for_its_owner(server: FaultServer) -> None:
    with httpx.Client() as client:
        with SyncTransport(server.url, profile=PROFILE, http_client=client) as transport:
            operations.ingest(transport, body=IngestRequest(graph=SPEC, payload={"n": 1}))
        assert not client.is_closed


@pytest.mark.parametrize(
    ("settings", "field"),
    [
        ({"base_url": "127.0.0.1:8080"}, "base_url"),
        ({"base_url": "ftp://example.com"}, "base_url"),
        ({"timeout": 0}, "timeout"),
        ({"max_retries": -2}, "max_retries"),
        ({"deadline": -1}, "deadline"),
        ({"api_key": "  "}, "api_key"),
    ],
)
def test_bad_transport_settings_name_the_setting(settings: dict[str, Any], field: str) -> None:
    with pytest.raises(ValueError, match=field):
        SyncTransport(**{"base_url": "http://127.0.0.1:9", "profile": PROFILE, **settings})


def test_header_names_differing_in_case_are_sent_once_and_the_caller_wins(server: FaultServer) -> None:
    settings: dict[str, Any] = {"profile": PROFILE, "api_key": "k1", "headers": {"Accept": "application/json"}}
    with SyncTransport(server.url, **settings) as transport:
        options = RequestOptions(extra_headers={"Idempotency-Key": "mine", "Authorization": "Bearer k2"})
        operations.ingest(transport, body=IngestRequest(graph=SPEC, payload={"n": 1}), options=options)
    (received,) = server.tries
    assert received.headers["idempotency-key"] == "mine"
    assert received.headers["authorization"] == "Bearer k2"
    assert received.raw_header_names.count("idempotency-key") == 1
    assert received.raw_header_names.count("authorization") == 1
    assert received.raw_header_names.count("accept") == 1


def test_a_decode_error_after_retries_counts_the_tries(server: FaultServer, submit: Submit) -> None:
    server.script = [status(503)]
    server.respond = lambda received: (200, b'{"traversalId": 5, "dagHash": "0123456789abcdef"}')
    with pytest.raises(errors.ResponseDecodeError) as caught:
        submit(server.url)
    assert caught.value.attempts == 2


def test_errors_survive_pickling_and_copying(server: FaultServer, submit: Submit) -> None:
    server.script = [status(404, {"detail": "gone"})]
    with pytest.raises(errors.NotFoundError) as caught:
        submit(server.url)
    for clone in (pickle.loads(pickle.dumps(caught.value)), copy.copy(caught.value)):
        assert type(clone) is errors.NotFoundError
        assert str(clone) == str(caught.value)
        assert (clone.status_code, clone.server_message, clone.attempts) == (404, "gone", 1)


def test_a_base_url_with_a_bad_port_is_refused_at_once() -> None:
    with pytest.raises(ValueError, match="base_url"):
        SyncTransport("http://127.0.0.1:abc", profile=PROFILE)


def test_each_sdk_error_table_holds_its_own_class_for_every_entry() -> None:
    from exospherehost import errors as exosphere_errors

    for module, base in ((errors, errors.WaygridError), (exosphere_errors, exosphere_errors.ExosphereError)):
        table = module.ERRORS
        classes = [table.connection, table.timeout, table.decode, table.server, table.other_status,
                   *table.by_status.values()]  # fmt: skip
        assert all(issubclass(error, base) and error.__module__ == module.__name__ for error in classes)
        assert table.for_status(404) is module.NotFoundError
    with pytest.raises(TypeError, match="one direct subclass of APIConnectionError, found 0"):
        sdkcore.ErrorTypes.subclassed({"Other": errors.BadRequestError})


def test_clients_made_per_call_share_one_certificate_context(monkeypatch: pytest.MonkeyPatch) -> None:
    """Loading the CA bundle costs tens of ms; managers that open a transport per call must not pay it each time."""
    import ssl

    from sdkcore import transport as transport_module

    built: list[ssl.SSLContext] = []

    def counting() -> ssl.SSLContext:
        built.append(ssl.create_default_context())
        return built[-1]

    monkeypatch.setattr(transport_module.httpx, "create_ssl_context", counting)
    transport_module.default_tls.cache_clear()
    try:
        for _ in range(3):
            SyncTransport("https://example.invalid", profile=PROFILE).close()
        assert len(built) == 1
    finally:
        transport_module.default_tls.cache_clear()
