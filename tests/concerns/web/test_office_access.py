"""The back office's permission matrix, page by page: who gets in, and who reads what."""

import pytest

from smartcity.concerns import services
from tests.concerns.web.office_support import (
    CONTACT,
    INTERNAL_NOTE,
    PUBLIC_NOTE,
    action_url,
    client_of,
    concern,
    detail_url,
    people,
    text_of,
)

pytestmark = pytest.mark.django_db
__all__ = ["client_of", "concern", "people"]  # fixtures

ROLES = ["anonymous", "citizen", "staff", "department_admin", "other_staff", "platform_admin"]
PAGES = {
    "inbox": lambda concern: "/concerns/office/",
    "map": lambda concern: "/concerns/office/?view=map",
    "detail": detail_url,
    "statistics": lambda concern: "/concerns/office/statistics/",
    "export": lambda concern: "/concerns/office/export.csv",
    "catalogue": lambda concern: "/concerns/office/catalogue/",
    "category": lambda concern: "/concerns/office/catalogue/schlagloch/",
}
# Status per role on every page, for the unpublished concern of the department.
EXPECTED = {
    "anonymous": 302,
    "citizen": 403,
    "staff": 200,
    "department_admin": 200,
    "other_staff": 200,
    "platform_admin": 200,
}


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("role", ROLES)
def test_who_may_open_each_page(role, page, people, concern, client_of):
    response = client_of(people[role]).get(PAGES[page](concern))
    expected = EXPECTED[role]
    if role == "other_staff" and page == "detail":
        expected = 404  # not published: another department does not learn it exists
    assert response.status_code == expected
    if expected == 302:
        assert response["Location"].startswith("/accounts/login/")
    if expected == 403:
        assert "This area is for the city" in text_of(response)


@pytest.mark.parametrize("role", ["staff", "department_admin", "platform_admin"])
def test_responsible_staff_read_internal_notes_and_contact_data(role, people, concern, client_of):
    page = text_of(client_of(people[role]).get(detail_url(concern)))
    assert PUBLIC_NOTE in page
    assert INTERNAL_NOTE in page
    assert "Internal notes and activities" in page
    assert CONTACT.email in page and CONTACT.phone in page
    assert "Change the state" in page


def test_another_department_reads_a_published_concern_as_the_public_does(
    people, concern, staff, client_of
):
    services.publish(concern, staff)
    response = client_of(people["other_staff"]).get(detail_url(concern))
    page = text_of(response)
    assert response.status_code == 200
    assert PUBLIC_NOTE in page
    assert INTERNAL_NOTE not in page
    assert "Internal notes and activities" not in page
    assert CONTACT.email not in page and CONTACT.name not in page
    assert "Contact data is shown only to the responsible department." in page
    assert "Change the state" not in page


def test_another_department_may_not_act(people, concern, staff, client_of):
    other = client_of(people["other_staff"])
    response = other.post(action_url(concern, "note"), {"note-text": "Hallo", "note-public": "1"})
    assert response.status_code == 404  # unpublished: not even its existence
    services.publish(concern, staff)
    response = other.post(action_url(concern, "note"), {"note-text": "Hallo", "note-public": "1"})
    assert response.status_code == 403
    assert concern.events.filter(text="Hallo").count() == 0


@pytest.mark.parametrize(
    "role, listed",
    [("staff", True), ("department_admin", True), ("platform_admin", True), ("other_staff", False)],
)
def test_the_inbox_lists_the_departments_concerns_only(role, listed, people, concern, client_of):
    page = text_of(client_of(people[role]).get("/concerns/office/"))
    assert (concern.service_request_id in page) is listed


def test_anonymous_and_citizens_may_not_act(people, concern, client_of):
    for role, status in (("anonymous", 302), ("citizen", 403)):
        response = client_of(people[role]).post(
            action_url(concern, "state"), {"state-state": "open"}
        )
        assert response.status_code == status
        response = client_of(people[role]).post(
            "/concerns/office/bulk/",
            {"concerns": [concern.service_request_id], "action": "publish"},
        )
        assert response.status_code == status
    concern.refresh_from_db()
    assert (concern.state, concern.published_at) == ("submitted", None)


@pytest.mark.parametrize(
    "role, expected",
    [
        ("staff", {"edit": 403, "workflow": 403, "attributes/new": 403, "templates/new": 403}),
        (
            "department_admin",
            {"edit": 200, "workflow": 403, "attributes/new": 403, "templates/new": 200},
        ),
        (
            "other_staff",
            {"edit": 403, "workflow": 403, "attributes/new": 403, "templates/new": 403},
        ),
        (
            "platform_admin",
            {"edit": 200, "workflow": 200, "attributes/new": 200, "templates/new": 200},
        ),
    ],
)
def test_who_may_edit_the_catalogue(role, expected, people, pothole, client_of):
    client = client_of(people[role])
    for page, status in expected.items():
        assert client.get(f"/concerns/office/catalogue/schlagloch/{page}/").status_code == status
    new_category = client.get("/concerns/office/catalogue/new/").status_code
    assert new_category == (200 if role == "platform_admin" else 403)


def test_the_staff_area_links_the_back_office(people, client_of):
    page = text_of(client_of(people["staff"]).get("/staff/"))
    for path in (
        "/concerns/office/",
        "/concerns/office/statistics/",
        "/concerns/office/catalogue/",
    ):
        assert f'href="{path}"' in page
