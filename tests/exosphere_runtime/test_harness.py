"""exospherehost.testing: a graph runs to completion in one process, with delays on a virtual clock."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from typing import ClassVar

import msgspec
import pytest

from exospherehost import BaseNode, GraphNodeModel, ReQueueAfterSignal, RetryPolicyModel, UnitesModel
from exospherehost.testing import HarnessError, run_graph


class Word(msgspec.Struct):
    word: str


attempts: dict[str, int] = {}


class Flaky(BaseNode):
    Inputs = Word
    Outputs = Word

    async def execute(self) -> Word:
        attempts[self.inputs.word] = attempts.get(self.inputs.word, 0) + 1
        if attempts[self.inputs.word] < 3:
            raise RuntimeError(f"attempt {attempts[self.inputs.word]} failed")
        return Word(word=self.inputs.word.upper())


def test_a_one_hour_retry_backoff_finishes_at_once() -> None:
    attempts.clear()
    graph = [GraphNodeModel(node_name="Flaky", namespace="testing", identifier="flaky", inputs={"word": "hi"})]
    began = time.perf_counter()
    result = run_graph([Flaky], graph, retry_policy=RetryPolicyModel(max_retries=3, strategy="FIXED",
                                                                     backoff_factor=3_600_000))  # type: ignore[arg-type]  # fmt: skip
    elapsed = time.perf_counter() - began
    assert result.status == "SUCCESS"
    assert result.outputs == {"flaky": [{"word": "HI"}]}
    assert [state.status for state in result.states] == ["RETRY_CREATED", "RETRY_CREATED", "SUCCESS"]
    assert attempts == {"hi": 3}
    assert elapsed < 30, f"two one-hour waits took {elapsed:.2f} s: the virtual clock did not stand in"


class Later(BaseNode):
    Inputs = Word
    Outputs = Word
    seen: ClassVar[list[datetime]] = []

    async def execute(self) -> Word:
        if not Later.seen:
            Later.seen.append(datetime.now(timezone.utc))
            raise ReQueueAfterSignal(timedelta(days=1))
        return Word(word="later")


def test_requeue_and_start_delay_move_the_virtual_clock_not_the_real_one() -> None:
    Later.seen.clear()
    graph = [GraphNodeModel(node_name="Later", namespace="testing", identifier="later", inputs={"word": "x"})]
    began = time.perf_counter()
    result = run_graph([Later], graph, start_delay=7_200_000)
    assert result.status == "SUCCESS"
    assert result.outputs == {"later": [{"word": "later"}]}
    assert time.perf_counter() - began < 30  # a day and two hours, had they been waited for


class Split(BaseNode):
    Inputs = Word
    Outputs = Word

    async def execute(self) -> list[Word]:
        return [Word(word=part) for part in self.inputs.word.split()]


class Join(BaseNode):
    Inputs = Word
    Outputs = Word

    def execute(self) -> Word:
        return Word(word=f"joined {self.inputs.word}")


def test_a_fan_out_and_a_unites_give_every_output_by_identifier() -> None:
    graph = [
        GraphNodeModel(node_name="Split", namespace="testing", identifier="source", inputs={"word": "a b"},
                       next_nodes=["split"]),
        GraphNodeModel(node_name="Split", namespace="testing", identifier="split",
                       inputs={"word": "${{ source.outputs.word }} c"}, next_nodes=["join"]),
        GraphNodeModel(node_name="Join", namespace="testing", identifier="join",
                       inputs={"word": "${{ source.outputs.word }}"}, unites=UnitesModel(identifier="source")),
    ]  # fmt: skip
    result = run_graph([Split, Join], graph)
    assert result.status == "SUCCESS"
    assert sorted(output["word"] for output in result.outputs["split"]) == ["a", "b", "c", "c"]
    assert result.outputs["join"] == [{"word": "joined a"}, {"word": "joined b"}]


class Forever(BaseNode):
    Inputs = Word
    Outputs = Word

    async def execute(self) -> Word:
        raise ReQueueAfterSignal(timedelta(seconds=1))


def test_a_run_that_never_settles_stops_after_max_steps() -> None:
    graph = [GraphNodeModel(node_name="Forever", namespace="testing", identifier="f", inputs={"word": "x"})]
    with pytest.raises(HarnessError, match=r"was still running after 50 steps"):
        run_graph([Forever], graph, max_steps=50)
