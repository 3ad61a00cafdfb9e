"""The back office in the browser: staff open their inbox, work a concern to fixed with a
public note (through HTMX), and read the statistics; axe-core on each page. The UI is
switched to English first, so the tests read the English labels."""

import re

import pytest
from playwright.sync_api import expect

from smartcity.concerns import services
from smartcity.concerns.models import Concern
from tests.browser.concerns_support import STAFF_EMAIL, in_english, potholes_to_the_sta
from tests.browser.conftest import assert_accessible, login
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def demo_like_concern():
    """A pothole in the Altstadt, as the demo data has them, reported with contact data."""
    category = potholes_to_the_sta()
    concern = services.submit_concern(
        category=category,
        lat=51.0505,
        lon=13.7383,
        address="Wilsdruffer Straße 12",
        description="Tiefes Schlagloch in der rechten Fahrspur, Radfahrende weichen aus.",
        attributes={"groesse": "gross"},
        contact=services.Contact(name="Erika Muster", email="erika@example.org"),
    ).concern
    return concern


def _change_state(page, state: str, note: str = "") -> None:
    form = page.locator("#change-state form[method=post]")
    form.get_by_label("New state").select_option(state)
    form.get_by_label("Public note").fill(note)
    form.get_by_role("button", name="Change the state").click()


def test_staff_work_a_concern_to_fixed(page, demo_like_concern):
    number = demo_like_concern.service_request_id
    login(page, STAFF_EMAIL, PASSWORD)
    page.goto("/concerns/office/")
    in_english(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Inbox: citizen concerns")
    row = page.get_by_role("row", name=re.compile(number))
    expect(row.get_by_text("on time")).to_be_visible()
    assert_accessible(page)

    row.get_by_role("link", name=number).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Concern {number}: Schlagloch")
    expect(page.get_by_text("erika@example.org")).to_be_visible()
    expect(page.get_by_text("größer als ein Teller")).to_be_visible()
    assert_accessible(page)

    _change_state(page, "open")
    expect(page.get_by_text("The concern is now open.")).to_be_visible()
    _change_state(page, "in_progress")
    expect(page.get_by_text("The concern is now in progress.")).to_be_visible()
    assert Concern.objects.get(pk=demo_like_concern.pk).state == "in_progress"

    _change_state(page, "fixed", "Das Schlagloch wurde heute verfüllt.")
    expect(page.get_by_text("The concern is now fixed.")).to_be_visible()
    history = page.get_by_role("region", name="Public history")
    expect(history.get_by_text("Das Schlagloch wurde heute verfüllt.")).to_be_visible()
    assert Concern.objects.get(pk=demo_like_concern.pk).state == "fixed"
    assert_accessible(page)


def test_a_response_template_fills_the_public_note(page, demo_like_concern):
    demo_like_concern.category.response_templates.create(
        title="Erledigt", state="fixed", text="Vielen Dank, der Schaden ist behoben."
    )
    login(page, STAFF_EMAIL, PASSWORD)
    page.goto(f"/concerns/office/{demo_like_concern.service_request_id}/")
    in_english(page)
    page.get_by_label("Response template").select_option(label="Erledigt (fixed)")
    expect(
        page.locator("#change-state form[method=post]").get_by_label("Public note")
    ).to_have_value("Vielen Dank, der Schaden ist behoben.")


def test_statistics_and_map_views_are_accessible(page, demo_like_concern):
    login(page, STAFF_EMAIL, PASSWORD)
    page.goto("/concerns/office/statistics/")
    in_english(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Statistics of citizen concerns")
    expect(page.locator("#heat-map path.leaflet-interactive").first).to_be_visible()
    assert_accessible(page)
    page.goto("/concerns/office/?view=map")
    on_time = page.locator('#inbox-map path.leaflet-interactive[stroke="#1e6b2f"]')
    expect(on_time).to_have_count(1)  # the concern's circle, over the district outlines
    assert_accessible(page)
