"""Property-based run of the OpenAPI schema (schemathesis): generated requests, valid and invalid, to every
operation; none may answer 5xx. Bounded for two slow cores: a few examples per operation, no shrinking
beyond what hypothesis does by default, and the slowest operations (briefs) excluded."""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

EXAMPLES = int(os.environ.get("VIGIA_SCHEMATHESIS_EXAMPLES", "8"))
RUN: dict[str, int] = {}


@pytest.fixture(scope="session")
def api_schema(web_app, client):
    client.get("/api/quality")  # computed once per server (seconds); the fuzzer's client times out at 10 s
    return schemathesis.openapi.from_asgi("/openapi.json", web_app)


# A brief takes many seconds to assemble, so each would hit the fuzzer's timeout; test_pages covers it.
schema = schemathesis.pytest.from_fixture("api_schema").exclude(path="/api/brief")


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
def test_no_server_errors(case):
    response = case.call()
    key = case.operation.label
    RUN[key] = RUN.get(key, 0) + 1
    assert response.status_code < 500, (case.method, case.formatted_path, case.query, case.body,
                                        response.status_code, response.text[:300])


def test_report_examples(request):
    """Not a check: prints how many generated requests ran (docs/web.md quotes the figure)."""
    total = sum(RUN.values())
    if total:
        request.node.add_report_section("call", "schemathesis", f"{total} requests over {len(RUN)} operations")
        print(f"\nschemathesis: {total} generated requests over {len(RUN)} operations, none 5xx")
