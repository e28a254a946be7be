"""The Waygrid SDK document, end to end: build each documented spec, validate it, submit it and print the
traversal ids; then one spec the router rejects, with the errors you get; then, on a local router that executes
traversals, a node failing twice and retried, with the timeline the router's `GET /v1/traversals/{id}` gives.

    python examples/waygrid_demo.py http://127.0.0.1:8080     # against `waygrid dev`
    waygrid dev --handlers examples.waygrid_demo:HANDLERS      # (from the repository) a router that executes
"""

from __future__ import annotations

import asyncio
import sys
import time
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace
from typing import Any, cast

import httpx

from waygrid import (
    Condition,
    DeliveryStrategy,
    JoinStrategy,
    Node,
    RepeatPolicy,
    RetryPolicy,
    Spec,
    SpecRejectedError,
    SpecValidationError,
    WaygridClient,
)
from waygrid.simulation import Call, Event, Outcome, SimulationError, SimulationResult

API_KEY = "demo-key"  # the local router reads no key, as the real one today
FLAKY = "waygrid://processor/flaky-enrichment"


def flaky_enrichment(call: Call) -> dict[str, Any]:
    """A service still starting up: its first two calls fail, the third succeeds."""
    if call.attempt <= 2:
        raise ConnectionError(f"enrichment service not ready (attempt {call.attempt})")
    return {"enriched": True}


HANDLERS = {FLAKY: flaky_enrichment}
"""The handlers a local router that executes calls (`LocalRouter(execute=True, handlers=HANDLERS)`)."""


def documented_specs() -> dict[str, Spec]:
    """The specs the SDK document builds (Quick Start, fork/join, quorum, policies, integrations)."""
    quick_start = Spec.single(
        entry_point=Node.standard("waygrid://processor/openai")
        .label("AI Processing")
        .with_retry(RetryPolicy.exponential(timedelta(seconds=1), max_retries=3))
        .on_success(Node.standard("waygrid://destination/webhook").label("Deliver Result")),
        repeat_policy=RepeatPolicy.NO_REPEAT,
    )
    enrichment = (
        Node.fork("waygrid://system/waystation")
        .join_id("enrich-parallel")
        .label("Parallel Enrichment")
        .branches(
            {
                "sentiment": Node.standard("waygrid://processor/sentiment"),
                "translate": Node.standard("waygrid://processor/translate"),
                "summarize": Node.standard("waygrid://processor/openai"),
            }
        )
        .with_join(
            Node.join("waygrid://system/waystation")
            .join_id("enrich-parallel")
            .strategy(JoinStrategy.AND)
            .timeout(timedelta(seconds=30))
            .on_success(Node.standard("waygrid://processor/aggregate"))
            .on_failure(Node.standard("waygrid://destination/error-handler"))
            .on_timeout(Node.standard("waygrid://destination/timeout-handler"))
        )
    )
    quorum = (
        Node.fork("waygrid://system/waystation")
        .join_id("multi-provider")
        .branches(
            {
                "provider-a": Node.standard("waygrid://destination/webhook").label("Provider A"),
                "provider-b": Node.standard("waygrid://destination/webhook").label("Provider B"),
                "provider-c": Node.standard("waygrid://destination/webhook").label("Provider C"),
            }
        )
        .with_join(
            Node.join("waygrid://system/waystation")
            .join_id("multi-provider")
            .strategy(JoinStrategy.quorum(2))
            .timeout(timedelta(seconds=30))
            .on_success(Node.standard("waygrid://processor/aggregate-results"))
            .on_timeout(Node.standard("waygrid://processor/handle-partial-results"))
        )
    )
    scheduled = (
        Node.standard("waygrid://processor/report")
        .with_retry(
            RetryPolicy.bounded_exponential(base=timedelta(seconds=1), cap=timedelta(minutes=1), max_retries=10)
        )
        .with_delivery(DeliveryStrategy.schedule_at(datetime(2030, 12, 25, tzinfo=timezone.utc)))
        .on_success(
            Node.standard("waygrid://destination/email").with_retry(
                RetryPolicy.fibonacci(timedelta(seconds=1), max_retries=5)
            )
        )
    )
    return {
        "quick start": quick_start,
        "parallel enrichment (fork + AND join)": Spec.single(enrichment, RepeatPolicy.NO_REPEAT),
        "multi-provider (quorum 2 of 3)": Spec.single(quorum, RepeatPolicy.NO_REPEAT),
        "hourly report, 10 times": Spec.single(scheduled, RepeatPolicy.times(every=timedelta(hours=1), times=10)),
        "three origins (Spec.multiple)": Spec.multiple(
            [
                Node.standard(f"waygrid://origin/source-{n}").with_retry(
                    RetryPolicy.linear(timedelta(seconds=5), max_retries=3)
                )
                for n in (1, 2, 3)
            ],
            RepeatPolicy.indefinitely(timedelta(hours=1)),
        ),
    }


