"""`nox -s demo`: start a local Waygrid router and a local Exosphere state manager on loopback (each with a fresh
SQLite file), run both SDK demos against them over HTTP, and exit non-zero if any step fails."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
import tempfile
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import exosphere_demo
import pictures
import waygrid_demo

from exospherehost.local import LocalStateManager
from waygrid.local import LocalRouter

API_KEY = "exo-demo-key"


def main() -> int:
    # The runtime logs a node's failure with its traceback (as 0.0.3 does); the demo prints each state's error
    # itself, so its log stays quiet.
    logging.getLogger("exospherehost.runtime").setLevel(logging.CRITICAL)
    with contextlib.ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="sdk-demo-")))
        router = stack.enter_context(LocalRouter(folder / "router.db", execute=True, handlers=waygrid_demo.HANDLERS))
        router_server = stack.enter_context(router.serve())
        manager = stack.enter_context(LocalStateManager(folder / "state-manager.db", api_key=API_KEY))
        manager_server = stack.enter_context(manager.serve())
        print(f"local Waygrid router on {router_server.url}, Exosphere state manager on {manager_server.url}\n")
        asyncio.run(waygrid_demo.run(router_server.url))
        print()
        fan_out = asyncio.run(exosphere_demo.run(manager_server.url, API_KEY))
        run_graph = manager.sync_state_manager(exosphere_demo.NAMESPACE).get_run_graph(fan_out)
        pictures_folder = Path(tempfile.gettempdir()) / "sdk-demo-pictures"
        drawn = pictures.demo_pictures(pictures_folder, run_graph, run_name="run-thumbnails")
        print(f"\n{len(drawn)} pictures (specs, a simulation timeline, the seed graph, the run) in {pictures_folder}")
        traversals = router.traversals()
        executions = [router.execution(row["traversal_id"]) or {} for row in traversals]
        outcomes = Counter(str(execution.get("outcome")) for execution in executions)
        ran = ", ".join(f"{outcome}: {count}" for outcome, count in sorted(outcomes.items()))
        print(f"\ndemo finished: {len(traversals)} traversals accepted by the local router ({ran})")
        for execution in executions:
            if execution.get("outcome") == "error":
                error = execution["error"]
                print(
                    f"  {execution['traversalId']} ended in the router's {error['code']} at {error['path']}: "
                    f"{error['message']}"
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
