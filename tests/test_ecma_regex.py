"""codegen/ecma_regex.py: a translated pattern finds a match in Python `re` exactly where ECMA-262 (the `regress`
engine, `u` flag) finds one, on seeded strings over an alphabet of the characters where the dialects differ."""

from __future__ import annotations

import json
import random
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
import regress

ROOT = Path(__file__).resolve().parents[1]
ALPHABET = ["a", "Z", "0", "9", "_", "-", ".", "/", " ", "\t", "\n", "\r", "\x0b", "\x0c", "\x1c", "\x1f", "\x85",
            "\xa0", "\u1680", "\u2007", "\u2028", "\u2029", "\u202f", "\u3000", "\ufeff", "é", "٣", "😀", "$", "~",
            "s", "t", "o", "r", "e", "ß", "K"]  # fmt: skip
PATTERNS = [
    r"\s", r"\S", r"^\s*\S+(\s+\S+){4}\s*$", r"\d", r"^\d+$", r"\w+", r"\W", r"\D", r"^.$", r".", r"^a$", r"a$",
    r"[\s\S]", r"[^\s]", r"[\S]", r"[^\S]", r"[.\s]", r"[^.\s]", r"[a-z0-9-]+", r"^[^~/]*$", r"\u00e9", r"\u{1F600}",
    r"\x1c", r"^(?!\s*store\s*$)[\s\S]*\S", r"(?<n>a)b", r"\ud83d\ude00", r"[\ud83d\ude00a]", r"(?=a)a",
    r"a{2,3}", r"a{2}", r"a+?", r"\/", r"\.",
    r"[\]]", r"[\-a]", r"[a\-]", r"\cJ", r"\0", r"(?=a)", r"(?<=a)b", r"(?<!a)b", r"^$", r"[^]a]", r"\t\n\v\f\r",
]  # fmt: skip


@pytest.fixture(scope="module")
def ecma() -> Iterator[ModuleType]:
    sys.path.insert(0, str(ROOT / "codegen"))
    try:
        import ecma_regex

        yield ecma_regex
    finally:
        sys.path.remove(str(ROOT / "codegen"))
        sys.modules.pop("ecma_regex", None)


def spec_patterns() -> list[str]:
    found: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "pattern" and isinstance(value, str):
                    found.append(value)
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for path in sorted((ROOT / "spec").glob("*/*.json")):
        walk(json.loads(path.read_text(encoding="utf-8")))
    walk(json.loads((ROOT / "spec" / "formats.json").read_text(encoding="utf-8")))
    return sorted(set(found))


def samples(seed: str) -> list[str]:
    rng = random.Random(seed)
    words = ["", "store", " store ", "5s", "2024-02-29", "abc\n", "a", "aa", "ab", "ba"]
    return words + ["".join(rng.choice(ALPHABET) for _ in range(rng.randint(1, 6))) for _ in range(400)]


@pytest.mark.parametrize("pattern", PATTERNS + spec_patterns())
def test_translation_matches_where_ecma_matches(pattern: str, ecma: ModuleType) -> None:
    if pattern == r"[^]a]":
        with pytest.raises(ecma.PatternError):
            ecma.to_python(pattern)
        return
    python = re.compile(ecma.to_python(pattern))
    reference = regress.Regex(pattern, "u")
    differ = [s for s in samples(pattern) if (python.search(s) is None) != (reference.find(s) is None)]
    assert differ == []


@pytest.mark.parametrize(
    ("pattern", "reason"),
    [
        (r"\bx", "word boundary"), (r"\Bx", "word boundary"), (r"\p{L}", "property escapes"),
        (r"(?i)a", "inline flags"), (r"a{,3}", "lone '{'"), (r"a**", "cannot follow a quantifier"),
        (r"a*+", "cannot follow a quantifier"), (r"}", "lone '}'"), (r"[z-a]", "below its start"),
        (r"[\d-z]", "shorthand class"), (r"[\S-]", "spell the class out"), (r"\-", "not an ECMA-262 escape"),
        (r"\q", "not an ECMA-262 escape"), (r"\01", "octal"), (r"[a", "unterminated"),
        (r"\x4g", "two hexadecimal"), (r"\x4", "ends inside"),
        (r"(?<=a+)b", "no Python equivalent"), (r"*a", "nothing to repeat"), (r"(a)\1", "backreferences"),
        (r"(?<n>a)\k<n>", "backreferences"), (r"^(?=a)*b", "nothing to repeat"), (r"\ud800", "lone surrogate"),
        (r"a)", "no group to close"),
    ],
)  # fmt: skip
def test_patterns_without_one_meaning_are_refused(pattern: str, reason: str, ecma: ModuleType) -> None:
    with pytest.raises(ecma.PatternError, match=re.escape(reason)):
        ecma.to_python(pattern)
