"""`Spec`: the root of a traversal specification, its JSON form and its validation."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import msgspec

from waygrid.nodes import INode, NodeLike, builder, node_struct
from waygrid.validation import Problem, SpecValidationError, validate
from waygrid_api import codec
from waygrid_api.models.traversal_spec import NoRepeat, RepeatIndefinitely, RepeatTimes, RepeatUntil
from waygrid_api.models.traversal_spec import RepeatPolicy as RepeatPolicyStruct
from waygrid_api.models.traversal_spec import Spec as SpecStruct

_REPEAT_TYPES = (NoRepeat, RepeatIndefinitely, RepeatTimes, RepeatUntil)
_NO_REPEAT = NoRepeat()

__all__ = ["Spec"]


class Spec:
    """An immutable traversal spec: entry points and a repeat policy. `struct` is the generated wire Struct."""

    __slots__ = ("_spec",)

    def __init__(self, spec: SpecStruct) -> None:
        if not isinstance(spec, SpecStruct):
            raise TypeError(f"Spec wraps a waygrid_api Spec Struct; build one with Spec.single(...), got {spec!r}")
        self._spec = spec

    @classmethod
    def single(cls, entry_point: NodeLike, repeat_policy: RepeatPolicyStruct = _NO_REPEAT) -> Spec:
        """A spec with one entry point (the common case)."""
        return cls.multiple([entry_point], repeat_policy)

    @classmethod
    def multiple(cls, entry_points: Iterable[NodeLike], repeat_policy: RepeatPolicyStruct = _NO_REPEAT) -> Spec:
        """A spec with several entry points (fan-in from several origins)."""
        if isinstance(entry_points, (str, bytes)) or not isinstance(entry_points, Iterable):
            raise TypeError(f"entry_points must be a list of nodes, got {type(entry_points).__name__}")
        nodes = [node_struct(node, f"entry_points[{index}]") for index, node in enumerate(entry_points)]
        if not nodes:
            raise ValueError("entry_points must hold at least one node")
        if not isinstance(repeat_policy, _REPEAT_TYPES):
            raise TypeError(
                f"repeat_policy must be a RepeatPolicy (RepeatPolicy.NO_REPEAT, ...), got {repeat_policy!r}"
            )
        return cls(SpecStruct(entry_points=nodes, repeat_policy=repeat_policy))

    @property
    def struct(self) -> SpecStruct:
        return self._spec

    @property
    def entry_points(self) -> list[INode]:
        return [builder(node) for node in self._spec.entry_points]

    @property
    def repeat_policy(self) -> RepeatPolicyStruct:
        return self._spec.repeat_policy

    def problems(self) -> list[Problem]:
        """Every rule the spec breaks, each with its path; empty when the router will accept it."""
        return validate(self._spec)

    def validate(self) -> Spec:
        """Raise SpecValidationError listing every problem; return the spec itself when there is none."""
        problems = validate(self._spec)
        if problems:
            raise SpecValidationError(problems)
        return self

    def to_json(self) -> str:
        """The spec as the router reads it (compact JSON). It does not validate: call validate() for that."""
        return codec.encode(self._spec).decode()

    def to_bytes(self) -> bytes:
        return codec.encode(self._spec)

    def to_dict(self) -> dict[str, Any]:
        result: dict[str, Any] = codec.to_builtins(self._spec)
        return result

    @classmethod
    def from_json(cls, data: str | bytes) -> Spec:
        """Read a spec in the router's JSON form; `to_json()` then gives the same bytes back.

        Raises ValueError naming the JSON path of the first value that does not fit the schema."""
        try:
            return cls(codec.decode(data, SpecStruct))
        except msgspec.ValidationError as error:
            raise ValueError(f"not a valid traversal spec: {error}") from None
        except msgspec.DecodeError as error:
            raise ValueError(f"not valid JSON: {error}") from None

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Spec) and self._spec == other._spec

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Spec({self._spec!r})"
