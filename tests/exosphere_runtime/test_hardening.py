"""What an adversarial review of the Runtime found, each pinned: the key escaped in a server's JSON, a state
manager that hangs, nodes that raise BaseExceptions or return bad outputs, bad signals, and the lifecycle."""

from __future__ import annotations

import asyncio
import functools
import threading
from collections.abc import Callable
from typing import Any

import httpx
import msgspec
import pytest

from exospherehost import BaseNode, PruneSignal, RetryPolicyModel, Runtime, StateManager
from exospherehost.errors import ExosphereError, RegistrationError
from exospherehost.local import MEMORY, LocalStateManager
from sdkcore.local.http import Request, Response
from tests.exosphere_runtime.support import KEY, Wire, chain, settled, start_run

ESCAPED = KEY.replace("-", "\\u002d").replace("t", "\\u0074")  # the key as a JSON string may spell it


def test_a_key_echoed_with_json_escapes_is_in_no_error_field() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(401, content=('{"detail":"rejected key ' + ESCAPED + '"}').encode())

    async def scenario() -> None:
        manager = StateManager("ns", "http://x", KEY, http_transport=httpx.MockTransport(answer))
        with pytest.raises(ExosphereError) as raised:
            await manager.get_graph("g")
        error: Any = raised.value
        assert "rejected key <redacted>" in str(error)
        for shown in (str(error), error.server_message, repr(error.body), error.response_text):
            assert KEY not in shown

        runtime = Runtime("ns", "rt", [Plain], "http://x", KEY, http_transport=httpx.MockTransport(answer))
        with pytest.raises(RegistrationError) as refused:
            await asyncio.wait_for(runtime.start(), 10)  # type: ignore[arg-type]
        assert isinstance(refused.value, RuntimeError)
        assert str(refused.value) == "Failed to register nodes: {'detail': 'rejected key <redacted>'}"

    asyncio.run(scenario())


class Text(msgspec.Struct):
    text: str


class Plain(BaseNode):
    Inputs = Text
    Outputs = Text

    async def execute(self) -> Text:
        return Text(text="ok")


def _run(node: type[BaseNode], **options: Any) -> list[tuple[str, str]]:
    async def scenario() -> list[tuple[str, str]]:
        with LocalStateManager(MEMORY, api_key=KEY) as local:
            wire = Wire(local)
            runtime = wire.runtime([node], **options)
            graph = chain(node.__name__, inputs={node.__name__: {"text": "x"}})
            run_id = await start_run(wire, runtime, graph, RetryPolicyModel(max_retries=0))
            found = await settled(local, run_id)
            await runtime.stop()
            errors = local.database.query("SELECT error FROM states WHERE run_id = ?", (run_id,))
            return [(status, errors[0]["error"] or "") for _, status in found]

    return asyncio.run(scenario())


def _node(name: str, execute: Callable[..., Any]) -> type[BaseNode]:
    return type(name, (BaseNode,), {"Inputs": Text, "Outputs": Text, "execute": execute})


async def _cancelled(self: BaseNode) -> None:
    raise asyncio.CancelledError


async def _system_exit(self: BaseNode) -> None:
    raise SystemExit(3)


def _sync_keyboard_interrupt(self: BaseNode) -> None:
    raise KeyboardInterrupt


async def _bad_prune(self: BaseNode) -> None:
    raise PruneSignal("not a dict")  # type: ignore[arg-type]


async def _unsendable_prune(self: BaseNode) -> None:
    raise PruneSignal({"when": object()})


async def _wrong_type(self: BaseNode) -> Text:
    return Text(text=5)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("execute", "error"),
    [
        (_cancelled, "CancelledError: the node's work was cancelled"),
        (_system_exit, "3"),
        (_sync_keyboard_interrupt, "KeyboardInterrupt: "),
        (_bad_prune, "PruneSignal data must be a dict, got str"),
        (_unsendable_prune, "PruneSignal data cannot be sent as JSON: Encoding objects of type object is unsupported"),
        (_wrong_type, "Odd returned an invalid Text: Expected `str`, got `int` - at `$.text`"),
    ],
)
def test_whatever_a_node_raises_or_returns_its_state_gets_a_report(execute: Any, error: str) -> None:
    assert _run(_node("Odd", execute)) == [("ERRORED", error)]


def _decorated(function: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(function)
    def wrapper(*arguments: Any) -> Any:
        return function(*arguments)

    return wrapper


@_decorated
async def _wrapped_execute(self: BaseNode) -> Text:
    return Text(text="wrapped")


def test_a_decorated_async_execute_runs_on_the_loop() -> None:
    assert _run(_node("Wrapped", _wrapped_execute)) == [("SUCCESS", "")]


def test_stop_is_bounded_by_the_grace_period_when_the_state_manager_hangs() -> None:
    release = threading.Event()

    def hang(request: Request) -> Response | None:
        if request.path.endswith("/states/enqueue"):
            release.wait(20)
        return None

    async def scenario() -> float:
        with LocalStateManager(MEMORY, api_key=KEY) as local:
            runtime = Wire(local, fail=hang).runtime([Plain], grace_period=0.2)
            runtime.start()
            await asyncio.sleep(0.2)
            loop = asyncio.get_running_loop()
            began = loop.time()
            await asyncio.wait_for(runtime.stop(), 10)
            release.set()
            return loop.time() - began

    assert asyncio.run(scenario()) < 5


def test_the_lifecycle_guards() -> None:
    stopped_inside: list[bool] = []

    async def stopper(self: BaseNode) -> Text:
        await runtime.stop()  # from inside a node: returns at once, the runtime stops after this state
        stopped_inside.append(True)
        return Text(text="stopped")

    async def scenario() -> None:
        nonlocal runtime
        with LocalStateManager(MEMORY, api_key=KEY) as local:
            wire = Wire(local)
            runtime = wire.runtime([_node("Stopper", stopper)])
            run_id = await start_run(wire, runtime, chain("Stopper", inputs={"Stopper": {"text": "x"}}))
            with pytest.raises(RuntimeError, match=r"^this Runtime is running already$"):
                runtime.start()
            assert runtime._task is not None
            await asyncio.wait_for(asyncio.shield(runtime._task), 10)
            assert await settled(local, run_id) == [("stopper", "SUCCESS")]
        assert stopped_inside == [True]

    runtime: Runtime
    asyncio.run(scenario())


@pytest.mark.parametrize(
    ("option", "value"), [("poll_interval", -1), ("grace_period", float("nan")), ("max_poll_backoff", "1")]
)
def test_timing_options_are_checked(option: str, value: object) -> None:
    with pytest.raises(ValueError, match=f"^{option} must be a finite number of seconds >= 0, got "):
        Runtime("ns", "rt", [Plain], "http://127.0.0.1:1", KEY, **{option: value})  # type: ignore[arg-type]
