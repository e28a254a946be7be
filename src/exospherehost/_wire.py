"""The wire side of StateManager: request bodies, operations, answers and the original's error messages.

Kept apart so that `import exospherehost` does not load the HTTP stubs and response models; StateManager loads
this module on its first call.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from msgspec import UNSET

from exosphere_api import codec, operations
from exosphere_api.models.cron_trigger import CronTrigger as CronTriggerStruct
from exosphere_api.models.cron_trigger import CronTriggerEntry
from exosphere_api.models.graph_node import GraphNode
from exosphere_api.models.retry_policy import RetryPolicy
from exosphere_api.models.store_config import StoreConfig
from exosphere_api.models.trigger_graph import TriggerGraphRequest
from exosphere_api.models.upsert_graph import UpsertGraphRequest
from exospherehost._api import PROFILE
from exospherehost.errors import APIStatusError, GraphValidationError, GraphValidationTimeoutError
from exospherehost.results import GraphTemplate, TriggerResult

if TYPE_CHECKING:
    from exospherehost.models import CronTrigger, GraphNodeModel, RetryPolicyModel, StoreConfigModel

__all__ = ["PROFILE", "GraphTemplate", "TriggerResult", "operations", "trigger_body", "upsert_body"]


def upsert_body(
    graph_nodes: list[GraphNodeModel] | list[GraphNode],
    secrets: dict[str, str],
    retry_policy: RetryPolicyModel | RetryPolicy | None,
    store_config: StoreConfigModel | StoreConfig | None,
    triggers: list[CronTrigger] | list[CronTriggerStruct] | None,
) -> bytes:
    """The PUT body, key for key what exospherehost 0.0.3 sends for the same arguments."""
    entries = (
        None
        if triggers is None
        else [
            CronTriggerEntry(type="CRON", value=CronTriggerStruct(expression=trigger.expression))
            for trigger in triggers
        ]
    )
    request = UpsertGraphRequest(
        secrets=secrets,
        nodes=list(graph_nodes),
        retry_policy=UNSET if retry_policy is None else retry_policy,
        store_config=UNSET if store_config is None else store_config,
        triggers=UNSET if entries is None else entries,
    )
    return codec.encode(request)


def trigger_body(inputs: Mapping[str, str] | None, store: Mapping[str, str] | None, start_delay: int) -> bytes:
    """The POST body: all three members always, None meaning {}."""
    request = TriggerGraphRequest(start_delay=start_delay, inputs=dict(inputs or {}), store=dict(store or {}))
    return codec.encode(request)


def failure(error: APIStatusError, what: str) -> APIStatusError:
    """The same error class with the original's message: `Failed to <what>: <status> <body text>`."""
    again = type(error)(
        f"Failed to {what}: {error.status_code} {error.response_text}",
        status_code=error.status_code,
        request_id=error.request_id,
        server_message=error.server_message,
        body=error.body,
        retry_after=error.retry_after,
        response_text=error.response_text,
    )
    again.attempts = error.attempts
    return again


def validated(graph: GraphTemplate) -> GraphTemplate:
    if graph.validation_status != "VALID":
        errors = graph.validation_errors if isinstance(graph.validation_errors, list) else None
        raise GraphValidationError(
            f"Graph validation failed: {graph.validation_status.value} and errors: {errors}",
            status=graph.validation_status.value,
            errors=errors,
        )
    return graph


def timed_out(validation_timeout: float) -> GraphValidationTimeoutError:
    return GraphValidationTimeoutError(f"Graph validation check timed out after {validation_timeout} seconds")
