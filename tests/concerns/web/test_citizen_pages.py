"""The citizens' pages: public map and list, its GeoJSON, a concern's page, following,
reopening, "Is it fixed?" and "my reports", for every role."""

from datetime import timedelta

import pytest
from django.utils import timezone

from smartcity.concerns import services
from smartcity.concerns.models import Concern, Follow
from tests.concerns.conftest import ALTSTADT, NEUSTADT, png_bytes

CONTACT = {"contact": services.Contact("Erika Muster", "erika@example.org", "0351 999888")}


def ids_of(geojson) -> list[str]:
    return [feature["id"] for feature in geojson["features"]]


PAGES = {
    "list": "/concerns/",
    "markers": "/concerns/markers.geojson",
    "categories": "/concerns/report/",
    "form": "/concerns/report/schlagloch/",
    "places": "/concerns/report/places.json?q=alt",
    "detail": "/concerns/{id}/",
    "mine": "/concerns/mine/",
}


@pytest.mark.parametrize("role", ["anonymous", "citizen", "reporter", "staff"])
@pytest.mark.parametrize("name", PAGES)
def test_every_page_answers_every_role(english, users, published, citizen, role, name):
    concern = published(reporter=citizen)
    user = citizen if role == "reporter" else users[role]
    if user:
        english.force_login(user)
    response = english.get(PAGES[name].format(id=concern.service_request_id))
    expected = 302 if name == "mine" and role == "anonymous" else 200
    assert response.status_code == expected
    listed = name in {"list", "detail"} or (name == "mine" and role == "reporter")
    if listed:
        assert concern.service_request_id in response.content.decode()


# The public map and list


@pytest.mark.parametrize("role", ["anonymous", "citizen", "staff", "platform_admin"])
def test_the_list_shows_published_concerns_only_to_everyone(
    english, users, published, submit, role
):
    public = published(**CONTACT)
    unpublished = submit()
    if users[role]:
        english.force_login(users[role])
    response = english.get("/concerns/")
    page = response.content.decode()
    assert response.status_code == 200
    assert public.service_request_id in page and unpublished.service_request_id not in page
    assert "1 concern" in page
    assert 'id="concern-map"' in page and 'data-url="/concerns/markers.geojson"' in page
    assert "Erika" not in page and "erika@example.org" not in page


def test_the_list_filters_by_category_district_state_and_time(english, published, staff):
    altstadt = published()
    neustadt = published(at=NEUSTADT)
    services.change_state(altstadt, "open", staff)
    Concern.objects.filter(pk=neustadt.pk).update(submitted_at=timezone.now() - timedelta(days=40))

    def listed(**filters):
        page = english.get("/concerns/", filters).content.decode()
        return {c.service_request_id for c in (altstadt, neustadt) if c.service_request_id in page}

    assert listed() == {altstadt.service_request_id, neustadt.service_request_id}
    assert listed(category="schlagloch") == {
        altstadt.service_request_id,
        neustadt.service_request_id,
    }
    assert listed(district="neustadt") == {neustadt.service_request_id}
    assert listed(state="all-open") == {altstadt.service_request_id, neustadt.service_request_id}
    assert listed(state="open") == {altstadt.service_request_id}
    assert listed(state="submitted") == {neustadt.service_request_id}
    assert listed(state="all-closed") == set()
    since = (timezone.localdate() - timedelta(days=7)).isoformat()
    assert listed(since=since) == {altstadt.service_request_id}
    until = (timezone.localdate() - timedelta(days=30)).isoformat()
    assert listed(until=until) == {neustadt.service_request_id}


def test_bad_filters_get_a_clear_error(english, pothole):
    response = english.get("/concerns/", {"state": "kaputt", "since": "gestern"})
    page = response.content.decode()
    assert response.status_code == 400
    assert "Select a valid choice" in page and "Enter a valid date" in page
    response = english.get("/concerns/", {"since": "2026-05-10", "until": "2026-05-01"})
    assert "The end of the period lies before its start." in response.content.decode()


