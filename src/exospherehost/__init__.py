"""Exosphere Python SDK: a typed, fast, drop-in replacement for exospherehost 0.0.3.

`StateManager`, `GraphNodeModel`, `UnitesModel`, `RetryPolicyModel`, `StoreConfigModel`, `CronTrigger` and the
enums keep the original names, signatures, defaults and messages; the models are the generated `exosphere_api`
Structs. `SyncStateManager` is the blocking variant. Both also read namespaces, registered nodes, graph templates,
runs and their states, retry a state by hand and wait for a run (`wait_for_run` gives a `RunResult`). The worker
side is `Runtime`, `BaseNode`, `PruneSignal` and `ReQueueAfterSignal`, as in 0.0.3. HTTP machinery (httpx) loads
on the first call.
"""

from typing import TYPE_CHECKING, Any

from exospherehost import errors
from exospherehost.errors import (
    ConfigurationError,
    ExosphereError,
    GraphValidationError,
    GraphValidationTimeoutError,
)
from exospherehost.graph import Graph
from exospherehost.models import (
    CronTrigger,
    GraphNodeModel,
    ModelValidationError,
    RetryPolicyModel,
    RetryStrategyEnum,
    StoreConfigModel,
    UnitesModel,
    UnitesStrategyEnum,
)
from exospherehost.node import BaseNode
from exospherehost.signals import PruneSignal, ReQueueAfterSignal
from exospherehost.statemanager import StateManager, SyncStateManager

if TYPE_CHECKING:
    from exospherehost.observation import RunResult, RunStatus, RunTimeoutError, StateStatus
    from exospherehost.results import (
        GraphTemplate,
        GraphTemplates,
        HealthResult,
        ManualRetryResult,
        Namespaces,
        NodeRunDetails,
        RegisteredNodes,
        RunGraph,
        RunsPage,
        StoredGraphTemplate,
        TriggerResult,
    )
    from exospherehost.runtime import Runtime

__version__ = "0.1.0"
VERSION = __version__

__all__ = [
    "VERSION",
    "BaseNode",
    "ConfigurationError",
    "CronTrigger",
    "ExosphereError",
    "Graph",
    "GraphNodeModel",
    "GraphTemplate",
    "GraphTemplates",
    "GraphValidationError",
    "GraphValidationTimeoutError",
    "HealthResult",
    "ManualRetryResult",
    "ModelValidationError",
    "Namespaces",
    "NodeRunDetails",
    "PruneSignal",
    "ReQueueAfterSignal",
    "RegisteredNodes",
    "RetryPolicyModel",
    "RetryStrategyEnum",
    "RunGraph",
    "RunResult",
    "RunStatus",
    "RunTimeoutError",
    "RunsPage",
    "Runtime",
    "StateManager",
    "StateStatus",
    "StoreConfigModel",
    "StoredGraphTemplate",
    "SyncStateManager",
    "TriggerResult",
    "UnitesModel",
    "UnitesStrategyEnum",
    "__version__",
    "errors",
]

_RESULTS = ("GraphTemplate", "GraphTemplates", "HealthResult", "ManualRetryResult", "Namespaces", "NodeRunDetails",
            "RegisteredNodes", "RunGraph", "RunsPage", "StoredGraphTemplate", "TriggerResult")  # fmt: skip


def __getattr__(name: str) -> Any:
    # The result types pull in the response models, the runtime asyncio; they load when first asked for.
    if name in _RESULTS:
        from exospherehost import results

        return getattr(results, name)
    if name in ("RunResult", "RunStatus", "RunTimeoutError", "StateStatus"):
        from exospherehost import observation

        return getattr(observation, name)
    if name == "Runtime":
        from exospherehost.runtime import Runtime

        return Runtime
    raise AttributeError(f"module 'exospherehost' has no attribute {name!r}")
