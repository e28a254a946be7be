"""The `waygrid` console command: `validate`, `render` and `simulate` specs, and `dev` (a local router).

A spec is named by a JSON file (the router's wire form) or by `module:attribute`, a `Spec` in Python code
imported with the current directory on the import path. Exit status: 0 when all is well, 1 when a spec has
problems (or a simulation does not complete), 2 on a usage error.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any, cast

from sdkcore.console import (
    OK,
    PROBLEMS,
    Console,
    Finding,
    UsageError,
    is_reference,
    load_reference,
    report,
    write_output,
)
from sdkcore.local.cli import dev_arguments, dev_description, run_dev

FORMATS = ("mermaid", "dot", "svg", "png")

__all__ = ["main"]


def load_spec(argument: str) -> Any:
    """The Spec a command-line argument names. Raises ValueError saying what is wrong with it."""
    from waygrid.spec import Spec
    from waygrid_api.models.traversal_spec import Spec as SpecStruct

    if is_reference(argument):
        value = load_reference(argument)
        if not isinstance(value, SpecStruct):
            raise ValueError(f"{argument} is a {type(value).__name__}, not a waygrid Spec")
        return Spec.from_struct(value)
    try:
        data = Path(argument).read_bytes()
    except OSError as error:
        raise ValueError(f"cannot read {argument}: {error.strerror or error}") from None
    return Spec.from_json(data)


def _problems_of(argument: str, explore: bool) -> list[Finding]:
    try:
        spec = load_spec(argument)
    except ValueError as error:
        return [Finding("$", "unreadable", str(error))]
    return [Finding(problem.path, problem.rule, problem.message) for problem in spec.problems(explore=explore)]


def validate(options: argparse.Namespace) -> int:
    checked = [(argument, _problems_of(argument, options.explore)) for argument in options.files]
    return report(checked, "spec", options.format)


def _spec_or_usage(argument: str) -> Any:
    try:
        return load_spec(argument)
    except ValueError as error:
        raise UsageError(str(error)) from None


def render(options: argparse.Namespace) -> int:
    from sdkcore.graphviz import GraphvizError
    from waygrid.rendering import render as draw

    spec = _spec_or_usage(options.file)
    try:
        fmt: str = options.to
        write_output(draw(spec, fmt), options.output)
    except GraphvizError as error:
        raise UsageError(str(error)) from None
    return OK


def _failures(values: Sequence[str]) -> dict[str, Any]:
    from waygrid.simulation import fail

    handlers: dict[str, Any] = {}
    for value in values:
        address, _, count = value.rpartition(":") if value.rpartition(":")[2].isdigit() else (value, "", "")
        if not address.startswith("waygrid://"):
            raise UsageError(f"--fail takes ADDRESS[:COUNT] such as waygrid://processor/a:2, got {value!r}")
        handlers[address] = fail(int(count) if count else None)
    return handlers


def _handlers(options: argparse.Namespace) -> dict[str, Any]:
    from waygrid.simulation import hang, succeed

    handlers = _failures(options.fail)
    for address in options.hang:
        handlers[address] = hang()
    for value in options.slow:
        address, _, seconds = value.rpartition("=")
        try:
            delay = timedelta(seconds=float(seconds))
        except ValueError:
            raise UsageError(f"--slow takes ADDRESS=SECONDS such as waygrid://processor/a=2.5, got {value!r}") from None
        handlers[address] = succeed(after=delay)
    return handlers


def simulate(options: argparse.Namespace) -> int:
    from sdkcore.graphviz import GraphvizError
    from waygrid.simulation import simulate as run
    from waygrid.validation import SpecValidationError

    spec = _spec_or_usage(options.file)
    try:
        result = run(spec, _handlers(options), seed=options.seed, entry=options.entry,
                     branch_failures=options.branch_failures)  # fmt: skip
    except SpecValidationError as error:
        print(error, file=sys.stderr)
        return PROBLEMS
    except ValueError as error:
        raise UsageError(str(error)) from None
    if options.format == "json":
        print(json.dumps(result.to_dict(), indent=2))
    else:
        print(result.timeline())
    if options.to is not None:
        from waygrid.simulation.picture import render_timeline

        out = options.output or f"{Path(options.file.partition(':')[2] or options.file).stem}-timeline.{options.to}"
        try:
            fmt: str = options.to
            write_output(render_timeline(result, fmt), out)
        except GraphvizError as error:
            raise UsageError(str(error)) from None
        print(f"timeline drawn in {out}", file=sys.stderr)
    return OK if result.outcome == "completed" else PROBLEMS


def dev(options: argparse.Namespace) -> int:
    from waygrid.local import LocalRouter

    def build(options: argparse.Namespace) -> LocalRouter:
        handlers = None if options.handlers is None else load_handlers(options.handlers)
        execute = options.execute or handlers is not None
        try:
            return LocalRouter(options.database, address=options.host, execute=execute, handlers=handlers)
        except TypeError as error:  # a key or a value of the handlers is not what it must be
            raise SystemExit(f"waygrid dev: --handlers {options.handlers}: {error}") from None

    return run_dev("waygrid", "Waygrid router", options, build)


def load_handlers(reference: str) -> Mapping[str, Any]:
    """The dict of handlers `module:attribute` names; SystemExit with the reason if it names none."""
    if not is_reference(reference):
        raise SystemExit(f"waygrid dev: --handlers takes MODULE:ATTRIBUTE, got {reference!r}")
    try:
        value = load_reference(reference)
    except ValueError as error:
        raise SystemExit(f"waygrid dev: --handlers {reference}: {error}") from None
    if not isinstance(value, Mapping):
        raise SystemExit(f"waygrid dev: --handlers {reference} is a {type(value).__name__}, not a dict of handlers")
    return cast("Mapping[str, Any]", value)  # its keys and values are checked by LocalRouter


def console() -> Console:
    from waygrid import __version__
    from waygrid.local_defaults import DEFAULT_DATABASE, DEFAULT_PORT

    tool = Console("waygrid", "Waygrid: check, draw and simulate traversal specs, and run a local router.",
                   __version__)  # fmt: skip
    spec_help = "a spec: a JSON file in the router's form, or module:attribute naming a Spec in Python code"

    checking = tool.command("validate", "check specs as the router and the SDK do (every problem, with its path)")
    checking.add_argument("files", nargs="+", metavar="FILE", help=spec_help)
    checking.add_argument("--format", choices=("text", "json"), default="text", help="output (default: text)")
    checking.add_argument("--explore", action="store_true",
                          help="also simulate every success/failure combination for runtime problems")  # fmt: skip
    tool.run("validate", validate)

    drawing = tool.command("render", "draw a spec as Mermaid, DOT, SVG or PNG (SVG and PNG need Graphviz)")
    drawing.add_argument("file", metavar="FILE", help=spec_help)
    drawing.add_argument("--to", choices=FORMATS, default="mermaid", help="format (default: mermaid)")
    drawing.add_argument("-o", "--output", metavar="OUT", help="file to write (default: standard output)")
    tool.run("render", render)

    running = tool.command("simulate", "run a spec on the router's state machine with a virtual clock and print "
                           "its timeline; exit 1 unless it completes")  # fmt: skip
    running.add_argument("file", metavar="FILE", help=spec_help)
    running.add_argument(
        "--fail",
        action="append",
        default=[],
        metavar="ADDRESS[:COUNT]",
        help="the service at ADDRESS fails (its first COUNT attempts; without COUNT, all)",
    )
    running.add_argument("--hang", action="append", default=[], metavar="ADDRESS", help="the service never replies")
    running.add_argument("--slow", action="append", default=[], metavar="ADDRESS=SECONDS",
                         help="the service replies SECONDS later")  # fmt: skip
    running.add_argument("--seed", type=int, default=0, help="seed of the random retry delays (default: 0)")
    running.add_argument("--entry", type=int, default=None, help="index of the entry point to begin with")
    running.add_argument("--branch-failures", choices=("traversal", "join"), default="traversal",
                         help="a branch node failing for good fails the traversal (the router) or is reported to "
                              "its join (the docs)")  # fmt: skip
    running.add_argument("--format", choices=("text", "json"), default="text", help="timeline as a table or JSON")
    running.add_argument("--to", choices=FORMATS, default=None, help="also draw the timeline (a Gantt chart)")
    running.add_argument("-o", "--output", metavar="OUT", help="file for the picture (default: <spec>-timeline.<to>)")
    tool.run("simulate", simulate)

    local = tool.command("dev", "run a Waygrid router on this machine", dev_description("Waygrid router"))
    dev_arguments(local, DEFAULT_PORT, DEFAULT_DATABASE)
    local.add_argument("--execute", action="store_true", help="run each accepted traversal on the real clock; "
                       "GET /v1/traversals/{id} shows its events")  # fmt: skip
    local.add_argument("--handlers", metavar="MODULE:ATTRIBUTE",
                       help="a dict of node address -> handler, imported from MODULE (the current directory is on "
                            "the import path); implies --execute")  # fmt: skip
    tool.run("dev", dev)
    return tool


def main(argv: Sequence[str] | None = None) -> int:
    return console().main(argv)