def error_handling_workflow() -> Spec:
    """The document's error-handling example: its routes use JsonEquals conditions, which the router build
    the SDK targets no longer reads."""
    workflow = (
        Node.standard("waygrid://processor/risky-operation")
        .with_retry(RetryPolicy.exponential(timedelta(seconds=1), max_retries=3))
        .on_success(Node.standard("waygrid://destination/webhook").label("Success Notification"))
        .on_failure(
            Node.standard("waygrid://processor/error-classifier")
            .label("Classify Error")
            .on_conditions(
                [
                    Condition.when(
                        Condition.json_equals("/errorType", "retryable"),
                        Node.standard("waygrid://system/scheduler").label("Retry Later"),
                    ),
                    Condition.when(
                        Condition.json_equals("/errorType", "fatal"),
                        Node.standard("waygrid://destination/webhook").label("Alert Team"),
                    ),
                ]
            )
        )
    )
    return Spec.single(workflow, RepeatPolicy.NO_REPEAT)


def retried_spec() -> Spec:
    """A node retried twice (200 ms apart) before it succeeds, then a delivery."""
    return Spec.single(
        Node.standard(FLAKY)
        .label("Flaky Enrichment")
        .with_retry(RetryPolicy.linear(timedelta(milliseconds=200), max_retries=3))
        .on_success(Node.standard("waygrid://destination/webhook").label("Deliver Result")),
        RepeatPolicy.NO_REPEAT,
    )


def _ms(stamp: str) -> int:
    moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    return round(moment.timestamp() * 1000)


def timeline(document: dict[str, Any]) -> str:
    """The local router's `GET /v1/traversals/{id}` answer as the simulator's timeline table."""
    events = []
    for item in document["events"]:
        node = None
        if "address" in item:
            node = SimpleNamespace(address=item["address"], label=item.get("label"), path=item.get("path"))
        due = _ms(item["due"]) if "due" in item else None
        events.append(Event(_ms(item["at"]), item["kind"], node, item.get("attempt"), due, item.get("detail"),
                            run=item.get("run", 1)))  # fmt: skip
    error = document.get("error")
    failure = None
    if error is not None:
        failure = SimulationError(error["code"], error["message"], SimpleNamespace(**error) if error["path"] else None)
    outcome = cast(Outcome, document["outcome"])
    return SimulationResult(outcome, events, failure, _ms(document["startedAt"]), [outcome]).timeline()


async def execution(base_url: str, traversal_id: str, timeout: float = 10.0) -> dict[str, Any] | None:
    """Poll the local router's extension route until the traversal is no longer running; None when the router
    does not execute traversals (or has no such route, as the real one)."""
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient(base_url=base_url) as http:
        while True:
            answer = await http.get(f"/v1/traversals/{traversal_id}")
            if answer.status_code != 200:
                return None
            document: dict[str, Any] = answer.json()
            if document["outcome"] == "not-executed":
                return None
            if document["outcome"] != "running":
                return document
            if time.monotonic() > deadline:
                raise SystemExit(f"traversal {traversal_id} still running after {timeout} s")
            await asyncio.sleep(0.05)


async def run(base_url: str) -> None:
    async with WaygridClient(base_url=base_url, api_key=API_KEY) as client:
        info = await client.service_info()
        print(f"Waygrid router at {base_url} ({info.service}, up {info.uptime})")
        for title, spec in documented_specs().items():
            spec.validate()
            result = await client.submit(spec, payload={"demo": title})
            print(f"  submitted {title}: traversal {result.traversal_id}, DAG {result.dag_hash}")

        rejected = error_handling_workflow()
        print("\nA spec the router does not accept (the document's error-handling workflow):")
        try:
            rejected.validate()
            raise SystemExit("expected the local validation to fail")
        except SpecValidationError as error:
            print(f"  validate() -> {type(error).__name__}: {error}")
        try:
            await client.submit(rejected, validate=False)
            raise SystemExit("expected the router to reject the spec")
        except SpecRejectedError as error:
            print(
                f"  submit(validate=False) -> {type(error).__name__} (HTTP {error.status_code}): {error.server_message}"
            )

        print("\nA node that fails twice, retried every 200 ms, run by the local router:")
        submitted = await client.submit(retried_spec())
        document = await execution(base_url, submitted.traversal_id)
        if document is None:
            print("  this router does not execute traversals (start it with `waygrid dev --execute`)")
            return
        print("  " + timeline(document).replace("\n", "\n  "))
        if document["outcome"] != "completed":
            raise SystemExit(f"expected the retried traversal to complete, got {document['outcome']}")


if __name__ == "__main__":
    asyncio.run(run(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8080"))
