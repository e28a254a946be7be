"""`waygrid dev` (also `python -m waygrid dev`): a local Waygrid router, see waygrid.local. `--execute` runs what
it accepts (see waygrid.local_execution); `--handlers module:attribute` names a dict of node address → handler."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Mapping, Sequence
from typing import Any, cast

from sdkcore.local.cli import dev_command

DEFAULT_PORT = 8080


def _add_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--execute", action="store_true", help="run each accepted traversal on the real clock; "
                        "GET /v1/traversals/{id} shows its events")  # fmt: skip
    parser.add_argument("--handlers", metavar="MODULE:ATTRIBUTE",
                        help="a dict of node address -> handler, imported from MODULE (the current directory is "
                             "on the import path); implies --execute")  # fmt: skip


def load_handlers(reference: str) -> Mapping[str, Any]:
    """The mapping `module:attribute` names (the attribute may be dotted); SystemExit with the reason if not."""
    module_name, _, attribute = reference.partition(":")
    if not module_name or not attribute:
        raise SystemExit(f"waygrid dev: --handlers takes MODULE:ATTRIBUTE, got {reference!r}")
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        value: Any = importlib.import_module(module_name)
        for name in attribute.split("."):
            value = getattr(value, name)
    except (ImportError, AttributeError) as error:
        raise SystemExit(f"waygrid dev: --handlers {reference}: {error}") from None
    if not isinstance(value, Mapping):
        raise SystemExit(f"waygrid dev: --handlers {reference} is a {type(value).__name__}, not a dict of handlers")
    return cast("Mapping[str, Any]", value)  # its keys and values are checked by LocalRouter


def main(argv: Sequence[str] | None = None) -> int:
    from waygrid.local import DEFAULT_DATABASE, LocalRouter

    def build(options: argparse.Namespace) -> LocalRouter:
        handlers = None if options.handlers is None else load_handlers(options.handlers)
        execute = options.execute or handlers is not None
        try:
            return LocalRouter(options.database, address=options.host, execute=execute, handlers=handlers)
        except TypeError as error:  # a key or a value of the handlers is not what it must be
            raise SystemExit(f"waygrid dev: --handlers {options.handlers}: {error}") from None

    return dev_command("waygrid", "Waygrid router", DEFAULT_PORT, DEFAULT_DATABASE, build, _add_options, argv)


if __name__ == "__main__":
    sys.exit(main())
