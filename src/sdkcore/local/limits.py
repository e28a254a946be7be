"""The bounds of a local server: what a served connection may do (`Limits`), and how deeply a JSON body may nest
before its app reads it (`nesting_exceeds`)."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Limits", "nesting_exceeds"]


@dataclass(frozen=True)
class Limits:
    """What a served connection may do. The real servers set their own limits (or none); these are the local
    servers' choices, documented in README "Local servers". Past one the server answers in the app's error style
    and closes the connection."""

    max_body_bytes: int = 16 * 1024 * 1024
    """A larger body is refused with 413 before it is read: by its Content-Length, or as its chunks arrive."""
    header_timeout: float = 10.0
    """Seconds for a request's line and headers, from its first byte (from the accept on a new connection)."""
    body_timeout: float = 30.0
    """Seconds to receive a whole body, and to send a whole answer; a body too slow is answered 408."""
    idle_timeout: float = 30.0
    """Seconds a kept-alive connection may wait for its next request before the server closes it."""
    max_connections: int = 256
    """Connections served at once; one more is answered 503 (`Retry-After: 1`) and closed."""

    def __post_init__(self) -> None:
        for name in ("max_body_bytes", "max_connections"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"Limits.{name} must be a positive integer, got {value!r}")
        for name in ("header_timeout", "body_timeout", "idle_timeout"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < float("inf"):
                raise ValueError(f"Limits.{name} must be a positive number of seconds, got {value!r}")


_SQUARE = bytes.maketrans(b"{}", b"[]")
_STRUCTURE = bytes(byte for byte in range(256) if byte not in b'"[]{}')  # the bytes translate() deletes
_NESTING = [0] * 256
_NESTING[ord("[")], _NESTING[ord("]")] = 1, -1


def nesting_exceeds(document: bytes, limit: int) -> bool:
    """Whether the JSON text `document` (well-formed) nests arrays and objects more than `limit` deep. Brackets
    inside strings do not count. Linear in its length, and immediate unless it has more than `limit` brackets."""
    if document.count(b"[") + document.count(b"{") <= limit:
        return False
    # drop escaped backslashes, then escaped quotes: what is left of each string lies between two quotes
    kept = document.replace(b"\\\\", b"").replace(b'\\"', b"").translate(_SQUARE, _STRUCTURE)
    brackets = kept.replace(b'""', b"")  # right when no string holds a bracket: then no quote is left
    if b'"' in brackets:
        brackets = b"".join(kept.split(b'"')[::2])
    depth = 0
    for start in range(0, len(brackets), limit):  # a block that cannot reach the limit is counted, not walked
        block = brackets[start : start + limit]
        opens = block.count(b"[")
        if depth + opens <= limit:
            depth += 2 * opens - len(block)
            continue
        for step in map(_NESTING.__getitem__, block):
            depth += step
            if depth > limit:
                return True
    return False
