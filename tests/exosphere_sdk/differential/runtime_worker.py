"""A worker written for exospherehost 0.0.3 (pydantic models, async execute), run unchanged by whichever
`exospherehost` this interpreter imports, against EXOSPHERE_STATE_MANAGER_URI. The graph it serves
(`runtime_graph.py`) covers a secret, a fan-out, a failure retried, a re-enqueue, a unites and a prune."""

from __future__ import annotations

import os
from datetime import timedelta

from pydantic import BaseModel

from exospherehost import BaseNode, PruneSignal, ReQueueAfterSignal, Runtime

failed_once: set[str] = set()
requeued_once: set[str] = set()


class Loader(BaseNode):
    class Inputs(BaseModel):
        source: str

    class Outputs(BaseModel):
        batch: str

    class Secrets(BaseModel):
        token: str

    async def execute(self) -> Outputs:
        return self.Outputs(batch=f"{self.inputs.source}:{len(self.secrets.token)}")


class Splitter(BaseNode):
    class Inputs(BaseModel):
        batch: str

    class Outputs(BaseModel):
        item: str

    async def execute(self) -> list[Outputs]:
        return [self.Outputs(item=f"{self.inputs.batch}/{name}") for name in ("a", "b", "c")]


class Worker(BaseNode):
    class Inputs(BaseModel):
        item: str

    class Outputs(BaseModel):
        result: str

    async def execute(self) -> Outputs:
        if self.inputs.item.endswith("/b") and self.inputs.item not in failed_once:
            failed_once.add(self.inputs.item)
            raise RuntimeError(f"transient failure on {self.inputs.item}")
        if self.inputs.item.endswith("/c") and self.inputs.item not in requeued_once:
            requeued_once.add(self.inputs.item)
            raise ReQueueAfterSignal(timedelta(milliseconds=50))
        return self.Outputs(result=self.inputs.item.upper())


class Collector(BaseNode):
    class Inputs(BaseModel):
        batch: str

    class Outputs(BaseModel):
        summary: str

    async def execute(self) -> Outputs:
        return self.Outputs(summary=f"collected {self.inputs.batch}")


class Gate(BaseNode):
    class Inputs(BaseModel):
        summary: str

    class Outputs(BaseModel):
        pass

    async def execute(self) -> Outputs:
        raise PruneSignal({"why": self.inputs.summary})


if __name__ == "__main__":
    Runtime(namespace=os.environ["WORKER_NAMESPACE"], name="differential-runtime",
            nodes=[Loader, Splitter, Worker, Collector, Gate], batch_size=4, workers=4, poll_interval=0.05).start()  # type: ignore[arg-type]  # fmt: skip
