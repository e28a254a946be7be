"""`Spec`: the root of a traversal specification, its JSON form and its validation."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal, overload

import msgspec

from waygrid.nodes import NodeLike, node_struct
from waygrid.validation import Problem, SpecValidationError, validate
from waygrid_api import codec
from waygrid_api.models.traversal_spec import NoRepeat, RepeatIndefinitely, RepeatTimes, RepeatUntil
from waygrid_api.models.traversal_spec import RepeatPolicy as RepeatPolicyStruct
from waygrid_api.models.traversal_spec import Spec as SpecStruct

_REPEAT_TYPES = (NoRepeat, RepeatIndefinitely, RepeatTimes, RepeatUntil)
_NO_REPEAT = NoRepeat()
_SUMMARY_MAX = 2000

__all__ = ["Spec"]


class Spec(SpecStruct, frozen=True, kw_only=True):
    """An immutable traversal spec: entry points and a repeat policy. It is the generated `waygrid_api` Spec
    Struct, with the seed's constructors, JSON form and validation; two specs are equal when their JSON is."""

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
        return cls(entry_points=nodes, repeat_policy=repeat_policy)

    @classmethod
    def from_struct(cls, spec: SpecStruct) -> Spec:
        """The Spec for a generated Spec Struct (for example one decoded by `waygrid_api.codec`)."""
        if isinstance(spec, Spec):
            return spec
        return cls(entry_points=spec.entry_points, repeat_policy=spec.repeat_policy)

    def problems(self, *, explore: bool = False, max_runs: int = 256) -> list[Problem]:
        """Every rule the spec breaks, each with its path; empty when the router will accept it.

        With `explore=True`, a spec the router accepts is also simulated under every success/failure combination
        of its nodes (at most `max_runs` runs, see `waygrid.simulation.explore`), and each problem the router
        would hit at run time is added, its rule `runtime-<kind>`."""
        problems = validate(self)
        if explore:
            problems.extend(_explored(self, max_runs))
        return problems

    def validate(self, *, explore: bool = False, max_runs: int = 256) -> Spec:
        """Raise SpecValidationError listing every problem; return the spec itself when there is none."""
        problems = self.problems(explore=explore, max_runs=max_runs)
        if problems:
            raise SpecValidationError(problems)
        return self

    def to_json(self) -> str:
        """The spec as the router reads it (compact JSON). It does not validate: call validate() for that."""
        return codec.encode(self).decode()

    def to_bytes(self) -> bytes:
        return codec.encode(self)

    def to_dict(self) -> dict[str, Any]:
        result: dict[str, Any] = codec.to_builtins(self)
        return result

    @classmethod
    def from_json(cls, data: str | bytes) -> Spec:
        """Read a spec in the router's JSON form; `to_json()` then gives the same bytes back.

        Raises ValueError naming the JSON path of the first value that does not fit the schema."""
        try:
            return cls.from_struct(codec.decode(data, SpecStruct))
        except msgspec.ValidationError as error:
            raise ValueError(f"not a valid traversal spec: {error}") from None
        except msgspec.DecodeError as error:
            raise ValueError(f"not valid JSON: {error}") from None

    def to_mermaid(self) -> str:
        """The spec's picture as a Mermaid flowchart (see `waygrid.rendering`); it does not validate."""
        from waygrid.rendering import to_mermaid

        return to_mermaid(self)

    def to_dot(self) -> str:
        """The spec's picture as Graphviz DOT (see `waygrid.rendering`); it does not validate."""
        from waygrid.rendering import to_dot

        return to_dot(self)

    @overload
    def render(self, fmt: Literal["mermaid", "dot"]) -> str: ...
    @overload
    def render(self, fmt: Literal["svg", "png"] = ...) -> bytes: ...
    @overload
    def render(self, fmt: str) -> str | bytes: ...
    def render(self, fmt: str = "svg") -> str | bytes:
        """The spec's picture: `mermaid` or `dot` text, or `svg` or `png` bytes drawn by Graphviz (which must be
        installed: `sdkcore.graphviz.GraphvizNotFoundError` says how)."""
        from waygrid.rendering import render

        return render(self, fmt)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        """What a notebook shows: the picture as SVG when Graphviz is installed, else as Mermaid markdown."""
        from sdkcore.graphviz import mimebundle
        from waygrid.rendering import to_dot, to_mermaid

        return mimebundle(to_dot(self), to_mermaid(self), self._text_summary())

    def _text_summary(self) -> str:
        text = self.to_json()
        if len(text) <= _SUMMARY_MAX:
            return text
        addresses = {entry.address for entry in self.entry_points}
        return (f"Spec with {len(self.entry_points)} entry point(s) ({', '.join(sorted(addresses))}), "
                f"{len(text)} bytes of JSON: {text[:_SUMMARY_MAX]}…")  # fmt: skip

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SpecStruct) and codec.encode(self) == codec.encode(other)

    __hash__ = None  # type: ignore[assignment]


def _explored(spec: Spec, max_runs: int) -> list[Problem]:
    from waygrid.simulation.dag import router_problems
    from waygrid.simulation.exploration import explore

    if router_problems(spec):
        return []
    try:
        exploration = explore(spec, max_runs=max_runs)
    except SpecValidationError:
        return []
    return [Problem(finding.path, f"runtime-{finding.kind}", finding.description) for finding in exploration.findings]
