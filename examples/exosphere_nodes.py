"""The nodes the Exosphere demo's runtime executes, written as for exospherehost 0.0.3 (pydantic models) or with
msgspec Structs (the native path): the seed's DataLoaderNode and DataProcessorNode, and a fan-out graph's nodes
(a listing split into items, a worker that fails once and is retried, a unites collector and a node that prunes)."""

from __future__ import annotations

import msgspec
from pydantic import BaseModel

from exospherehost import BaseNode, PruneSignal


class DataLoaderNode(BaseNode):
    class Inputs(BaseModel):
        source: str

    class Outputs(BaseModel):
        data: str

    class Secrets(BaseModel):
        api_key: str

    async def execute(self) -> Outputs:
        return self.Outputs(data=f"rows loaded from {self.inputs.source} (key of {len(self.secrets.api_key)} chars)")


class DataProcessorNode(BaseNode):
    class Inputs(msgspec.Struct):
        data: str

    class Outputs(msgspec.Struct):
        summary: str

    def execute(self) -> Outputs:  # a plain def: the runtime runs it in a thread
        return self.Outputs(summary=f"processed: {self.inputs.data}")


class ListNode(BaseNode):
    class Inputs(msgspec.Struct):
        folder: str

    class Outputs(msgspec.Struct):
        items: str

    async def execute(self) -> Outputs:
        return self.Outputs(items="a.png,b.png,c.png")


class SplitNode(BaseNode):
    class Inputs(msgspec.Struct):
        items: str

    class Outputs(msgspec.Struct):
        item: str

    async def execute(self) -> list[Outputs]:
        return [self.Outputs(item=item) for item in self.inputs.items.split(",")]


failed_items: set[str] = set()


class ResizeNode(BaseNode):
    class Inputs(msgspec.Struct):
        item: str

    class Outputs(msgspec.Struct):
        resized: str

    async def execute(self) -> Outputs:
        if self.inputs.item == "b.png" and self.inputs.item not in failed_items:
            failed_items.add(self.inputs.item)
            raise RuntimeError("image service busy (the retry policy runs this again)")
        return self.Outputs(resized=f"small-{self.inputs.item}")


class CollectNode(BaseNode):
    class Inputs(msgspec.Struct):
        items: str

    class Outputs(msgspec.Struct):
        report: str

    async def execute(self) -> Outputs:
        return self.Outputs(report=f"all of {self.inputs.items} resized")


class PublishNode(BaseNode):
    class Inputs(msgspec.Struct):
        items: str

    class Outputs(msgspec.Struct):
        url: str

    async def execute(self) -> Outputs:
        raise PruneSignal({"reason": "dry run: nothing published"})


NODES = [DataLoaderNode, DataProcessorNode, ListNode, SplitNode, ResizeNode, CollectNode, PublishNode]