def test_the_list_pages(english, published, monkeypatch):
    from smartcity.concerns.web import citizen_views

    monkeypatch.setattr(citizen_views, "PAGE_SIZE", 2)
    concerns = [published() for _n in range(3)]
    first = english.get("/concerns/", {"district": "altstadt"}).content.decode()
    assert "Page 1 of 2" in first and "?district=altstadt&amp;page=2" in first
    second = english.get("/concerns/", {"district": "altstadt", "page": 2}).content.decode()
    assert concerns[0].service_request_id in second  # the oldest comes last
    assert concerns[2].service_request_id not in second


def test_demo_concerns_are_labelled(english, published):
    concern = published()
    Concern.objects.filter(pk=concern.pk).update(is_demo=True)
    assert "Demo data" in english.get("/concerns/").content.decode()
    assert english.get("/concerns/markers.geojson").json()["features"][0]["properties"]["demo"]


# The GeoJSON of the map


def test_the_markers_are_geojson_of_published_concerns(client, published, submit):
    concern = published(**CONTACT, address="Wilsdruffer Straße 1")
    submit()  # unpublished
    response = client.get("/concerns/markers.geojson")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    assert "public" in response["Cache-Control"] and "max-age=60" in response["Cache-Control"]
    body = response.json()
    assert body["type"] == "FeatureCollection"
    assert body["page"] == 1 and body["page_size"] == 500 and body["next"] is None
    assert body["features"] == [
        {
            "type": "Feature",
            "id": concern.service_request_id,
            "geometry": {"type": "Point", "coordinates": [ALTSTADT[1], ALTSTADT[0]]},
            "properties": {
                "state": "submitted",
                "service_code": "schlagloch",
                "category": "Schlagloch",
                "submitted": concern.submitted_at.isoformat(),
            },
        }
    ]
    assert b"Erika" not in response.content and b"Tiefes Loch" not in response.content


def test_the_markers_filter_and_page(client, published, other_staff):
    altstadt = [published() for _n in range(3)]
    neustadt = published(at=NEUSTADT)
    services.change_state(neustadt, "open", other_staff)

    def ids(**query):
        return ids_of(client.get("/concerns/markers.geojson", query).json())

    assert ids(district="neustadt") == [neustadt.service_request_id]
    assert ids(state="open") == [neustadt.service_request_id]
    assert ids(state="submitted", category="schlagloch") == [
        c.service_request_id for c in reversed(altstadt)
    ]
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    assert ids(since=tomorrow) == []
    first = client.get("/concerns/markers.geojson", {"page_size": 3}).json()
    assert len(first["features"]) == 3
    assert first["next"] == "/concerns/markers.geojson?page=2&page_size=3"
    second = client.get(first["next"]).json()
    assert ids_of(second) == [altstadt[0].service_request_id] and second["next"] is None


@pytest.mark.parametrize(
    "query",
    [{"state": "kaputt"}, {"district": "atlantis"}, {"page": "0"}, {"page_size": "1001"}],
)
def test_bad_marker_queries_get_400_with_a_reason(client, pothole, query):
    response = client.get("/concerns/markers.geojson", query)
    assert response.status_code == 400
    assert response.json()["detail"]


def test_a_hidden_place_is_rounded_on_the_map(client, published, staff):
    concern = published(at=(51.047123, 13.750456))
    services.hide(concern, staff, personal_data=True)
    (feature,) = client.get("/concerns/markers.geojson").json()["features"]
    assert feature["geometry"]["coordinates"] == [13.75, 51.047]


def test_the_markers_take_a_fixed_number_of_queries(client, published, django_assert_num_queries):
    for _n in range(5):
        published()
    with django_assert_num_queries(1):
        assert len(client.get("/concerns/markers.geojson").json()["features"]) == 5
    with django_assert_num_queries(0):  # cached
        client.get("/concerns/markers.geojson")


# A concern's page


