"""Hatchling metadata hook of every distribution under distributions/ (build.py copies it into each build directory).

The version of every distribution is the workspace's: build.py writes `[project].version` of the root
pyproject.toml into the build directory's VERSION file. A hook option `dependencies` (a list of requirements, in
`[tool.hatch.metadata.hooks.custom]`) becomes `[project].dependencies`, with `{version}` replaced by that version:
each SDK pins the core it was built with.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hatchling.metadata.plugin.interface import MetadataHookInterface


class WorkspaceVersionHook(MetadataHookInterface):
    def update(self, metadata: dict[str, Any]) -> None:
        version_file = Path(self.root, "VERSION")
        if not version_file.is_file():
            raise RuntimeError(f"{version_file} is missing: build the distributions with distributions/build.py")
        version = version_file.read_text(encoding="utf-8").strip()
        metadata["version"] = version
        dependencies = self.config.get("dependencies")
        if dependencies is not None:
            if not isinstance(dependencies, list) or not all(isinstance(entry, str) for entry in dependencies):
                raise TypeError("option `dependencies` of the custom metadata hook must be a list of strings")
            metadata["dependencies"] = [entry.format(version=version) for entry in dependencies]
