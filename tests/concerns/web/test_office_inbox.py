"""The department inbox: filters, target-time status in words, order, pages, the map view,
and bulk actions that report what they did and what was refused, and why."""

import json
import re
from datetime import timedelta

import pytest
from django.utils import timezone

from smartcity.concerns import services
from smartcity.concerns.models import Category, Concern, RoutingRule
from smartcity.concerns.web import office_inbox
from smartcity.core.accounts.models import Membership
from tests.concerns.conftest import NEUSTADT
from tests.concerns.web.office_support import client_of, messages_of, people, text_of

pytestmark = pytest.mark.django_db
__all__ = ["client_of", "people"]  # fixtures


@pytest.fixture
def office(client_of, staff):
    return client_of(staff)


def numbers(page: str) -> list[str]:
    """The concern numbers listed in the inbox table, in order."""
    if 'class="inbox-table"' not in page:
        return []
    table = page[page.index('class="inbox-table"') :]
    return re.findall(r'<th scope="row"><a href="/concerns/office/([A-Z0-9-]+)/"', table)


def due_in(concern, hours: float) -> Concern:
    Concern.objects.filter(pk=concern.pk).update(due_at=timezone.now() + timedelta(hours=hours))
    return Concern.objects.get(pk=concern.pk)


@pytest.fixture
def street_light(department):
    category = Category.objects.create(
        service_code="laterne", name="Straßenbeleuchtung", target_hours=48
    )
    RoutingRule.objects.create(category=category, organisation=department)
    return category


def test_target_time_status_in_words_and_colour(office, submit):
    on_time = due_in(submit(), 48)
    soon = due_in(submit(), 3)
    late = due_in(submit(), -1)
    page = text_of(office.get("/concerns/office/"))
    assert numbers(page) == [
        late.service_request_id,
        soon.service_request_id,
        on_time.service_request_id,
    ]  # most urgent first
    for concern, css, words in (
        (on_time, "target-on_time", "on time"),
        (soon, "target-due_soon", "due soon"),
        (late, "target-overdue", "overdue"),
    ):
        row = page[page.index(f"select-{concern.service_request_id}") :]
        assert f'<span class="target {css}">{words}</span>' in row[: row.index("</tr>")]


def test_filters(office, submit, street_light, staff):
    pothole = submit(address="Wilsdruffer Straße 1")
    late = due_in(submit(), -5)
    light = submit(category=street_light, attributes={})
    mine = submit()
    services.assign(mine, mine.organisation, staff, staff)
    done = services.change_state(services.change_state(submit(), "open", staff), "fixed", staff)

    def listed(**query):
        return set(numbers(text_of(office.get("/concerns/office/", query))))

    everything_open = {c.service_request_id for c in (pothole, late, light, mine)}
    assert listed() == everything_open
    assert listed(category="laterne") == {light.service_request_id}
    assert listed(overdue="on") == {late.service_request_id}
    assert listed(assignee="me") == {mine.service_request_id}
    assert listed(assignee=str(staff.pk)) == {mine.service_request_id}
    assert listed(assignee="none") == everything_open - {mine.service_request_id}
    assert listed(q="wilsdruffer") == {pothole.service_request_id}
    assert listed(q=light.service_request_id.lower()) == {light.service_request_id}
    assert listed(state="fixed") == {done.service_request_id}
    assert listed(state="all-closed") == {done.service_request_id}
    assert listed(state="any") == everything_open | {done.service_request_id}
    assert listed(district="altstadt") == everything_open
    assert listed(district="neustadt") == set()


def test_an_invalid_filter_is_reported_and_left_out(office, submit):
    concern = submit()
    response = office.get("/concerns/office/", {"category": "gibt-es-nicht", "state": "x"})
    assert response.status_code == 400
    assert "Some filters are not valid and were left out." in text_of(response)
    assert numbers(text_of(response)) == [concern.service_request_id]


def test_platform_admins_filter_by_district_and_department(
    client_of, platform_admin, submit, other_department
):
    altstadt, neustadt = submit(), submit(at=NEUSTADT)
    admin = client_of(platform_admin)
    page = text_of(admin.get("/concerns/office/", {"district": "neustadt"}))
    assert numbers(page) == [neustadt.service_request_id]
    page = text_of(admin.get("/concerns/office/", {"organisation": other_department.slug}))
    assert numbers(page) == [neustadt.service_request_id]
    assert altstadt.service_request_id in text_of(admin.get("/concerns/office/"))


def test_order_and_pages(office, submit, monkeypatch):
    monkeypatch.setattr(office_inbox, "PER_PAGE", 2)
    concerns = [submit() for _ in range(3)]
    for age, concern in enumerate(reversed(concerns)):
        Concern.objects.filter(pk=concern.pk).update(
            submitted_at=timezone.now() - timedelta(hours=age + 1)
        )
    newest_first = [c.service_request_id for c in concerns[::-1]]
    first = text_of(office.get("/concerns/office/", {"sort": "newest"}))
    assert numbers(first) == newest_first[:2]
    assert "Page 1 of 2" in first
    assert "sort=newest&amp;page=2" in first
    second = text_of(office.get("/concerns/office/", {"sort": "newest", "page": "2"}))
    assert numbers(second) == newest_first[2:]
    oldest = text_of(office.get("/concerns/office/", {"sort": "oldest"}))
    assert numbers(oldest) == newest_first[::-1][:2]


