"""Where the local router keeps its data and listens unless told otherwise (light to import: the console command
reads them for its help)."""

from __future__ import annotations

from pathlib import Path

DEFAULT_DATABASE = Path(".waygrid") / "router.db"
DEFAULT_PORT = 8080
