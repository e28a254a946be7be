"""What a generated stub tells the transport about one OpenAPI operation."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar
from urllib.parse import quote

T = TypeVar("T")


class Codec(Protocol):
    """The generated codec module of one API."""

    def decode(self, data: bytes | str, type_: type[T]) -> T: ...


@dataclass(frozen=True)
class Operation:
    """One operation of an OpenAPI document, as its generated stub describes it."""

    operation_id: str
    method: str
    path: str
    codec: Codec
    success_status: frozenset[int]
    error_types: Mapping[int, type[Any]]

    def url_path(self, path_params: Mapping[str, str]) -> str:
        """The path with each `{name}` replaced by its value, percent-encoded as one path segment."""
        path = self.path
        for name, value in path_params.items():
            if not isinstance(value, str) or not value:
                raise ValueError(f"{self.operation_id}: path parameter {name!r} must be a non-empty string")
            path = path.replace("{" + name + "}", quote(value, safe=""))
        if "{" in path:
            raise ValueError(f"{self.operation_id}: path parameters missing for {path!r}")
        return path


@dataclass(frozen=True)
class RequestOptions:
    """Per-call settings; None leaves the transport's own setting in place."""

    timeout: float | None = None
    extra_headers: Mapping[str, str] | None = None
