"""The Waygrid API as the shared transport sees it: the generated wire facts, this SDK's errors, and the rule that
a rejected spec is final."""

from __future__ import annotations

from msgspec.structs import replace

from waygrid.errors import ERRORS, rejected_spec
from waygrid_api import operations

PROFILE = replace(operations.API, errors=ERRORS, permanent_failure=rejected_spec)
