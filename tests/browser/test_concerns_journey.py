"""The whole way of one concern, across roles, in the German UI (the default):

a logged-in citizen reports a pothole on a phone, placing it with the device's location
and adding a photo; a member of staff of the responsible department reviews and
publishes it in the back office and works it to "in progress" and then to "fixed" with
a public note; the citizen sees the new state and the note on the report's page, finds
the message in the in-app inbox and has it by e-mail. axe-core checks every page.
"""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from smartcity.concerns.models import Concern
from tests.browser.concerns_support import STAFF_EMAIL, potholes_to_the_sta
from tests.browser.conftest import assert_accessible, login
from tests.concerns.conftest import png_bytes
from tests.conftest import PASSWORD, make_user

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}
# What the phone's location service reports: a point in the demo Altstadt.
ALTSTADT = {"latitude": 51.047, "longitude": 13.750}
NOTE = "Das Schlagloch wurde heute verfüllt."


@pytest.fixture
def city(db):
    """Potholes go to the Straßen- und Tiefbauamt; a citizen has an account."""
    potholes_to_the_sta()
    make_user("buergerin@example.org")


def _log_in(page, email: str) -> None:
    page.goto("/accounts/login/")
    assert_accessible(page)
    login(page, email, PASSWORD)
    expect(page.get_by_role("button", name="Abmelden")).to_be_attached()
    assert_accessible(page)


def _change_state(page, state: str, note: str = "") -> None:
    form = page.locator("#change-state form[method=post]")
    form.get_by_label("Neuer Status").select_option(state)
    form.get_by_label("Öffentliche Notiz").fill(note)
    form.get_by_role("button", name="Status ändern").click()


def _report_with_location_and_photo(page) -> str:
    """The citizen's part on the phone; returns the new concern's number."""
    page.get_by_role("link", name="Problem melden").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Problem melden")
    assert_accessible(page)
    page.get_by_label("Kategorie suchen").fill("Schlagloch")
    page.get_by_role("link", name=re.compile("^Schlagloch")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Meldung: Schlagloch")
    page.wait_for_load_state()

    page.get_by_role("button", name="Meinen Standort verwenden").click()
    expect(page.locator("#place-status")).to_contain_text("Ihrem Standort")
    expect(page.locator("#place-check")).to_contain_text("Der Ort liegt in Altstadt.")
    expect(page.get_by_label("Breitengrad")).to_have_value(re.compile(r"^51\.047"))
    page.get_by_label(re.compile("^Worin besteht das Problem")).fill(
        "Tiefes Loch vor der Haltestelle, Radfahrende weichen aus."
    )
    page.get_by_label("größer als ein Teller").check()
    page.locator("input[type=file]").set_input_files(
        [{"name": "schlagloch.png", "mimeType": "image/png", "buffer": png_bytes((64, 48))}]
    )
    assert_accessible(page)
    page.get_by_role("button", name="Meldung senden").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Vielen Dank! Ihre Meldung ist eingegangen."
    )
    assert_accessible(page)
    return page.locator("#concern-number").inner_text()


def _work_to_fixed(page, number: str) -> None:
    """The responsible staff member's part in the back office."""
    page.goto("/concerns/office/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Posteingang: Bürgeranliegen")
    assert_accessible(page)
    page.get_by_role("row", name=re.compile(number)).get_by_role("link", name=number).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Anliegen {number}: Schlagloch")
    expect(page.get_by_role("img", name="Foto 1 der Meldung")).to_be_visible()
    assert_accessible(page)

    moderation = page.locator("#moderation")
    moderation.locator("summary").click()
    moderation.get_by_role("button", name="Veröffentlichen").click()
    expect(page.get_by_text("Das Anliegen ist jetzt öffentlich.")).to_be_visible()
    _change_state(page, "open")
    expect(page.get_by_text("Das Anliegen hat jetzt den Status „offen“.")).to_be_visible()
    _change_state(page, "in_progress")
    expect(page.get_by_text("Das Anliegen hat jetzt den Status „in Bearbeitung“.")).to_be_visible()
    _change_state(page, "fixed", NOTE)
    expect(page.get_by_text("Das Anliegen hat jetzt den Status „erledigt“.")).to_be_visible()
    history = page.get_by_role("region", name="Öffentlicher Verlauf")
    expect(history.get_by_text(NOTE)).to_be_visible()
    assert_accessible(page)


def test_a_report_from_a_phone_is_fixed_by_the_department_and_the_citizen_is_told(
    chromium, live_server, city
):
    citizen = chromium.new_context(
        base_url=live_server.url,
        locale="de-DE",
        viewport=PHONE,
        is_mobile=True,
        has_touch=True,
        geolocation=ALTSTADT,
        permissions=["geolocation"],
    )
    staff = chromium.new_context(base_url=live_server.url, locale="de-DE")
    try:
        phone = citizen.new_page()
        phone.set_default_timeout(15000)
        _log_in(phone, "buergerin@example.org")
        number = _report_with_location_and_photo(phone)
        concern = Concern.objects.get(service_request_id=number)
        assert concern.reporter.email == "buergerin@example.org"
        assert concern.organisation.name == "Straßen- und Tiefbauamt"
        assert (concern.photos.count(), concern.is_published) == (1, False)
        assert (round(concern.lat, 3), round(concern.lon, 3)) == (51.047, 13.750)

        office = staff.new_page()
        office.set_default_timeout(15000)
        _log_in(office, STAFF_EMAIL)
        _work_to_fixed(office, number)

        phone.goto(f"/concerns/{number}/")
        expect(phone.locator("#concern-state")).to_have_text("erledigt")
        history = phone.get_by_role("region", name="Verlauf")
        expect(history.get_by_text("Status: in Bearbeitung")).to_be_visible()
        expect(history.get_by_text("Status: erledigt")).to_be_visible()
        expect(history.get_by_text(NOTE)).to_be_visible()
        expect(phone.get_by_text("Nicht öffentlich")).to_have_count(0)
        assert_accessible(phone)

        phone.goto("/notifications/")
        message = phone.locator(".notification").filter(has_text="„erledigt“")
        expect(message.get_by_role("link")).to_have_text(
            f"Anliegen {number} hat jetzt den Status „erledigt“"
        )
        expect(message).to_contain_text(NOTE)
        assert_accessible(phone)
        message.get_by_role("link").click()
        expect(phone).to_have_url(re.compile(f"/concerns/{number}/$"))
        assert_accessible(phone)

        (fixed_mail,) = [m for m in mail.outbox if "„erledigt“" in m.subject]
        assert fixed_mail.to == ["buergerin@example.org"]
        assert number in fixed_mail.subject and NOTE in fixed_mail.body
    finally:
        citizen.close()
        staff.close()
