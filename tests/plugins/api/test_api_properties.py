"""Property-based: requests schemathesis generates from the API's own OpenAPI schema (valid and not) never
get a server error; bad ones get a 4xx."""
from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from recsys.api import keys as api_keys

pytestmark = pytest.mark.integration


@pytest.fixture
def api_schema(published):
    return schemathesis.openapi.from_asgi("/openapi.json", published.app)


@pytest.fixture
def generous_key(published) -> str:
    """A key whose rate limit generated traffic never reaches, so every example reaches the routes."""
    return api_keys.create_key(published.key_table, "schemathesis", requests_per_minute=1_000_000)


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=40, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
def test_no_generated_request_gets_a_server_error(case, generous_key):
    case.call_and_validate(headers={"X-API-Key": generous_key}, checks=[not_a_server_error])
