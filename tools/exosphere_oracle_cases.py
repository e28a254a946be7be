"""The request cases replayed by ``tools/exosphere_oracle.py`` against the real state manager.

Writes three JSON files into ``--out-dir``:

* ``upsert-graph.cases.json``: ``PUT /v0/namespace/{ns}/graph/{name}`` bodies, on the create path and (names
  starting ``update-``) on the update path, where a valid graph of the same name was upserted just before
  (``before``).
* ``request-bodies.cases.json``: the trigger and runtime routes; only the validation verdict is recorded.
* ``cron.cases.json``: the cron expressions, a plain list, for ``croniter.is_valid``.

Every case has a unique kebab-case ``name`` and a ``point`` tag: cron, lax-int, unknown-members, messages,
body-422, body-400, crash, valid, runtime-bodies.
"""

from __future__ import annotations

import argparse
import json
import os
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


def upsert_cases() -> list[dict]:
    c = Corpus()
    # --- cron ---------------------------------------------------------------------------------------------
    for i, expression in enumerate(CRON):
        body = graph(triggers=[{"type": "CRON", "value": {"expression": expression}}])
        c.upsert(f"cron-{i:02d}-{slug(expression)}", "cron", body, update=expression in ("", "*/0 * * * *", "@daily"))
    c.upsert(
        "cron-two-triggers-one-bad",
        "cron",
        graph(
            triggers=[
                {"type": "CRON", "value": {"expression": "@daily"}},
                {"type": "CRON", "value": {"expression": "nope"}},
            ]
        ),
    )
    # --- lax ints in retry_policy ---------------------------------------------------------------------------
    for field in ("max_retries", "backoff_factor", "exponent", "max_delay"):
        for k, value in enumerate(INTS if field == "max_retries" else SHORT_INTS):
            name = f"lax-{field.replace('_', '-')}-{k:02d}-{label(value)}"
            c.upsert(
                name,
                "lax-int",
                graph(retry_policy={field: value}),
                update=field == "max_retries" and value in ("abc", -1),
            )
    c.upsert("lax-strategy-lowercase", "lax-int", graph(retry_policy={"strategy": "linear"}))
    c.upsert("lax-strategy-unknown", "lax-int", graph(retry_policy={"strategy": "RANDOM"}))
    c.upsert("lax-retry-policy-null", "lax-int", graph(retry_policy=None))
    c.upsert(
        "lax-all-retry-fields-bad",
        "lax-int",
        graph(retry_policy={"max_retries": -1, "backoff_factor": 0, "exponent": "x", "max_delay": 1.5, "strategy": 1}),
    )
    # --- unknown members --------------------------------------------------------------------------------------
    trig = {"type": "CRON", "value": {"expression": "@daily"}}
    unknown = {
        "top-level": graph(extra=1, name="ignored"),
        "node": graph([node("a", extra=True, status="x")]),
        "unites": graph(
            [
                node("a", next_nodes=["b"]),
                node("b", next_nodes=["c"]),
                node("c", unites={"identifier": "a", "extra": 1}),
            ]
        ),
        "retry-policy": graph(retry_policy={"max_retries": 1, "extra": 1}),
        "store-config": graph(store_config={"required_keys": ["k"], "extra": []}),
        "trigger": graph(triggers=[{**trig, "extra": 1}]),
        "trigger-value": graph(triggers=[{"type": "CRON", "value": {"expression": "@daily", "timezone": "UTC"}}]),
        "trigger-value-only-unknown": graph(triggers=[{"type": "CRON", "value": {"cron": "@daily"}}]),
        "secrets-ok-then-extra": graph(secrets={"k": "v"}, validation_status="VALID", created_at="x"),
    }
    for where, body in unknown.items():
        c.upsert(f"unknown-{where}", "unknown-members", body, update=where in ("top-level", "node"))
    # --- bodies rejected by request validation (422) ---------------------------------------------------------
    bad = {
        "top-array": [],
        "top-string": "graph",
        "top-null": None,
        "top-number": 1,
        "top-empty-object": {},
        "secrets-missing": {"nodes": [node("a")]},
        "nodes-missing": {"secrets": {}},
        "nodes-object": graph({"a": node("a")}),
        "nodes-string": graph("a"),
        "nodes-null": graph(None) | {"nodes": None},
        "node-string": graph(["a"]),
        "node-null": graph([None]),
        "node-number": graph([1]),
        "node-name-number": graph([node("a", node_name=1)]),
        "node-name-null": graph([node("a", node_name=None)]),
        "node-name-blank": graph([node("a", node_name="   ")]),
        "node-namespace-null": graph([node("a", namespace=None)]),
        "node-namespace-blank": graph([node("a", namespace="")]),
        "identifier-missing": graph([{"node_name": "N", "namespace": "ns", "inputs": {}}]),
        "identifier-number": graph([node(5)]),
        "identifier-blank": graph([node("   ")]),
        "identifier-store": graph([node(" store ")]),
        "inputs-missing": graph([{"node_name": "N", "namespace": "ns", "identifier": "a"}]),
        "inputs-list": graph([node("a", inputs=["x"])]),
        "inputs-string": graph([node("a", inputs="x")]),
        "inputs-null": graph([node("a", inputs=None)]),
        "next-nodes-string": graph([node("a", next_nodes="b"), node("b")]),
        "next-nodes-numbers": graph([node("a", next_nodes=[1, 2])]),
        "next-nodes-blank": graph([node("a", next_nodes=["", "  "])]),
        "next-nodes-duplicates": graph([node("a", next_nodes=["b", "b", " b "]), node("b")]),
        "next-nodes-null-item": graph([node("a", next_nodes=[None])]),
        "next-nodes-object": graph([node("a", next_nodes={"b": 1})]),
        "unites-string": graph([node("a", unites="b")]),
        "unites-identifier-blank": graph([node("a", next_nodes=["b"]), node("b", unites={"identifier": "   "})]),
        "unites-identifier-missing": graph([node("a", unites={"strategy": "ALL_DONE"})]),
        "unites-bad-strategy": graph([node("a", unites={"identifier": "a", "strategy": "ANY"})]),
        "unites-strategy-lowercase": graph([node("a", unites={"identifier": "a", "strategy": "all_done"})]),
        "unites-list": graph([node("a", unites=[{"identifier": "a"}])]),
        "secrets-list": graph(secrets=["k"]),
        "secrets-string": graph(secrets="k"),
        "secrets-null": graph() | {"secrets": None},
        "secrets-number-value": graph(secrets={"k": 1}),
        "secrets-null-value": graph(secrets={"k": None}),
        "secrets-object-value": graph(secrets={"k": {"v": 1}}),
        "store-config-string": graph(store_config="k"),
        "required-keys-dot": graph(store_config={"required_keys": ["a.b"]}),
        "required-keys-blank": graph(store_config={"required_keys": ["", "  "]}),
        "required-keys-duplicates": graph(store_config={"required_keys": ["k", " k", "k "]}),
        "required-keys-non-strings": graph(store_config={"required_keys": [1, None, True]}),
        "required-keys-string": graph(store_config={"required_keys": "k"}),
        "required-keys-all-errors": graph(store_config={"required_keys": ["a.b", "", "x", "x", " a.b "]}),
        "default-values-number": graph(store_config={"default_values": {"k": 1}}),
        "default-values-null": graph(store_config={"default_values": {"k": None}}),
        "default-values-bool": graph(store_config={"default_values": {"k": True}}),
        "default-values-dot-key": graph(store_config={"default_values": {"a.b": "v"}}),
        "default-values-blank-key": graph(store_config={"default_values": {"": "v", " ": "w"}}),
        "default-values-dup-after-trim": graph(store_config={"default_values": {"k": "v", " k ": "w"}}),
        "default-values-list": graph(store_config={"default_values": ["k"]}),
        "store-config-both-bad": graph(store_config={"required_keys": ["a.b"], "default_values": {"": "v"}}),
        "triggers-object": graph(triggers={"type": "CRON"}),
        "triggers-string": graph(triggers="@daily"),
        "trigger-bad-type": graph(triggers=[{"type": "INTERVAL", "value": {"expression": "@daily"}}]),
        "trigger-type-lowercase": graph(triggers=[{"type": "cron", "value": {"expression": "@daily"}}]),
        "trigger-type-missing": graph(triggers=[{"value": {"expression": "@daily"}}]),
        "trigger-value-missing": graph(triggers=[{"type": "CRON"}]),
        "trigger-value-string": graph(triggers=[{"type": "CRON", "value": "@daily"}]),
        "trigger-value-list": graph(triggers=[{"type": "CRON", "value": ["@daily"]}]),
        "trigger-expression-missing": graph(triggers=[{"type": "CRON", "value": {}}]),
        "trigger-expression-number": graph(triggers=[{"type": "CRON", "value": {"expression": 5}}]),
        "trigger-expression-null": graph(triggers=[{"type": "CRON", "value": {"expression": None}}]),
        "trigger-not-object": graph(triggers=["@daily"]),
        "second-trigger-bad": graph(triggers=[trig, {"type": "CRON", "value": {"expression": "bad"}}]),
        "many-errors-one-body": {
            "secrets": {"k": 1},
            "nodes": [
                node(1, node_name=None, inputs=[]),
                "x",
                node("b", next_nodes=["", "c", "c"], unites={"identifier": " "}),
            ],
            "retry_policy": {"max_retries": -1, "exponent": "x"},
            "store_config": {"required_keys": ["a.b", "a.b"], "default_values": {"": 1}},
            "triggers": [{"type": "X"}, {"type": "CRON", "value": {"expression": "bad"}}],
        },
        "many-errors-same-message": graph([node("   ", node_name="  "), node(" ", node_name=" ")]),
        "deeply-wrong-node-list": graph([[node("a")]]),
    }
    for what, body in bad.items():
        c.upsert(
            f"bad-{what}",
            "body-422",
            body,
            update=what in ("identifier-blank", "many-errors-one-body", "top-empty-object"),
        )
    c.upsert("bad-malformed-json", "body-422", None, raw='{"secrets": {}, "nodes": [', update=True)
    c.upsert("bad-trailing-comma", "body-422", None, raw='{"secrets": {}, "nodes": [],}')
    c.upsert("bad-empty-raw", "body-422", None, raw="")
    c.upsert("bad-not-json", "body-422", None, raw="secrets=1")
    c.upsert("crash-nan", "crash", None, raw='{"secrets": {}, "nodes": [], "retry_policy": {"max_retries": NaN}}')
    # --- the 400 layer (GraphTemplate validators) ---------------------------------------------------------------
    full = node(
        "b", inputs={"x": "${{ a.outputs.y }}"}, next_nodes=["c"], unites={"identifier": "a", "strategy": "ALL_DONE"}
    )
    layer = {
        "nodes-empty": graph([]),
        "two-roots": graph([node("a"), node("b")]),
        "three-roots": graph(
            [node("a", inputs={"k": "v"}), full | {"next_nodes": [], "unites": None}, node("c", next_nodes=[])]
        ),
        "two-roots-with-unites": graph(
            [
                node("a", inputs={"k": "v"}, next_nodes=["c"]),
                node("b", inputs={"x": "1"}),
                node("c", unites={"identifier": "a"}),
            ]
        ),
        "two-roots-with-triggers": graph([node("a"), node("b")], triggers=[trig, trig]),
        "zero-roots-cycle": graph([node("a", next_nodes=["b"]), node("b", next_nodes=["a"])]),
        "self-loop-only-node": graph([node("a", next_nodes=["a"])]),
        "cycle-below-root": graph(
            [node("a", next_nodes=["b"]), node("b", next_nodes=["c"]), node("c", next_nodes=["b"])]
        ),
        "duplicate-identifiers": graph([node("a", next_nodes=["b"]), node("b"), node("b")]),
        "duplicate-identifiers-after-trim": graph([node("a", next_nodes=["b"]), node("b"), node(" b ")]),
        "triplicate-identifiers": graph([node("a"), node("a"), node("a")]),
        "next-node-missing": graph([node("a", next_nodes=["x", "y"])]),
        "next-node-missing-and-duplicate-ids": graph([node("a", next_nodes=["x"]), node("a")]),
        "unites-target-missing": graph([node("a", next_nodes=["b"]), node("b", unites={"identifier": "zz"})]),
        "unites-itself": graph([node("a", next_nodes=["b"]), node("b", unites={"identifier": "b"})]),
        "unites-not-ancestor": graph(
            [
                node("a", next_nodes=["b", "c"]),
                node("b"),
                node("c", next_nodes=["d"]),
                node("d", unites={"identifier": "b"}),
            ]
        ),
        "unites-descendant": graph(
            [node("a", next_nodes=["b"]), node("b", next_nodes=["c"]), node("c", unites={"identifier": "c "})]
        ),
        "unites-waits-forever": graph(
            [node("a", next_nodes=["b"]), node("b", unites={"identifier": "c"}, next_nodes=["c"]), node("c")]
        ),
        "disconnected": graph([node("a"), node("b", next_nodes=["c"]), node("c", next_nodes=["b"])]),
        "input-number": graph([node("a", inputs={"n": 1})]),
        "input-null": graph([node("a", inputs={"n": None})]),
        "input-list": graph([node("a", inputs={"n": [1, "x"]})]),
        "input-dict": graph([node("a", inputs={"n": {"k": "v"}})]),
        "input-bool": graph([node("a", inputs={"n": True, "m": False})]),
        "input-float": graph([node("a", inputs={"n": 1.5})]),
        "placeholder-two-parts": graph([node("a", next_nodes=["b"]), node("b", inputs={"x": "${{ a.outputs }}"})]),
        "placeholder-four-parts": graph([node("a", next_nodes=["b"]), node("b", inputs={"x": "${{ a.b.c.d }}"})]),
        "placeholder-unclosed": graph([node("a", next_nodes=["b"]), node("b", inputs={"x": "pre ${{ a.outputs.x"})]),
        "placeholder-empty": graph([node("a", inputs={"x": "${{}}"})]),
        "placeholder-not-outputs": graph([node("a", next_nodes=["b"]), node("b", inputs={"x": "${{ a.inputs.x }}"})]),
        "placeholder-store-three-parts": graph([node("a", inputs={"x": "${{ store.outputs.k }}"})]),
        "depends-on-sibling-via-unites": graph(
            [
                node("a", next_nodes=["b"]),
                node("b", next_nodes=["c"]),
                node("c", unites={"identifier": "a"}, inputs={"z": "${{ b.outputs.q }}"}),
            ]
        ),
        "depends-on-non-parent": graph(
            [node("a", next_nodes=["b", "c"]), node("b"), node("c", inputs={"x": "${{ b.outputs.y }}"})]
        ),
        "depends-on-itself": graph([node("a", inputs={"x": "${{ a.outputs.y }}"})]),
        "depends-on-missing-node": graph([node("a", inputs={"x": "${{ zz.outputs.y }}"})]),
        "depends-twice-one-value": graph(
            [node("a", inputs={"x": "${{ q.outputs.y }}-${{ q.outputs.z }}-${{ q.outputs.y }}"})]
        ),
        "depends-twice-two-values": graph([node("a", inputs={"x": "${{ q.outputs.y }}", "w": "${{ q.outputs.y }}"})]),
        "store-key-missing": graph([node("a", inputs={"x": "${{ store.k }}"})]),
        "store-key-missing-twice-one-value": graph(
            [node("a", inputs={"x": "${{ store.k }}${{ store.k }}${{ store.j }}"})]
        ),
        "store-key-missing-two-inputs": graph([node("a", inputs={"x": "${{ store.k }}", "y": "${{ store.k }}"})]),
        "store-key-in-defaults-ok-other-missing": graph(
            [node("a", inputs={"x": "${{ store.k }}", "y": "${{ store.m }}"})],
            store_config={"default_values": {"k": "1"}},
        ),
        "input-errors-several-kinds": graph(
            [
                node("a", next_nodes=["b"]),
                node("b", inputs={"n": 1, "p": "${{ a.outputs }}", "q": "${{ z.outputs.x }}", "s": "${{ store.s }}"}),
            ]
        ),
        "secret-empty-name": graph(secrets={"": "x"}),
        "secret-empty-value": graph(secrets={"k": ""}),
        "secret-empty-name-and-value": graph(secrets={"": ""}),
        "secret-empty-name-and-two-roots": graph([node("a"), node("b")], secrets={"": "x", "k": ""}),
        "two-roots-and-cycle-and-bad-inputs": graph(
            [node("a", inputs={"n": 1}), node("b", next_nodes=["c"]), node("c", next_nodes=["b"])]
        ),
        "unites-missing-and-two-roots": graph([node("a"), node("b", unites={"identifier": "zz"})]),
    }
    for what, body in layer.items():
        c.upsert(f"graph-{what}", "body-400", body, update=True)
    # --- messages: names, lengths, secrets with other errors -------------------------------------------------
    two_roots = graph([node("a"), node("b")])
    for tag, name in (("blank-2", "%20%20"), ("blank-1", "%20"), ("tab", "%09"), ("padded", "%20g%20")):
        c.upsert(f"name-{tag}", "messages", graph(), graph_name=name, update=tag == "padded")
        c.upsert(f"name-{tag}-two-roots", "messages", two_roots, graph_name=name)
    for length in (1, 10, 40, 100):
        c.upsert(f"name-length-{length}-two-roots", "messages", two_roots, graph_name="n" * length, update=True)
        c.upsert(f"name-length-{length}-valid", "messages", graph(), graph_name="n" * length)
    c.upsert("name-unicode-two-roots", "messages", two_roots, graph_name="%C3%A9t%C3%A9")
    c.upsert("long-identifiers-two-roots", "messages", graph([node("x" * 60), node("y" * 60)]))
    c.upsert("many-triggers-two-roots", "messages", graph([node("a"), node("b")], triggers=[trig] * 3))
    c.upsert(
        "secrets-and-store-two-roots",
        "messages",
        graph(
            [node("a"), node("b")],
            secrets={"k": "v"},
            store_config={"required_keys": ["r"], "default_values": {"d": "1"}},
        ),
    )
    # --- things that might crash -------------------------------------------------------------------------------
    c.upsert("crash-empty-graph-name", "crash", graph(), graph_name="")
    c.upsert(
        "crash-huge-int-max-retries",
        "crash",
        graph(retry_policy={"max_retries": 2**70}),
        note="a real MongoDB cannot store ints beyond 64 bits; the in-memory stub does",
    )
    c.upsert(
        "crash-unites-store", "crash", graph([node("a", next_nodes=["b"]), node("b", unites={"identifier": "store"})])
    )
    c.upsert("crash-next-node-store", "crash", graph([node("a", next_nodes=["store"])]))
    c.upsert(
        "crash-non-ascii-everything",
        "crash",
        graph(
            [node("ä", node_name="Nöde", inputs={"ü": "ß ${{ store.k }}"})],
            secrets={"ключ": "значение"},
            store_config={"required_keys": ["k"]},
        ),
    )
    c.upsert("crash-long-chain-50", "crash", graph(chain(*[f"n{i}" for i in range(50)])))
    c.upsert(
        "crash-placeholder-whitespace",
        "crash",
        graph([node("a", next_nodes=["b"]), node("b", inputs={"x": "${{   a . outputs . y   }}"})]),
    )
    c.upsert(
        "crash-closing-before-opening",
        "crash",
        graph([node("a", inputs={"x": "}} ${{ store.k }} }}"})], store_config={"required_keys": ["k"]}),
    )
    # --- valid graphs -------------------------------------------------------------------------------------------
    valid = {
        "single-node": graph(),
        "chain-next-nodes-null-vs-empty": graph(
            [
                node("a", next_nodes=["b"]),
                node("b", next_nodes=None, unites=None),
            ]
        ),
        "chain-three": graph(chain("a", "b", "c")),
        "fan-out-fan-in-unites": graph(
            [
                node("a", next_nodes=["b", "c"]),
                node("b", next_nodes=["d"]),
                node("c"),
                node("d", unites={"identifier": "a", "strategy": "ALL_DONE"}),
            ]
        ),
        "unites-default-strategy": graph(
            [node("a", next_nodes=["b"]), node("b", next_nodes=["c"]), node("c", unites={"identifier": " a "})]
        ),
        "placeholders": graph(
            [
                node("a", next_nodes=["b"]),
                node("b", inputs={"x": "pre ${{ a.outputs.y }} mid ${{store.k}} end", "z": "plain"}),
            ],
            store_config={"required_keys": [" k "], "default_values": {" d ": "1"}},
        ),
        "secrets": graph(secrets={"api": "sk-123", "empty": ""}),
        "retry-policy-full": graph(
            retry_policy={
                "max_retries": 0,
                "strategy": "LINEAR_FULL_JITTER",
                "backoff_factor": 1,
                "exponent": 1,
                "max_delay": 10,
            }
        ),
        "retry-policy-coerced": graph(
            retry_policy={"max_retries": "3", "backoff_factor": True, "exponent": 2.0, "max_delay": " 4 "}
        ),
        "store-config-trimmed": graph(
            store_config={"required_keys": [" a ", "b"], "default_values": {" c ": "x", "d": ""}}
        ),
        "triggers-several": graph(triggers=[trig, {"type": "CRON", "value": {"expression": "*/5 * * * *"}}, trig]),
        "padded-names-trimmed": graph([node(" a ", node_name=" N ", namespace=" ns ", next_nodes=[" b "]), node("b")]),
        "identifiers-unicode": graph(
            [node("\u03b1", next_nodes=["\u03b2"]), node("\u03b2", inputs={"x": "${{ \u03b1.outputs.y }}"})]
        ),  # alpha, beta
        "every-feature": graph(
            [
                node("a", inputs={"k": "v"}, next_nodes=["b", "c"]),
                node("b", inputs={"x": "${{ a.outputs.y }}", "s": "${{ store.r }}"}, next_nodes=["d"]),
                node("c", next_nodes=[]),
                node("d", unites={"identifier": "a"}, inputs={"z": "${{ a.outputs.q }}"}),
            ],
            secrets={"token": "t"},
            retry_policy={"strategy": "FIXED", "max_delay": 5000},
            store_config={"required_keys": ["r"], "default_values": {"d": "1"}},
            triggers=[trig],
        ),
    }
    for what, body in valid.items():
        c.upsert(
            f"valid-{what}",
            "valid",
            body,
            update=what in ("single-node", "every-feature", "secrets", "triggers-several"),
        )
    return c.cases


