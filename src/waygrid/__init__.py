"""Waygrid Python SDK: typed traversal specs and an HTTP client for the Waygrid router.

Build specs with `Spec`, `Node` and the policy factories; every builder produces the generated wire Structs of
`waygrid_api` (see `.struct`). Submit them with `WaygridClient` (asyncio) or `SyncWaygridClient`.
"""

from waygrid import errors, simulation
from waygrid.client import SubmitResult, SyncWaygridClient, WaygridClient
from waygrid.conditions import Condition
from waygrid.errors import SpecRejectedError, WaygridError
from waygrid.nodes import ForkNodeBuilder, JoinNodeBuilder, Node, StandardNodeBuilder
from waygrid.parameters import Parameter
from waygrid.policies import DeliveryStrategy, JoinStrategy, RepeatPolicy, RetryPolicy
from waygrid.simulation import SimulationResult, simulate
from waygrid.spec import Spec
from waygrid.validation import Problem, SpecValidationError

__version__ = "0.1.0"

__all__ = [
    "Condition",
    "DeliveryStrategy",
    "ForkNodeBuilder",
    "JoinNodeBuilder",
    "JoinStrategy",
    "Node",
    "Parameter",
    "Problem",
    "RepeatPolicy",
    "RetryPolicy",
    "SimulationResult",
    "Spec",
    "SpecRejectedError",
    "SpecValidationError",
    "StandardNodeBuilder",
    "SubmitResult",
    "SyncWaygridClient",
    "WaygridClient",
    "WaygridError",
    "__version__",
    "errors",
    "simulate",
    "simulation",
]
