"""A worker whose one node sleeps, for the SIGTERM test: it touches WORKER_MARKER when the node starts."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import msgspec

from exospherehost import BaseNode, Runtime


class Sleeper(BaseNode):
    class Inputs(msgspec.Struct):
        seconds: str

    class Outputs(msgspec.Struct):
        slept: str

    async def execute(self) -> Outputs:
        Path(os.environ["WORKER_MARKER"]).touch()
        await asyncio.sleep(float(self.inputs.seconds))
        return self.Outputs(slept=self.inputs.seconds)


if __name__ == "__main__":
    Runtime(os.environ["WORKER_NAMESPACE"], "sigterm-worker", [Sleeper], poll_interval=0.02).start()
