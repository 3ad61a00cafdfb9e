"""The admin: platform admins edit the catalogue and moderate concerns through the services."""

import pytest
from django.urls import reverse

from smartcity.concerns import services
from smartcity.concerns.models import Concern
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, platform_admin):
    client.login(email=platform_admin.email, password=PASSWORD)
    return client


@pytest.mark.parametrize("model", ["category", "routingrule", "concern", "concernevent", "follow"])
def test_every_list_opens_for_platform_admins(admin_client, submit, model):
    submit()
    response = admin_client.get(reverse(f"admin:concerns_{model}_changelist"))
    assert response.status_code == 200


def test_the_category_page_shows_attributes_templates_and_routing(admin_client, pothole):
    response = admin_client.get(reverse("admin:concerns_category_change", args=[pothole.pk]))
    assert response.status_code == 200
    assert b"groesse" in response.content


def test_moderation_in_the_admin_goes_through_the_service(admin_client, submit, platform_admin):
    concern = submit(contact=services.Contact(email="erika@example.org"))
    url = reverse("admin:concerns_concern_change", args=[concern.pk])
    page = admin_client.get(url)
    assert page.status_code == 200
    assert b"erika@example.org" in page.content
    response = admin_client.post(url, {"text_hidden": "on", "photos": "", "events": ""} | {
        "photos-TOTAL_FORMS": "0", "photos-INITIAL_FORMS": "0",
        "events-TOTAL_FORMS": "1", "events-INITIAL_FORMS": "1",
        "events-0-id": str(concern.events.get().pk), "events-0-concern": str(concern.pk),
    })  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    concern.refresh_from_db()
    assert concern.text_hidden
    assert [e.data for e in concern.events.filter(kind="moderation")] == [
        {"action": "hidden", "text_hidden": True}
    ]


def test_publishing_from_the_list(admin_client, submit):
    concern = submit()
    response = admin_client.post(
        reverse("admin:concerns_concern_changelist"),
        {"action": "publish_selected", "_selected_action": [concern.pk]},
    )
    assert response.status_code == 302
    assert Concern.objects.get(pk=concern.pk).is_published


def test_the_admin_is_closed_to_department_staff(client, staff, submit):
    staff.is_staff = True
    staff.save()
    client.login(email=staff.email, password=PASSWORD)
    response = client.get(reverse("admin:concerns_concern_changelist"))
    assert response.status_code == 403
