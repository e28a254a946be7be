"""Node parameters: plain Python values become the router's typed parameter values; secrets are references."""

from __future__ import annotations

import math

from msgspec import UNSET

from waygrid import _arguments as check
from waygrid_api.models.traversal_spec import (
    BoolParameter,
    FloatParameter,
    IntParameter,
    ParameterValue,
    SecretParameter,
    SecretRef,
    StringParameter,
)

ParameterInput = str | int | float | bool | ParameterValue
_PARAMETER_TYPES = (StringParameter, IntParameter, FloatParameter, BoolParameter, SecretParameter)


class Parameter:
    """Factories for parameter values that plain Python values cannot express."""

    @staticmethod
    def secret(path: str, field: str | None = None, version: str | None = None) -> SecretParameter:
        """A reference to a secret the router resolves at run time (`{"type": "Secret", "ref": {...}}`)."""
        if not check.text(path, "path"):
            raise ValueError("path must not be empty")
        return SecretParameter(
            ref=SecretRef(
                path=path,
                field_=UNSET if field is None else check.text(field, "field"),
                version=UNSET if version is None else check.text(version, "version"),
            )
        )


def parameter(value: ParameterInput, name: str) -> ParameterValue:
    """str -> StringVal, bool -> BoolVal, int (32-bit) -> IntVal, float -> FloatVal; wire values pass through."""
    if isinstance(value, _PARAMETER_TYPES):
        return value
    if isinstance(value, bool):
        return BoolParameter(value=value)
    if isinstance(value, int):
        return IntParameter(value=check.integer(value, name, -(2**31), check.INT32_MAX))
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{name} must be a finite float, got {value!r}")
        return FloatParameter(value=value)
    if isinstance(value, str):
        return StringParameter(value=value)
    raise TypeError(f"{name} must be a str, int, float, bool or Parameter.secret(...), got {type(value).__name__}")
