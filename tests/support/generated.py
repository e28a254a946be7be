"""A package codegen wrote into a temporary directory, imported for a test and then made unimportable again."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType


def _loaded(package: str) -> list[str]:
    return [name for name in sys.modules if name == package or name.startswith(package + ".")]


@contextmanager
def imported(output: Path, package: str, *modules: str) -> Iterator[list[ModuleType]]:
    """`modules` (default: `package` itself) imported from `output`; on exit the path entry and every module of
    `package` are gone again. Refuses to shadow a `package` that is imported already."""
    if _loaded(package):
        raise RuntimeError(f"{package} is already imported: {_loaded(package)}")
    entry = str(output)
    sys.path.insert(0, entry)
    importlib.invalidate_caches()
    try:
        yield [importlib.import_module(name) for name in modules or (package,)]
    finally:
        sys.path.remove(entry)
        for name in _loaded(package):
            del sys.modules[name]
        importlib.invalidate_caches()
