"""The default limit of 1000 requests and the extensions documented in discovery: paging,
``updated_after`` and the status updates (``servicerequestupdates``)."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from smartcity.concerns import demo, services
from smartcity.concerns.models import Concern
from smartcity.core.demo import organisations, users
from tests.concerns.open311.conftest import API, OFFSET, errors_of, json_of, xml_of

pytestmark = pytest.mark.django_db


def many_published(category, count: int) -> list[str]:
    """``count`` published concerns, one minute apart, newest first (ids as listed)."""
    now = timezone.now()
    concerns = [
        Concern(
            service_request_id=f"TEST-{number:04d}",
            category=category,
            lat=51.047,
            lon=13.75,
            description=f"Loch {number}",
            submitted_at=now - timedelta(minutes=number),
            published_at=now,
        )
        for number in range(count)
    ]
    Concern.objects.bulk_create(concerns)
    return [concern.service_request_id for concern in concerns]


def ids_of(response) -> list[str]:
    return [item["service_request_id"] for item in json_of(response)]


def test_at_most_1000_requests_by_default_with_a_link_to_the_next_page(client, pothole):
    ids = many_published(pothole, 1001)
    response = client.get(API + "requests.json?status=open")
    assert ids_of(response) == ids[:1000]
    link = response["Link"]
    assert link == ('<http://testserver/open311/v2/requests.json?status=open&page=2>; rel="next"')
    last = client.get(link[1 : link.index(">")].removeprefix("http://testserver"))
    assert ids_of(last) == ids[1000:]
    assert "Link" not in last


def test_pages_of_a_chosen_size(client, pothole):
    ids = many_published(pothole, 5)
    assert ids_of(client.get(API + "requests.json?page_size=2")) == ids[:2]
    second = client.get(API + "requests.json?page_size=2&page=2")
    assert ids_of(second) == ids[2:4]
    assert "page=3" in second["Link"]
    assert ids_of(client.get(API + "requests.json?page_size=2&page=3")) == ids[4:]
    assert json_of(client.get(API + "requests.json?page_size=2&page=4")) == []
    root = xml_of(client.get(API + "requests.xml?page_size=2&page=3"))
    assert [r.findtext("service_request_id") for r in root.findall("request")] == ids[4:]
    for bad in ("page=0", "page=zwei", "page_size=1001", "page_size=-1"):
        response = client.get(f"{API}requests.json?{bad}")
        assert response.status_code == 400, bad
        assert errors_of(response)[0]["code"] == 400


def test_updated_after_lists_what_changed_oldest_change_first(english, client, published, staff):
    first, second, unchanged = published(), published(), published()
    long_ago = timezone.now() - timedelta(days=200)
    Concern.objects.update(submitted_at=long_ago, updated_at=long_ago)
    since = timezone.now() - timedelta(minutes=1)
    services.add_note(second, "Angesehen", staff, public=True)
    services.change_state(first, "open", staff)
    response = client.get(API + "requests.json", {"updated_after": since.isoformat()})
    # Submitted 200 days ago: outside the default window, found through the change.
    assert ids_of(response) == [second.service_request_id, first.service_request_id]
    assert unchanged.service_request_id not in ids_of(client.get(API + "requests.json"))
    response = client.get(API + "requests.json", {"updated_after": "gestern"})
    assert response.status_code == 400
    assert errors_of(response)[0]["description"].startswith("updated_after must be")


def test_status_updates_are_the_public_history_of_published_requests(
    english, client, published, submit, staff
):
    concern = published()
    services.change_state(concern, "open", staff)
    services.add_note(concern, "Intern: Kolonne 3", staff, public=False)
    services.add_note(concern, "Wird nächste Woche repariert", staff, public=True)
    services.change_state(concern, "fixed", staff, "Erledigt")
    submit()  # not published: its history stays out
    start = (timezone.now() - timedelta(hours=1)).replace(microsecond=0)
    for minute, event in enumerate(concern.events.order_by("created_at", "pk")):
        concern.events.filter(pk=event.pk).update(created_at=start + timedelta(minutes=minute))
    updates = json_of(client.get(API + "servicerequestupdates.json"))
    assert [(u["status"], u["description"]) for u in updates] == [
        ("open", "Reported"),
        ("open", "State: open"),
        ("open", "Answer from the city\n\nWird nächste Woche repariert"),
        ("closed", "State: fixed\n\nErledigt"),
    ]
    assert {u["service_request_id"] for u in updates} == {concern.service_request_id}
    assert all(re.search(OFFSET, u["updated_datetime"]) for u in updates)
    assert len({u["update_id"] for u in updates}) == 4

    root = xml_of(client.get(API + "servicerequestupdates.xml"))
    assert root.tag == "service_request_updates"
    first = root.find("request_update")
    assert [child.tag for child in first] == [
        "update_id",
        "service_request_id",
        "status",
        "updated_datetime",
        "description",
        "media_url",
    ]

    # Times are shown to the second; a client continues after the last one it saw.
    last_seen = updates[1]["updated_datetime"]
    later = json_of(client.get(API + "servicerequestupdates.json", {"updated_after": last_seen}))
    assert [u["update_id"] for u in later] == [u["update_id"] for u in updates[2:]]
    paged = client.get(API + "servicerequestupdates.json?page_size=3")
    assert len(json_of(paged)) == 3 and 'rel="next"' in paged["Link"]


def test_status_updates_by_request_and_by_date_range(client, published, staff):
    old, new = published(), published()
    services.forward(new, staff.memberships.get().organisation, staff)
    old.events.update(created_at=timezone.now() - timedelta(days=120))
    updates = json_of(
        client.get(
            API + "servicerequestupdates.json", {"service_request_id": old.service_request_id}
        )
    )
    assert [u["service_request_id"] for u in updates] == [old.service_request_id]
    assert {
        u["service_request_id"] for u in json_of(client.get(API + "servicerequestupdates.json"))
    } == {new.service_request_id}
    start = (timezone.now() - timedelta(days=130)).isoformat()
    end = (timezone.now() - timedelta(days=110)).isoformat()
    in_range = json_of(
        client.get(API + "servicerequestupdates.json", {"start_date": start, "end_date": end})
    )
    assert [u["service_request_id"] for u in in_range] == [old.service_request_id]
    response = client.get(
        API + "servicerequestupdates.json",
        {"start_date": start, "end_date": timezone.now().isoformat()},
    )
    assert response.status_code == 400


def test_the_demo_data_is_served_whole(english, client, areas):
    organisations.load()
    users.load()
    demo.load()
    now = timezone.now()
    start = (now - timedelta(days=365)).isoformat()
    published = Concern.objects.filter(published_at__isnull=False)
    listed = []
    for windows_back in range(5):  # 90-day windows back from now, a year and more
        end = now - timedelta(days=90 * windows_back)
        window = {"start_date": (end - timedelta(days=90)).isoformat(), "end_date": end.isoformat()}
        listed += ids_of(client.get(API + "requests.json", window))
    assert sorted(set(listed)) == sorted(published.values_list("service_request_id", flat=True))
    updates = json_of(client.get(API + "servicerequestupdates.json", {"updated_after": start}))
    assert {u["service_request_id"] for u in updates} <= set(listed)
    descriptions = " ".join(u["description"] for u in updates)
    assert "State: fixed" in descriptions and "was merged into this one" in descriptions
    xml_of(client.get(API + "servicerequestupdates.xml", {"updated_after": start}))
    body = client.get(API + "requests.xml?status=closed").content.decode()
    assert "example.org" not in body and "Erika" not in body
