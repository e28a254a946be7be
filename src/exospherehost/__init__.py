"""Exosphere Python SDK: a typed, fast, drop-in replacement for exospherehost 0.0.3's graph API.

`StateManager`, `GraphNodeModel`, `UnitesModel`, `RetryPolicyModel`, `StoreConfigModel`, `CronTrigger` and the
enums keep the original names, signatures, defaults and messages; the models are the generated `exosphere_api`
Structs. `SyncStateManager` is the blocking variant. HTTP machinery (httpx) loads on the first call.
"""

from typing import TYPE_CHECKING, Any

from exospherehost import errors
from exospherehost.errors import (
    ConfigurationError,
    ExosphereError,
    GraphValidationError,
    GraphValidationTimeoutError,
)
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
from exospherehost.statemanager import StateManager, SyncStateManager

if TYPE_CHECKING:
    from exospherehost.results import GraphTemplate, TriggerResult

__version__ = "0.1.0"
VERSION = __version__

__all__ = [
    "VERSION",
    "ConfigurationError",
    "CronTrigger",
    "ExosphereError",
    "GraphNodeModel",
    "GraphTemplate",
    "GraphValidationError",
    "GraphValidationTimeoutError",
    "ModelValidationError",
    "RetryPolicyModel",
    "RetryStrategyEnum",
    "StateManager",
    "StoreConfigModel",
    "SyncStateManager",
    "TriggerResult",
    "UnitesModel",
    "UnitesStrategyEnum",
    "__version__",
    "errors",
]


def __getattr__(name: str) -> Any:
    # The result types pull in the response models; they load when first asked for.
    if name in ("GraphTemplate", "TriggerResult"):
        from exospherehost import results

        return getattr(results, name)
    raise AttributeError(f"module 'exospherehost' has no attribute {name!r}")
