"""The comparison for the Waygrid benchmark: pydantic v2 models that datamodel-code-generator makes of the same
schema (spec/waygrid/traversal-spec.schema.json), generated into a temporary directory when first asked for.

The schema's `x-python-import` types (Duration, Timestamp) are msgspec types; they are dropped so pydantic sees
their JSON Schema (strings with a pattern), as any pydantic user of the schema would."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import tempfile
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

SCHEMA = Path(__file__).parent.parent / "spec" / "waygrid" / "traversal-spec.schema.json"
OPTIONS = [
    "--input-file-type", "jsonschema",
    "--output-model-type", "pydantic_v2.BaseModel",
    "--target-python-version", "3.10",
    "--snake-case-field",
    "--allow-population-by-field-name",
    "--collapse-root-models",
    "--use-one-literal-as-default",
    "--use-annotated",
    "--disable-timestamp",
    "--formatters", "ruff-format",
    "--ignore-pyproject",
]  # fmt: skip


def _without_python_types(node: Any) -> Any:
    if isinstance(node, dict):
        return {key: _without_python_types(value) for key, value in node.items() if key != "x-python-import"}
    if isinstance(node, list):
        return [_without_python_types(value) for value in node]
    return node


@cache
def models() -> ModuleType:
    """The generated module (kept for the life of the process)."""
    work = Path(tempfile.mkdtemp(prefix="waygrid-pydantic-"))
    schema = work / "traversal-spec.schema.json"
    schema.write_text(json.dumps(_without_python_types(json.loads(SCHEMA.read_text()))))
    target = work / "waygrid_pydantic.py"
    command = [sys.executable, "-m", "datamodel_code_generator", "--input", str(schema), "--output", str(target)]
    subprocess.run([*command, *OPTIONS], check=True, capture_output=True)
    spec = importlib.util.spec_from_file_location("waygrid_pydantic", target)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module
