"""The local state manager's ids.

* States: 32 lowercase hex digits (`uuid.uuid4().hex`), where the released server uses 24-hex MongoDB ObjectIds.
  `state_id_or_none` is the "valid format" rule of node details (400 "Invalid node ID format: ..."): 32 hex
  digits in either case, read in lower case, as an ObjectId string is read whatever its case. Every other route
  that takes a state id answers an unknown id, well-formed or not, with 404 "State not found" (the released server
  answers a malformed one with its generic 500).
* Graph templates and registered nodes (`_id` in the list routes): ObjectId-shaped, 24 lowercase hex digits,
  the first 8 the creation second by the server's clock, as MongoDB makes them.
"""

from __future__ import annotations

import itertools
import os
import re
import uuid

from exospherehost.local.clock import Clock, to_ms

__all__ = ["new_object_id", "new_state_id", "state_id_or_none"]

_STATE_ID = re.compile(r"[0-9a-fA-F]{32}")
_PROCESS = os.urandom(5)
_COUNTER = itertools.count(int.from_bytes(os.urandom(3), "big"))


def new_state_id() -> str:
    return uuid.uuid4().hex


def state_id_or_none(text: str) -> str | None:
    """`text` as a state id of ours (lower case), or None when it cannot be one."""
    return text.lower() if _STATE_ID.fullmatch(text) else None


def new_object_id(clock: Clock) -> str:
    """An ObjectId-shaped id: 4 bytes of seconds, 5 random bytes of this process, a 3-byte counter."""
    seconds = (to_ms(clock.now()) // 1000) & 0xFFFFFFFF
    count = next(_COUNTER) & 0xFFFFFF
    return (seconds.to_bytes(4, "big") + _PROCESS + count.to_bytes(3, "big")).hex()
