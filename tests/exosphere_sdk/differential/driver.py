"""Runs the differential corpus with whichever `exospherehost` this interpreter imports, against the capture
server named by EXOSPHERE_STATE_MANAGER_URI, and prints the validation messages of the bad inputs as JSON."""

from __future__ import annotations

import asyncio
import inspect
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from corpus import BAD_MODELS, TRIGGERS, graphs

import exospherehost


async def main() -> None:
    # Both send what they are given: the original has no local validation, this SDK's is switched off here.
    options = (
        {"validate_locally": False}
        if "validate_locally" in inspect.signature(exospherehost.StateManager).parameters
        else {}
    )
    manager = exospherehost.StateManager(namespace="diff ns", **options)
    for case in graphs():
        arguments = {
            "graph_name": case["graph_name"],
            "graph_nodes": [exospherehost.GraphNodeModel(**node) for node in case["nodes"]],
            "secrets": case["secrets"],
            "polling_interval": 0,
        }
        if "retry_policy" in case:
            arguments["retry_policy"] = exospherehost.RetryPolicyModel(**case["retry_policy"])
        if "store_config" in case:
            arguments["store_config"] = exospherehost.StoreConfigModel(**case["store_config"])
        if "triggers" in case:
            arguments["triggers"] = [exospherehost.CronTrigger(expression=e) for e in case["triggers"]]
        await manager.upsert_graph(**arguments)
    for call in TRIGGERS:
        await manager.trigger(**call)
    messages = []
    for model, arguments in BAD_MODELS:
        try:
            getattr(exospherehost, model)(**arguments)
        except ValueError as error:
            messages.append([[list(problem["loc"]), problem["msg"]] for problem in error.errors()])  # type: ignore[attr-defined]
        else:
            messages.append(None)
    print(json.dumps(messages))


asyncio.run(main())
