"""`exosphere dev` (also `python -m exospherehost dev`): a local Exosphere state manager, see
exospherehost.local."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from sdkcore.local.cli import dev_command

DEFAULT_PORT = 8000


def main(argv: Sequence[str] | None = None) -> int:
    from exospherehost.local import DEFAULT_API_KEY, DEFAULT_DATABASE, LocalStateManager

    def add_options(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--api-key", default=None, help=("the x-api-key clients must send (default: "
                            f"$EXOSPHERE_API_KEY, else {DEFAULT_API_KEY})"))  # fmt: skip

    def build(options: argparse.Namespace) -> LocalStateManager:
        api_key = options.api_key or os.environ.get("EXOSPHERE_API_KEY") or DEFAULT_API_KEY
        return LocalStateManager(options.database, api_key=api_key)

    return dev_command("exosphere", "Exosphere state manager", DEFAULT_PORT, DEFAULT_DATABASE, build, add_options,
                       argv=argv)  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
