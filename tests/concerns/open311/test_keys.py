"""Open311 API keys: ``smartcity open311 create-key`` and the platform admins' page."""

import io

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import CommandError, call_command

from smartcity.concerns.open311 import keys
from smartcity.concerns.open311.models import ApiKey
from smartcity.core.audit.models import AuditEntry
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

PAGE = "/open311/v2/keys/"


def test_create_key_prints_the_key_once_and_stores_only_its_hash():
    out, err = io.StringIO(), io.StringIO()
    call_command("open311", "create-key", "Dresden-App", stdout=out, stderr=err)
    secret = out.getvalue().strip()
    assert secret.startswith("o311_") and len(secret) > 40
    key = ApiKey.objects.get()
    assert (key.name, key.created_by, key.revoked_at) == ("Dresden-App", None, None)
    assert secret not in {key.key_hash, key.prefix} and secret.startswith(key.prefix)
    assert "Dresden-App" in err.getvalue() and secret not in err.getvalue()
    assert keys.key_for(secret) == key
    assert ApiKey.objects.get().last_used_at is not None


def test_create_key_needs_a_name():
    with pytest.raises(CommandError, match="Name the partner app"):
        call_command("open311", "create-key", "  ")
    with pytest.raises(CommandError):
        call_command("open311")
    assert not ApiKey.objects.exists()


def test_a_platform_admin_creates_and_revokes_keys_on_the_page(english, client, platform_admin):
    client.login(email=platform_admin.email, password=PASSWORD)
    assert "There are no keys yet." in client.get(PAGE).content.decode()
    response = client.post(PAGE, {"name": "Meldeplattform XY"})
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0")
    secret = response.context["secret"]
    assert secret in response.content.decode()
    key = keys.key_for(secret)
    assert (key.name, key.created_by) == ("Meldeplattform XY", platform_admin)

    listing = client.get(PAGE).content.decode()
    assert "Meldeplattform XY" in listing and key.prefix in listing and secret not in listing

    response = client.post(f"{PAGE}{key.pk}/revoke/", follow=True)
    assert "revoked" in response.content.decode()
    assert keys.key_for(secret) is None
    entries = AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(ApiKey), object_id=str(key.pk)
    ).order_by("pk")
    assert [(e.action, e.actor) for e in entries] == [
        ("create", platform_admin),
        ("update", platform_admin),
    ]
    assert "key_hash" not in entries[0].after and entries[1].after["revoked_at"]


def test_an_empty_name_is_refused_on_the_page(client, platform_admin):
    client.login(email=platform_admin.email, password=PASSWORD)
    response = client.post(PAGE, {"name": ""})
    assert response.status_code == 400
    assert not ApiKey.objects.exists()


def test_only_platform_admins_see_the_page(client, staff, department_admin, citizen):
    assert client.get(PAGE).status_code == 302  # to the login
    _key, secret = keys.issue_key("App")
    key = ApiKey.objects.get()
    for user in (citizen, staff, department_admin):
        client.login(email=user.email, password=PASSWORD)
        assert client.get(PAGE).status_code == 403
        assert client.post(PAGE, {"name": "Meine"}).status_code == 403
        assert client.post(f"{PAGE}{key.pk}/revoke/").status_code == 403
    assert ApiKey.objects.count() == 1 and keys.key_for(secret) is not None


def test_the_staff_area_lists_the_page_for_platform_admins_only(
    client, platform_admin, department_admin
):
    client.login(email=department_admin.email, password=PASSWORD)
    assert PAGE not in client.get("/staff/").content.decode()
    client.login(email=platform_admin.email, password=PASSWORD)
    assert PAGE in client.get("/staff/").content.decode()
