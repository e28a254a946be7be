"""How the local state manager reads JSON bodies (their fields are read in `bodies.py`) and writes errors,
as FastAPI writes them (422 `{"detail": [{type, loc, msg, input}]}`, else `{"detail": text}`),
and the time as the answers write it (read from the server's Clock).

A body is first read as FastAPI reads it, with Python's `json.loads`: no body is 422 `missing` at `["body"]`,
malformed JSON 422 `json_invalid` at `["body", <char offset>]` with the parser's message in `ctx.error`, and
anything else the parser refuses (invalid UTF-8, nesting too deep for it, an integer of more than 4300 digits) 400
"There was an error parsing the body". JSON nested deeper than `MAX_DEPTH` levels gets that 400 too (the released
server's parser gives up at about 1000 levels, less its stack in use; MongoDB stores at most 100). Integers the
server writes to SQLite (`batch_size`, `start_delay`, `enqueue_after`) above 2**63 - 1 are 422
`less_than_equal` (`bodies.py`), and a due time past that is kept at 2**63 - 1 (the released server fails with its
generic 500 when MongoDB refuses such an integer)."""

from __future__ import annotations

import json
from datetime import timezone
from typing import Any

from exospherehost.local.clock import Clock, to_ms
from sdkcore.local.http import Response, nesting_exceeds

INT64_MAX = 2**63 - 1
"""The largest integer SQLite stores (and MongoDB)."""
MAX_DEPTH = 512
"""The deepest nesting of arrays and objects a body may have."""
PARSE_ERROR = "There was an error parsing the body"


class RejectedError(Exception):
    """A request the server refuses; `response` is its answer."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status)
        self.response = response


def detail(status: int, message: str) -> RejectedError:
    return RejectedError(Response.json(status, {"detail": message}))


INTERNAL_ERROR = "internal server error, please reach out to support team at nivedit@exosphere.host"
"""The released server's answer to anything unforeseen (500, its unhandled-exceptions middleware)."""


def internal_error() -> RejectedError:
    return RejectedError(Response.json(500, {"success": False, "detail": INTERNAL_ERROR}))


def unprocessable(problems: list[dict[str, Any]]) -> RejectedError:
    """FastAPI's 422; its 500 when a problem's input holds NaN or an infinity (JSON cannot write them: `NaN` in a
    body is read by Python's parser, then the answer cannot be written)."""
    try:
        json.dumps(problems, allow_nan=False)
    except ValueError:
        return internal_error()
    return RejectedError(Response.json(422, {"detail": problems}))


def now_naive(clock: Clock) -> str:
    """The clock's current UTC time as pydantic prints a naive datetime."""
    return clock.now().astimezone(timezone.utc).replace(tzinfo=None).isoformat()


def now_ms(clock: Clock) -> int:
    """The clock's current time in whole milliseconds since the epoch, as `enqueue_after` counts."""
    return to_ms(clock.now())


def due_ms(clock: Clock, delay: int) -> int:
    """`delay` ms from the clock's time, as `enqueue_after` counts, at most INT64_MAX (never, in practice)."""
    return min(now_ms(clock) + delay, INT64_MAX)


def read_json(body: bytes) -> Any:
    """`body` as FastAPI reads it, with `json.loads`; RejectedError unless it reads it (see the module's
    docstring)."""
    if not body:
        raise unprocessable([{"type": "missing", "loc": ["body"], "msg": "Field required", "input": None}])
    try:
        document = json.loads(body)
    except json.JSONDecodeError as error:
        raise unprocessable([{"type": "json_invalid", "loc": ["body", error.pos], "msg": "JSON decode error",
                              "input": {}, "ctx": {"error": error.msg}}]) from None  # fmt: skip
    except Exception:  # as FastAPI: invalid UTF-8 (UnicodeDecodeError), too deep, more than 4300 digits
        raise detail(400, PARSE_ERROR) from None
    if nesting_exceeds(body, MAX_DEPTH):
        raise detail(400, PARSE_ERROR)
    return document
