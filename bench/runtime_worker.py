"""The worker of bench/runtime_throughput.py: a `Runtime` serving the `Echo` node (one string in, the same string
out), written for exospherehost 0.0.3 and run unchanged by whichever `exospherehost` this interpreter imports.

usage: runtime_worker.py URL KEY BATCH_SIZE WORKERS POLL_INTERVAL [CLIENT]

On SIGUSR1 it prints this process's CPU seconds (user + sys, `resource.getrusage`, every thread) on stdout. CLIENT
(this SDK only) picks the HTTP stack under the Runtime: `default` (the SDK's own, aiohttp), `httpx` (an
`httpx.AsyncClient` passed as `http_client=`: httpx's own stack) or `httpx2` (the same with `httpx2.alias_httpx()`
before the SDK is imported, so that its `import httpx` is httpx2). With BENCH_PROFILE set, the Runtime runs under
cProfile, which writes its statistics to that path when the Runtime stops (this SDK's stops on SIGTERM)."""

from __future__ import annotations

import os
import resource
import signal
import sys
from typing import Any


def cpu_report(*_: object) -> None:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    os.write(1, f"{usage.ru_utime + usage.ru_stime!r}\n".encode())


def http_settings(client: str) -> dict[str, Any]:
    """The Runtime's keyword arguments for `client`; call before importing exospherehost (httpx2 must alias)."""
    if client == "httpx2":
        import httpx2

        httpx2.alias_httpx()
    if client in ("httpx", "httpx2"):
        import httpx

        return {"http_client": httpx.AsyncClient()}
    return {}


def main() -> None:
    url, key, batch_size, workers, poll_interval = sys.argv[1:6]
    client = sys.argv[6] if len(sys.argv) > 6 else "original"
    settings = http_settings(client)

    from pydantic import BaseModel

    from exospherehost import BaseNode, Runtime

    class Echo(BaseNode):
        class Inputs(BaseModel):
            x: str

        class Outputs(BaseModel):
            y: str

        async def execute(self) -> Outputs:
            return self.Outputs(y=self.inputs.x)  # type: ignore[attr-defined]

    runtime = Runtime(namespace="bench", name="bench-runtime", nodes=[Echo], state_manager_uri=url, key=key,
                      batch_size=int(batch_size), workers=int(workers), poll_interval=float(poll_interval),
                      **settings)  # type: ignore[arg-type]  # fmt: skip
    signal.signal(signal.SIGUSR1, cpu_report)
    if not os.environ.get("BENCH_PROFILE"):
        runtime.start()
        return
    import cProfile

    profiler = cProfile.Profile()
    profiler.enable()
    try:
        runtime.start()
    finally:
        profiler.disable()
        profiler.dump_stats(os.environ["BENCH_PROFILE"])


if __name__ == "__main__":
    main()
