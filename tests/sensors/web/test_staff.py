"""Staff pages: who may open them, editing Things, sensor tokens."""

import pytest

from smartcity.core.audit.models import AuditEntry
from smartcity.sensors import access
from smartcity.sensors.models import SensorToken
from tests.sensors.web.conftest import thing

pytestmark = pytest.mark.django_db

STAFF_PAGES = [
    "/sensors/staff/",
    "/sensors/staff/things/",
    "/sensors/staff/tokens/",
    "/sensors/staff/rules/",
    "/sensors/staff/rules/new/",
    "/sensors/alerts/",
]


@pytest.fixture
def people(users, other_staff):
    return {**users, "other_department": other_staff}


@pytest.mark.parametrize("url", STAFF_PAGES)
@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("anonymous", 302),
        ("citizen", 403),
        ("staff", 200),
        ("department_admin", 200),
        ("other_department", 200),
        ("platform_admin", 200),
    ],
)
def test_staff_pages_are_for_members_and_platform_admins(
    client, people, network, url, role, status
):
    if people[role] is not None:
        client.force_login(people[role])
    response = client.get(url)
    assert response.status_code == status
    if role == "anonymous":
        assert response["Location"].startswith("/accounts/login/?next=")


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("anonymous", 302),
        ("citizen", 403),
        ("staff", 200),
        ("other_department", 403),
        ("platform_admin", 200),
    ],
)
def test_only_the_things_organisation_and_admins_may_edit_it(client, people, network, role, status):
    air = thing("air-nord")  # Umweltamt, the staff's department
    if people[role] is not None:
        client.force_login(people[role])
    assert client.get(f"/sensors/staff/things/{air.pk}/").status_code == status


def test_things_list_shows_only_the_users_organisations(english, staff, other_staff, network):
    english.force_login(staff)
    html = english.get("/sensors/staff/things/").content.decode()
    assert "Luftmessstation Dresden-Nord (Demo)" in html
    assert "Luftmessstation Bergstraße (Demo)" in html
    assert "Pegel Dresden, Elbe (Demo)" not in html
    english.force_login(other_staff)
    html = english.get("/sensors/staff/things/").content.decode()
    assert "Verkehrszählstelle Albertplatz (Demo)" in html
    assert "Luftmessstation Dresden-Nord (Demo)" not in html


def test_staff_edit_a_thing_and_the_change_is_audited(english, staff, department, network):
    air = thing("air-nord")
    english.force_login(staff)
    response = english.post(
        f"/sensors/staff/things/{air.pk}/",
        {
            "name": "Luftmessstation Schlesischer Platz (Demo)",
            "description": air.description,
            "organisation": department.pk,
            "is_private": "on",
        },
        follow=True,
    )
    assert response.status_code == 200
    assert "The thing “Luftmessstation Schlesischer Platz (Demo)” was saved." in (
        response.content.decode()
    )
    air.refresh_from_db()
    assert air.name == "Luftmessstation Schlesischer Platz (Demo)" and air.is_private
    entry = AuditEntry.objects.get(object_id=str(air.pk), content_type__model="thing")
    assert entry.actor == staff and entry.action == "update"
    assert entry.before["name"] == "Luftmessstation Dresden-Nord (Demo)"
    assert entry.after["name"] == "Luftmessstation Schlesischer Platz (Demo)"
    assert (entry.before["is_private"], entry.after["is_private"]) == ("False", "True")


def test_staff_cannot_hand_a_thing_to_an_organisation_they_are_not_in(
    english, staff, other_department, network
):
    air = thing("air-nord")
    english.force_login(staff)
    response = english.post(
        f"/sensors/staff/things/{air.pk}/",
        {"name": air.name, "organisation": other_department.pk},
    )
    assert response.status_code == 400
    assert "Select a valid choice." in response.content.decode()
    air.refresh_from_db()
    assert air.organisation.short_name == "UA"


def test_token_secret_is_shown_once_and_revoking_stops_it(english, staff, department, network):
    english.force_login(staff)
    page = english.get("/sensors/staff/tokens/").content.decode()
    assert f'value="organisation:{department.pk}"' in page
    assert 'value="platform"' not in page  # platform-wide tokens are for admins
    response = english.post(
        "/sensors/staff/tokens/",
        {"name": "Logger Schlesischer Platz", "scope": f"organisation:{department.pk}"},
    )
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    token = SensorToken.objects.get(name="Logger Schlesischer Platz")
    html = response.content.decode()
    secret = html.split('<code class="secret">')[1].split("</code>")[0]
    assert secret.startswith("st_") and secret.startswith(token.prefix)
    assert "it is shown only this once" in html
    assert token.organisation == department and token.created_by == staff
    # The secret works, and is never shown again.
    assert access.token_from_request(_bearer(secret)) == token
    listing = english.get("/sensors/staff/tokens/").content.decode()
    assert secret not in listing and f"{token.prefix}…" in listing
    assert "Logger Schlesischer Platz" in listing

    response = english.post(f"/sensors/staff/tokens/{token.pk}/revoke/", follow=True)
    assert "The token “Logger Schlesischer Platz” was revoked." in response.content.decode()
    assert "revoked on" in response.content.decode()
    assert access.token_from_request(_bearer(secret)) is None
    actions = AuditEntry.objects.filter(content_type__model="sensortoken", object_id=str(token.pk))
    assert sorted(actions.values_list("action", flat=True)) == ["create", "update"]
    revoked = actions.get(action="update")
    assert revoked.before["revoked_at"] is None and revoked.after["revoked_at"]
    assert "key_hash" not in revoked.after


def test_token_for_a_single_thing(english, staff, network):
    air = thing("air-nord")
    english.force_login(staff)
    response = english.post("/sensors/staff/tokens/", {"name": "NO2", "scope": f"thing:{air.pk}"})
    assert response.status_code == 200
    assert SensorToken.objects.get(name="NO2").thing == air
    assert "It may write to Luftmessstation Dresden-Nord (Demo)." in response.content.decode()


def test_staff_cannot_make_platform_tokens_or_tokens_for_other_things(english, staff, network):
    english.force_login(staff)
    elbe = thing("elbe-dresden")  # another department's
    for scope in ("platform", f"thing:{elbe.pk}"):
        response = english.post("/sensors/staff/tokens/", {"name": "x", "scope": scope})
        assert response.status_code == 400
        assert "Select a valid choice." in response.content.decode()
    assert not SensorToken.objects.exists()


def test_platform_admin_creates_a_platform_wide_token(english, platform_admin, network):
    english.force_login(platform_admin)
    response = english.post("/sensors/staff/tokens/", {"name": "FROST import", "scope": "platform"})
    assert response.status_code == 200
    assert SensorToken.objects.get(name="FROST import").scope == "platform"
    assert "It may write to every thing of the platform." in response.content.decode()


def test_other_department_cannot_revoke_a_token(client, other_staff, department, network):
    token, _secret = access.issue_token("UA logger", organisation=department)
    client.force_login(other_staff)
    assert client.post(f"/sensors/staff/tokens/{token.pk}/revoke/").status_code == 403
    token.refresh_from_db()
    assert token.revoked_at is None
    assert "UA logger" not in client.get("/sensors/staff/tokens/").content.decode()


def _bearer(secret):
    from django.test import RequestFactory

    return RequestFactory().get("/", HTTP_AUTHORIZATION=f"Bearer {secret}")
