"""The `dev` console command both SDKs ship (`waygrid dev`, `exosphere dev`): start a local server in the
foreground, on 127.0.0.1 unless told otherwise, and say where it listens. Listening beyond loopback (`--host
0.0.0.0`) logs a warning; the state manager refuses it with the documented default key."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from sdkcore.local.http import Limits, Server

__all__ = ["LocalService", "dev_arguments", "dev_description", "run_dev"]


class LocalService(Protocol):
    def serve(
        self, host: str = ..., port: int = ..., *, log_requests: bool = ..., limits: Limits | None = ...
    ) -> Server: ...

    def close(self) -> None: ...


def dev_arguments(dev: argparse.ArgumentParser, default_port: int, default_database: Path) -> None:
    """The options of `<program> dev`: where to listen and where to keep the data."""
    dev.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1, this machine only)")
    dev.add_argument(
        "--port", type=_port, default=default_port, help=f"port (default: {default_port}; 0 picks a free one)"
    )
    storage = dev.add_mutually_exclusive_group()
    storage.add_argument("--database", type=Path, default=default_database,
                         help=f"SQLite file, created if missing (default: {default_database})")  # fmt: skip
    storage.add_argument("--in-memory", action="store_true", help="keep nothing: an in-memory database")
    dev.add_argument("--quiet", action="store_true", help="do not log each request")
    dev.add_argument("--max-body-bytes", type=_positive, default=None, metavar="N",
                     help="refuse larger request bodies with 413 (default: 16777216, 16 MiB)")  # fmt: skip
    dev.add_argument("--max-connections", type=_positive, default=None, metavar="N",
                     help="connections served at once; one more gets 503 (default: 256)")  # fmt: skip


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number between 0 and 65535, got {text!r}") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"must be between 0 and 65535, got {port}")
    return port


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a positive whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def dev_description(title: str) -> str:
    article = "an" if title[:1].lower() in "aeiou" else "a"
    return (f"Run {article} {title} on this machine in the foreground (Ctrl-C stops it). Data is kept in a SQLite "
            "file, so it survives restarts, unless --in-memory is given.")  # fmt: skip


def run_dev(program: str, title: str, options: argparse.Namespace,
            build: Callable[[argparse.Namespace], LocalService]) -> int:  # fmt: skip
    """Build the service from the parsed `dev` options and serve it until Ctrl-C. Returns the exit status."""
    from sdkcore.local.database import MEMORY
    from sdkcore.local.http import Limits

    options.database = MEMORY if options.in_memory else options.database
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr)
    chosen = {name: getattr(options, name, None) for name in ("max_body_bytes", "max_connections")}
    limits = Limits(**{name: value for name, value in chosen.items() if value is not None})
    service = build(options)
    try:
        server = service.serve(options.host, options.port, log_requests=not options.quiet, limits=limits)
    except OSError as error:
        service.close()
        print(f"{program} dev: cannot listen on {options.host}:{options.port}: {error.strerror}", file=sys.stderr)
        return 1
    except ValueError as error:  # the state manager's default key beyond loopback
        service.close()
        print(f"{program} dev: {error}", file=sys.stderr)
        return 1
    where = "in memory (nothing is kept)" if options.database == MEMORY else str(options.database)
    print(f"local {title} listening on {server.url} (database: {where}); Ctrl-C stops it", flush=True)
    try:
        server.serve_forever()
    finally:
        service.close()
    return 0
