"""ECMA-262 patterns (JSON Schema's regex dialect, read with the `u` flag) translated into Python `re` patterns.

JSON Schema says a `pattern` is an ECMA-262 regular expression, and ajv reads it as one; msgspec and jsonschema's
default check read it with Python `re`, where `\\s`, `\\d`, `\\w`, `.` and `$` mean other things (`\\s` holds
U+001C..U+001F in Python and U+FEFF in ECMA-262; `$` also matches before a final newline in Python). The
generated models use the translation, so a pattern means what ECMA-262 says everywhere. A construct with no
Python equivalent, or that ECMA-262 itself rejects in `u` mode, is refused with `PatternError`.
"""

from __future__ import annotations

import re
import warnings

# ECMA-262 WhiteSpace and LineTerminator (what \s matches), written as class members.
JS_SPACE = "\\t\\n\\x0b\\x0c\\r \\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff"
CLASS_MEMBERS = {"d": "0-9", "w": "A-Za-z0-9_", "s": JS_SPACE}
# `.` in ECMA-262: any code point but the four line terminators.
DOT = "[^\\n\\r\\u2028\\u2029]"
SYNTAX = set("^$\\.*+?()[]{}|/")
SIMPLE_ESCAPES = {"n": "\\n", "r": "\\r", "t": "\\t", "v": "\\x0b", "f": "\\x0c"}
HEX = set("0123456789abcdefABCDEF")
QUANTIFIER = re.compile(r"\{[0-9]+(,[0-9]*)?\}")


class PatternError(ValueError):
    """A pattern codegen cannot give one meaning in both dialects."""


class _Reader:
    def __init__(self, pattern: str) -> None:
        self.text = pattern
        self.at = 0

    def more(self) -> bool:
        return self.at < len(self.text)

    def peek(self, size: int = 1) -> str:
        return self.text[self.at : self.at + size]

    def take(self, size: int = 1) -> str:
        chunk = self.text[self.at : self.at + size]
        if len(chunk) < size:
            raise PatternError("the pattern ends inside an escape, group or class")
        self.at += size
        return chunk

    def fail(self, what: str, at: int | None = None) -> PatternError:
        return PatternError(f"{what} (at offset {self.at if at is None else at} of {self.text!r})")


def _code_point(value: int) -> str:
    return f"\\x{value:02x}" if value < 0x100 else f"\\u{value:04x}" if value < 0x10000 else f"\\U{value:08x}"


def _escape_code_point(reader: _Reader, letter: str) -> int | None:
    """The code point of an escape naming one character (`\\x41`, `\\u0041`, `\\u{1F600}`, `\\cA`, `\\0`)."""
    if letter == "x":
        digits = reader.take(2)
        if not set(digits) <= HEX:
            raise reader.fail("\\x needs two hexadecimal digits")
        return int(digits, 16)
    if letter == "u":
        if reader.peek() == "{":
            end = reader.text.find("}", reader.at)
            digits = reader.text[reader.at + 1 : end] if end > 0 else ""
            if not digits or not set(digits) <= HEX or int(digits, 16) > 0x10FFFF:
                raise reader.fail("\\u{...} needs 1 to 6 hexadecimal digits up to 10FFFF")
            reader.at = end + 1
            return int(digits, 16)
        digits = reader.take(4)
        if not set(digits) <= HEX:
            raise reader.fail("\\u needs four hexadecimal digits")
        point = int(digits, 16)
        low = reader.text[reader.at + 2 : reader.at + 6]
        paired = 0xD800 <= point <= 0xDBFF and reader.peek(2) == "\\u" and len(low) == 4 and set(low) <= HEX
        if paired and 0xDC00 <= int(low, 16) <= 0xDFFF:  # a surrogate pair is one code point in u mode
            reader.at += 6
            return 0x10000 + ((point - 0xD800) << 10) + (int(low, 16) - 0xDC00)
        if 0xD800 <= point <= 0xDFFF:
            raise reader.fail("a lone surrogate escape matches nothing a JSON string decodes to in Python")
        return point
    if letter == "c":
        control = reader.take()
        if not control.isascii() or not control.isalpha():
            raise reader.fail("\\c needs an ASCII letter")
        return ord(control) % 32
    if letter == "0":
        if reader.peek().isdigit():
            raise reader.fail("octal escapes are not allowed in ECMA-262 u mode")
        return 0
    return None


def _class_atom(reader: _Reader) -> tuple[str, int | None]:
    """One member of a class: (Python text, its code point, or None for a shorthand class like \\d)."""
    char = reader.take()
    if char != "\\":
        text = "\\" + char if char in "\\]^-[&~|" else char
        return text, ord(char)
    letter = reader.take()
    if letter in CLASS_MEMBERS:
        return CLASS_MEMBERS[letter], None
    if letter in SIMPLE_ESCAPES:
        return SIMPLE_ESCAPES[letter], ord(SIMPLE_ESCAPES[letter].encode().decode("unicode_escape"))
    if letter == "b":
        return "\\x08", 8
    if letter in SYNTAX or letter == "-":
        return ("\\" + letter if letter != "/" else "/"), ord(letter)
    point = _escape_code_point(reader, letter)
    if point is not None:
        return _code_point(point), point
    if letter in "DWS":
        raise reader.fail(
            f"\\{letter} inside a class beside other members has no Python equivalent; spell the class out"
        )
    if letter in "pP":
        raise reader.fail("Unicode property escapes (\\p{...}) have no Python re equivalent")
    raise reader.fail(f"unknown escape \\{letter}")