@pytest.mark.parametrize("role", ["anonymous", "citizen", "reporter", "staff", "platform_admin"])
def test_the_report_page_never_shows_contact_data(english, users, published, citizen, role):
    reporter = citizen if role == "reporter" else None
    concern = published(reporter=reporter, **CONTACT, address="Wilsdruffer Straße 1")
    services.add_note(concern, "Bauhof informiert", users["staff"], public=False)
    services.add_note(concern, "Wir kümmern uns.", users["staff"], public=True)
    user = citizen if role == "reporter" else users[role]
    if user:
        english.force_login(user)
    response = english.get(f"/concerns/{concern.service_request_id}/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "Schlagloch" in page and "State: submitted" not in page
    assert 'class="concern-state concern-state-submitted"' in page
    assert "Tiefes Loch in der Fahrbahn" in page and "Wilsdruffer Straße 1" in page
    assert "Wir kümmern uns." in page and "Answer from the city" in page
    assert "Umweltamt" in page
    assert "Bauhof informiert" not in page  # internal, even for staff on the public page
    for private in ("Erika", "erika@example.org", "0351 999888"):
        assert private not in page


@pytest.mark.parametrize(
    "role, status",
    [("anonymous", 404), ("citizen", 404), ("reporter", 200), ("staff", 200)],
)
def test_an_unpublished_concern_is_seen_by_its_reporter_and_staff(
    english, users, submit, make_follower, role, status
):
    reporter = make_follower()
    concern = submit(reporter=reporter)
    user = reporter if role == "reporter" else users[role]
    if user:
        english.force_login(user)
    assert english.get(f"/concerns/{concern.service_request_id}/").status_code == status


def test_unknown_numbers_are_not_found(english, pothole):
    assert english.get("/concerns/ABCD-EFGH/").status_code == 404


def test_photos_are_shown_unless_hidden(english, published, staff):
    concern = published(photos=[png_bytes()])
    image = concern.photos.get().image
    page = english.get(f"/concerns/{concern.service_request_id}/").content.decode()
    assert image.thumbnail_url in page and "Photo 1 of the report" in page
    services.hide(concern, staff, photos=True, text=True)
    page = english.get(f"/concerns/{concern.service_request_id}/").content.decode()
    assert image.thumbnail_url not in page and image.url not in page
    assert "Tiefes Loch" not in page and "The description is not shown publicly." in page


def test_the_history_shows_state_changes_and_public_notes(english, published, staff):
    concern = published()
    services.change_state(concern, "open", staff)
    services.change_state(concern, "planned", staff, "Wird im Mai asphaltiert.")
    page = english.get(f"/concerns/{concern.service_request_id}/").content.decode()
    history = page[page.index('id="history-heading"') :]
    assert (
        history.index("Reported") < history.index("State: open") < history.index("State: planned")
    )
    assert "Wird im Mai asphaltiert." in history
    assert "Target date" in page


# Following


def test_following_a_concern_needs_a_login(english, published, citizen):
    concern = published()
    url = f"/concerns/{concern.service_request_id}/"
    page = english.get(url).content.decode()
    assert f'href="/accounts/login/?next={url}"' in page
    response = english.post(f"{url}follow/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert not Follow.objects.exists()

    english.force_login(citizen)
    assert "Follow this concern" in english.get(url).content.decode()
    assert english.post(f"{url}follow/")["Location"] == url
    assert Follow.objects.filter(user=citizen, concern=concern).exists()
    assert "Stop following" in english.get(url, follow=True).content.decode()
    english.post(f"{url}follow/", {"action": "unfollow"})
    assert not Follow.objects.exists()


def test_a_concern_one_may_not_see_cannot_be_followed(english, submit, citizen):
    concern = submit()
    english.force_login(citizen)
    assert english.post(f"/concerns/{concern.service_request_id}/follow/").status_code == 404


def test_following_a_district_from_the_list(english, published, citizen):
    page = english.get("/concerns/", {"district": "neustadt"}).content.decode()
    assert "Log in to follow Neustadt" in page
    english.force_login(citizen)
    page = english.get("/concerns/", {"district": "neustadt"}).content.decode()
    assert "Follow Neustadt" in page
    response = english.post("/concerns/follow-district/", {"district": "neustadt"})
    assert response["Location"] == "/concerns/?district=neustadt"
    follow = Follow.objects.get(user=citizen)
    assert follow.area.name == "Neustadt"
    assert "Stop following Neustadt" in english.get(response["Location"]).content.decode()
    english.post("/concerns/follow-district/", {"district": "neustadt", "action": "unfollow"})
    assert not Follow.objects.exists()
    assert english.post("/concerns/follow-district/", {"district": "dresden"}).status_code == 404


# Reopening and "Is it fixed?"


def test_the_reporter_reopens_within_the_window(english, fixed_for, citizen):
    concern = fixed_for(citizen, days_ago=3)
    url = f"/concerns/{concern.service_request_id}/"
    english.force_login(citizen)
    assert "Reopen the concern" in english.get(url).content.decode()
    response = english.post(f"{url}reopen/", {"reason": ""})
    assert response.status_code == 400
    response = english.post(f"{url}reopen/", {"reason": "Das Loch ist wieder da."})
    assert response["Location"] == url
    concern.refresh_from_db()
    assert concern.state == "reopened"
    assert "Das Loch ist wieder da." in english.get(url).content.decode()


def test_after_the_window_the_reporter_is_told_why_not(english, fixed_for, citizen, settings):
    concern = fixed_for(citizen, days_ago=settings.CONCERNS_REOPEN_DAYS + 1)
    url = f"/concerns/{concern.service_request_id}/"
    english.force_login(citizen)
    page = english.get(url).content.decode()
    assert "Reopen the concern" not in page
    assert f"up to {settings.CONCERNS_REOPEN_DAYS} days after it was fixed" in page
    response = english.post(f"{url}reopen/", {"reason": "Immer noch kaputt"})
    assert response.status_code == 400
    assert "days after it was fixed" in response.content.decode()
    concern.refresh_from_db()
    assert concern.state == "fixed"


def test_only_the_reporter_may_reopen(english, fixed_for, citizen, make_follower):
    concern = fixed_for(citizen)
    other = make_follower()
    english.force_login(other)
    page = english.get(f"/concerns/{concern.service_request_id}/").content.decode()
    assert "Reopen the concern" not in page
    response = english.post(f"/concerns/{concern.service_request_id}/reopen/", {"reason": "x"})
    assert response.status_code == 403


def test_the_fixed_question_answered_yes(english, fixed_for, citizen):
    concern = fixed_for(citizen, days_ago=15)
    Concern.objects.filter(pk=concern.pk).update(fix_question_sent_at=timezone.now())
    url = f"/concerns/{concern.service_request_id}/"
    english.force_login(citizen)
    page = english.get(url).content.decode()
    assert "Is it fixed?" in page and "Yes, it is fixed" in page
    assert english.post(f"{url}fixed/", {"fixed": "yes"})["Location"] == url
    concern.refresh_from_db()
    assert concern.fix_confirmed is True and concern.state == "fixed"
    page = english.get(url).content.decode()
    assert "Is it fixed?" not in page
    assert "The reporter confirmed that it is fixed" in page


def test_the_fixed_question_answered_no_reopens(english, fixed_for, citizen):
    concern = fixed_for(citizen, days_ago=15)
    Concern.objects.filter(pk=concern.pk).update(fix_question_sent_at=timezone.now())
    url = f"/concerns/{concern.service_request_id}/"
    english.force_login(citizen)
    assert english.post(f"{url}fixed/", {"fixed": "no"}).status_code == 400
    english.post(f"{url}fixed/", {"fixed": "no", "reason": "Noch da"})
    concern.refresh_from_db()
    assert concern.state == "reopened"


def test_nobody_else_answers_the_fixed_question(english, fixed_for, citizen, make_follower):
    concern = fixed_for(citizen)
    english.force_login(make_follower())
    response = english.post(f"/concerns/{concern.service_request_id}/fixed/", {"fixed": "yes"})
    assert response.status_code == 403


# My reports and navigation


def test_my_reports_need_a_login(english, pothole):
    response = english.get("/concerns/mine/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_my_reports_list_reports_and_follows(english, submit, published, citizen, areas):
    mine = submit(reporter=citizen)
    other = published()
    someone_elses = submit()
    services.follow(citizen, concern=other)
    services.follow(citizen, area=areas["Pieschen"])
    english.force_login(citizen)
    page = english.get("/concerns/mine/").content.decode()
    reported = page[page.index("reported-heading") : page.index("followed-heading")]
    assert mine.service_request_id in reported and "not public yet" in reported
    assert other.service_request_id not in reported
    assert other.service_request_id in page[page.index("followed-heading") :]
    assert "Pieschen" in page and "Stop following Pieschen" in page
    assert someone_elses.service_request_id not in page


def test_the_main_navigation_links_the_pages(english, pothole):
    page = english.get("/").content.decode()
    assert 'href="/concerns/report/">Report a problem</a>' in page
    assert 'href="/concerns/">Concerns</a>' in page
