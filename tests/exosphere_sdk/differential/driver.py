"""Runs the differential corpus with whichever `exospherehost` this interpreter imports, against the capture
server named by EXOSPHERE_STATE_MANAGER_URI, and prints as JSON what the models make of each input of MODELS: the
values they hold (lax integers converted) or every problem (type, loc, msg, input)."""

from __future__ import annotations

import asyncio
import inspect
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from corpus import MODELS, TRIGGERS, graphs

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
    verdicts = []
    for model, arguments in MODELS:
        try:
            built = getattr(exospherehost, model)(**arguments)
        except ValueError as error:
            problems = error.errors()  # type: ignore[attr-defined]
            verdicts.append(["refused", [[problem["type"], list(problem["loc"]), problem["msg"], problem["input"]]
                                         for problem in problems]])  # fmt: skip
        else:
            verdicts.append(["built", built.model_dump(mode="json")])
    print(json.dumps(verdicts))


asyncio.run(main())
