"""What codegen makes of every accepted construct is strictly typed and passes codegen's own lint."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.schema_corpus.corpus import CODEGEN, ROOT, constructs, write_api


def test_the_corpus_models_type_check_and_lint(tmp_path: Path) -> None:
    write_api(tmp_path / "spec", "corpus", {c.file_name: c.schema for c in constructs("agrees")})
    out = tmp_path / "generated"
    generate = [sys.executable, str(CODEGEN / "generate.py"), "--spec", str(tmp_path / "spec"), "--output", str(out)]
    result = subprocess.run([*generate, "--api", "corpus:corpus_api"], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    lint = subprocess.run([*generate, "--lint"], capture_output=True, text=True, check=False)
    assert lint.returncode == 0, lint.stdout
    mypy = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--python-version", "3.10", "--no-incremental",
         "--config-file", "/dev/null", str(out / "corpus_api")],
        capture_output=True, text=True, check=False, cwd=tmp_path, env={"MYPYPATH": str(ROOT / "src")},
    )  # fmt: skip
    assert mypy.returncode == 0, mypy.stdout
