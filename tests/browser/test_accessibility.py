"""axe-core on every page of the platform shell, as the role that sees it."""

import pytest

from smartcity.core.accounts.models import Membership, Organisation
from tests.browser.conftest import assert_accessible, login
from tests.conftest import PASSWORD, make_user

pytestmark = pytest.mark.django_db(transaction=True)

PUBLIC_PAGES = [
    "/",
    "/imprint/",
    "/privacy/",
    "/accessibility/",
    "/accessibility/feedback/",
    "/accounts/login/",
    "/accounts/signup/",
    "/accounts/password/reset/",
    "/districts/",
    "/data/",
    "/no-such-page/",
]
CITIZEN_PAGES = [
    "/account/",
    "/account/tokens/",
    "/account/delete/",
    "/accounts/email/",
    "/accounts/password/change/",
    "/notifications/",
    "/notifications/settings/",
]
STAFF_PAGES = ["/staff/"]


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_public_page_is_accessible(page, path):
    page.goto(path)
    assert_accessible(page)


@pytest.mark.parametrize("language", ["de", "en"])
def test_citizen_pages_are_accessible(page, language):
    make_user("buerger@example.org")
    login(page, "buerger@example.org", PASSWORD)
    if language == "en":
        page.get_by_role("button", name="Sprache: English").click()
        page.wait_for_load_state()
    for path in CITIZEN_PAGES:
        page.goto(path)
        assert_accessible(page)


def test_staff_pages_are_accessible(page):
    user = make_user("amt@example.org")
    organisation = Organisation.objects.create(name="Umweltamt", slug="ua", kind="department")
    Membership.objects.create(user=user, organisation=organisation)
    login(page, "amt@example.org", PASSWORD)
    for path in STAFF_PAGES:
        page.goto(path)
        assert_accessible(page)
