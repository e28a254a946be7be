"""What code an interpreter started by a benchmark sees: this checkout's SDKs, or (for exospherehost 0.0.3 in its
own environment) none of ours."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).parent.parent
OUR_CODE = os.pathsep.join([str(ROOT / "src"), str(ROOT / "generated")])


def interpreter_env(own_code: bool) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if name != "PYTHONPATH"}
    if own_code:
        env["PYTHONPATH"] = OUR_CODE
    return env
