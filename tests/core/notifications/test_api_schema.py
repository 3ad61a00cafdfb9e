"""Property-based check of the notifications API against its own OpenAPI schema.

Schemathesis generates valid and invalid requests from /api/openapi.json; every response
must be documented, match its schema and never be a server error.
"""

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import ignored_auth

from smartcity.config.wsgi import application
from smartcity.core.accounts.models import ApiToken
from smartcity.core.notifications import services


@pytest.fixture
def token(citizen):
    services.notify(citizen, "platform", "Hello", "Body", "/x/")
    return ApiToken.objects.issue(citizen, "schemathesis")[1]


schema = schemathesis.openapi.from_wsgi("/api/openapi.json", application).include(
    path_regex="^/api/notifications/"
)


@pytest.mark.django_db
@schema.parametrize()
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
def test_notifications_api_matches_its_schema(case, token):
    # The token is valid on purpose, so the "ignores invalid auth" check cannot apply here;
    # test_api.py checks the 401 answers.
    case.call_and_validate(
        headers={"Authorization": f"Bearer {token}"}, excluded_checks=[ignored_auth]
    )
