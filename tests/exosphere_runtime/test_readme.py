"""The README's worker and harness examples run as written (the two Python blocks after the marker comment)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).parents[2] / "README.md"
MARKER = "<!-- the two blocks below run as tests/exosphere_runtime/test_readme.py -->"


def blocks() -> list[str]:
    text = README.read_text(encoding="utf-8")
    assert MARKER in text
    return re.findall(r"```python\n(.*?)```", text.split(MARKER, 1)[1], flags=re.DOTALL)[:2]


def test_the_worker_and_harness_examples_run(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EXOSPHERE_STATE_MANAGER_URI", "http://127.0.0.1:8000")
    monkeypatch.setenv("EXOSPHERE_API_KEY", "exo-local-key")
    worker, harness = blocks()
    namespace: dict[str, object] = {"__name__": "readme_example"}
    exec(compile(worker, "README.md (worker)", "exec"), namespace)
    assert "Runtime(namespace='MyProject', name='my-runtime'" in repr(namespace["runtime"])
    exec(compile(harness, "README.md (harness)", "exec"), namespace)
    assert namespace["result"].status == "SUCCESS"  # type: ignore[attr-defined]
