"""The MQTT dead-letter pages in Chromium: a platform admin finds, reads and deletes one;
axe-core on both pages."""

import re

import pytest
from playwright.sync_api import expect

from smartcity.sensors.mqtt.models import DeadLetter
from tests.browser.conftest import assert_accessible, login
from tests.conftest import PASSWORD, make_user

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_platform_admin_reads_and_deletes_a_dead_letter(page):
    make_user("plattform@example.org", superuser=True)
    DeadLetter.objects.create(
        topic="v1.1/Datastreams(9)/Observations",
        payload='{"result": "<b>' + "9" * 400 + '</b>"}',
        payload_size=416,
        reason="Datastreams(9) does not exist",
    )
    login(page, "plattform@example.org", PASSWORD)
    # In English: the page's German labels come with the next translation catalogue.
    page.get_by_role("button", name="Sprache: English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")

    page.goto("/sensors/staff/")
    page.get_by_role("link", name="Show the dead letters").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("MQTT dead letters")
    row = page.get_by_role("row").filter(has_text="Datastreams(9) does not exist")
    expect(row).to_contain_text("v1.1/Datastreams(9)/Observations")
    assert_accessible(page)

    row.get_by_role("link", name=re.compile("^Show")).click()
    expect(page.get_by_role("region", name="Payload")).to_contain_text("<b>" + "9" * 400)
    assert_accessible(page)

    page.get_by_role("button", name="Delete this dead letter").click()
    expect(page.get_by_role("status")).to_contain_text("was deleted")
    assert not DeadLetter.objects.exists()
