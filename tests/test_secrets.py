"""A canary API key goes through every path of the transport (success, each error class, retries, debug logging of
every library, warnings) and must show up nowhere but on the wire."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import pickle
import subprocess
import sys
import traceback
import warnings
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from exosphere_api import operations as exosphere_operations
from exospherehost._api import PROFILE as EXOSPHERE
from sdkcore import APIError, APIProfile, AsyncTransport, RedactingFilter, RetryConfig, SyncTransport, redact_headers
from tests.support.fault_server import Fault, FaultServer, running
from waygrid._api import PROFILE as WAYGRID
from waygrid_api import operations as waygrid_operations
from waygrid_api.models.ingest import IngestRequest
from waygrid_api.models.traversal_spec import ImmediateDelivery, NoRepeat, NoRetry, Spec, StandardNode

CANARY = "sk-canary-7f3a9c1e5b2d4f6a8c0e"
SPEC = Spec(
    entry_points=[
        StandardNode(address="waygrid://processor/x", retry_policy=NoRetry(), delivery_strategy=ImmediateDelivery())
    ],
    repeat_policy=NoRepeat(),
)
FAST = RetryConfig(initial_delay=0.01, max_delay=0.02, max_retries=2)
OK = json.dumps({"traversalId": "01JF8Z6S4W2M3N5P7Q9R0T1V2X", "dagHash": "0123456789abcdef"}).encode()

SCENARIOS: dict[str, list[Fault]] = {
    "success": [],
    "retried then success": [Fault("reset_before"), Fault("status", status=503, headers=(("retry-after-ms", "5"),))],
    **{
        f"HTTP {code}": [Fault("status", status=code, body=b'{"detail": "no"}')] * 3
        for code in (400, 401, 403, 404, 409, 422, 429, 500, 503)
    },
    "rejected spec": [Fault("status", status=500, body=b'{"error": "DecodingFailure at .graph"}')],
    "connection reset": [Fault("reset_before")] * 3,
    "timeout": [Fault("slow", delay=0.5)] * 3,
    "malformed": [Fault("malformed")],
    "schema mismatch": [Fault("status", status=200, body=b'{"traversalId": 1}')],
}


def everything_about(error: BaseException) -> str:
    """Every text a user, a log formatter or an error tracker (locals included) could get out of an exception,
    down its whole chain, and out of its pickled form."""
    texts = [pickle.dumps(error).decode("latin-1"), *traceback.format_exception(error)]
    # The SDK's own frames, with their local variables, as an error tracker records them (the caller's frames
    # hold the key the caller passed, which is not the SDK's to hide).
    summary = traceback.TracebackException.from_exception(error, capture_locals=True)
    texts += [repr(frame.locals) for frame in summary.stack if "/tests/" not in frame.filename]
    seen: BaseException | None = error
    while seen is not None:
        texts += [str(seen), repr(seen), repr(seen.args), repr(vars(seen))]
        request = getattr(seen, "request", None)
        if request is not None:
            texts += [repr(request), repr(dict(request.headers))]
        seen = seen.__cause__ or seen.__context__
    return "\n".join(texts)


@pytest.fixture
def log_output() -> Iterator[io.StringIO]:
    """Every logger at DEBUG into one stream, through a handler as an application would set it up."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    root = logging.getLogger()
    previous = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield stream
    root.removeHandler(handler)
    root.setLevel(previous)


def run_scenario(
    mode: str, profile: APIProfile, url: str, call: Callable[[Any], Any], async_call: Callable[[Any], Any]
) -> tuple[Any, BaseException | None, str]:
    settings: dict[str, Any] = {"profile": profile, "api_key": CANARY, "retry": FAST, "timeout": 0.2}
    with warnings.catch_warnings(record=True) as caught_warnings:
        warnings.simplefilter("always")
        error: BaseException | None = None
        result: Any = None
        try:
            if mode == "sync":
                with SyncTransport(url, **settings) as transport:
                    result = call(transport)
                    texts = [repr(transport), str(transport), repr(vars(transport))]
            else:

                async def run() -> tuple[Any, list[str]]:
                    async with AsyncTransport(url, **settings) as transport:
                        return await async_call(transport), [repr(transport), repr(vars(transport))]

                result, texts = asyncio.run(run())
        except APIError as raised:
            error = raised
            texts = [everything_about(raised)]
            logging.getLogger("app").exception("the call failed")
    texts += [str(w.message) for w in caught_warnings]
    return result, error, "\n".join(texts)


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_the_waygrid_key_leaks_nowhere(scenario: str, mode: str, log_output: io.StringIO) -> None:
    state = FaultServer(respond=lambda received: (200, OK), script=list(SCENARIOS[scenario]))
    body = IngestRequest(graph=SPEC)
    with running(state):
        result, error, texts = run_scenario(
            mode,
            WAYGRID,
            state.url,
            lambda transport: waygrid_operations.ingest(transport, body=body),
            lambda transport: waygrid_operations.ingest_async(transport, body=body),
        )
    assert (error is None) == (scenario in ("success", "retried then success")), error
    assert all(received.headers["authorization"] == f"Bearer {CANARY}" for received in state.tries)
    output = texts + log_output.getvalue() + repr(result)
    assert "waygrid.http" in log_output.getvalue()
    assert CANARY not in output


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("scenario", ["success", "HTTP 401", "HTTP 422", "retried then success", "timeout"])
def test_the_exosphere_key_leaks_nowhere(scenario: str, mode: str, log_output: io.StringIO) -> None:
    secrets = json.dumps({"secrets": {"token": "from-the-vault"}}).encode()
    state = FaultServer(respond=lambda received: (200, secrets), script=list(SCENARIOS[scenario]))
    with running(state):
        _, error, texts = run_scenario(
            mode,
            EXOSPHERE,
            state.url,
            lambda transport: exosphere_operations.get_secrets(transport, namespace="ns", state_id="s1"),
            lambda transport: exosphere_operations.get_secrets_async(transport, namespace="ns", state_id="s1"),
        )
    assert error is not None or scenario in ("success", "retried then success")
    assert all(received.headers["x-api-key"] == CANARY for received in state.tries)
    assert CANARY not in texts + log_output.getvalue()


