"""What a generated stub tells the transport about one OpenAPI operation."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

import msgspec

from sdkcore.parameters import Parameter, encode_component
from sdkcore.settings import check_deadline, check_retries

if TYPE_CHECKING:
    import httpx

T = TypeVar("T")


class Codec(Protocol):
    """The generated codec module of one API."""

    def decode(self, data: bytes | str, type_: type[T]) -> T: ...


class Operation(msgspec.Struct, frozen=True, kw_only=True):
    """One operation of an OpenAPI document, as its generated stub describes it."""

    operation_id: str
    method: str
    path: str
    codec: Codec
    success_status: frozenset[int]
    error_types: Mapping[int, type[Any]]
    # The type of an error status the document does not list (its `default` response), if it names one.
    default_error_type: type[Any] | None = None
    parameters: tuple[Parameter, ...] = ()

    def error_body(self, status: int, text: str) -> Any:
        """The error answer decoded into the schema the document names for its status (or `default`), if any."""
        error_type = self.error_types.get(status, self.default_error_type)
        if error_type is None:
            return None
        try:
            return self.codec.decode(text.encode(), error_type)
        except (msgspec.ValidationError, msgspec.DecodeError, RecursionError):
            return None

    def url_path(self, path_params: Mapping[str, str], encoded: Mapping[str, str] | None = None) -> str:
        """The path with each `{name}` replaced by its value, percent-encoded as one path segment (`encoded`:
        values written out already, by the operation's parameters)."""
        path = self.path
        written = dict(encoded or {})
        for name, value in path_params.items():
            if name not in written:
                if not isinstance(value, str):
                    raise ValueError(f"{self.operation_id}: path parameter {name!r} must be a non-empty string")
                written[name] = encode_component(value)
        for name, text in written.items():
            if not text:
                raise ValueError(f"{self.operation_id}: path parameter {name!r} must be a non-empty string")
            path = path.replace("{" + name + "}", text)
        if "{" in path:
            raise ValueError(f"{self.operation_id}: path parameters missing for {path!r}")
        return path


class RequestOptions(msgspec.Struct, frozen=True, kw_only=True):
    """Per-call settings; None keeps the transport's own setting.

    `timeout` is seconds (or an `httpx.Timeout`) per try; `deadline` bounds the whole call, retries and waits
    included; `idempotency_key` replaces the generated key of a non-GET call.
    """

    timeout: float | httpx.Timeout | None = None
    max_retries: int | None = None
    deadline: float | None = None
    idempotency_key: str | None = None
    extra_headers: Mapping[str, str] | None = None

    def __post_init__(self) -> None:
        if isinstance(self.timeout, (int, float)) and not self.timeout > 0:
            raise ValueError(f"timeout must be a number of seconds > 0, got {self.timeout!r}")
        if self.max_retries is not None:
            check_retries(self.max_retries)
        check_deadline(self.deadline)
        if self.idempotency_key is not None and (not isinstance(self.idempotency_key, str) or not self.idempotency_key):
            raise ValueError("idempotency_key must be a non-empty string")
