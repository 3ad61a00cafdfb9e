"""The permission matrix: who sees and changes which concern, notes and contact data."""

import pytest

from smartcity.concerns import services
from smartcity.concerns.models import Concern
from smartcity.core.permissions import can

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "citizen", "reporter", "staff", "department_admin", "other_staff",
         "platform_admin"]  # fmt: skip


@pytest.fixture
def people(users, other_staff, make_follower):
    return users | {"other_staff": other_staff, "reporter": make_follower()}


@pytest.fixture
def concern(submit, people, staff):
    concern = submit(
        reporter=people["reporter"],
        contact=services.Contact("Erika Muster", "erika@example.org", "0351 123"),
    )
    services.add_note(concern, "Öffentliche Antwort", staff, public=True)
    services.add_note(concern, "Interner Vermerk", staff, public=False)
    return concern


def publish(concern, staff):
    return services.publish(concern, staff)


def visible(user, concern):
    try:
        services.concern_for(user, concern.service_request_id)
    except Concern.DoesNotExist:
        return False
    return True


# role: (sees unpublished, sees published, works on it, sees internal notes and contact)
MATRIX = {
    "anonymous": (False, True, False, False),
    "citizen": (False, True, False, False),
    "reporter": (True, True, False, False),
    "staff": (True, True, True, True),
    "department_admin": (True, True, True, True),
    "other_staff": (False, True, False, False),
    "platform_admin": (True, True, True, True),
}


@pytest.mark.parametrize("role", ROLES)
def test_matrix(role, people, concern, staff):
    user = people[role]
    sees_unpublished, sees_published, works, sees_internal = MATRIX[role]
    assert visible(user, concern) is sees_unpublished
    concern = publish(concern, staff)
    assert visible(user, concern) is sees_published
    assert can(user, "change", concern) is works
    texts = [event.text for event in services.history(user, concern)]
    assert "Öffentliche Antwort" in texts
    assert ("Interner Vermerk" in texts) is sees_internal
    detail = services.detail(user, concern)
    assert detail.sees_internal is sees_internal
    assert (detail.contact is not None) is sees_internal
    if sees_internal:
        assert detail.contact == services.Contact("Erika Muster", "erika@example.org", "0351 123")
    assert bool(detail.transitions) is works


def test_staff_of_another_department_sees_no_internal_notes(concern, other_staff, staff):
    concern = publish(concern, staff)
    detail = services.detail(other_staff, concern)
    assert [e.kind for e in detail.events] == ["state", "public_note"]
    assert detail.contact is None


def test_a_citizen_sees_no_contact_data_even_of_their_own_report(concern, people):
    detail = services.detail(people["reporter"], concern)
    assert detail.contact is None
    assert services.contact_of(people["reporter"], concern) is None
    assert detail.can_change is False


def test_only_department_admins_manage_and_only_platform_admins_delete(concern, people):
    assert [r for r in ROLES if can(people[r], "manage", concern)] == [
        "department_admin",
        "platform_admin",
    ]
    assert [r for r in ROLES if can(people[r], "delete", concern)] == ["platform_admin"]


def test_hidden_text_photos_and_address_stay_with_the_department(submit, staff, citizen):
    from tests.concerns.conftest import png_bytes

    concern = submit(address="Hausnummer 5", photos=[png_bytes()], reporter=citizen)
    concern = publish(concern, staff)
    concern = services.hide(concern, staff, text=True, photos=True, personal_data=True)
    public = services.detail(None, concern)
    assert public.photos == []
    assert concern.public_description == concern.public_address == ""
    assert concern.public_location == (round(concern.lat, 3), round(concern.lon, 3))
    assert len(services.detail(staff, concern).photos) == 1


def test_lists_hold_what_each_person_may_see(concern, people, staff, other_staff):
    published = publish(
        services.submit_concern(
            category=concern.category,
            lat=concern.lat,
            lon=concern.lon,
            description="öffentlich",
            attributes={"groesse": "klein"},
        ).concern,
        staff,
    )

    def listed(user):
        return set(services.visible_concerns(user).values_list("pk", flat=True))

    assert listed(None) == {published.pk}
    assert listed(people["reporter"]) == {published.pk, concern.pk}
    assert listed(staff) == listed(people["platform_admin"]) == {published.pk, concern.pk}
    assert listed(other_staff) == {published.pk}
    assert set(services.department_inbox(other_staff)) == set()
    assert set(services.department_inbox(staff)) == {published, concern}
