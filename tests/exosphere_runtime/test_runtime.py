"""The Runtime against the local state manager in process: execution, fan-out, thread pool, claiming no more than
it can start, reports retried until they land, a poller that backs off and recovers, stop and the grace period,
and logs that name each state and never the key."""

from __future__ import annotations

import asyncio
import json
import logging
import threading

import msgspec
import pytest

from exospherehost import BaseNode, RetryPolicyModel
from exospherehost.local import MEMORY, LocalStateManager
from sdkcore.local.http import Request, Response
from tests.exosphere_runtime.support import KEY, Wire, chain, settled, start_run, statuses

pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")


class Text(msgspec.Struct):
    text: str


class Source(BaseNode):
    class Outputs(msgspec.Struct):
        text: str

    class Secrets(msgspec.Struct):
        token: str

    async def execute(self) -> Outputs:
        return self.Outputs(text=f"secret has {len(self.secrets.token)} chars")


class Fan(BaseNode):
    Inputs = Text
    Outputs = Text

    async def execute(self) -> list[Text]:
        return [Text(text=f"{self.inputs.text} #{n}") for n in range(3)]


threads: list[str] = []


class Upper(BaseNode):
    Inputs = Text
    Outputs = Text

    def execute(self) -> Text:
        threads.append(threading.current_thread().name)
        return Text(text=self.inputs.text.upper())


def _graph() -> list:  # type: ignore[type-arg]
    return chain("Source", "Fan", "Upper", inputs={"Fan": {"text": "${{ source.outputs.text }}"},
                                                   "Upper": {"text": "${{ fan.outputs.text }}"}})  # fmt: skip


def test_a_graph_runs_with_secrets_fan_out_and_a_sync_node_in_the_thread_pool() -> None:
    async def scenario() -> None:
        with LocalStateManager(MEMORY, api_key=KEY) as local:
            wire = Wire(local)
            runtime = wire.runtime([Source, Fan, Upper], workers=2)
            run_id = await start_run(wire, runtime, _graph())
            found = await settled(local, run_id)
            await runtime.stop()
        assert sorted(found) == sorted([("source", "SUCCESS"), *[("fan", "SUCCESS")] * 3, *[("upper", "SUCCESS")] * 3])
        outputs = sorted(json.loads(body)["outputs"][0]["text"] for body in wire.bodies("/executed")[-3:])
        assert outputs == [f"SECRET HAS 12 CHARS #{n}" for n in range(3)]
        assert len(threads) == 3
        assert all(name.startswith("exosphere-test-runtime") for name in threads)
        assert max(json.loads(body)["batch_size"] for body in wire.bodies("/states/enqueue")) <= 2

    asyncio.run(scenario())


class Slow(BaseNode):
    Inputs = Text
    Outputs = Text
    started = threading.Event()

    async def execute(self) -> Text:
        Slow.started.set()
        await asyncio.sleep(float(self.inputs.text))
        return Text(text="done")


def test_stop_lets_a_running_state_finish_and_the_grace_period_bounds_it() -> None:
    async def scenario(seconds: str, grace: float) -> list[tuple[str, str]]:
        Slow.started.clear()
        with LocalStateManager(MEMORY, api_key=KEY) as local:
            wire = Wire(local)
            runtime = wire.runtime([Slow], grace_period=grace)
            run_id = await start_run(wire, runtime, chain("Slow", inputs={"Slow": {"text": seconds}}))
            while not Slow.started.is_set():
                await asyncio.sleep(0.005)
            await asyncio.wait_for(runtime.stop(), timeout=10)
            return statuses(local, run_id)

    assert asyncio.run(scenario("0.2", 10)) == [("slow", "SUCCESS")]
    assert asyncio.run(scenario("30", 0.1)) == [("slow", "QUEUED")]


def test_an_undelivered_report_is_retried_until_it_lands_and_lands_once() -> None:
    refused = {"executed": 0}

    def fail(request: Request) -> Response | None:
        if request.path.endswith("/executed") and refused["executed"] < 4:
            refused["executed"] += 1
            return Response.json(503, {"detail": "unavailable"})
        return None

    async def scenario() -> None:
        with LocalStateManager(MEMORY, api_key=KEY) as local:
            wire = Wire(local, fail=fail)
            runtime = wire.runtime([Slow])
            run_id = await start_run(wire, runtime, chain("Slow", inputs={"Slow": {"text": "0"}}))
            assert await settled(local, run_id, timeout=30) == [("slow", "SUCCESS")]
            await runtime.stop()
        assert refused["executed"] == 4
        assert len(wire.bodies("/executed")) == 5

    asyncio.run(scenario())


def test_the_poller_backs_off_while_the_state_manager_fails_and_recovers(caplog: pytest.LogCaptureFixture) -> None:
    polls = {"failed": 0}

    def fail(request: Request) -> Response | None:
        if request.path.endswith("/states/enqueue") and polls["failed"] < 3:
            polls["failed"] += 1
            return Response.json(502, {"detail": "bad gateway"})
        return None

    async def scenario() -> None:
        with LocalStateManager(MEMORY, api_key=KEY) as local:
            wire = Wire(local, fail=fail)
            runtime = wire.runtime([Slow], poll_interval=0.01, max_poll_backoff=0.05)
            run_id = await start_run(wire, runtime, chain("Slow", inputs={"Slow": {"text": "0"}}))
            assert await settled(local, run_id) == [("slow", "SUCCESS")]
            await runtime.stop()

    with caplog.at_level(logging.INFO, logger="exospherehost.runtime"):
        asyncio.run(scenario())
    waits = [record.getMessage() for record in caplog.records if "Error enqueuing states" in record.getMessage()]
    assert polls["failed"] == 3
    assert len(waits) >= 1
    assert any("State manager reachable again after" in record.getMessage() for record in caplog.records)


class Leaky(BaseNode):
    Inputs = Text
    Outputs = Text

    async def execute(self) -> Text:
        raise RuntimeError(f"could not call the service with key {KEY}")


def test_logs_name_state_node_and_run_and_never_the_key(caplog: pytest.LogCaptureFixture) -> None:
    async def scenario() -> tuple[str, list[tuple[str, str]]]:
        with LocalStateManager(MEMORY, api_key=KEY) as local:
            wire = Wire(local)
            runtime = wire.runtime([Leaky])
            graph = chain("Leaky", inputs={"Leaky": {"text": "fail"}})
            run_id = await start_run(wire, runtime, graph, RetryPolicyModel(max_retries=0))
            found = await settled(local, run_id)
            await runtime.stop()
            return run_id, found

    with caplog.at_level(logging.DEBUG):
        run_id, found = asyncio.run(scenario())
    assert found == [("leaky", "ERRORED")]
    lines = [record.getMessage() + (record.exc_text or "") for record in caplog.records]
    assert not any(KEY in line for line in lines)
    errors = [record for record in caplog.records if record.getMessage().startswith("Error executing state")]
    assert errors
    assert f"for node Leaky (run {run_id})" in errors[0].getMessage()
    assert errors[0].run_id == run_id
    assert errors[0].node == "Leaky"
    assert errors[0].state_id
