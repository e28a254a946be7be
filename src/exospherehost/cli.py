"""The `exosphere` console command: `validate` and `render` graphs, draw a run (`render --run`), and `dev` (a local
state manager).

A graph is named by a JSON file (the body `upsert_graph` sends: `{"nodes": [...], "secrets": ..., ...}`; the graph
takes the file's name) or by `module:attribute`, a `Graph` or a list of `GraphNodeModel` in Python code imported
with the current directory on the import path. Exit status: 0 when all is well, 1 when a graph has problems, 2 on
a usage error.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, cast

from sdkcore.console import OK, Console, Finding, UsageError, is_reference, load_reference, report, write_output
from sdkcore.local.cli import dev_arguments, dev_description, run_dev

FORMATS = ("mermaid", "dot", "svg", "png")

__all__ = ["load_graph", "main"]


def load_graph(argument: str) -> Any:
    """The Graph a command-line argument names. Raises ValueError saying what is wrong with it."""
    from exospherehost.graph import Graph
    from exospherehost.models import GraphNodeModel

    if is_reference(argument):
        value = load_reference(argument)
        if isinstance(value, Graph):
            return value
        if isinstance(value, list) and all(
            isinstance(node, GraphNodeModel)
            for node in cast("list[Any]", value)  # type: ignore[redundant-cast]  # pyright needs it after isinstance
        ):
            return Graph(cast("list[GraphNodeModel]", value), name=argument.partition(":")[2])
        kind = type(cast("object", value)).__name__  # type: ignore[redundant-cast]  # for pyright
        raise ValueError(f"{argument} is a {kind}, not a Graph or a list of GraphNodeModel")
    try:
        data = Path(argument).read_bytes()
    except OSError as error:
        raise ValueError(f"cannot read {argument}: {error.strerror or error}") from None
    return Graph.from_upsert_body(Path(argument).stem, data)


def _problems_of(argument: str) -> list[Finding]:
    try:
        graph = load_graph(argument)
    except ValueError as error:
        return [Finding("$", "unreadable", str(error))]
    found = [] if is_reference(argument) else _unknown_members(Path(argument).read_bytes())
    return found + [Finding(problem.path, "graph-template", problem.message) for problem in graph.problems()]


def _unknown_members(body: bytes) -> list[Finding]:
    """A member of the file the upsert body has no place for: the state manager would drop it without a word."""
    import json

    from exosphere_api.models.upsert_graph import UpsertGraphRequest
    from sdkcore.unknown_members import unknown_members

    return [Finding(path[2:] if path.startswith("$.") else path, "unknown-member",
                    "not a member of the upsert body: the state manager ignores it (a misspelt key?)")
            for path in unknown_members(json.loads(body), UpsertGraphRequest)]  # fmt: skip


def validate(options: argparse.Namespace) -> int:
    return report([(argument, _problems_of(argument)) for argument in options.files], "graph", options.format)


def _run_graph(options: argparse.Namespace) -> Any:
    from exospherehost.errors import ExosphereError
    from exospherehost.statemanager import SyncStateManager

    if not options.namespace:
        raise UsageError("--run needs --namespace (the run's namespace)")
    uri = options.state_manager or os.environ.get("EXOSPHERE_STATE_MANAGER_URI")
    if not uri:
        raise UsageError("--run needs the state manager: --state-manager URL or EXOSPHERE_STATE_MANAGER_URI")
    try:
        with SyncStateManager(options.namespace, uri, options.key) as manager:
            return manager.get_run_graph(options.run)
    except (ExosphereError, ValueError) as error:
        raise UsageError(f"cannot read run {options.run}: {error}") from None


def render(options: argparse.Namespace) -> int:
    from exospherehost.rendering import render_graph, render_run
    from sdkcore.graphviz import GraphvizError

    if (options.file is None) == (options.run is None):
        raise UsageError("give a graph FILE or --run RUN_ID (one of them)")
    fmt: str = options.to
    picture: str | bytes
    try:
        if options.run is not None:
            picture = render_run(_run_graph(options), fmt)
        else:
            try:
                graph = load_graph(options.file)
            except ValueError as error:
                raise UsageError(str(error)) from None
            picture = render_graph(graph, fmt)
        write_output(picture, options.output)
    except GraphvizError as error:
        raise UsageError(str(error)) from None
    return OK


def dev(options: argparse.Namespace) -> int:
    from exospherehost.local import LocalStateManager
    from exospherehost.local_defaults import DEFAULT_API_KEY

    def build(options: argparse.Namespace) -> LocalStateManager:
        api_key = options.api_key or os.environ.get("EXOSPHERE_API_KEY") or DEFAULT_API_KEY
        return LocalStateManager(options.database, api_key=api_key)

    return run_dev("exosphere", "Exosphere state manager", options, build)


def console() -> Console:
    from exospherehost import __version__
    from exospherehost.local_defaults import DEFAULT_API_KEY, DEFAULT_DATABASE, DEFAULT_PORT

    tool = Console("exosphere", "Exosphere: check and draw graphs and runs, and run a local state manager.",
                   __version__)  # fmt: skip
    graph_help = ("a graph: a JSON file with the upsert_graph body ({\"nodes\": [...], ...}), or module:attribute "
                  "naming a Graph or a list of GraphNodeModel")  # fmt: skip

    checking = tool.command("validate", "check graphs as the state manager does (every problem, with its path)")
    checking.add_argument("files", nargs="+", metavar="FILE", help=graph_help)
    checking.add_argument("--format", choices=("text", "json"), default="text", help="output (default: text)")
    tool.run("validate", validate)

    drawing = tool.command("render", "draw a graph, or a run's states coloured by status, as Mermaid, DOT, SVG or "
                           "PNG (SVG and PNG need Graphviz)")  # fmt: skip
    drawing.add_argument("file", metavar="FILE", nargs="?", help=graph_help)
    drawing.add_argument("--run", metavar="RUN_ID", help="draw this run, read from the state manager's run graph")
    drawing.add_argument("--namespace", help="the run's namespace (with --run)")
    drawing.add_argument("--state-manager", metavar="URL",
                         help="state manager (with --run; default: $EXOSPHERE_STATE_MANAGER_URI)")  # fmt: skip
    drawing.add_argument("--key", default=None, help="API key (with --run; default: $EXOSPHERE_API_KEY)")
    drawing.add_argument("--to", choices=FORMATS, default="mermaid", help="format (default: mermaid)")
    drawing.add_argument("-o", "--output", metavar="OUT", help="file to write (default: standard output)")
    tool.run("render", render)

    local = tool.command("dev", "run an Exosphere state manager on this machine",
                         dev_description("Exosphere state manager"))  # fmt: skip
    dev_arguments(local, DEFAULT_PORT, DEFAULT_DATABASE)
    local.add_argument("--api-key", default=None, help=("the x-api-key clients must send (default: "
                       f"$EXOSPHERE_API_KEY, else {DEFAULT_API_KEY})"))  # fmt: skip
    tool.run("dev", dev)
    return tool


def main(argv: Sequence[str] | None = None) -> int:
    return console().main(argv)
