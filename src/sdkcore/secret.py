"""A credential that will not print itself."""

from __future__ import annotations

REDACTED = "<redacted>"


class Secret:
    """A credential that shows as `Secret('<redacted>')` in every repr and str; `reveal()` gives the value."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return f"Secret({REDACTED!r})"

    __str__ = __repr__

    def __reduce__(self) -> str:
        raise TypeError("a Secret cannot be pickled")


__all__ = ["REDACTED", "Secret"]
