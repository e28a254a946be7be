"""The Exosphere state manager API as the shared transport sees it: the generated wire facts and this SDK's errors."""

from __future__ import annotations

from msgspec.structs import replace

from exosphere_api import operations
from exospherehost.errors import ERRORS

PROFILE = replace(operations.API, name="exospherehost", errors=ERRORS)
