import base64
import io

import pytest
from django.core.management import CommandError, call_command
from django.test import RequestFactory

from smartcity.core.accounts.models import Organisation
from smartcity.sensors import access
from smartcity.sensors.models import SensorToken, Thing


@pytest.fixture
def things(department, other_department):
    return {
        "public": Thing.objects.create(name="Luftmessstation Nord", description="NO2"),
        "hospital": Thing.objects.create(
            name="Stromzähler Klinikum", description="kWh", is_private=True, organisation=department
        ),
        "other": Thing.objects.create(
            name="Pegel", description="Elbe", organisation=other_department
        ),
    }


def _request(header):
    return RequestFactory().get("/sta/v1.1/Things", HTTP_AUTHORIZATION=header)


@pytest.mark.django_db
def test_private_things_are_read_by_members_only(users, things):
    visible = {
        role: set(
            Thing.objects.filter(access.visible_things_filter(user)).values_list("name", flat=True)
        )
        for role, user in users.items()
    }
    everyone = {"Luftmessstation Nord", "Pegel"}
    assert visible["anonymous"] == everyone
    assert visible["citizen"] == everyone
    assert visible["staff"] == everyone | {"Stromzähler Klinikum"}
    assert visible["platform_admin"] == everyone | {"Stromzähler Klinikum"}


@pytest.mark.django_db
def test_token_accepted_as_bearer_and_as_basic_password(things):
    token, secret = access.issue_token("Logger", thing=things["public"])
    assert access.token_from_request(_request(f"Bearer {secret}")) == token
    basic = base64.b64encode(f"anyuser:{secret}".encode()).decode()
    assert access.token_from_request(_request(f"Basic {basic}")) == token
    assert SensorToken.objects.get().last_used_at is not None
    assert access.token_from_request(_request("Bearer st_wrong")) is None
    assert access.token_from_request(_request("Basic !!notbase64")) is None
    access.revoke_token(token)
    assert access.token_from_request(_request(f"Bearer {secret}")) is None


@pytest.mark.django_db
def test_token_scopes(department, things):
    thing_token, _ = access.issue_token("one", thing=things["public"])
    org_token, _ = access.issue_token("dept", organisation=department)
    platform_token, _ = access.issue_token("platform")
    assert thing_token.may_write(things["public"]) and not thing_token.may_write(things["other"])
    assert not thing_token.may_write(None)
    assert org_token.may_write(things["hospital"]) and not org_token.may_write(things["other"])
    assert org_token.may_write(None)
    assert all(platform_token.may_write(t) for t in [*things.values(), None])


@pytest.mark.django_db
def test_members_write_their_organisations_things(users, things):
    assert access.may_write(users["staff"], None, things["hospital"])
    assert not access.may_write(users["staff"], None, things["other"])
    assert not access.may_write(users["citizen"], None, things["public"])
    assert access.may_write(users["platform_admin"], None, things["other"])


@pytest.mark.django_db
def test_create_token_command(department, things):
    out, err = io.StringIO(), io.StringIO()
    call_command("sensors", "create-token", "--department", "ua", stdout=out, stderr=err)
    secret = out.getvalue().strip()
    assert secret.startswith("st_")
    token = access.token_from_request(_request(f"Bearer {secret}"))
    assert token.organisation == Organisation.objects.get(slug="ua")
    assert "Umweltamt" in err.getvalue()

    out = io.StringIO()
    call_command("sensors", "create-token", "--thing", str(things["other"].pk), stdout=out)
    assert access.token_from_request(_request(f"Bearer {out.getvalue().strip()}")).thing_id == (
        things["other"].pk
    )
    out = io.StringIO()
    call_command("sensors", "create-token", stdout=out)
    assert access.token_from_request(_request(f"Bearer {out.getvalue().strip()}")).scope == (
        "platform"
    )
    with pytest.raises(CommandError, match="no organisation"):
        call_command("sensors", "create-token", "--department", "XYZ")
    with pytest.raises(CommandError, match=r"no Thing with @iot\.id 999"):
        call_command("sensors", "create-token", "--thing", "999")