def test_headers_logged_by_anyone_on_an_sdk_logger_are_redacted(log_output: io.StringIO) -> None:
    SyncTransport("http://127.0.0.1:9", profile=WAYGRID, api_key=CANARY).close()
    logging.getLogger(WAYGRID.logger_name).debug("sent %s", {"authorization": f"Bearer {CANARY}", "x-api-key": CANARY})
    assert CANARY not in log_output.getvalue()
    assert "<redacted>" in log_output.getvalue()


@pytest.mark.parametrize(
    "text",
    [
        f"authorization: Bearer {CANARY}",
        f"Authorization=Bearer {CANARY}",
        f"{{'x-api-key': '{CANARY}'}}",
        f'{{"X-Api-Key": "{CANARY}"}}',
        f"[(b'x-api-key', b'{CANARY}'), (b'accept', b'*/*')]",
        f"proxy-authorization: Basic {CANARY}",
        f"curl -H 'Bearer {CANARY}'",
        f"cookie: session={CANARY}",
        f"Authorization: Token {CANARY}",
        f"x-api-key={CANARY} and more",
    ],
)
def test_the_filter_redacts_every_spelling_of_a_credential(text: str) -> None:
    redacted = RedactingFilter().redact(text)
    assert CANARY not in redacted
    assert "<redacted>" in redacted


def test_the_filter_leaves_other_text_alone() -> None:
    text = "POST http://127.0.0.1/v1/ingest -> HTTP 503; accept: application/json"
    assert RedactingFilter().redact(text) == text


def test_redact_headers_replaces_only_sensitive_values() -> None:
    headers = {"Authorization": "Bearer x", "X-API-Key": "y", "accept": "application/json"}
    assert redact_headers(headers) == {
        "Authorization": "<redacted>",
        "X-API-Key": "<redacted>",
        "accept": "application/json",
    }


def test_a_key_given_to_an_api_without_auth_is_refused_without_echoing_it() -> None:
    with pytest.raises(ValueError, match="takes no API key") as caught:
        SyncTransport("http://127.0.0.1:9", profile=APIProfile(name="open"), api_key=CANARY)
    assert CANARY not in str(caught.value)


def test_credentials_in_the_base_url_are_refused_without_echoing_them() -> None:
    with pytest.raises(ValueError, match="must not carry a user or password") as caught:
        SyncTransport(f"http://user:{CANARY}@127.0.0.1:9", profile=WAYGRID)
    assert CANARY not in str(caught.value)


@pytest.mark.parametrize("key", [CANARY + "\n", CANARY + " ", "sk-caf\u00e9-" + CANARY, " " + CANARY, ""])
def test_a_key_that_cannot_travel_in_a_header_is_refused_without_echoing_it(key: str) -> None:
    with pytest.raises(ValueError, match="printable ASCII") as caught:
        SyncTransport("http://127.0.0.1:9", profile=EXOSPHERE, api_key=key)
    assert CANARY not in str(caught.value)


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_a_key_echoed_by_the_server_is_scrubbed(mode: str, log_output: io.StringIO) -> None:
    echo = json.dumps({"detail": f"Invalid API key {CANARY}"}).encode()
    state = FaultServer(script=[Fault("status", status=503, body=echo), Fault("status", status=401, body=echo)])
    with running(state):
        _, error, texts = run_scenario(
            mode,
            EXOSPHERE,
            state.url,
            lambda transport: exosphere_operations.get_secrets(transport, namespace="ns", state_id="s1"),
            lambda transport: exosphere_operations.get_secrets_async(transport, namespace="ns", state_id="s1"),
        )
    assert error is not None
    assert "Invalid API key <redacted>" in str(error)
    assert CANARY not in texts + log_output.getvalue()


def test_exception_text_logged_on_an_sdk_logger_is_redacted(log_output: io.StringIO) -> None:
    SyncTransport("http://127.0.0.1:9", profile=EXOSPHERE, api_key=CANARY).close()
    try:
        raise RuntimeError(f"headers were {{'x-api-key': '{CANARY}'}}")
    except RuntimeError:
        logging.getLogger(EXOSPHERE.logger_name).exception("failed", stack_info=True)
    assert CANARY not in log_output.getvalue()
    assert "<redacted>" in log_output.getvalue()


def test_importing_the_models_and_stubs_does_not_import_httpx() -> None:
    code = "import sys, sdkcore, waygrid_api.operations, exosphere_api.operations; print('httpx' in sys.modules)"
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert output.strip() == "False"


def test_a_credential_passed_as_a_plain_header_is_kept_as_a_secret() -> None:
    with SyncTransport("http://127.0.0.1:9", profile=WAYGRID, headers={"Authorization": f"Bearer {CANARY}"}) as t:
        assert CANARY not in repr(vars(t))
