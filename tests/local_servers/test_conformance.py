"""Schemathesis drives both local servers from the `spec/` OpenAPI documents over loopback (a bounded, derandomised
number of examples per operation): every answer must have a documented status, content type, headers and body.

Checks left out, each because the real server behaves that way and the local one copies it:
- Waygrid answers every failure with 500 and reads no credentials: `not_a_server_error`, `negative_data_rejection`,
  `ignored_auth`; it answers an unknown method with 404 as http4s does (`unsupported_method`).
- Exosphere refuses graphs the schema cannot describe as invalid (one root, reachability, ...) with 400, and
  random state ids are unknown (404): `positive_data_acceptance`."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, settings  # noqa: E402
from schemathesis.checks import (  # noqa: E402
    ignored_auth,
    negative_data_rejection,
    not_a_server_error,
    positive_data_acceptance,
    unsupported_method,
)

from exospherehost.local import MEMORY, LocalStateManager  # noqa: E402
from waygrid.local import LocalRouter  # noqa: E402

SPEC = Path(__file__).parents[2] / "spec"
KEY = "exo-conformance-key"
EXAMPLES = settings(max_examples=15, derandomize=True, deadline=None, database=None,
                    suppress_health_check=list(HealthCheck))  # fmt: skip

waygrid_schema = schemathesis.openapi.from_path(SPEC / "waygrid" / "openapi.json")
exosphere_schema = schemathesis.openapi.from_path(SPEC / "exosphere" / "openapi.json")
for schema in (waygrid_schema, exosphere_schema):
    schema.config.phases.update(phases=["examples", "fuzzing"])


@pytest.fixture(scope="module")
def router_url() -> Iterator[str]:
    with LocalRouter(MEMORY) as router, router.serve() as server:
        yield server.url


@pytest.fixture(scope="module")
def state_manager_url() -> Iterator[str]:
    with LocalStateManager(MEMORY, api_key=KEY) as local, local.serve() as server:
        yield server.url


@waygrid_schema.parametrize()
@EXAMPLES
def test_the_local_router_answers_as_documented(case: schemathesis.Case, router_url: str) -> None:
    excluded = [not_a_server_error, negative_data_rejection, ignored_auth, unsupported_method]
    case.call_and_validate(base_url=router_url, headers={"Authorization": "Bearer conformance"},
                           excluded_checks=excluded)  # fmt: skip


@exosphere_schema.parametrize()
@EXAMPLES
def test_the_local_state_manager_answers_as_documented(case: schemathesis.Case, state_manager_url: str) -> None:
    case.call_and_validate(base_url=state_manager_url, headers={"x-api-key": KEY},
                           excluded_checks=[positive_data_acceptance])  # fmt: skip
