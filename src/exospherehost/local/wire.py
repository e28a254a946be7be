"""How the local state manager reads bodies and writes errors: the generated Structs, then the models' own rules,
failures written as FastAPI writes them (422 `{"detail": [{type, loc, msg, input}]}`, else `{"detail": text}`),
and the time as the answers write it (read from the server's Clock)."""

from __future__ import annotations

import re
from datetime import timezone
from typing import Any, TypeVar

import msgspec

from exosphere_api import codec
from exospherehost.local.clock import Clock, to_ms
from sdkcore.local.http import Response

T = TypeVar("T")

_AT = re.compile(r" - at `\$(?P<path>[^`]*)`$")
_STEP = re.compile(r"\.(?P<key>[A-Za-z_][A-Za-z0-9_]*)|\[(?P<index>[0-9]+)\]|\[(?P<quoted>'[^']*'|\"[^\"]*\")\]")


class RejectedError(Exception):
    """A request the server refuses; `response` is its answer."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status)
        self.response = response


def detail(status: int, message: str) -> RejectedError:
    return RejectedError(Response.json(status, {"detail": message}))


def unprocessable(problems: list[dict[str, Any]]) -> RejectedError:
    return RejectedError(Response.json(422, {"detail": problems}))


def now_naive(clock: Clock) -> str:
    """The clock's current UTC time as pydantic prints a naive datetime."""
    return clock.now().astimezone(timezone.utc).replace(tzinfo=None).isoformat()


def now_ms(clock: Clock) -> int:
    """The clock's current time in whole milliseconds since the epoch, as `enqueue_after` counts."""
    return to_ms(clock.now())


def _location(path: str) -> list[str | int]:
    location: list[str | int] = ["body"]
    for step in _STEP.finditer(path):
        if step["key"] is not None:
            location.append(step["key"])
        elif step["index"] is not None:
            location.append(int(step["index"]))
        else:
            location.append(step["quoted"][1:-1])
    return location


def decode(body: bytes, type_: type[T]) -> T:
    """The body as `type_`; RejectedError with FastAPI's 422 naming the member (`loc`) when it does not fit."""
    try:
        return codec.decode(body, type_)
    except msgspec.ValidationError as error:
        text = str(error)
        found = _AT.search(text)
        location = _location(found["path"]) if found else ["body"]
        message = _AT.sub("", text)
        if missing := re.fullmatch(r"Object missing required field `(?P<name>[^`]+)`", message):
            raise unprocessable([{"type": "missing", "loc": [*location, missing["name"]], "msg": "Field required",
                                  "input": None}]) from None  # fmt: skip
        if extra := re.fullmatch(r"Object contains unknown field `(?P<name>[^`]+)`", message):
            raise unprocessable([{"type": "extra_forbidden", "loc": [*location, extra["name"]],
                                  "msg": "Extra inputs are not permitted", "input": None}]) from None  # fmt: skip
        raise unprocessable([{"type": "value_error", "loc": location, "msg": message, "input": None}]) from None
    except msgspec.DecodeError as error:  # after ValidationError, its subclass
        raise unprocessable([{"type": "json_invalid", "loc": ["body", 0], "msg": f"JSON decode error: {error}",
                              "input": {}}]) from None  # fmt: skip
