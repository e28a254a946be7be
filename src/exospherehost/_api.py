"""The Exosphere state manager API as the shared transport sees it: the generated wire facts, this SDK's errors,
and the rule that a conflict is final."""

from __future__ import annotations

from msgspec.structs import replace

from exosphere_api import operations
from exospherehost.errors import ERRORS, ConflictError


def _final(status_code: int, text: str) -> type[ConflictError] | None:
    """409 is not retried: the state manager answers it only to a manual retry whose fanout_id this node of the run
    used already ("Duplicate retry state detected"), which the same request would meet again."""
    return ConflictError if status_code == 409 else None


PROFILE = replace(operations.API, name="exospherehost", errors=ERRORS, permanent_failure=_final)
