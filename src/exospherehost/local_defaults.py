"""The local state manager's defaults: its data file, port and API key (light to import: the console command
reads them for its help)."""

from __future__ import annotations

from pathlib import Path

DEFAULT_DATABASE = Path(".exosphere") / "state-manager.db"
DEFAULT_PORT = 8000
DEFAULT_API_KEY = "exo-local-key"
