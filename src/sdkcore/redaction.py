"""Keeping credentials out of logs: header redaction and a logging filter."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Mapping
from typing import Any, cast

from sdkcore.secret import REDACTED

SENSITIVE_HEADERS = frozenset({"authorization", "proxy-authorization", "x-api-key", "api-key", "cookie", "set-cookie"})


def redact_headers(headers: Mapping[str, str], sensitive: Iterable[str] = SENSITIVE_HEADERS) -> dict[str, str]:
    """A copy of `headers` with the value of every sensitive header replaced."""
    names = {name.lower() for name in sensitive}
    return {name: REDACTED if name.lower() in names else value for name, value in headers.items()}


class _RecordFilter(logging.Filter):
    """Rewrites a record's message, exception text and stack through `redact`."""

    def redact(self, text: str) -> str:
        raise NotImplementedError

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            return True
        redacted = self.redact(message)
        if redacted != message:
            record.msg = redacted
            record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


class RedactingFilter(_RecordFilter):
    """Rewrites a log record so no value of a sensitive header, and no bearer token, survives in its text.

    It recognises `name: value`, `name=value`, `'name': 'value'` and `(b'name', b'value')` spellings, whatever the
    scheme (`Bearer`, `Token`, ...), in the message, the exception text and the stack. A filter on a logger does not
    see the records of its child loggers: add it to a handler to cover every logger that handler serves (httpx and
    httpcore included). The SDKs' own loggers carry one.
    """

    def __init__(self, header_names: Iterable[str] = SENSITIVE_HEADERS) -> None:
        super().__init__()
        names = "|".join(sorted(re.escape(name) for name in header_names))
        self._header_value = re.compile(
            rf"""(?ix) ((?<![\w-])(?:{names})['"]?\s*[:=,]\s*(?:b?['"])?) [^'"\r\n,)}}\]]*[^'"\s,)}}\]]"""
        )
        self._bearer = re.compile(r"(?i)\b(bearer\s+)[^\s'\",)}\]]+")

    def redact(self, text: str) -> str:
        text = self._header_value.sub(lambda match: match.group(1) + REDACTED, text)
        return self._bearer.sub(lambda match: match.group(1) + REDACTED, text)


def scrub(text: str, secrets: Iterable[str]) -> str:
    """`text` with each of `secrets` replaced, also where a JSON document spells one with escapes (`\\/`,
    `\\u0073`): such a document is written out again, decoded."""
    values = tuple(value for value in secrets if value)
    text = _scrubbed(text, values)
    if "\\" in text and values:
        try:
            document = json.loads(text)
        except (ValueError, RecursionError):
            return text
        cleaned = _scrubbed(document, values)
        if cleaned != document:
            return json.dumps(cleaned, ensure_ascii=False, separators=(",", ":"))
    return text


def _scrubbed(document: Any, values: tuple[str, ...]) -> Any:
    if isinstance(document, str):
        for value in values:
            document = document.replace(value, REDACTED)
        return document
    if isinstance(document, list):
        return [_scrubbed(item, values) for item in document]  # pyright: ignore[reportUnknownVariableType]
    if isinstance(document, dict):
        return {_scrubbed(key, values): _scrubbed(value, values)
                for key, value in cast("dict[str, Any]", document).items()}  # fmt: skip
    return document


class ValueFilter(_RecordFilter):
    """Replaces each of the given literal values (an API key) wherever it appears in a record's text, JSON
    escapes included (`scrub`)."""

    def __init__(self, values: Iterable[str]) -> None:
        super().__init__()
        self._values = tuple(sorted((value for value in values if value), key=len, reverse=True))

    def redact(self, text: str) -> str:
        return scrub(text, self._values)
