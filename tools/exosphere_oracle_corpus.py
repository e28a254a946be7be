"""What the oracle's case lists are made of: the cron expressions and integers tried, graph and node builders,
and `Corpus`, which names and collects the cases (see exosphere_oracle_cases.py)."""

import json
import re

SOURCE = "exospherehost/exospherehost@0.0.3 state-manager, pydantic 2.11.7, croniter 6.0.0, fastapi 0.127.0"
STATE_ID = "64b7f0c2a1b2c3d4e5f60718"

CRON = [
    "@daily",
    "@hourly",
    "@weekly",
    "@monthly",
    "@yearly",
    "@annually",
    "@midnight",
    "@reboot",
    "@DAILY",
    "@every",
    "* * * * *",
    "0 0 * * *",
    "*/5 * * * *",
    "*/15 9-17 * * 1-5",
    "0 12 1 1 *",
    "59 23 31 12 7",
    "0 0 * * 0",
    "0 0 * * 7",
    "0 0 * * 8",
    "60 * * * *",
    "* 24 * * *",
    "* * 0 * *",
    "* * 32 * *",
    "* * * 0 *",
    "* * * 13 *",
    "*/0 * * * *",
    "5-1 * * * *",
    "1-5/2 * * * *",
    "0,15,30,45 * * * *",
    "0 0 1,15 * *",
    "* * * * * *",
    "0 * * * * *",
    "*/10 * * * * *",
    "0 0 0 * * * *",
    "0 0 0 1 1 * 2030",
    "* * * * * * * *",
    "* * *",
    "* * * *",
    "",
    " ",
    "  * * * * *",
    "* * * * *  ",
    "*\t*\t*\t*\t*",
    "* * * * *\n",
    "0 0 * * 5L",
    "0 0 L * *",
    "L * * * *",
    "? * * * *",
    "0 0 ? * *",
    "0 0 LW * *",
    "0 0 15W * *",
    "0 0 * * 1#2",
    "0 0 * * 1#6",
    "0 0 * JAN MON",
    "0 0 * jan mon",
    "0 0 * Jan-Mar Mon-Fri",
    "0 0 * * SUN-SAT",
    "0 0 * * FOO",
    "0 0 * JANUARY *",
    "H * * * *",
    "H H * * *",
    "H(0-29) * * * *",
    "H/15 * * * *",
    "a b c d e",
    "-1 * * * *",
    "1.5 * * * *",
    "0 0 1-31/2 * *",
    "* * * * 1-7",
    "0 0 29 2 *",
    "0 0 31 2 *",
    "*/60 * * * *",
    "0-59 * * * *",
]

INTS = [
    2.0,
    "3",
    " 4 ",
    "2.0",
    True,
    False,
    1.5,
    None,
    "1e2",
    "1.5",
    1e20,
    -1,
    0,
    "abc",
    [],
    {},
    2**70,
    "  ",
    "+3",
    "-0",
    "0x10",
    "1_000",
    5,
    "",
    2**63,
]
SHORT_INTS = [2.0, "3", " 4 ", True, 1.5, None, 0, -1, "abc", 2**70, "+3", "1_000"]


WORDS = {
    "*": " star ",
    "?": " q ",
    "/": " slash ",
    "#": " hash ",
    ",": " comma ",
    "@": " at ",
    "\t": " tab ",
    "\n": " newline ",
    ".": " dot ",
    "-": " dash ",
    "_": " underscore ",
    "+": " plus ",
    "(": " ",
    ")": " ",
    "[": " list ",
    "{": " object ",
}


def slug(text: str) -> str:
    if text and not text.strip():
        return "whitespace"
    if text.strip() != text:
        text = ("lead " if text[:1].isspace() else "") + text.strip() + (" trail" if text[-1:].isspace() else "")
    out = re.sub(r"[^a-z0-9]+", "-", "".join(WORDS.get(ch, ch) for ch in text.lower())).strip("-")
    return out or "blank"


def label(value) -> str:
    """A name part for a JSON value: strings are marked str-, so "3" and 3 differ."""
    return "str-" + slug(value) if isinstance(value, str) else slug(json.dumps(value))


def node(identifier: str, **extra) -> dict:
    return {"node_name": "Node", "namespace": "ns", "identifier": identifier, "inputs": {}, **extra}


def graph(nodes=None, secrets=None, **extra) -> dict:
    return {
        "secrets": {} if secrets is None else secrets,
        "nodes": nodes if nodes is not None else [node("a")],
        **extra,
    }


def chain(*identifiers: str) -> list[dict]:
    return [
        node(i, next_nodes=[identifiers[k + 1]] if k + 1 < len(identifiers) else []) for k, i in enumerate(identifiers)
    ]


def put(name: str, body, raw: str | None = None) -> dict:
    request = {"method": "PUT", "path": f"/v0/namespace/ns/graph/{name}"}
    request.update({"raw": raw} if raw is not None else {"body": body})
    return request


class Corpus:
    def __init__(self) -> None:
        self.cases: list[dict] = []

    def add(self, name: str, point: str, request: dict, before=None, note=None, expect=None) -> None:
        case = {"name": name, "point": point}
        if before:
            case["before"] = before
        case["request"] = request
        if note:
            case["note"] = note
        if expect:
            case["expect"] = expect
        self.cases.append(case)

    def upsert(self, name: str, point: str, body, update: bool = False, graph_name: str = "g", raw=None, note=None):
        """A create-path case, and with update=True also its update-path twin named update-<name>."""
        self.add(name, point, put(graph_name, body, raw), note=note)
        if update:
            before = [
                put(graph_name, graph(chain("a", "b"), triggers=[{"type": "CRON", "value": {"expression": "@daily"}}]))
            ]
            self.add("update-" + name, point, put(graph_name, body, raw), before=before, note=note)
