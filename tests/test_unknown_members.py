"""sdkcore.unknown_members: the members of a document a generated type has no field for, with their JSONPath."""

from __future__ import annotations

from exosphere_api.models.runtime import EnqueueRequest
from exosphere_api.models.upsert_graph import UpsertGraphRequest
from sdkcore.unknown_members import unknown_members
from waygrid_api.models.ingest import IngestRequest


def test_every_level_of_an_upsert_body_with_free_maps_left_alone() -> None:
    body = {"secrets": {"any": "name"}, "extra": 1, "nodes": [
        {"node_name": "A", "namespace": "ns", "identifier": "a", "inputs": {"free": {"deep": 1}}, "unites": None},
        {"node_name": "B", "namespace": "ns", "identifier": "b", "inputs": {}, "unites": {"identifier": "a", "x": 1},
         "next": []}],
        "store_config": {"default_values": {"k": "v"}, "defaults": {}},
        "triggers": [{"type": "CRON", "value": {"expression": "@daily", "timezone": "UTC"}, "when": 1}]}  # fmt: skip
    assert unknown_members(body, UpsertGraphRequest) == [
        "$.extra", "$.nodes[1].unites.x", "$.nodes[1].next", "$.store_config.defaults", "$.triggers[0].value.timezone",
        "$.triggers[0].when",
    ]  # fmt: skip


def test_a_document_of_the_wrong_shape_has_no_members_to_report() -> None:
    assert unknown_members({"nodes": "n", "batch_size": 1}, EnqueueRequest) == []
    assert unknown_members([1, 2], EnqueueRequest) == []
    assert unknown_members({"nodes": ["n"], "batch_size": 1}, EnqueueRequest) == []


def test_waygrid_specs_whose_unions_are_tagged() -> None:
    spec = {"graph": {"entryPoints": [{"type": "standard", "address": "waygrid://system/waystation", "retryPolicy": {
        "type": "Linear", "base": "5s", "maxRetries": 3, "jitter": 1}, "deliveryStrategy": {"type": "Immediate"},
        "onSucess": None}], "repeatPolicy": {"type": "NoRepeat"}}}  # fmt: skip
    assert unknown_members(spec, IngestRequest) == [
        "$.graph.entryPoints[0].retryPolicy.jitter", "$.graph.entryPoints[0].onSucess"]  # fmt: skip
