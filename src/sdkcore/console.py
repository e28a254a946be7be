"""What both console commands (`waygrid`, `exosphere`) share: the parser with `--version` and help when bare,
reading `module:attribute` references and files, writing text or pictures, and the exit codes (0 all good, 1 a
problem was found, 2 a usage error)."""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

__all__ = ["OK", "PROBLEMS", "USAGE", "Console", "Finding", "UsageError", "is_reference", "load_reference", "report",
           "write_output"]  # fmt: skip

OK, PROBLEMS, USAGE = 0, 1, 2

Run = Callable[[argparse.Namespace], int]


class UsageError(Exception):
    """The command line asks for something that cannot be done (exit status 2)."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:  # argparse's own errors exit 2 with the usage, as before
        self.print_usage(sys.stderr)
        self.exit(USAGE, f"{self.prog}: error: {message}\n")


class Console:
    """`program COMMAND ...`: subcommands, each with its arguments and the function that runs it."""

    def __init__(self, program: str, description: str, version: str) -> None:
        self.program = program
        self.parser = _Parser(prog=program, description=description)
        self.parser.add_argument("--version", action="version", version=f"{program} {version}")
        self.commands = self.parser.add_subparsers(dest="command", metavar="COMMAND")
        self.runs: dict[str, Run] = {}

    def command(self, name: str, help: str, description: str | None = None) -> argparse.ArgumentParser:
        parser = self.commands.add_parser(name, help=help, description=description or help)
        parser.__class__ = _Parser
        return parser

    def run(self, name: str, function: Run) -> None:
        self.runs[name] = function

    def main(self, argv: Sequence[str] | None = None) -> int:
        options = self.parser.parse_args(argv)
        if options.command is None:
            self.parser.print_help()
            return OK
        try:
            return self.runs[options.command](options)
        except UsageError as error:
            print(f"{self.program} {options.command}: {error}", file=sys.stderr)
            return USAGE
        except BrokenPipeError:
            return OK


@dataclass(frozen=True)
class Finding:
    """One problem of a checked file, as `validate` reports it."""

    path: str
    rule: str
    message: str


def report(checked: Sequence[tuple[str, Sequence[Finding]]], noun: str, output: str) -> int:
    """Print what `validate` found in each file (`output`: "text" or "json"); the exit status."""
    invalid = [name for name, findings in checked if findings]
    total = sum(len(findings) for _, findings in checked)
    if output == "json":
        files = [{"file": name, "valid": not findings, "problems": [asdict(finding) for finding in findings]}
                 for name, findings in checked]  # fmt: skip
        summary = {"files": len(checked), "invalid": len(invalid), "problems": total}
        print(json.dumps({"valid": not invalid, "files": files, "summary": summary}, indent=2))
    else:
        for name, findings in checked:
            for finding in findings:
                print(f"{name}: {finding.path}: {finding.message} [{finding.rule}]")
        nouns = noun if len(checked) == 1 else f"{noun}s"
        print(f"checked {len(checked)} {nouns}: {len(checked) - len(invalid)} valid, {len(invalid)} with problems "
              f"({total} problem{'s' if total != 1 else ''})")  # fmt: skip
    return PROBLEMS if invalid else OK


def is_reference(text: str) -> bool:
    """Whether a command-line argument names Python code (`package.module:attribute`) rather than a file."""
    module, colon, attribute = text.partition(":")
    if not colon or not module or not attribute or Path(text).exists():
        return False
    return all(part.isidentifier() for part in module.split(".")) and all(
        part.isidentifier() for part in attribute.split(".")
    )


def load_reference(reference: str) -> object:
    """The object `module:attribute` names (the attribute may be dotted), imported with the current directory on
    the import path. Raises ValueError saying what could not be imported."""
    module_name, _, attribute = reference.partition(":")
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        value: Any = importlib.import_module(module_name)
    except Exception as error:  # whatever the module raises while it is imported
        raise ValueError(f"cannot import {module_name}: {type(error).__name__}: {error}") from None
    for name in attribute.split("."):
        try:
            value = getattr(value, name)
        except AttributeError:
            raise ValueError(f"{module_name} has no attribute {attribute!r}") from None
    return value


def read_json_file(path: str) -> Any:
    """The JSON document in the file at `path`. Raises ValueError naming the file and what is wrong."""
    try:
        text = Path(path).read_bytes()
    except OSError as error:
        raise ValueError(f"cannot read {path}: {error.strerror or error}") from None
    try:
        return json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ValueError(f"{path} is not JSON: {error}") from None


def write_output(data: str | bytes, out: str | None) -> None:
    """Write to the file `out`, or to standard output (bytes only to a file or a pipe, never to a terminal)."""
    if out is not None and out != "-":
        target = Path(out)
        try:
            if isinstance(data, bytes):
                target.write_bytes(data)
            else:
                target.write_text(data if data.endswith("\n") else data + "\n", encoding="utf-8")
        except OSError as error:
            raise UsageError(f"cannot write {out}: {error.strerror or error}") from None
        return
    if isinstance(data, bytes):
        if sys.stdout.isatty():
            raise UsageError("a picture is not written to a terminal: give -o FILE (or redirect the output)")
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    sys.stdout.write(data if data.endswith("\n") else data + "\n")