def test_the_map_view_draws_each_listed_concern_with_its_status(office, submit):
    concern = due_in(submit(), -2)
    page = text_of(office.get("/concerns/office/", {"view": "map"}))
    assert 'id="inbox-map"' in page
    data = re.search(r'<script id="inbox-map-geojson" type="application/json">(.*?)</script>', page)
    collection = json.loads(data.group(1))
    (feature,) = collection["features"]
    assert feature["geometry"]["coordinates"] == [concern.lon, concern.lat]
    assert feature["properties"]["number"] == concern.service_request_id
    assert feature["properties"]["targetLabel"] == "overdue"
    assert feature["properties"]["url"] == f"/concerns/office/{concern.service_request_id}/"
    assert numbers(page) == [concern.service_request_id]  # the list stays beside the map


def test_htmx_filtering_answers_the_results_only(office, submit):
    concern = submit()
    response = office.get("/concerns/office/", {"q": "Loch"}, HTTP_HX_REQUEST="true")
    page = text_of(response)
    assert page.startswith('<div id="inbox-results">')
    assert numbers(page) == [concern.service_request_id]


# --- Bulk actions --------------------------------------------------------------------------


def bulk(client, concerns, action, **data):
    numbers_ = [c if isinstance(c, str) else c.service_request_id for c in concerns]
    return client.post(
        "/concerns/office/bulk/",
        {"concerns": numbers_, "action": action, "next": "/concerns/office/?sort=newest"} | data,
        follow=True,
    )


def test_bulk_assign_with_partial_refusals(office, submit, staff, department, other_staff):
    first, second = submit(), submit()
    elsewhere = submit(at=NEUSTADT)  # the other department's
    membership = Membership.objects.get(user=staff, organisation=department)
    response = bulk(
        office, [first, second, elsewhere, "NOPE-0000"], "assign", assignee=membership.pk
    )
    assert response.redirect_chain[-1][0] == "/concerns/office/?sort=newest"
    shown = messages_of(response)
    assert f"2 concerns assigned: {first.service_request_id}, {second.service_request_id}" in shown
    assert "2 concerns were refused:" in shown
    assert f"{elsewhere.service_request_id}: This concern is not in your inbox." in shown
    assert "NOPE-0000: This concern is not in your inbox." in shown
    assert set(Concern.objects.filter(assignee=staff)) == {first, second}


def test_bulk_assign_refuses_a_person_of_another_department(
    client_of, platform_admin, submit, other_staff
):
    ours, theirs = submit(), submit(at=NEUSTADT)
    membership = Membership.objects.get(user=other_staff)
    response = bulk(client_of(platform_admin), [ours, theirs], "assign", assignee=membership.pk)
    shown = messages_of(response)
    assert f"1 concern assigned: {theirs.service_request_id}" in shown
    assert f"{ours.service_request_id}: other-staff@example.org does not work for Umweltamt." in (
        shown
    )


def test_bulk_state_change_with_refusals_and_reasons(office, submit, staff):
    fresh_one, fresh_two = submit(), submit()
    already_open = services.change_state(submit(), "open", staff)
    response = bulk(office, [fresh_one, fresh_two, already_open], "state", state="open")
    shown = messages_of(response)
    assert any(m.startswith("2 concerns changed:") for m in shown)
    assert f"{already_open.service_request_id}: The concern is open already." in shown
    response = bulk(office, [fresh_one, fresh_two], "state", state="rejected", note="")
    assert "2 concerns were refused:" in messages_of(response)
    assert (
        f"{fresh_one.service_request_id}: Changing a concern to rejected needs a public note "
        "for the reporter." in messages_of(response)
    )
    response = bulk(office, [fresh_one], "state", state="rejected", note="Kein Schaden sichtbar.")
    assert Concern.objects.get(pk=fresh_one.pk).state == "rejected"


def test_bulk_publish_refuses_withheld_and_public_ones(office, submit, staff):
    waiting, public, withheld = submit(), submit(), submit()
    services.publish(public, staff)
    services.withhold(withheld, staff, "Persönliche Daten im Text")
    response = bulk(office, [waiting, public, withheld], "publish")
    shown = messages_of(response)
    assert f"1 concern published: {waiting.service_request_id}" in shown
    assert f"{public.service_request_id}: It is public already." in shown
    assert any(
        m.startswith(f"{withheld.service_request_id}: Publication was withheld") for m in shown
    )
    assert Concern.objects.get(pk=withheld.pk).published_at is None


def test_a_bulk_action_needs_its_choice_and_a_selection(office, submit):
    concern = submit()
    shown = messages_of(bulk(office, [concern], "assign"))
    assert "Please choose whom to assign the concerns to." in shown
    shown = messages_of(bulk(office, [], "publish"))
    assert "This field is required." in shown
    response = bulk(office, [concern], "publish", next="https://evil.example/")
    assert response.redirect_chain[-1][0] == "/concerns/office/"
