"""Property tests of the whole JSON API against its own OpenAPI schema (schemathesis): no 5xx,
no undeclared status code, responses match their schemas (issue #3 "Tests")."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import positive_data_acceptance

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())


@pytest.fixture(autouse=True)
def _keep_test_connection() -> Any:
    """Like Django's test client: a request must not close the test's database connection
    (it holds the test transaction; PostgreSQL would lose it)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def token(personas: dict[str, Any]) -> str:
    from canlian.core.services import api_token_issue

    return api_token_issue(user=personas["county_staff"])


@schema.parametrize()
@settings(max_examples=25, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
def test_api_conforms_to_its_schema(case: Any, token: str) -> None:
    # positive_data_acceptance is left out: a schema-shaped ID number can still fail its
    # checksum or name a village that does not exist, and refusing it (422) is the rule.
    case.call_and_validate(headers={"Authorization": f"Bearer {token}"},
                           excluded_checks=[positive_data_acceptance])
