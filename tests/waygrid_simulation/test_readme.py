"""The README's simulation example runs as written (the Python block after the marker comment)."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).parents[2] / "README.md"
MARKER = "<!-- the block below runs as tests/waygrid_simulation/test_readme.py -->"


def test_the_simulation_example_runs(capsys) -> None:
    text = README.read_text(encoding="utf-8")
    assert MARKER in text
    block = re.findall(r"```python\n(.*?)```", text.split(MARKER, 1)[1], flags=re.DOTALL)[0]
    namespace: dict[str, object] = {"__name__": "readme_example"}
    exec(compile(block, "README.md (simulation)", "exec"), namespace)
    printed = capsys.readouterr().out
    assert "+3.375s  dispatched       waygrid://destination/fast" in printed
    assert "[conditions-overlap]" in printed
