"""`waygrid dev` (also `python -m waygrid dev`): a local Waygrid router, see waygrid.local."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from sdkcore.local.cli import dev_command

DEFAULT_PORT = 8080


def main(argv: Sequence[str] | None = None) -> int:
    from waygrid.local import DEFAULT_DATABASE, LocalRouter

    def build(options: argparse.Namespace) -> LocalRouter:
        return LocalRouter(options.database, address=options.host)

    return dev_command("waygrid", "Waygrid router", DEFAULT_PORT, DEFAULT_DATABASE, build, argv=argv)


if __name__ == "__main__":
    sys.exit(main())