def _class(reader: _Reader) -> str:
    """`[...]`, after its `[`."""
    negated = reader.peek() == "^"
    if negated:
        reader.take()
    start = reader.at
    end = reader.text.find("]", start)
    body = reader.text[start:end] if end >= 0 else ""
    if body in ("\\s\\S", "\\S\\s", "\\d\\D", "\\D\\d", "\\w\\W", "\\W\\w"):
        reader.at = end + 1
        return "(?!)" if negated else "[\\s\\S]"
    if body in ("\\S", "\\D", "\\W"):
        reader.at = end + 1
        return f"[{'' if negated else '^'}{CLASS_MEMBERS[body[1].lower()]}]"
    if reader.peek() == "]":
        raise reader.fail("an empty class ([] or [^]) has no portable meaning")
    parts: list[str] = []
    while reader.peek() != "]":
        if not reader.more():
            raise reader.fail("unterminated character class")
        text, low = _class_atom(reader)
        if reader.peek() == "-" and reader.peek(2) != "-]":
            reader.take()
            high_text, high = _class_atom(reader)
            if low is None or high is None:
                raise reader.fail("a range cannot start or end with a shorthand class such as \\d")
            if low > high:
                raise reader.fail("a range's end is below its start")
            parts.append(f"{text}-{high_text}")
        else:
            parts.append(text)
    reader.take()
    return "[" + ("^" if negated else "") + "".join(parts) + "]"


def _group_opening(reader: _Reader) -> str:
    """The opening of a group, after its `(`."""
    if reader.peek() != "?":
        return "("
    for opening in ("?:", "?=", "?!", "?<=", "?<!"):
        if reader.peek(len(opening)) == opening:
            reader.take(len(opening))
            return "(" + opening
    if reader.peek(2) == "?<":
        end = reader.text.find(">", reader.at)
        name = reader.text[reader.at + 2 : end] if end > 0 else ""
        if not name.isidentifier():
            raise reader.fail("a named group needs an identifier name")
        reader.at = end + 1
        return f"(?P<{name}>"
    raise reader.fail("inline flags and other (?...) groups are not ECMA-262")


def _escape(reader: _Reader) -> str:
    """An escape outside a class, after its backslash."""
    start = reader.at - 1
    letter = reader.take()
    if letter in CLASS_MEMBERS:
        return f"[{CLASS_MEMBERS[letter]}]"
    if letter in "DWS":
        return f"[^{CLASS_MEMBERS[letter.lower()]}]"
    if letter in SIMPLE_ESCAPES:
        return SIMPLE_ESCAPES[letter]
    if letter in "bB":
        raise reader.fail(f"\\{letter} (word boundary) is ASCII in ECMA-262 and Unicode in Python; spell it out", start)
    if letter in SYNTAX:
        return "/" if letter == "/" else "\\" + letter
    if (letter.isdigit() and letter != "0") or letter == "k":
        raise reader.fail("backreferences differ (ECMA-262 matches an unset group as empty, Python fails it)", start)
    point = _escape_code_point(reader, letter)
    if point is not None:
        return _code_point(point)
    if letter in "pP":
        raise reader.fail("Unicode property escapes (\\p{...}) have no Python re equivalent", start)
    raise reader.fail(f"\\{letter} is not an ECMA-262 escape in u mode", start)


def to_python(pattern: str) -> str:
    """The Python `re` pattern meaning what `pattern` means in ECMA-262 with the `u` flag."""
    reader = _Reader(pattern)
    out: list[str] = []
    atom = False  # whether a quantifier may follow
    groups: list[str] = []  # the openings of the groups around the current position
    while reader.more():
        char = reader.take()
        if char in "*+?" or (char == "{" and QUANTIFIER.match(reader.text, reader.at - 1)):
            if not atom:
                raise reader.fail("a quantifier with nothing to repeat")
            if char == "{":
                match = QUANTIFIER.match(reader.text, reader.at - 1)
                assert match is not None
                char = match.group(0)
                reader.at = match.end()
            if reader.peek() == "?":
                char += reader.take()
            out.append(char)
            atom = False
            if reader.peek() in ("*", "+", "?", "{"):
                raise reader.fail("a quantifier cannot follow a quantifier (possessive forms are Python-only)")
            continue
        if char in "{}]":
            raise reader.fail(f"a lone {char!r} is a syntax error in ECMA-262 u mode; escape it")
        if char == "\\":
            out.append(_escape(reader))
        elif char == ".":
            out.append(DOT)
        elif char == "$":
            out.append("\\Z")
        elif char == "[":
            out.append(_class(reader))
        elif char == "(":
            out.append(_group_opening(reader))
            groups.append(out[-1])
        elif char == ")":
            if not groups:
                raise reader.fail("a ')' with no group to close")
            out.append(char)
            opening = groups.pop()
            atom = not opening.startswith(("(?=", "(?!", "(?<=", "(?<!"))  # u mode: a lookaround is not quantified
            continue
        else:
            out.append(char)
        atom = char not in "(|^$"
    translated = "".join(out)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            re.compile(translated)
        except (re.error, FutureWarning) as error:
            raise PatternError(f"{pattern!r} has no Python equivalent: {error}") from None
    return translated
