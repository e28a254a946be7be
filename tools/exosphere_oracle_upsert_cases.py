"""The `PUT .../graph/{name}` cases of the oracle (see exosphere_oracle_cases.py): cron, lax integers, unknown
members, every kind of bad body, the 400 layer and valid graphs, on the create and the update path."""

from __future__ import annotations

from exosphere_oracle_corpus import (
    CRON,
    INTS,
    SHORT_INTS,
    Corpus,
    chain,
    graph,
    label,
    node,
    slug,
)


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
