"""Values read as pydantic 2 reads them in its default (lax) mode, with its error types, messages, `ctx` and
`input`, so that the drop-in models and the local state manager accept, convert and refuse what the released SDK
and the real state manager do (pydantic-core 2.33, the state manager's lock at 0.0.3).

`int` is lax: `2.0`, `"3"`, `" 4 "`, `"2.0"`, `"1_000"`, `true` are 2, 3, 4, 2, 1000, 1; a float with a fractional
part, a string that is no integer, NaN and a float beyond 64 bits are refused, each with its own type. `str` is
strict: only a string. A constraint (`gt`, `ge`) is judged after the conversion and reports the original input.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal
from enum import Enum
from fractions import Fraction
from typing import Any

__all__ = ["Problems", "pydantic_text", "read_enum", "read_int", "read_str", "short_repr"]

Loc = tuple[str | int, ...]

# Rust's `str::trim` (Unicode White_Space), which pydantic-core applies to a string read as an integer.
_WHITESPACE = "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"  # noqa: E501
_INTEGER_TEXT = re.compile(r"(?P<sign>[+-]?)(?P<digits>[0-9](?:_?[0-9])*)(?:\.0+)?", re.ASCII)
_INT64 = 2**63
_MAX_DIGITS = 4300  # Python's limit on converting a string to an int
_TOO_LARGE = "Unable to parse input string as an integer, exceeded maximum size"


class Problems:
    """Every problem found while reading one value, each as pydantic lists it: `type`, `loc`, `msg`, `input` and,
    for some types, `ctx`."""

    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []

    def __bool__(self) -> bool:
        return bool(self.items)

    def add(self, loc: Loc, kind: str, msg: str, value: Any, ctx: dict[str, Any] | None = None) -> None:
        problem: dict[str, Any] = {"type": kind, "loc": loc, "msg": msg, "input": value}
        if ctx is not None:
            problem["ctx"] = ctx
        self.items.append(problem)

    def value_error(self, loc: Loc, message: str, value: Any) -> None:
        """A custom validator's ValueError: pydantic prefixes its text and keeps the exception (`{}` in JSON)."""
        self.add(loc, "value_error", f"Value error, {message}", value, {"error": {}})

    def missing(self, loc: Loc, enclosing: Any) -> None:
        self.add(loc, "missing", "Field required", enclosing)

    def nested(self, loc: Loc, problems: list[dict[str, Any]]) -> None:
        """The problems of a nested model, placed under `loc`."""
        for problem in problems:
            self.items.append({**problem, "loc": (*loc, *problem["loc"])})


def read_int(
    value: Any, loc: Loc, problems: Problems, *, gt: int | None = None, ge: int | None = None, le: int | None = None
) -> int | None:
    """`value` as an int (None, and a problem, when pydantic refuses it), within `gt`, `ge` and `le`."""
    number = _as_int(value, loc, problems)
    if number is None:
        return None
    if gt is not None and not number > gt:
        problems.add(loc, "greater_than", f"Input should be greater than {gt}", value, {"gt": gt})
        return None
    if ge is not None and not number >= ge:
        problems.add(loc, "greater_than_equal", f"Input should be greater than or equal to {ge}", value, {"ge": ge})
        return None
    if le is not None and not number <= le:
        problems.add(loc, "less_than_equal", f"Input should be less than or equal to {le}", value, {"le": le})
        return None
    return number


def _as_int(value: Any, loc: Loc, problems: Problems) -> int | None:
    if isinstance(value, int):  # bool too: True is 1
        return int(value)
    if isinstance(value, (float, Decimal, Fraction)):
        finite = (
            value.is_finite() if isinstance(value, Decimal) else isinstance(value, Fraction) or math.isfinite(value)
        )
        if not finite:
            problems.add(loc, "finite_number", "Input should be a finite number", value)
        elif value != int(value):
            problems.add(loc, "int_from_float", "Input should be a valid integer, got a number with a fractional part",
                         value)  # fmt: skip
        elif isinstance(value, float) and not -_INT64 < value < _INT64:
            problems.add(loc, "int_parsing_size", _TOO_LARGE, value)
        else:
            return int(value)
        return None
    if isinstance(value, (str, bytes)):
        return _int_from_text(value, loc, problems)
    problems.add(loc, "int_type", "Input should be a valid integer", value)
    return None


def _int_from_text(value: str | bytes, loc: Loc, problems: Problems) -> int | None:
    try:
        text = value if isinstance(value, str) else value.decode()
    except UnicodeDecodeError:
        text = "-"  # no integer
    match = _INTEGER_TEXT.fullmatch(text.strip(_WHITESPACE))
    if match is None:
        problems.add(loc, "int_parsing", "Input should be a valid integer, unable to parse string as an integer",
                     value)  # fmt: skip
        return None
    digits = match["digits"].replace("_", "")
    significant = digits.lstrip("0") or "0"
    if len(digits) > _MAX_DIGITS and len(significant) > 18:  # beyond 64 bits, pydantic asks Python's int()
        problems.add(loc, "int_parsing_size", _TOO_LARGE, value)
        return None
    magnitude = int(significant)
    return -magnitude if match["sign"] == "-" else magnitude


def read_str(value: Any, loc: Loc, problems: Problems) -> str | None:
    """`value` when it is a string (pydantic's `str` takes no number, bool or null; the bytes it would decode are
    refused here too, see the README's limits of the drop-in models)."""
    if isinstance(value, str):
        return value
    problems.add(loc, "string_type", "Input should be a valid string", value)
    return None


def read_enum(value: Any, kind: type[Enum], loc: Loc, problems: Problems) -> Any:
    """The member of `kind` whose value is `value` (a member is itself)."""
    if isinstance(value, kind):
        return value
    try:
        return kind(value)
    except ValueError:
        names = [f"'{member.value}'" for member in kind]
        expected = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"
        problems.add(loc, "enum", f"Input should be {expected}", value, {"expected": expected})
        return None


def short_repr(value: Any) -> str:
    """`repr(value)` as pydantic shows an `input_value`: beyond 50 bytes of UTF-8, the characters within its first
    25 bytes, `...`, and those within its last 24."""
    text = repr(value)
    if len(text.encode()) <= 50:
        return text
    head, size = 0, 0
    while size + len(text[head].encode()) <= 25:
        size += len(text[head].encode())
        head += 1
    tail, size = len(text), 0
    while size + len(text[tail - 1].encode()) <= 24:
        size += len(text[tail - 1].encode())
        tail -= 1
    return f"{text[:head]}...{text[tail:]}"


def pydantic_text(title: str, problems: list[dict[str, Any]], *, docs_version: str | None = None) -> str:
    """The text of pydantic's ValidationError for `problems` of model `title`; with `docs_version` (e.g. "2.11"),
    each problem's "For further information" line too."""
    count = len(problems)
    lines = [f"{count} validation error{'s' if count != 1 else ''} for {title}"]
    for problem in problems:
        if problem["loc"]:
            lines.append(".".join(str(part) for part in problem["loc"]))
        shown = problem["input"]
        kind = getattr(shown, "type_name", type(shown).__name__)  # a stand-in names the type it stands for
        lines.append(f"  {problem['msg']} [type={problem['type']}, input_value={short_repr(shown)}, "
                     f"input_type={kind}]")  # fmt: skip
        if docs_version is not None:
            lines.append(
                f"    For further information visit https://errors.pydantic.dev/{docs_version}/v/{problem['type']}"
            )
    return "\n".join(lines)
