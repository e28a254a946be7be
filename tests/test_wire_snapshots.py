"""Byte-exact snapshots of bodies built from the generated Structs, each also valid against spec/ and round-tripped."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from syrupy.assertion import SnapshotAssertion

from exosphere_api import codec as exosphere_codec
from exosphere_api.models.cron_trigger import CronTrigger, CronTriggerEntry
from exosphere_api.models.graph_node import GraphNode, Unites, UnitesStrategy
from exosphere_api.models.retry_policy import RetryPolicy, RetryStrategy
from exosphere_api.models.store_config import StoreConfig
from exosphere_api.models.upsert_graph import UpsertGraphRequest
from tests.contract.vectors import schema_error_paths
from tests.support.reference_bodies import EXOSPHERE_UPSERT
from waygrid_api import codec as waygrid_codec
from waygrid_api.duration import Duration
from waygrid_api.models.ingest import IngestRequest
from waygrid_api.models.traversal_spec import (
    ExponentialRetry,
    ImmediateDelivery,
    NoRepeat,
    NoRetry,
    ScheduleAtDelivery,
    Spec,
    StandardNode,
)
from waygrid_api.timestamp import Timestamp

SNAPSHOTS = Path(__file__).parent / "__snapshots__" / "test_wire_snapshots"


def waygrid_quick_start() -> Spec:
    return Spec(
        entry_points=[
            StandardNode(
                address="waygrid://processor/openai",
                label="AI Processing",
                retry_policy=ExponentialRetry(base=Duration.from_timedelta(timedelta(seconds=1)), max_retries=3),
                delivery_strategy=ScheduleAtDelivery(
                    time=Timestamp.from_datetime(datetime(2024, 12, 25, 0, 0, 0, 123000, tzinfo=timezone.utc))
                ),
                on_success=StandardNode(
                    address="waygrid://destination/webhook",
                    label="Deliver Result",
                    retry_policy=NoRetry(),
                    delivery_strategy=ImmediateDelivery(),
                ),
            )
        ],
        repeat_policy=NoRepeat(),
    )


def exosphere_reference_body() -> UpsertGraphRequest:
    return UpsertGraphRequest(
        secrets={"k": "v"},
        nodes=[
            GraphNode(node_name="A", namespace="ns", identifier="a", inputs={"x": "1"}, next_nodes=["b"], unites=None),
            GraphNode(
                node_name="B",
                namespace="ns",
                identifier="b",
                inputs={"y": "${{ a.outputs.z }}"},
                next_nodes=None,
                unites=Unites(identifier="a", strategy=UnitesStrategy.ALL_SUCCESS),
            ),
        ],
        retry_policy=RetryPolicy(max_retries=3, strategy=RetryStrategy.EXPONENTIAL, backoff_factor=2000, exponent=2),
        store_config=StoreConfig(required_keys=["c"], default_values={}),
        triggers=[CronTriggerEntry(type="CRON", value=CronTrigger(expression="0 9 * * 1-5"))],
    )


def waygrid_body() -> bytes:
    return waygrid_codec.encode(IngestRequest(graph=waygrid_quick_start(), payload={"text": "hi"}))


def exosphere_body() -> bytes:
    return exosphere_codec.encode(exosphere_reference_body())


def test_waygrid_ingest_body(wire_snapshot: SnapshotAssertion) -> None:
    body = waygrid_body()
    assert body == wire_snapshot
    assert schema_error_paths(json.loads(body), "waygrid/ingest.schema.json") == []
    assert waygrid_codec.encode(waygrid_codec.decode(body, IngestRequest)) == body


def test_exosphere_upsert_body_is_the_reference_example(wire_snapshot: SnapshotAssertion) -> None:
    body = exosphere_body()
    assert body == wire_snapshot
    assert schema_error_paths(json.loads(body), "exosphere/upsert-graph.schema.json") == []
    assert exosphere_codec.encode(exosphere_codec.decode(body, UpsertGraphRequest)) == body
    assert body == EXOSPHERE_UPSERT


@pytest.mark.parametrize(
    ("test_name", "build"),
    [
        ("test_waygrid_ingest_body", waygrid_body),
        ("test_exosphere_upsert_body_is_the_reference_example", exosphere_body),
    ],
)
def test_snapshot_files_hold_the_exact_bytes(test_name: str, build: Callable[[], bytes]) -> None:
    assert (SNAPSHOTS / f"{test_name}.json").read_bytes() == build()
