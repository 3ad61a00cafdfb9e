"""The sensor pages in the browser: the map, a Datastream's chart, an alert from rule to
acknowledgement. The UI is switched to English first, so the tests read the English labels."""

import io
import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from smartcity.core.accounts.models import Membership, Organisation
from smartcity.core.demo import organisations
from smartcity.sensors.alerting import services as alerting
from smartcity.sensors.alerting.models import Alert
from smartcity.sensors.models import Datastream
from smartcity.sensors.simulator import feed
from smartcity.sensors.simulator import stations as simulator
from tests.browser.conftest import assert_accessible, login
from tests.conftest import PASSWORD, make_user

pytestmark = pytest.mark.django_db(transaction=True)


def _simulate(hours: str) -> None:
    call_command("sensors", "simulate", "--hours", hours, stdout=io.StringIO())


def _in_english(page) -> None:
    page.get_by_role("button", name="Sprache: English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")


def _elbe() -> Datastream:
    return Datastream.objects.get(thing__properties__simulator="elbe-dresden")


def test_sensor_map_shows_the_demo_things(page):
    organisations.load()
    _simulate("3")
    page.goto("/sensors/")
    _in_english(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Sensors in Dresden")
    table = page.get_by_role("table")
    expect(table.get_by_role("rowheader", name=re.compile("Pegel Dresden, Elbe"))).to_be_visible()
    expect(table.locator("tbody")).to_have_count(9)  # the public stations
    expect(table.get_by_text("Demo data")).to_have_count(9)
    markers = page.locator("#sensor-map path.leaflet-interactive")
    expect(markers).to_have_count(9)
    markers.first.click()
    popup = page.locator(".leaflet-popup-content")
    expect(popup).to_be_visible()
    expect(popup.get_by_text("OK")).to_be_visible()
    assert_accessible(page)


def test_datastream_chart_renders_and_switches_to_hourly_values(page):
    organisations.load()
    _simulate("3")
    page.goto(f"/sensors/datastreams/{_elbe().pk}/")
    _in_english(page)
    expect(page.locator("#datastream-chart canvas")).to_have_count(1)
    expect(page.get_by_role("img", name=re.compile("Chart of Wasserstand"))).to_be_visible()
    expect(page.locator("#chart-status")).to_have_text("13 values shown.")
    assert_accessible(page)

    page.get_by_label("Resolution").select_option(label="Hourly minimum, mean and maximum")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("#chart-status")).to_have_text(re.compile(r"^[34] periods shown\.$"))
    expect(page.locator("#datastream-chart canvas")).to_have_count(1)
    page.get_by_text("Show the values as a table").click()
    table = page.get_by_role("table")
    expect(table.get_by_role("columnheader", name="Mean")).to_be_visible()
    assert "interval=hour" in page.get_by_role(
        "link", name="Download these values as CSV"
    ).get_attribute("href")
    assert_accessible(page)


def test_staff_create_a_rule_and_acknowledge_its_alert(page):
    organisations.load()
    feed.ensure_stations(simulator.network())  # the stations, still without values
    watcher = make_user("lagezentrum@example.org")
    Membership.objects.create(user=watcher, organisation=Organisation.objects.get(short_name="BKA"))
    login(page, "lagezentrum@example.org", PASSWORD)
    _in_english(page)

    page.goto("/sensors/staff/rules/new/")
    page.get_by_label("Datastream").select_option(label="Pegel Dresden, Elbe (Demo): Wasserstand")
    page.get_by_role("textbox", name="Name").fill("Elbe above 50 cm")
    page.get_by_label("Threshold", exact=True).check()
    threshold = page.get_by_role("group", name="Parameters for “Threshold”")
    expect(page.get_by_role("group", name="Parameters for “Staleness”")).to_be_hidden()
    threshold.get_by_label("Level").fill("50")  # the simulated Elbe never falls below 60 cm
    assert_accessible(page)
    page.get_by_role("button", name="Create the rule").click()
    expect(page.get_by_text("The alert rule “Elbe above 50 cm” was created.")).to_be_visible()
    assert not Alert.objects.exists()  # no values yet, nothing to alert on

    _simulate("0")  # one value of every station, now
    # Ingest may not evaluate alert rules yet; the evaluation ingest calls, explicitly.
    alerting.evaluate_stored_observations(_elbe().pk)

    page.goto("/sensors/alerts/")
    alert = page.get_by_role("article", name="Elbe above 50 cm")
    expect(alert).to_be_visible()
    expect(alert.get_by_text("Open", exact=True)).to_be_visible()
    expect(alert.get_by_role("link", name=re.compile("Pegel Dresden, Elbe"))).to_be_visible()
    assert_accessible(page)
    alert.get_by_label("Note (optional)").fill("Pegel wird beobachtet.")
    alert.get_by_role("button", name="Acknowledge Elbe above 50 cm").click()
    expect(page.get_by_text("The alert “Elbe above 50 cm” was acknowledged.")).to_be_visible()
    expect(page.get_by_role("link", name="Acknowledged (1)")).to_be_visible()
    acknowledged = Alert.objects.get()
    assert acknowledged.status == "acknowledged" and acknowledged.acknowledged_by == watcher
