"""Candidate strings for an ECMA-262 pattern, built from its parse tree.

The simple patterns of the schemas parse with Python's own regular-expression parser; its tree is walked here with
ECMA-262 meanings for the character classes (`\\s` is ECMA whitespace, `\\d` is 0-9, `.` excludes the line
terminators), and every class is drawn from a fixed, deliberately awkward alphabet (BOM, U+001C, NBSP, U+2028, a
newline, an accented letter, a non-BMP emoji). Lookarounds and anchors emit nothing, so a candidate is only aimed
at the pattern: the caller keeps the candidates the validator accepts.
"""

from __future__ import annotations

import functools
import random
from typing import Any, Literal

try:  # Python 3.11+
    import re._parser as _sre_parse
except ImportError:  # pragma: no cover - Python 3.10
    import sre_parse as _sre_parse

__all__ = ["ALPHABET", "EDGE_STRINGS", "Mode", "RegexGenerator", "random_text"]

Mode = Literal["min", "max", "random"]

ALPHABET: tuple[str, ...] = (
    *"azAZ09_-./~:",
    " ",
    "\t",
    "\n",
    "\r",
    "\x0b",
    "\x0c",
    "\x00",
    "\x1c",
    "\x1f",
    "\x85",
    "\u00a0",
    "\u2028",
    "\u2029",
    "\u3000",
    "\ufeff",
    "é",
    "µ",
    "😀",
)
"""What `.`, `\\S`, `\\s`, `[^...]` and free text are drawn from."""

EDGE_STRINGS: tuple[str, ...] = ("", " ", "\ufeff", "\x1c", "a\n", "\n", "\u2028", "\u00a0", "😀", "é", "\t")
"""Whole strings that regular-expression dialects and string models tend to disagree on."""

_ECMA_SPACE = frozenset(
    "\t\n\x0b\x0c\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000\ufeff"
)
_LINE_TERMINATORS = frozenset("\n\r\u2028\u2029")
_ANY = [c for c in ALPHABET if c not in _LINE_TERMINATORS]
_LONG = 12
_UNBOUNDED = 1 << 16


def _ecma_category(name: str, char: str) -> bool:
    positive = name.replace("CATEGORY_NOT_", "CATEGORY_")
    if positive == "CATEGORY_DIGIT":
        found = "0" <= char <= "9"
    elif positive == "CATEGORY_SPACE":
        found = char in _ECMA_SPACE
    elif positive == "CATEGORY_WORD":
        found = char.isascii() and (char.isalnum() or char == "_")
    else:  # line-break categories of re (not produced by these patterns): read them as ECMA line terminators
        found = char in _LINE_TERMINATORS
    return found != ("_NOT_" in name)


def random_text(rng: random.Random, low: int, high: int, mode: Mode, extra: str = "") -> str:
    """Free text of `low`..`high` characters from the alphabet (plus `extra`)."""
    pool = list(ALPHABET) + list(dict.fromkeys(extra))
    if mode == "min":
        count = low
    elif mode == "max":
        count = high
    else:
        count = rng.randint(low, max(low, min(high, low + 6)))
    if mode != "random":
        return "a" * count
    return "".join(rng.choice(pool) for _ in range(count))


class RegexGenerator:
    """Candidates for one pattern; `generate` is deterministic in the given Random."""

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern
        self._negated: dict[int, list[str]] = {}  # id of a [^...] node of the tree -> the characters it admits
        self._tree: Any = None
        try:
            self._tree = _sre_parse.parse(pattern)
        except Exception:  # an ECMA-only construct: fall back to free text
            self._tree = None

    def generate(self, rng: random.Random, mode: Mode) -> str:
        if self._tree is None:
            return random_text(rng, 0, 8, "random", extra=self.pattern)
        out: list[str] = []
        self._emit(list(self._tree), rng, mode, out, {})
        return "".join(out)

    def _emit(self, items: list[Any], rng: random.Random, mode: Mode, out: list[str], groups: dict[int, str]) -> None:
        for op, arg in items:
            name = op.name
            if name == "LITERAL":
                out.append(chr(arg))
            elif name == "NOT_LITERAL":
                out.append(_choose(rng, mode, [c for c in ALPHABET if c != chr(arg)]))
            elif name == "ANY":
                out.append(_choose(rng, mode, _ANY))
            elif name == "IN":
                out.append(self._pick_in(arg, rng, mode))
            elif name == "BRANCH":
                alternatives = arg[1]
                chosen = alternatives[0] if mode == "min" else rng.choice(alternatives)
                self._emit(list(chosen), rng, mode, out, groups)
            elif name == "SUBPATTERN":
                group, sub = arg[0], arg[-1]
                start = len(out)
                self._emit(list(sub), rng, mode, out, groups)
                if group is not None:
                    groups[group] = "".join(out[start:])
            elif name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
                low, high, sub = arg
                for _ in range(_repeat_count(low, high, rng, mode)):
                    self._emit(list(sub), rng, mode, out, groups)
            elif name == "ATOMIC_GROUP":
                self._emit(list(arg), rng, mode, out, groups)
            elif name == "GROUPREF":
                out.append(groups.get(arg, ""))
            elif name == "GROUPREF_EXISTS":
                group, yes, no = arg
                branch = yes if group in groups else no
                if branch is not None:
                    self._emit(list(branch), rng, mode, out, groups)
            # AT (anchors), ASSERT and ASSERT_NOT (lookarounds) emit nothing.

    def _pick_in(self, items: list[Any], rng: random.Random, mode: Mode) -> str:
        if items and items[0][0].name == "NEGATE":
            pool = self._negated.get(id(items))
            if pool is None:
                rest = list(items[1:])
                pool = self._negated[id(items)] = [c for c in ALPHABET if not _in_set(rest, c)]
            return _choose(rng, mode, pool)
        op, arg = items[0] if mode == "min" else rng.choice(items)
        name = op.name
        if name == "LITERAL":
            return str(chr(arg))
        if name == "RANGE":
            low, high = arg
            if mode == "min":
                return chr(low)
            inside = [c for c in ALPHABET if low <= ord(c) <= high]
            middle = rng.randint(low, high)
            if 0xD800 <= middle <= 0xDFFF:  # a lone surrogate cannot travel in UTF-8 JSON
                middle = low
            return rng.choice([chr(low), chr(high), chr(middle), *inside])
        if name == "CATEGORY":
            return _choose(rng, mode, _category(arg.name))
        return _choose(rng, mode, [c for c in ALPHABET if _in_set(items, c)])


def _repeat_count(low: int, high: int, rng: random.Random, mode: Mode) -> int:
    high = min(high, low + _UNBOUNDED)
    if mode == "min":
        return low
    if mode == "max":
        return min(high, low + _LONG)
    return rng.randint(low, min(high, low + 3))


@functools.cache
def _category(name: str) -> list[str]:
    return [c for c in ALPHABET if _ecma_category(name, c)]


def _choose(rng: random.Random, mode: Mode, pool: list[str]) -> str:
    """`min` takes the first character (the shortest, plainest candidate); `max` only lengthens the repeats."""
    if not pool:
        return "a"
    return pool[0] if mode == "min" else rng.choice(pool)


def _in_set(items: list[Any], char: str) -> bool:
    for op, arg in items:
        name = op.name
        if name == "LITERAL" and char == chr(arg):
            return True
        if name == "RANGE" and arg[0] <= ord(char) <= arg[1]:
            return True
        if name == "CATEGORY" and _ecma_category(arg.name, char):
            return True
    return False
