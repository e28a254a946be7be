"""`waygrid` (also `python -m waygrid`): validate, render and simulate specs, and `waygrid dev`, a local router
(see waygrid.cli)."""

from __future__ import annotations

import sys

from waygrid.cli import load_handlers, main

__all__ = ["load_handlers", "main"]

if __name__ == "__main__":
    sys.exit(main())