def runtime_cases() -> list[dict]:
    c = Corpus()

    def post(name: str, path: str, body, raw=None) -> None:
        request = {"method": "POST", "path": "/v0/namespace/ns" + path}
        request.update({"raw": raw} if raw is not None else {"body": body})
        c.add(name, "runtime-bodies", request, expect="verdict")

    for k, value in enumerate(INTS):
        post(f"trigger-start-delay-{k:02d}-{label(value)}", "/graph/g/trigger", {"start_delay": value})
    for tag, body in {
        "empty": {},
        "inputs-number": {"inputs": {"k": 1}},
        "inputs-null": {"inputs": {"k": None}},
        "inputs-list": {"inputs": ["k"]},
        "store-number": {"store": {"k": 1}},
        "store-bool": {"store": {"k": True}},
        "store-object": {"store": {"k": {}}},
        "unknown-member": {"inputs": {}, "extra": 1},
        "all-ok": {"inputs": {"a": "1"}, "store": {"b": "2"}, "start_delay": 10},
        "null": None,
        "array": [],
        "inputs-and-store-bad": {"inputs": {"a": 1}, "store": {"b": None}, "start_delay": -5},
    }.items():
        post(f"trigger-{tag}", "/graph/g/trigger", body)
    post("trigger-malformed-json", "/graph/g/trigger", None, raw="{")
    for k, value in enumerate(SHORT_INTS):
        post(f"enqueue-batch-size-{k:02d}-{label(value)}", "/states/enqueue", {"nodes": ["n"], "batch_size": value})
    for tag, body in {
        "nodes-missing": {"batch_size": 1},
        "batch-missing": {"nodes": ["n"]},
        "nodes-string": {"nodes": "n", "batch_size": 1},
        "nodes-numbers": {"nodes": [1], "batch_size": 1},
        "nodes-empty": {"nodes": [], "batch_size": 0},
        "unknown-member": {"nodes": ["n"], "batch_size": 1, "x": 1},
        "empty": {},
    }.items():
        post(f"enqueue-{tag}", "/states/enqueue", body)
    for k, value in enumerate(SHORT_INTS):
        post(
            f"re-enqueue-after-{k:02d}-{label(value)}", f"/state/{STATE_ID}/re-enqueue-after", {"enqueue_after": value}
        )
    post("re-enqueue-after-missing", f"/state/{STATE_ID}/re-enqueue-after", {})
    post("re-enqueue-after-unknown-member", f"/state/{STATE_ID}/re-enqueue-after", {"enqueue_after": 5, "x": 1})
    for tag, body in {
        "ok": {"outputs": [{"a": 1}]},
        "empty-list": {"outputs": []},
        "object": {"outputs": {"a": 1}},
        "list-of-strings": {"outputs": ["a"]},
        "list-of-null": {"outputs": [None]},
        "missing": {},
        "null": {"outputs": None},
        "unknown-member": {"outputs": [], "x": 1},
    }.items():
        post(f"executed-{tag}", f"/state/{STATE_ID}/executed", body)
    for tag, body in {
        "ok": {"error": "boom"},
        "empty": {"error": ""},
        "number": {"error": 1},
        "null": {"error": None},
        "missing": {},
        "object": {"error": {"m": 1}},
        "unknown-member": {"error": "e", "x": 1},
    }.items():
        post(f"errored-{tag}", f"/state/{STATE_ID}/errored", body)
    for tag, body in {
        "ok": {"data": {"a": 1}},
        "empty": {"data": {}},
        "list": {"data": [1]},
        "string": {"data": "x"},
        "null": {"data": None},
        "missing": {},
        "unknown-member": {"data": {}, "x": 1},
    }.items():
        post(f"prune-{tag}", f"/state/{STATE_ID}/prune", body)
    for tag, body in {
        "ok": {"fanout_id": "f"},
        "empty": {"fanout_id": ""},
        "number": {"fanout_id": 5},
        "null": {"fanout_id": None},
        "missing": {},
        "unknown-member": {"fanout_id": "f", "x": 1},
    }.items():
        post(f"manual-retry-{tag}", f"/state/{STATE_ID}/manual-retry", body)
    post("executed-bad-state-id", "/state/not-an-id/executed", {"outputs": []})
    reg = {"name": "N", "inputs_schema": {}, "outputs_schema": {}, "secrets": []}
    for tag, body in {
        "ok": {"runtime_name": "r", "nodes": [reg]},
        "empty-nodes": {"runtime_name": "r", "nodes": []},
        "runtime-missing": {"nodes": [reg]},
        "runtime-number": {"runtime_name": 1, "nodes": []},
        "nodes-object": {"runtime_name": "r", "nodes": reg},
        "node-secrets-string": {"runtime_name": "r", "nodes": [reg | {"secrets": "s"}]},
        "node-secrets-numbers": {"runtime_name": "r", "nodes": [reg | {"secrets": [1]}]},
        "node-schema-list": {"runtime_name": "r", "nodes": [reg | {"inputs_schema": []}]},
        "node-name-missing": {"runtime_name": "r", "nodes": [{k: v for k, v in reg.items() if k != "name"}]},
        "node-all-missing": {"runtime_name": "r", "nodes": [{}]},
        "unknown-members": {"runtime_name": "r", "nodes": [reg | {"x": 1}], "y": 2},
    }.items():
        c.add(
            f"register-{tag}",
            "runtime-bodies",
            {"method": "PUT", "path": "/v0/namespace/ns/nodes/", "body": body},
            expect="verdict",
        )
    return c.cases


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out-dir", required=True)
    args = parser.parse_args()
    os.makedirs(args.out_dir, exist_ok=True)
    for filename, document in (
        ("upsert-graph.cases.json", {"source": SOURCE, "cases": upsert_cases()}),
        ("request-bodies.cases.json", {"source": SOURCE, "cases": runtime_cases()}),
        ("cron.cases.json", CRON),
    ):
        with open(os.path.join(args.out_dir, filename), "w", encoding="utf-8") as handle:
            handle.write(json.dumps(document, indent=1, ensure_ascii=False) + "\n")
        count = len(document) if isinstance(document, list) else len(document["cases"])
        print(f"{filename}: {count}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
