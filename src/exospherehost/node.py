"""`BaseNode`, the class every Exosphere node subclasses, as in exospherehost 0.0.3.

A node declares `Inputs`, `Outputs` and `Secrets` (pydantic `BaseModel`s as in 0.0.3, or msgspec `Struct`s, the
fast native path; every field a `str`) and implements `execute(self)`, reading `self.inputs` and `self.secrets`.
`execute` may be `async def` (run on the event loop) or a plain `def` (run in a thread of its own). It returns
one `Outputs`, a list of them (fan-out: one next state each) or None (no output); it may raise `PruneSignal` or
`ReQueueAfterSignal`. The defaults below have no fields.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

import msgspec

__all__ = ["BaseNode"]


class BaseNode(ABC):
    """Base of every node a `Runtime` executes; the class name is the node name graphs refer to."""

    class Inputs(msgspec.Struct):
        """The node's input fields (all strings); override it."""

    class Outputs(msgspec.Struct):
        """The node's output fields (all strings); override it."""

    class Secrets(msgspec.Struct):
        """The graph secrets the node reads (all strings); override it when the node needs any."""

    def __init__(self) -> None:
        self.inputs: Any = None
        self.secrets: Any = None

    async def _execute(self, inputs: Any, secrets: Any) -> Any:
        """0.0.3's entry point, kept for code written against it (a node's own tests call it); the runtime sets
        `inputs` and `secrets` itself, since it also runs a plain-def `execute` in a thread."""
        self.inputs = inputs
        self.secrets = secrets
        return await self.execute()

    @abstractmethod
    async def execute(self) -> Any:
        """The node's work: return an `Outputs`, a list of them, or None."""
        raise NotImplementedError("execute method must be implemented by all concrete node classes")
