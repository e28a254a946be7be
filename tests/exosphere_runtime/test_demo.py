"""The Exosphere half of the demo (`nox -s demo`) runs the seed's graph for real, and the fan-out graph with its
retry, unites and prune, against a local state manager over loopback."""

from __future__ import annotations

import asyncio
import re
import sys
from pathlib import Path

import pytest

from exospherehost.local import MEMORY, LocalStateManager

EXAMPLES = Path(__file__).parents[2] / "examples"


def test_the_demo_executes_the_seed_graph_and_the_fan_out_graph(capsys: pytest.CaptureFixture[str]) -> None:
    sys.path.insert(0, str(EXAMPLES))
    try:
        import exosphere_demo
    finally:
        sys.path.remove(str(EXAMPLES))
    with LocalStateManager(MEMORY, api_key="demo-key") as local, local.serve() as server:
        asyncio.run(exosphere_demo.run(server.url, "demo-key"))
    printed = capsys.readouterr().out
    assert len(re.findall(r"  run [0-9a-f-]{36}: SUCCESS", printed)) == 2
    assert "outputs of processor: [{'summary': 'processed: rows loaded from demo (key of 8 chars)'}]" in printed
    assert re.search(r"resize +RETRY_CREATED +image service busy", printed)
    assert re.search(r"publish +PRUNED", printed)
    assert "outputs of collect: [{'report': 'all of a.png,b.png,c.png resized'}]" in printed
    assert "GraphValidationError: Graph validation failed: INVALID" in printed
