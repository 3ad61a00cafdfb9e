"""A citizen reports a problem on a phone: category, place on the map, description, photo;
then the confirmation, the report page and the public map and list. The UI is switched to
English first, so the tests read the English labels."""

import re

import pytest
from playwright.sync_api import expect

from smartcity.concerns import demo as concerns_demo
from smartcity.concerns.models import Concern
from smartcity.core.demo import organisations, users
from smartcity.core.geography import demo as geography_demo
from tests.browser.concerns_support import in_english
from tests.browser.conftest import assert_accessible, login
from tests.concerns.conftest import png_bytes
from tests.conftest import PASSWORD, make_user

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}


PHOTO = {"name": "schlagloch.png", "mimeType": "image/png", "buffer": png_bytes((64, 48))}


@pytest.fixture
def demo_city(db):
    geography_demo.load()
    organisations.load()
    users.load()
    concerns_demo.load()


def test_a_citizen_reports_a_pothole_with_a_photo_on_a_phone(page, demo_city):
    make_user("buerger@example.org")
    page.set_viewport_size(PHONE)
    login(page, "buerger@example.org", PASSWORD)
    in_english(page)

    page.get_by_role("link", name="Report a problem").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Report a problem")
    page.wait_for_load_state()
    page.get_by_label("Search a category").fill("Schlagloch")
    expect(page.locator("#category-count")).to_have_text("1 category found.")
    page.get_by_role("link", name=re.compile("^Schlagloch")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Report: Schlagloch")
    page.wait_for_load_state()

    # A place outside Dresden, typed as coordinates: refused, and nothing typed is lost.
    page.get_by_label("Latitude").fill("52.52")
    page.get_by_label("Longitude").fill("13.405")
    page.get_by_label("Longitude").dispatch_event("change")
    expect(page.locator("#place-check")).to_contain_text("This place lies outside Dresden.")
    page.get_by_label(re.compile("^What is the problem")).fill("Tiefes Loch vor der Haltestelle")
    page.get_by_label("größer als ein Teller").check()
    page.locator("input[type=file]").set_input_files([PHOTO])
    page.get_by_label("Name", exact=True).fill("Erika Muster")
    page.get_by_role("button", name="Send report").click()
    expect(page.locator("#report-errors")).to_be_focused()
    expect(page.locator("#report-errors")).to_contain_text("outside Dresden")
    expect(page.get_by_label(re.compile("^What is the problem"))).to_have_value(
        "Tiefes Loch vor der Haltestelle"
    )
    assert page.locator("input[type=file]").evaluate("input => input.files.length") == 1
    assert Concern.objects.filter(is_demo=False).count() == 0

    # The place found by the district's name and tapped on the map instead.
    page.get_by_label("Search a district or street").fill("Altst")
    page.get_by_role("button", name="Find").click()
    page.get_by_role("button", name="Altstadt").click()
    expect(page.locator("#place-status")).to_contain_text("The map shows Altstadt.")
    page.locator("#report-map").click()
    expect(page.locator("#place-check")).to_contain_text("The place lies in Altstadt.")
    expect(page.get_by_label("Latitude")).to_have_value(re.compile(r"^51\.\d{6}$"))
    assert_accessible(page)
    page.get_by_role("button", name="Send report").click()
    if page.locator("#suggestions").count():  # a demo pothole close by: file anyway
        page.get_by_role("button", name="Send report").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Thank you! Your report has been received."
    )
    concern = Concern.objects.get(is_demo=False)
    expect(page.locator("#concern-number")).to_have_text(concern.service_request_id)
    assert concern.photos.count() == 1 and concern.contact_name == "Erika Muster"
    assert_accessible(page)

    page.get_by_role("link", name="Open your report").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(
        f"Schlagloch {concern.service_request_id}"
    )
    expect(page.locator("#concern-state")).to_have_text("submitted")
    expect(page.get_by_text("Not public yet")).to_be_visible()
    expect(page.get_by_role("img", name="Photo 1 of the report")).to_be_visible()
    expect(page.locator("#concern-description")).to_have_text("Tiefes Loch vor der Haltestelle")
    expect(page.get_by_text("Erika Muster")).to_have_count(0)
    expect(page.locator("#concern-detail-map path.leaflet-interactive").last).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="My reports").first.click()
    expect(page.get_by_role("link", name="Schlagloch")).to_be_visible()


def test_the_public_map_and_list_on_a_phone(page, demo_city):
    page.set_viewport_size(PHONE)
    page.goto("/concerns/")
    in_english(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Concerns in Dresden")
    published = Concern.objects.filter(published_at__isnull=False).count()
    expect(page.get_by_text(f"{published} concerns", exact=True)).to_be_visible()
    markers = page.locator("#concern-map path.leaflet-interactive[fill-opacity='1']")
    expect(markers).to_have_count(published)
    assert_accessible(page)

    page.get_by_label("District").select_option(label="Neustadt")
    page.get_by_role("button", name="Show").click()
    in_neustadt = Concern.objects.filter(published_at__isnull=False, area__name="Neustadt")
    expect(markers).to_have_count(in_neustadt.count())
    expect(page.get_by_role("link", name="Log in to follow Neustadt")).to_be_visible()
    markers.first.click(force=True)
    expect(page.locator(".leaflet-popup-content a")).to_have_text(re.compile(r"DEMO-\d{4}$"))
    assert_accessible(page)

    page.locator(".leaflet-popup-content a").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("DEMO-")
    expect(page.get_by_role("heading", name="History")).to_be_visible()
    assert_accessible(page)
