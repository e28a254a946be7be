"""`exosphere` (also `python -m exospherehost`): validate and render graphs and runs, and `exosphere dev`, a local
state manager (see exospherehost.cli)."""

from __future__ import annotations

import sys

from exospherehost.cli import main

__all__ = ["main"]

if __name__ == "__main__":
    sys.exit(main())
