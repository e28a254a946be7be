"""Each known deviation (tests/agreement/deviations.py) still happens exactly as described, so the agreement check
does not filter out something that is no longer true, and nothing else is filtered."""

from __future__ import annotations

import msgspec
import pytest

from exosphere_api import codec as exosphere_codec
from exosphere_api.models.errors import ErrorDetail
from exosphere_api.models.retry_policy import RetryPolicy
from tests.agreement.check import INTEGRAL_FLOAT, Disagreement
from tests.agreement.deviations import DEVIATIONS, unexplained
from waygrid_api import codec as waygrid_codec
from waygrid_api.models.traversal_spec import FloatParameter, LinearRetry


def test_an_integral_float_is_an_integer_as_json_schema_says() -> None:
    assert exosphere_codec.decode(b'{"max_retries": 2.0, "exponent": 3e0}', RetryPolicy).max_retries == 2
    with pytest.raises(msgspec.ValidationError, match=r"Expected `int`, got `float` - at `\$\.max_retries`"):
        exosphere_codec.decode(b'{"max_retries": 2.5}', RetryPolicy)
    with pytest.raises(msgspec.ValidationError, match=r"Expected `int`, got `str` - at `\$\.max_retries`"):
        exosphere_codec.decode(b'{"max_retries": "2"}', RetryPolicy)


def test_a_number_beyond_double_is_refused() -> None:
    with pytest.raises(msgspec.ValidationError, match="Number out of range"):
        waygrid_codec.decode(b'{"type": "FloatVal", "value": 1e400}', FloatParameter)


def test_a_duration_beyond_2_63_nanoseconds_is_refused() -> None:
    with pytest.raises(msgspec.ValidationError, match=r"longer than 2\^63-1 nanoseconds"):
        waygrid_codec.decode(b'{"type": "Linear", "base": "106752 days", "maxRetries": 1}', LinearRetry)
    waygrid_codec.decode(b'{"type": "Linear", "base": "106751 days", "maxRetries": 1}', LinearRetry)


def _disagreement(category: str, model_says: str, validator_says: str = "valid") -> Disagreement:
    return Disagreement("s", "", category, (), "", None, model_says, validator_says)


def test_only_the_described_disagreements_are_filtered() -> None:
    laxer = _disagreement("extreme-number", "valid", "invalid: 1e400 is greater than the maximum")
    integral = _disagreement(INTEGRAL_FLOAT, "invalid: Expected `int`, got `float`")
    other = _disagreement("bound", "invalid: Expected `int` - at `$.n`")
    assert unexplained([laxer, integral, other]) == [laxer, integral, other]
    assert unexplained([_disagreement("extreme-number", "invalid: Number out of range - at `$.x`")]) == []
    assert {deviation.name for deviation in DEVIATIONS} == {"beyond-double", "duration-bound"}


def test_a_lone_surrogate_is_refused_by_msgspec() -> None:
    """Outside any schema: JSON Schema validators accept "\\ud800"; msgspec cannot decode it (documented)."""
    with pytest.raises(msgspec.DecodeError):
        exosphere_codec.decode(b'{"detail": "\\ud800"}', ErrorDetail)
